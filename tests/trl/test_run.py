"""The dry run's pieces that need no training: rows, checkpoints, settings, the warm-up."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

from kimina_prover_rl.data import builtin_problems, builtin_rows, reference_answer, wrong_answer
from kimina_prover_rl.errors import ConfigError, InputError
from kimina_prover_rl.lean import VerifierSettings, open_verifier
from kimina_prover_rl.proof import FormatError, check_answer, parse_lean_code
from kimina_prover_rl.reward import Scorer
from kimina_prover_rl.trl import (
    DryRunConfig,
    WarmupConfig,
    correction_examples,
    flawed_examples,
    latest_checkpoint,
    load_rows,
    warmup,
    warmup_examples,
)


def test_rows_default_to_the_built_in_set_and_read_prepared_files(tmp_path: Path) -> None:
    assert load_rows(None) == builtin_rows(part="train")
    jsonl = tmp_path / "rows.jsonl"
    jsonl.write_text("".join(json.dumps(r) + "\n" for r in builtin_rows()[:3]))
    assert load_rows(jsonl) == builtin_rows()[:3]
    pq = pytest.importorskip("pyarrow.parquet")
    pa = pytest.importorskip("pyarrow")
    folder = tmp_path / "prepared"
    folder.mkdir()
    pq.write_table(pa.Table.from_pylist(builtin_rows()[:2]), folder / "train.parquet")
    assert load_rows(folder) == builtin_rows()[:2]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ('{"prompt": "text", "extra_info": {}}\n', "not a prepared row"),
        ('{"prompt": [], "extra_info": {"formal_statement": 1}}\n', "not a prepared row"),
        ("{not json\n", "rows.jsonl:1: not valid JSON"),
        ("", "holds no rows"),
    ],
)
def test_a_file_that_is_not_prepared_rows_is_refused(
    tmp_path: Path, content: str, message: str
) -> None:
    path = tmp_path / "rows.jsonl"
    path.write_text(content)
    with pytest.raises(InputError, match=message):
        load_rows(path)


def test_an_unknown_file_type_is_refused(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"prepared \.parquet or \.jsonl"):
        load_rows(tmp_path / "rows.csv")


def test_the_newest_checkpoint_is_found_by_number(tmp_path: Path) -> None:
    assert latest_checkpoint(tmp_path / "none") is None
    for name in ("checkpoint-9", "checkpoint-10", "checkpoint-x", "other"):
        (tmp_path / name).mkdir()
    (tmp_path / "checkpoint-11").write_text("a file, not a checkpoint")
    assert latest_checkpoint(tmp_path) == tmp_path / "checkpoint-10"


@pytest.mark.parametrize(
    "kwargs", [{"steps": 0}, {"num_generations": 1}, {"learning_rate": 0.0}, {"save_steps": 0}]
)
def test_bad_settings_are_config_errors(tmp_path: Path, kwargs: dict[str, float]) -> None:
    with pytest.raises(ConfigError):
        DryRunConfig(out=tmp_path, **kwargs)  # type: ignore[arg-type]


def test_warmup_examples_add_flawed_answers_for_the_share_of_problems_asked() -> None:
    problems = len(builtin_rows())
    drafted = sum(wrong_answer(p) is not None for p in builtin_problems())
    none = WarmupConfig(flawed_share=0.0, malformed_share=0.0)
    assert not any("sorry" in a for _, a in warmup_examples(none))
    quarter = warmup_examples(WarmupConfig(flawed_share=0.25, malformed_share=0.0))
    assert len(quarter) == problems + round(problems / 4) + drafted
    assert sum("sorry" in a for _, a in quarter) == round(problems / 4)
    every = warmup_examples(WarmupConfig(flawed_share=1.0))
    assert sum("sorry" in a for _, a in every) == problems
    for bad in ({"flawed_share": 1.5}, {"malformed_share": -0.1}):
        with pytest.raises(ConfigError, match="shares in \\[0, 1\\]"):
            WarmupConfig(**bad)


def test_the_malformed_share_adds_answers_that_fail_one_format_rule_each() -> None:
    """The weak prover's format slips: no think block, or one draft, in equal numbers; the
    proof itself is the known one, so only the format costs the reward."""
    problems = {p.name: p for p in builtin_problems()}
    half = WarmupConfig(flawed_share=0.0, malformed_share=0.5)
    errors = []
    for messages, answer in warmup_examples(half):
        problem = problems[next(n for n in problems if f"theorem {n} " in messages[-1]["content"])]
        check = check_answer(problem.formal_statement, answer)
        if not check.ok:
            assert check.proof is not None
            assert parse_lean_code(check.proof).body == parse_lean_code(problem.proof).body
            errors.append(check.format_error)
    assert sorted(errors) == sorted(
        [FormatError.MISSING_THINK, FormatError.TOO_FEW_TACTICS_BLOCKS] * (len(problems) // 4)
    )


def test_warmup_lowers_the_loss_on_well_formed_answers(tiny_model: Path) -> None:
    from kimina_prover_rl.models import load_causal_lm

    model, tokenizer = load_causal_lm(tiny_model)
    losses = warmup(model, tokenizer, WarmupConfig(steps=8, batch_size=4, learning_rate=1e-2))
    assert len(losses) == 8
    assert sum(losses[-2:]) < sum(losses[:2])
    assert not model.training


def test_warmup_examples_hold_wrong_values_and_the_given_corrections() -> None:
    config = WarmupConfig(flawed_share=0.0, malformed_share=0.0)
    drafted = [p for p in builtin_problems() if wrong_answer(p) is not None]
    plain = warmup_examples(config)
    assert sum(a in {wrong_answer(p) for p in drafted} for _, a in plain) == len(drafted)
    turn = [{"role": "user", "content": "u"}, {"role": "assistant", "content": "a"}]
    with_turns = warmup_examples(config, [(turn, "fixed")])
    assert with_turns[-1] == (turn, "fixed")
    assert with_turns[:-1] == plain


def test_correction_examples_carry_the_feedback_the_stand_in_really_gives() -> None:
    """Simulated Lean (the stand-in REPL), by name: it evaluates the drafted arithmetic."""
    config = WarmupConfig(flawed_share=0.25)
    flawed = flawed_examples(config)

    async def build() -> list[tuple[list[dict[str, str]], str]]:
        verifier = open_verifier(VerifierSettings(backend="standin", workers=1))
        try:
            return await correction_examples(Scorer(verifier), config)
        finally:
            await verifier.aclose()

    examples = asyncio.run(build())
    # a malformed answer never reaches Lean: no feedback, no correction conversation
    reaching_lean = [(p, bad) for p, bad in flawed if check_answer(p.formal_statement, bad).ok]
    assert len(reaching_lean) < len(flawed)
    assert len(examples) == len(reaching_lean)
    by_answer = {messages[-2]["content"]: (messages, answer) for messages, answer in examples}
    for problem, bad in reaching_lean:
        messages, answer = by_answer[bad]
        assert answer == reference_answer(problem)
        assert [m["role"] for m in messages][-2:] == ["assistant", "user"]
        feedback = messages[-1]["content"]
        if "sorry" in bad:
            assert "sorry" in feedback
        else:
            assert "False" in feedback, feedback
            wrong_line = next(line for line in bad.splitlines() if line.startswith("  have"))
            assert wrong_line.strip() in feedback, feedback


def test_every_built_in_answer_fits_the_default_completion_length(
    tiny_model: Path, tmp_path: Path
) -> None:
    """A reference answer cut off by the sampling limit could never earn a reward."""
    from kimina_prover_rl.models import load_tokenizer

    tokenizer = load_tokenizer(tiny_model)
    limit = DryRunConfig(out=tmp_path).max_completion_length
    for problem in builtin_problems():
        for answer in (reference_answer(problem), wrong_answer(problem)):
            if answer is not None:
                ids = tokenizer(answer, add_special_tokens=False)["input_ids"]
                assert len(ids) + 1 <= limit, (problem.name, len(ids))
