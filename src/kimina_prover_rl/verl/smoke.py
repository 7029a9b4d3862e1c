"""The GPU smoke test's verdict, read from verl's metrics file (``trainer.logger=[file]``).

``recipe/kimina_prover_rl/smoke_test.sh`` runs 2 training steps with validation before
and after, with verl's file logger writing one JSON line per logged step
(``{"step": N, "data": {metric: value}}``). ``python -m kimina_prover_rl.verl.smoke FILE``
checks that file and prints one line per check; it exits 1 when any check fails. Works
without a GPU and without verl, so the checks themselves are tested on CPU.
"""

from __future__ import annotations

import json
import math
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kimina_prover_rl.errors import InputError

__all__ = ["SmokeCheck", "check_metrics", "main", "read_metrics"]

_STEPS = (1, 2)


@dataclass(frozen=True, slots=True)
class SmokeCheck:
    """One check of the smoke run: its name, whether it held, and what was seen."""

    name: str
    passed: bool
    detail: str

    def line(self) -> str:
        """``PASS name: detail`` or ``FAIL name: detail``."""
        return f"{'PASS' if self.passed else 'FAIL'}  {self.name}: {self.detail}"


def read_metrics(path: Path) -> dict[int, dict[str, Any]]:
    """The metrics logged at each step (lines of one step merged), from verl's file logger."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise InputError(
            f"cannot read the metrics file {path}: {exc}; run the smoke test first (it sets "
            "VERL_FILE_LOGGER_PATH)"
        ) from exc
    steps: dict[int, dict[str, Any]] = {}
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
            step, data = int(record["step"]), record["data"]
        except (ValueError, KeyError, TypeError) as exc:
            raise InputError(
                f"{path}:{number} is not a verl file-logger line ({{'step', 'data'}}): {exc}"
            ) from exc
        if not isinstance(data, Mapping):
            raise InputError(f"{path}:{number}: 'data' is not an object of metrics")
        steps.setdefault(step, {}).update(data)
    return steps


def _number(data: Mapping[str, Any], key: str) -> float | None:
    value = data.get(key)
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def _keys(data: Mapping[str, Any], prefix: str, part: str) -> list[str]:
    return sorted(k for k in data if k.startswith(prefix) and f"/{part}/" in k)


def check_metrics(steps: Mapping[int, Mapping[str, Any]]) -> list[SmokeCheck]:
    """Every smoke check over the logged ``steps`` (see :func:`read_metrics`)."""
    trained = [s for s in _STEPS if s in steps]
    checks = [
        SmokeCheck(
            "2 training steps",
            trained == list(_STEPS),
            f"steps logged: {sorted(steps)}",
        )
    ]
    step = {s: steps.get(s, {}) for s in _STEPS}
    lengths = [_number(step[s], "response_length/mean") for s in _STEPS]
    checks.append(
        SmokeCheck(
            "vLLM generated answers (response length > 0)",
            all(n is not None and n > 0 for n in lengths) and "timing_s/gen" in step[1],
            f"response_length/mean per step: {lengths}",
        )
    )
    norms = [_number(step[s], "actor/grad_norm") for s in _STEPS]
    checks.append(
        SmokeCheck(
            "FSDP updated the actor (finite grad norm)",
            all(n is not None and math.isfinite(n) for n in norms),
            f"actor/grad_norm per step: {norms}",
        )
    )
    failures = [_number(step[s], "verdict/infra_failure") for s in _STEPS]
    verdicts = sorted({k for s in _STEPS for k in step[s] if k.startswith("verdict/")})
    checks.append(
        SmokeCheck(
            "real verdicts (no infrastructure failures)",
            failures == [0.0, 0.0],
            f"verdict/infra_failure per step: {failures}; verdicts logged: {verdicts}",
        )
    )
    added = _number(step[1], "correction/added")
    checks.append(
        SmokeCheck(
            "corrections added after step 1",
            added is not None and added > 0,
            f"correction/added at step 1: {added}",
        )
    )
    served = _number(step[2], "reward/samples/turn2")
    checks.append(
        SmokeCheck(
            "corrections served at step 2",
            served is not None and served > 0,
            f"reward/samples/turn2 at step 2: {served}",
        )
    )
    first = min(steps, default=-1)
    last = max(steps, default=-1)
    for label, at in (("before training", first), ("after the last step", last)):
        data = steps.get(at, {})
        before = _keys(data, "val-core/", "acc")
        after = _keys(data, "val-aux/", "acc_after_ec")
        checks.append(
            SmokeCheck(
                f"validation {label}: accuracy before and after correction",
                at in (0, 2) and bool(before) and bool(after),
                f"step {at}: {before[:1] or 'no val-core/<source>/acc'} / "
                f"{after[:1] or 'no val-aux/<source>/acc_after_ec'}",
            )
        )
    return checks


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m kimina_prover_rl.verl.smoke METRICS.jsonl``: print the checks; 1 on a failure."""
    args = list(sys.argv[1:] if argv is None else argv)
    if len(args) != 1:
        print(
            "usage: python -m kimina_prover_rl.verl.smoke METRICS.jsonl "
            "(the VERL_FILE_LOGGER_PATH of a smoke run)",
            file=sys.stderr,
        )
        return 2
    try:
        checks = check_metrics(read_metrics(Path(args[0])))
    except InputError as exc:
        print(f"FAIL  {exc}", file=sys.stderr)
        return 1
    for check in checks:
        print(check.line())
    failed = sum(not c.passed for c in checks)
    print(f"smoke test: {len(checks) - failed}/{len(checks)} checks passed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
