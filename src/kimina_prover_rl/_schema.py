"""Settings dataclasses whose fields carry their own help, flag and type check.

A settings class is a frozen dataclass whose fields are made with :func:`setting` (help
text, command-line flag, environment variable) and whose ``__post_init__`` calls
:func:`check_fields`: every value is checked against the field's annotation by pydantic in
strict mode (an ``int`` field refuses ``True`` and ``1.0``; ``Annotated[int, Field(ge=1)]``
adds the bound; ``Annotated[Path, Field(strict=False)]`` also takes a string, as YAML
gives it). The command line
builds its options from the same fields (``cli/_settings_options.py``) and
:func:`settings_from_mapping` reads a framework's key/value settings into the class,
refusing unknown keys, so one field is the whole definition of a setting.
"""

from __future__ import annotations

import dataclasses
import typing
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

from pydantic import ConfigDict, TypeAdapter, ValidationError

from kimina_prover_rl.errors import ConfigError

__all__ = [
    "SettingInfo",
    "check_fields",
    "check_value",
    "setting",
    "setting_fields",
    "settings_from_mapping",
]


class _Settings(Protocol):
    __dataclass_fields__: typing.ClassVar[dict[str, Any]]


_S = TypeVar("_S", bound=_Settings)


@dataclass(frozen=True, slots=True)
class SettingInfo:
    """What a setting means and how the command line spells it."""

    help: str
    """One or two sentences for ``--help`` (and for readers of the class)."""
    flag: str | None = None
    """Command-line flag (``--workers``, ``--dedup/--no-dedup``); None keeps it off the CLI."""
    envvar: str | None = None
    """Environment variable the command line reads when the flag is not given."""
    metavar: str | None = None
    """Placeholder shown in ``--help``."""


def setting(
    default: Any,
    *,
    help: str,
    flag: str | None = None,
    envvar: str | None = None,
    metavar: str | None = None,
) -> Any:
    """A dataclass field with a default and its :class:`SettingInfo`."""
    info = SettingInfo(help=help, flag=flag, envvar=envvar, metavar=metavar)
    return dataclasses.field(default=default, metadata={"setting": info})


def setting_fields(cls: type[Any]) -> dict[str, tuple[SettingInfo, Any, Any]]:
    """``name -> (info, type with its constraints, default)`` for each field, in order."""
    hints = _hints(cls)
    return {
        f.name: (f.metadata["setting"], hints[f.name], f.default)
        for f in dataclasses.fields(cls)
        if "setting" in f.metadata
    }


def check_value(cls: type[Any], name: str, value: Any, *, label: str, fix: str = "") -> Any:
    """``value`` checked (and a string made a ``Path``) for field ``name`` of ``cls``.

    Raises ``ConfigError`` naming ``label``, the value, what the field accepts and ``fix``.
    """
    try:
        return _adapter(cls, name).validate_python(value)
    except ValidationError as exc:
        reason = "; ".join(error["msg"] for error in exc.errors()).lower()
        raise ConfigError(f"{label}={value!r} is invalid: {reason}{fix}") from None


def check_fields(instance: Any) -> None:
    """Check every field of a frozen settings dataclass (call from ``__post_init__``).

    An error names the class and field, and the field's command-line flag.
    """
    cls = type(instance)
    for name, (info, _, _) in setting_fields(cls).items():
        value = getattr(instance, name)
        fix = "" if info.flag is None else f" (command line: {info.flag.split('/')[0]})"
        checked = check_value(cls, name, value, label=f"{cls.__name__}.{name}", fix=fix)
        if checked is not value:
            object.__setattr__(instance, name, checked)


def settings_from_mapping(
    cls: type[_S],
    values: Mapping[str, Any],
    *,
    where: str,
    also_valid: Collection[str] = (),
) -> _S:
    """``cls`` built from ``values`` (e.g. verl's ``reward_kwargs``).

    ``where`` names the mapping in messages (``reward_kwargs``); keys in ``also_valid``
    belong to someone else and are skipped. Any other unknown key is refused with the
    valid ones listed, so a typo never falls back to a default.
    """
    known = set(setting_fields(cls))
    unknown = sorted(set(values) - known - set(also_valid))
    if unknown:
        raise ConfigError(
            f"unknown {where} keys {', '.join(unknown)}; the valid keys are "
            f"{', '.join(sorted(known | set(also_valid)))}"
        )
    checked = {
        name: check_value(cls, name, value, label=f"{where}.{name}")
        for name, value in values.items()
        if name in known
    }
    return cls(**checked)


_HINTS: dict[type[Any], dict[str, Any]] = {}
_ADAPTERS: dict[tuple[type[Any], str], TypeAdapter[Any]] = {}


def _hints(cls: type[Any]) -> dict[str, Any]:
    hints = _HINTS.get(cls)
    if hints is None:
        hints = _HINTS[cls] = typing.get_type_hints(cls, include_extras=True)
    return hints


def _adapter(cls: type[Any], name: str) -> TypeAdapter[Any]:
    adapter = _ADAPTERS.get((cls, name))
    if adapter is None:
        adapter = TypeAdapter(_hints(cls)[name], config=ConfigDict(strict=True))
        _ADAPTERS[cls, name] = adapter
    return adapter
