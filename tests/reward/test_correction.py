"""Error-correction prompts and the checkpointable cache that mixes them into batches."""

from __future__ import annotations

import json
import statistics
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kimina_prover_rl.errors import ConfigError, InputError
from kimina_prover_rl.lean import LeanMessage, MockVerifier, Verdict, VerdictStatus, VerifyRequest
from kimina_prover_rl.proof import FeedbackKind, FormatConfig, render_feedback
from kimina_prover_rl.reward import (
    CorrectionCache,
    CorrectionPrompt,
    CorrectionSettings,
    RewardConfig,
    Sample,
    ScoredSample,
    Scorer,
    SkipReason,
    build_correction,
    correction_for,
)

STATEMENT = "theorem mathd_algebra_10 : abs ((120 : ℝ) / 100 * 30 - 130 / 100 * 20) = 10 := by"
PROMPT = [
    {"role": "system", "content": "You are an expert in mathematics and Lean 4."},
    {"role": "user", "content": f"# Formal Statement:\n```lean4\n{STATEMENT}\n```"},
]
ANSWER = f"<think>\n```tactics\nnorm_num\n```\n</think>\n```lean4\n{STATEMENT}\n  norm_num\n```"
FEEDBACK = "Lean reported 1 error.\n\n1. error at line 1, column 80:\nunsolved goals"


def _build(**overrides: Any) -> CorrectionPrompt | SkipReason:
    arguments: dict[str, Any] = {
        "messages": PROMPT,
        "response": ANSWER,
        "feedback": FEEDBACK,
        "verdict_status": VerdictStatus.LEAN_ERROR,
        "proof_extracted": True,
        "formal_statement": STATEMENT,
        "id": "mathd_algebra_10",
        "extra_info": {"index": 7, "data_source": "minif2f"},
    }
    arguments.update(overrides)
    return build_correction(**arguments)


def _prompt(n: int) -> CorrectionPrompt:
    result = _build(id=f"p{n}", extra_info={"index": n})
    assert isinstance(result, CorrectionPrompt)
    return result


def test_a_failed_sample_becomes_the_next_turn() -> None:
    prompt = _build()
    assert isinstance(prompt, CorrectionPrompt)
    assert prompt.turn == 2
    assert prompt.messages[:2] == tuple(PROMPT)
    assert prompt.messages[2] == {"role": "assistant", "content": ANSWER}
    request = prompt.messages[3]
    assert request["role"] == "user"
    assert FEEDBACK in request["content"]
    assert "same format" in request["content"]
    assert "```lean4" in request["content"]
    assert (prompt.formal_statement, prompt.id) == (STATEMENT, "mathd_algebra_10")
    assert prompt.extra_info == {"index": 7, "data_source": "minif2f"}


@pytest.mark.parametrize(
    "status",
    [
        VerdictStatus.LEAN_ERROR,
        VerdictStatus.SORRY,
        VerdictStatus.UNSOUND,
        VerdictStatus.TIMEOUT,
        VerdictStatus.OOM,
        VerdictStatus.REJECTED,
        None,
    ],
)
def test_every_failure_of_the_model_is_corrected(status: VerdictStatus | None) -> None:
    assert isinstance(_build(verdict_status=status), CorrectionPrompt)


@pytest.mark.parametrize(
    ("overrides", "reason"),
    [
        ({"verdict_status": VerdictStatus.VALID}, SkipReason.VALID),
        ({"verdict_status": VerdictStatus.CRASH}, SkipReason.INFRASTRUCTURE),
        ({"verdict_status": VerdictStatus.OVERLOADED}, SkipReason.INFRASTRUCTURE),
        ({"verdict_status": VerdictStatus.INFRA_ERROR}, SkipReason.INFRASTRUCTURE),
        ({"messages": []}, SkipReason.MALFORMED_TURN),
        ({"messages": "just a string"}, SkipReason.MALFORMED_TURN),
        ({"messages": [*PROMPT, {"role": "assistant", "content": "x"}]}, SkipReason.MALFORMED_TURN),
        ({"messages": [{"role": "user", "content": 3}]}, SkipReason.MALFORMED_TURN),
        ({"messages": [{"role": "robot", "content": "hi"}]}, SkipReason.MALFORMED_TURN),
        ({"messages": [{"role": ["user"], "content": "hi"}]}, SkipReason.MALFORMED_TURN),
        ({"messages": [PROMPT[0]]}, SkipReason.MALFORMED_TURN),
        ({"response": None}, SkipReason.MALFORMED_TURN),
        ({"turn": 2}, SkipReason.TURN_LIMIT),
        ({"proof_extracted": False}, SkipReason.NO_PROOF),
        ({"response": "   "}, SkipReason.NO_PROOF),
        ({"feedback": ""}, SkipReason.NO_FEEDBACK),
        ({"feedback": None}, SkipReason.NO_FEEDBACK),
        ({"feedback": "e" * 3001}, SkipReason.FEEDBACK_TOO_LONG),
    ],
)
def test_each_skip_reason(overrides: dict[str, Any], reason: SkipReason) -> None:
    assert _build(**overrides) is reason


def test_feedback_exactly_at_the_cap_is_kept() -> None:
    assert isinstance(_build(feedback="e" * 3000), CorrectionPrompt)
    config = CorrectionSettings(max_feedback_chars=100)
    assert _build(feedback="e" * 101, config=config) is SkipReason.FEEDBACK_TOO_LONG


def test_more_turns_allow_a_second_correction() -> None:
    first = _prompt(0)
    config = CorrectionSettings(max_turns=3)
    second = _build(messages=first.messages, config=config)
    assert isinstance(second, CorrectionPrompt)
    assert second.turn == 3
    assert [m["role"] for m in second.messages] == [
        "system",
        "user",
        "assistant",
        "user",
        "assistant",
        "user",
    ]
    assert _build(messages=first.messages) is SkipReason.TURN_LIMIT


def test_custom_template_keeps_other_braces() -> None:
    config = CorrectionSettings(template="Fix {x : ℕ} per:\n{feedback}\nDone.")
    prompt = _build(config=config)
    assert isinstance(prompt, CorrectionPrompt)
    assert prompt.messages[-1]["content"] == f"Fix {{x : ℕ}} per:\n{FEEDBACK}\nDone."


@pytest.mark.parametrize(
    ("kwargs", "pattern"),
    [
        ({"max_turns": 0}, r"CorrectionSettings\.max_turns=0 is invalid"),
        ({"max_feedback_chars": -1}, r"CorrectionSettings\.max_feedback_chars=-1"),
        ({"template": "no placeholder"}, r"has no '\{feedback\}' placeholder"),
    ],
)
def test_config_errors_name_the_field(kwargs: dict[str, Any], pattern: str) -> None:
    with pytest.raises(ConfigError, match=pattern):
        CorrectionSettings(**kwargs)


def test_cache_is_a_bounded_fifo_that_counts_skips() -> None:
    cache = CorrectionCache(CorrectionSettings(capacity=3, rate=1.0))
    for n in range(5):
        assert cache.add(_prompt(n)) is True
    assert cache.add(SkipReason.VALID) is False
    assert cache.add(SkipReason.VALID) is False
    assert cache.add(SkipReason.INFRASTRUCTURE) is False
    assert len(cache) == 3
    assert cache.skipped[SkipReason.VALID] == 2
    assert cache.skipped[SkipReason.INFRASTRUCTURE] == 1
    assert cache.skipped[SkipReason.NO_PROOF] == 0
    drawn = cache.draw(2)
    assert [p.id for p in drawn] == ["p2", "p3"]
    assert [p.id for p in cache.draw(10)] == ["p4"]
    assert cache.draw(10) == []
    stats = cache.stats()
    assert (stats["added"], stats["evicted"], stats["drawn"], stats["size"]) == (5, 2, 3, 0)
    assert stats["skipped.valid"] == 2
    assert "size=0" in repr(cache)


def test_draw_fills_the_configured_share_of_a_batch() -> None:
    cache = CorrectionCache(CorrectionSettings(capacity=100_000, rate=0.5, seed=1234))
    for n in range(40_000):
        cache.add(CorrectionPrompt((), 2, "", f"p{n}"))
    counts = [len(cache.draw(64)) for _ in range(400)]
    assert abs(statistics.fmean(counts) - 32) < 1.0
    assert 2 < statistics.pstdev(counts) < 6
    none = CorrectionCache(CorrectionSettings(rate=0.0))
    none.add(_prompt(0))
    assert none.draw(1000) == []
    full = CorrectionCache(CorrectionSettings(rate=1.0))
    full.add(_prompt(0))
    assert len(full.draw(5)) == 1


def test_same_seed_same_draws() -> None:
    def sizes(seed: int) -> list[int]:
        cache = CorrectionCache(CorrectionSettings(rate=0.3, seed=seed))
        for n in range(500):
            cache.add(CorrectionPrompt((), 2, "", f"p{n}"))
        return [len(cache.draw(16)) for _ in range(20)]

    assert sizes(7) == sizes(7)
    assert sizes(7) != sizes(8)


@pytest.mark.parametrize(
    ("kwargs", "pattern"),
    [
        ({"capacity": 0}, "capacity=0"),
        ({"rate": 1.5}, "rate=1.5"),
        ({"rate": True}, "rate=True"),
    ],
)
def test_cache_rejects_bad_settings(kwargs: dict[str, Any], pattern: str) -> None:
    with pytest.raises(ConfigError, match=pattern):
        CorrectionCache(CorrectionSettings(**kwargs))


_OPS = st.lists(
    st.one_of(
        st.tuples(st.just("add"), st.integers(0, 50)),
        st.tuples(st.just("skip"), st.sampled_from(list(SkipReason))),
        st.tuples(st.just("draw"), st.integers(0, 8)),
    ),
    max_size=40,
)


@settings(max_examples=60, deadline=None)
@given(ops=_OPS, seed=st.integers(0, 2**32), rate=st.floats(0, 1))
def test_state_round_trips_through_json(ops: list[tuple[str, Any]], seed: int, rate: float) -> None:
    cache = CorrectionCache(CorrectionSettings(capacity=10, rate=rate, seed=seed))
    for op, arg in ops:
        if op == "add":
            cache.add(_prompt(arg))
        elif op == "skip":
            cache.add(arg)
        else:
            cache.draw(arg)
    restored = CorrectionCache(CorrectionSettings(capacity=10, rate=rate, seed=seed + 1))
    restored.load_state_dict(json.loads(json.dumps(cache.state_dict())))
    assert restored.stats() == cache.stats()
    assert restored.state_dict() == cache.state_dict()
    for prompt in (_prompt(100), _prompt(101)):
        cache.add(prompt)
        restored.add(prompt)
    assert [p.to_dict() for p in restored.draw(12)] == [p.to_dict() for p in cache.draw(12)]


def test_smaller_capacity_on_load_evicts_the_oldest() -> None:
    cache = CorrectionCache(CorrectionSettings(capacity=5))
    for n in range(5):
        cache.add(_prompt(n))
    small = CorrectionCache(CorrectionSettings(capacity=2, rate=1.0))
    small.load_state_dict(cache.state_dict())
    assert [p.id for p in small.draw(5)] == ["p3", "p4"]
    assert small.stats()["evicted"] == 3


@pytest.mark.parametrize(
    "mutate",
    [
        lambda s: s.update(format=99),
        lambda s: s.update(items="nope"),
        lambda s: s.update(counters={"added": "x"}),
        lambda s: s.update(rng=[3, [1, 2], None]),
        lambda s: s.update(rng="garbage"),
        lambda s: s["items"].append({"id": 3}),
        lambda s: s["items"].append(17),
    ],
)
def test_malformed_state_raises_and_changes_nothing(mutate: Any) -> None:
    cache = CorrectionCache()
    cache.add(_prompt(1))
    before = cache.state_dict()
    state = cache.state_dict()
    mutate(state)
    with pytest.raises(InputError):
        cache.load_state_dict(state)
    assert cache.state_dict() == before


def test_recorded_failure_becomes_a_prompt_with_the_error_and_snippet(
    feedback_samples: list[dict[str, Any]],
) -> None:
    row = next(r for r in feedback_samples if r["id"] == "kimina-lean-server:demo_search_2")
    feedback = render_feedback(
        row["code"], row["response"], kind=FeedbackKind.LEAN_ERROR, line_offset=2
    )
    answer = (
        f"<think>\n```tactics\nnlinarith [ha, hb, hc]\n```\n</think>\n```lean4\n{row['code']}\n```"
    )
    user = f"# Formal Statement:\n```lean4\n{row['code'].split(':= by')[0]}:= by\n```"
    cache = CorrectionCache(CorrectionSettings(rate=1.0))
    cache.add(
        build_correction(
            messages=[{"role": "user", "content": user}],
            response=answer,
            feedback=feedback,
            verdict_status=VerdictStatus.LEAN_ERROR,
            proof_extracted=True,
            formal_statement=row["code"].split(":= by")[0] + ":= by",
            id="lean_workbook_10058",
        )
    )
    (prompt,) = cache.draw(1)
    last = prompt.messages[-1]["content"]
    assert "linarith failed to find a contradiction" in last
    assert "> 16 |   nlinarith [ha, hb, hc]" in last
    assert prompt.messages[-2] == {"role": "assistant", "content": answer}
    assert CorrectionPrompt.from_dict(json.loads(json.dumps(prompt.to_dict()))) == prompt


_ANY = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=10),
    lambda c: st.lists(c, max_size=3) | st.dictionaries(st.text(max_size=8), c, max_size=3),
    max_leaves=12,
)
_MESSAGE = st.fixed_dictionaries(
    {"role": st.sampled_from(["system", "user", "assistant"]) | _ANY, "content": st.text() | _ANY}
)


@settings(max_examples=150, deadline=None)
@given(
    messages=st.lists(_MESSAGE, max_size=5) | _ANY,
    response=st.text(max_size=50) | _ANY,
    feedback=st.text(max_size=50) | st.none(),
    status=st.sampled_from([None, *VerdictStatus]),
    extracted=st.booleans(),
)
def test_any_input_gives_a_prompt_or_a_reason(
    messages: Any, response: Any, feedback: str | None, status: Any, extracted: bool
) -> None:
    result = build_correction(
        messages=messages,
        response=response,
        feedback=feedback,
        verdict_status=status,
        proof_extracted=extracted,
        formal_statement=STATEMENT,
    )
    if isinstance(result, CorrectionPrompt):
        assert result.messages[-1]["role"] == "user"
        assert result.messages[-2] == {"role": "assistant", "content": response}
        assert CorrectionPrompt.from_dict(json.loads(json.dumps(result.to_dict()))) == result
    else:
        assert isinstance(result, SkipReason)


def _fixed(status: VerdictStatus) -> Callable[[VerifyRequest], Verdict]:
    """A handler answering every proof with one status and one Lean error on its last line."""

    def handler(request: VerifyRequest) -> Verdict:
        last = request.code.count("\n") + 1
        message = LeanMessage("error", "unsolved goals\n⊢ 10 = 10", last, 2)
        messages = (message,) if status is VerdictStatus.LEAN_ERROR else ()
        return Verdict(status, id=request.id, messages=messages, detail="simulated")

    return handler


def _sample(response: str = ANSWER, id: str | None = "mathd_algebra_10") -> Sample:
    return Sample(formal_statement=STATEMENT, response=response, id=id, messages=tuple(PROMPT))


async def _scored(status: VerdictStatus, sample: Sample, **config: Any) -> ScoredSample:
    scorer = Scorer(MockVerifier(_fixed(status)), RewardConfig(**config))
    [scored] = await scorer.score_batch([sample])
    return scored


async def test_correction_for_a_scored_lean_error_carries_its_feedback() -> None:
    sample = _sample()
    scored = await _scored(
        VerdictStatus.LEAN_ERROR, sample, format=FormatConfig(check_tactics_count=False)
    )
    assert scored.feedback is not None
    prompt = correction_for(sample, scored, extra_info={"index": 7})
    assert isinstance(prompt, CorrectionPrompt)
    assert prompt.messages[:2] == tuple(PROMPT)
    assert prompt.messages[2] == {"role": "assistant", "content": ANSWER}
    assert scored.feedback.strip() in prompt.messages[3]["content"]
    assert "unsolved goals" in prompt.messages[3]["content"]
    assert (prompt.turn, prompt.id, prompt.extra_info) == (2, "mathd_algebra_10", {"index": 7})


@pytest.mark.parametrize(
    ("status", "reason"),
    [
        (VerdictStatus.VALID, SkipReason.VALID),
        (VerdictStatus.OVERLOADED, SkipReason.INFRASTRUCTURE),
        (VerdictStatus.CRASH, SkipReason.INFRASTRUCTURE),
    ],
)
async def test_correction_for_skips_what_is_not_the_models_failure(
    status: VerdictStatus, reason: SkipReason
) -> None:
    sample = _sample()
    scored = await _scored(status, sample, format=FormatConfig(check_tactics_count=False))
    assert correction_for(sample, scored) is reason


async def test_correction_for_an_unverified_format_failure_has_no_feedback() -> None:
    sample = _sample(ANSWER.replace("<think>", "").replace("</think>", ""))
    scored = await _scored(VerdictStatus.LEAN_ERROR, sample)
    assert scored.format_error is not None
    assert scored.status is None
    assert correction_for(sample, scored) is SkipReason.NO_FEEDBACK
    verified = await _scored(VerdictStatus.LEAN_ERROR, sample, verify_format_failures=True)
    assert isinstance(correction_for(sample, verified), CorrectionPrompt)


async def test_correction_for_without_an_extracted_proof() -> None:
    sample = _sample("I could not solve it.")
    scored = await _scored(VerdictStatus.LEAN_ERROR, sample)
    assert correction_for(sample, scored) is SkipReason.NO_PROOF


async def test_correction_for_refuses_a_result_of_another_sample() -> None:
    scored = await _scored(VerdictStatus.LEAN_ERROR, _sample(id="a"))
    with pytest.raises(InputError, match="pass each sample with its own ScoredSample"):
        correction_for(_sample(id="b"), scored)
