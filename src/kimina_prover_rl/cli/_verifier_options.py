"""The verifier options every Lean-checking command shares, generated from the settings.

:func:`with_verifier_options` adds one typer option per field of
:class:`~kimina_prover_rl.lean.VerifierSettings` that has a flag (its help, flag,
environment variable, metavar and bounds come from the field), plus ``--no-cache``, and
hands the command one resolved ``VerifierSettings`` in their place, so ``verify``,
``serve``, ``score``, ``eval``, ``doctor`` and ``dry-run`` cannot drift apart::

    @app.command("verify")
    @with_verifier_options()
    def verify(input_path: Path, *, verifier_options: VerifierSettings) -> None: ...

``--backend auto`` is resolved before the command starts, so a command with no Lean
configured stops before any work and says how to give it one.
"""

from __future__ import annotations

import functools
import inspect
import os
import typing
from collections.abc import Callable, Collection
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer

from kimina_prover_rl._schema import setting_fields
from kimina_prover_rl.errors import ConfigError
from kimina_prover_rl.lean.settings import VerifierSettings, WithoutLean, resolve_backend

__all__ = ["default_cache_path", "with_verifier_options"]

_R = TypeVar("_R")
_PANEL = "Verifier"
_NO_CACHE = "no_cache"


def default_cache_path() -> Path:
    """``$KIMINA_CACHE``, else ``kimina-prover-rl/verdicts.sqlite`` in ``$XDG_CACHE_HOME``."""
    explicit = os.environ.get("KIMINA_CACHE")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "kimina-prover-rl" / "verdicts.sqlite"


def _generated_options() -> dict[str, tuple[Any, Any]]:
    """``name -> (annotation with its typer.Option, default)``, in the settings' order."""
    options: dict[str, tuple[Any, Any]] = {}
    for name, (info, hint, default) in setting_fields(VerifierSettings).items():
        if info.flag is None:
            continue
        bounds: dict[str, Any] = {}
        plain = hint
        if typing.get_origin(hint) is Annotated:
            plain, *extras = typing.get_args(hint)
            for constraint in (m for extra in extras for m in getattr(extra, "metadata", ())):
                if hasattr(constraint, "ge"):  # annotated_types.Ge, as pydantic's Field(ge=) makes
                    bounds["min"] = constraint.ge
                elif hasattr(constraint, "le"):
                    bounds["max"] = constraint.le
        option = typer.Option(
            info.flag,
            help=info.help,
            envvar=info.envvar,
            metavar=info.metavar,
            rich_help_panel=_PANEL,
            **bounds,
        )
        options[name] = (Annotated[plain, option], default)
    options[_NO_CACHE] = (
        Annotated[
            bool,
            typer.Option(
                "--no-cache", help="Do not read or write the verdict cache.", rich_help_panel=_PANEL
            ),
        ],
        False,
    )
    return options


_OPTIONS = _generated_options()


def _settings(values: dict[str, Any], without_lean: WithoutLean) -> VerifierSettings:
    """The parsed options as resolved settings (bad values, no Lean -> BadParameter)."""
    no_cache = values.pop(_NO_CACHE)
    if no_cache:
        values["cache_path"] = None
    elif values["cache_path"] is None:
        values["cache_path"] = default_cache_path()
    try:
        return resolve_backend(VerifierSettings(**values), without_lean=without_lean)
    except ConfigError as exc:
        raise typer.BadParameter(str(exc)) from exc


def _own_hints(command: Callable[..., Any]) -> dict[str, Any]:
    """The command's parameter annotations, evaluated, except ``verifier_options``.

    That one stays unevaluated so commands can import ``VerifierSettings`` under
    ``TYPE_CHECKING`` only.
    """
    namespace = vars(inspect.getmodule(command))
    return {
        name: eval(value, namespace) if isinstance(value, str) else value
        for name, value in command.__annotations__.items()
        if name not in ("verifier_options", "return")
    }


def with_verifier_options(
    *,
    exclude: Collection[str] = (),
    without_lean: WithoutLean = "refuse",
) -> Callable[[Callable[..., _R]], Callable[..., _R]]:
    """Add the shared options to a command taking ``verifier_options: VerifierSettings``.

    ``exclude`` drops options a command defines differently (``serve`` has its own
    ``--api-key``; the remote key then comes from ``LEAN_SERVER_API_KEY``).
    ``without_lean`` is what ``--backend auto`` becomes with no Lean configured: the
    stand-in for the CPU dry run (which announces it), ``auto`` kept for ``doctor``
    (which reports it); every other command refuses to run.
    """
    unknown = set(exclude) - set(_OPTIONS)
    if unknown:
        raise ValueError(f"with_verifier_options(exclude=...) names unknown options {unknown}")
    shared = {name: spec for name, spec in _OPTIONS.items() if name not in exclude}

    def decorate(command: Callable[..., _R]) -> Callable[..., _R]:
        signature = inspect.signature(command)
        hints = _own_hints(command)
        own = [
            p.replace(annotation=hints[p.name])
            for p in signature.parameters.values()
            if p.name != "verifier_options"
        ]
        clash = {p.name for p in own} & set(shared)
        if clash:
            raise ValueError(f"{command.__name__} defines shared verifier options {clash}")
        added = [
            inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, default=d, annotation=a)
            for name, (a, d) in shared.items()
        ]

        @functools.wraps(command)
        def wrapper(**kwargs: Any) -> _R:
            values = {name: default for name, (_, default) in _OPTIONS.items()}
            values.update((name, kwargs.pop(name)) for name in shared)
            return command(**kwargs, verifier_options=_settings(values, without_lean))

        wrapper.__signature__ = signature.replace(parameters=own + added)  # type: ignore[attr-defined]
        wrapper.__annotations__ = {**hints, **{name: a for name, (a, _) in shared.items()}}
        return wrapper

    return decorate
