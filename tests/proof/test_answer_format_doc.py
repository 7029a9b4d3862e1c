"""docs/answer_format.md: every example answer gets the verdict its fence names."""

from __future__ import annotations

import re
from pathlib import Path

from kimina_prover_rl.proof import FormatConfig, FormatError, check_answer

DOC = Path(__file__).resolve().parents[2] / "docs" / "answer_format.md"
_BLOCK = re.compile(r"^````(statement|answer (\S+))\n(.*?)\n````$", re.MULTILINE | re.DOTALL)


def test_every_rule_has_a_failing_example_and_the_passing_one_passes() -> None:
    blocks = list(_BLOCK.finditer(DOC.read_text(encoding="utf-8")))
    [statement] = [m[3] for m in blocks if m[1] == "statement"]
    answers = [(m[2], m[3]) for m in blocks if m[2] is not None]
    labels = [label for label, _ in answers]
    assert labels[0] == "passes"
    assert len(set(labels)) == len(labels) >= 8
    for label, answer in answers:
        check = check_answer(statement, answer, FormatConfig())
        expected = None if label == "passes" else FormatError(label)
        assert check.format_error is expected, (label, check.detail)
