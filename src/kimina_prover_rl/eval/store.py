"""The evaluation's on-disk state: ``settings.json`` and an append-only ``samples.jsonl``.

Every scored sample is appended (and flushed to disk) as soon as it is known, so a crash
loses only work in flight. A rerun reads the file back and skips what is done; a later
record for the same ``(problem, sample, round)`` replaces an earlier one (that is how
retried infrastructure failures are recorded). A last line cut short by a crash is
dropped; any other unreadable line is an error, never silently skipped.
``settings.json`` holds what the samples depend on; a rerun with other settings is
refused, so one directory never mixes two experiments, and a lock keeps two runs from
writing to one folder at once.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import Any

from kimina_prover_rl.errors import ConfigError, InputError

__all__ = ["SAMPLES_FILE", "SETTINGS_FILE", "SampleRecord", "SampleStore"]

SAMPLES_FILE = "samples.jsonl"
SETTINGS_FILE = "settings.json"

SampleKey = tuple[str, int, int]
_LOCK_FILE = ".lock"


@dataclass(frozen=True, slots=True, kw_only=True)
class SampleRecord:
    """One answer of one sample in one round, with its generation and its verdict.

    ``correction`` is the user turn that asks for the next round (None when the sample
    will not be corrected; ``skip`` then says why, e.g. ``valid`` or ``no_feedback``).
    ``generation_error`` and ``infra_failure`` are the backends' faults, never the model's.
    """

    problem_id: str
    sample: int
    round: int
    response: str
    finish_reason: str | None
    generation_error: str | None
    score: float
    acc: float
    format_error: str | None
    status: str | None
    infra_failure: bool
    detail: str
    feedback: str | None
    correction: str | None
    skip: str | None

    @property
    def key(self) -> SampleKey:
        """``(problem_id, sample, round)``: what a rerun looks up."""
        return (self.problem_id, self.sample, self.round)

    @property
    def unknown(self) -> bool:
        """Whether a backend failed, so the model's answer was never judged."""
        return self.generation_error is not None or self.infra_failure

    @property
    def solved(self) -> bool:
        """Whether this answer is a valid proof of the given statement."""
        return self.score >= 1.0 and not self.unknown

    def to_dict(self) -> dict[str, Any]:
        """One ``samples.jsonl`` line."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> SampleRecord:
        """Inverse of :meth:`to_dict`; ``InputError`` when a field is missing or mistyped."""
        names = [f.name for f in fields(cls)]
        missing = [name for name in names if name not in data]
        if missing:
            raise InputError(f"sample record lacks {', '.join(missing)}")
        record = cls(**{name: data[name] for name in names})
        if not (
            isinstance(record.problem_id, str)
            and _is_int(record.sample)
            and _is_int(record.round)
            and isinstance(record.response, str)
            and isinstance(record.infra_failure, bool)
            and isinstance(record.score, int | float)
            and isinstance(record.acc, int | float)
        ):
            raise InputError(f"sample record has a mistyped field: {str(dict(data))[:200]}")
        return record


class SampleStore:
    """``settings.json`` and ``samples.jsonl`` in one output folder."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.samples_path = directory / SAMPLES_FILE
        self.settings_path = directory / SETTINGS_FILE

    def __repr__(self) -> str:
        return f"<SampleStore {self.directory}>"

    @contextlib.contextmanager
    def locked(self) -> Iterator[None]:
        """Hold the folder for one run; a second run on it is refused, not interleaved."""
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            handle = (self.directory / _LOCK_FILE).open("a+")
        except OSError as exc:
            raise InputError(f"cannot create the output folder {self.directory}: {exc}") from exc
        with handle:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError as exc:
                raise ConfigError(
                    f"another evaluation is writing to {self.directory}; wait for it to "
                    "finish, or pass a different --out folder"
                ) from exc
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def claim(self, settings: Mapping[str, Any]) -> bool:
        """Record ``settings`` for a new folder, or check them against an earlier run's.

        Returns whether an earlier run exists. Differing settings raise ``ConfigError``
        naming each difference.
        """
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise InputError(f"cannot create the output folder {self.directory}: {exc}") from exc
        wanted = json.loads(json.dumps(settings))
        if not self.settings_path.exists():
            _write_atomic(self.settings_path, json.dumps(wanted, indent=2, sort_keys=True) + "\n")
            return False
        try:
            earlier = json.loads(self.settings_path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise InputError(
                f"{self.settings_path} is unreadable ({exc}); pass a fresh --out folder"
            ) from exc
        if earlier != wanted:
            before, after = _leaves(earlier), _leaves(wanted)
            changed = sorted(k for k in set(before) | set(after) if before.get(k) != after.get(k))
            details = "; ".join(
                f"{k} was {_short(before.get(k, _UNSET))}, now {_short(after.get(k, _UNSET))}"
                for k in changed
            )
            raise ConfigError(
                f"{self.directory} holds an evaluation with other settings ({details}). "
                "Rerun with the earlier settings to resume it, or pass a new --out folder"
            )
        return True

    def load(self) -> dict[SampleKey, SampleRecord]:
        """Every record on disk, the latest per key; a torn last line is cut off the file."""
        if not self.samples_path.exists():
            return {}
        data = self.samples_path.read_bytes()
        complete = data.rfind(b"\n") + 1
        if complete < len(data):
            with self.samples_path.open("r+b") as f:
                f.truncate(complete)
        records: dict[SampleKey, SampleRecord] = {}
        for number, line in enumerate(data[:complete].split(b"\n"), start=1):
            if not line.strip():
                continue
            try:
                record = SampleRecord.from_dict(json.loads(line))
            except (ValueError, TypeError) as exc:
                raise InputError(
                    f"{self.samples_path}:{number} is not a sample record ({exc}); delete "
                    "that line to redo its sample, or pass a fresh --out folder"
                ) from exc
            records[record.key] = record
        return records

    def append(self, records: Iterable[SampleRecord]) -> None:
        """Append records as lines and push them to disk before returning."""
        text = "".join(_line(r) for r in records)
        if not text:
            return
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            with self.samples_path.open("a", encoding="utf-8") as f:
                f.write(text)
                f.flush()
                os.fsync(f.fileno())
        except OSError as exc:
            raise InputError(
                f"cannot append to {self.samples_path} ({exc.strerror or exc}): free disk "
                "space or fix its permissions, then rerun the same command to resume"
            ) from exc


def _line(record: SampleRecord) -> str:
    """One JSON line, readable; escaped instead when it holds text UTF-8 cannot encode."""
    text = json.dumps(record.to_dict(), ensure_ascii=False)
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        text = json.dumps(record.to_dict())
    return text + "\n"


def _write_atomic(path: Path, text: str) -> None:
    temporary = path.with_name(path.name + ".tmp")
    temporary.write_text(text, encoding="utf-8")
    os.replace(temporary, path)


_UNSET = object()


def _leaves(settings: Any, prefix: str = "") -> dict[str, Any]:
    """Nested settings flattened to ``{"sampling.n": 4, ...}``, so a difference is named."""
    if isinstance(settings, dict) and settings:
        flat: dict[str, Any] = {}
        for key, value in settings.items():
            flat.update(_leaves(value, f"{prefix}{key}."))
        return flat
    return {prefix.rstrip("."): settings}


def _short(value: Any) -> str:
    if value is _UNSET:
        return "(not set)"
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 80 else text[:77] + "..."


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)
