"""Reading a kimina answer's line numbering from where its check block's messages sit."""

from __future__ import annotations

import pytest

from kimina_prover_rl.lean.kimina._numbering import (
    LineNumbering,
    Numbering,
    block_gap,
    block_threshold,
    detect_numbering,
    header_lines,
    import_lines,
    learn,
)
from tests.lean.kimina._replay import recorded_pairs, recorded_result

SUBMITTED, AFTER_HEADER, AFTER_IMPORTS = LineNumbering


@pytest.mark.parametrize(
    ("code", "header", "imports"),
    [
        ("theorem t : True := trivial", 0, 0),
        ("import Mathlib\ntheorem t", 1, 1),
        ("import Mathlib\n\n\ntheorem t", 3, 1),
        ("\nimport Mathlib\n\nimport Aesop\n\n  \ntheorem t", 6, 4),
        ("  import Mathlib\n\ntheorem t", 2, 1),
        ("-- import Mathlib\ntheorem t", 0, 0),
    ],
)
def test_header_and_import_lines_follow_kiminas_split(code: str, header: int, imports: int) -> None:
    assert (header_lines(code), import_lines(code)) == (header, imports)
    assert (SUBMITTED.offset(code), AFTER_HEADER.offset(code), AFTER_IMPORTS.offset(code)) == (
        0,
        header,
        imports,
    )


def _at(*lines: int) -> list[dict[str, object]]:
    return [{"severity": "info", "pos": {"line": n, "column": 0}, "data": "x"} for n in lines]


CODE = "import Mathlib\n\n\ntheorem t : True := trivial"  # offsets 0, 3 (header), 1 (imports)


@pytest.mark.parametrize(
    ("shift", "numbering"), [(0, SUBMITTED), (3, AFTER_HEADER), (1, AFTER_IMPORTS)]
)
def test_every_report_on_its_line_reveals_the_numbering(
    shift: int, numbering: LineNumbering
) -> None:
    found = detect_numbering(CODE, _at(20 - shift, 21 - shift), [20, 21])
    assert found == Numbering(numbering, shift, "detected", frozenset({numbering}))


def test_a_numbering_must_explain_every_report() -> None:
    """One report fitting offset 3 and the other offset 0 is no numbering at all."""
    found = detect_numbering(CODE, _at(17, 21), [20, 21])
    assert (found.how, found.numbering, found.offset) == ("assumed", SUBMITTED, 0)


def test_two_numberings_that_both_fit_are_ambiguous_and_untrusted() -> None:
    found = detect_numbering(CODE, _at(20, 17), [20])
    assert found.how == "ambiguous"
    assert not found.trusted


def test_numberings_that_agree_on_a_code_are_all_kept() -> None:
    code = "import Mathlib\ntheorem t : True := trivial"  # header and imports both 1 line
    found = detect_numbering(code, _at(9), [10])
    assert found.fits == frozenset({AFTER_HEADER, AFTER_IMPORTS})
    assert found.offset == 1


def test_what_the_server_revealed_is_narrowed_answer_by_answer() -> None:
    both = detect_numbering("import Mathlib\ntheorem t", _at(9), [10])
    learned = learn(frozenset(), both)
    assert learned == frozenset({AFTER_HEADER, AFTER_IMPORTS})
    exact = detect_numbering(CODE, _at(17), [20])
    learned = learn(learned, exact)
    assert learned == frozenset({AFTER_HEADER})
    silent = detect_numbering(CODE, [], [20], learned=learned)
    assert (silent.how, silent.numbering, silent.offset) == ("learned", AFTER_HEADER, 3)
    assert learn(learned, silent) == learned
    changed = detect_numbering(CODE, _at(20), [20], learned=learned)  # a server swapped
    assert learn(learned, changed) == frozenset({SUBMITTED})


@pytest.mark.parametrize("server", ["2.1.3", "main"])
def test_the_block_threshold_separates_recorded_answers_in_any_numbering(server: str) -> None:
    """In real answers, every message of the proof sits below the threshold and every
    message of the check at or above it."""
    for pair in recorded_pairs(server, "/api/check"):
        code = pair["submitted"]
        proof_lines = len(code.splitlines())
        sent = pair["request"]["snippets"][0]["code"].split("\n")
        block_start = next(n for n in range(proof_lines + 1, len(sent) + 1) if sent[n - 1])
        assert block_start - proof_lines - 1 >= block_gap(code)  # blank lines in between
        threshold = block_threshold(code, block_start)
        assert threshold > proof_lines
        response = recorded_result(pair)["response"]
        for message in response.get("messages", []):
            from_check = "depends on axioms" in message["data"] or (
                pair["case"] == "example_error" and message["pos"]["line"] >= threshold
            )
            assert (message["pos"]["line"] >= threshold) == from_check, (pair["header"], message)
