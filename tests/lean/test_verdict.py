"""The verdict's JSON form: what ``verify`` prints, the cache stores and our server sends."""

from __future__ import annotations

import json

from hypothesis import given
from hypothesis import strategies as st

from kimina_prover_rl.lean import LeanMessage, UnsoundReason, Verdict, VerdictStatus


@given(
    st.sampled_from(VerdictStatus),
    st.none() | st.sampled_from(UnsoundReason),
    st.dictionaries(st.sampled_from(["header_s", "ray_node"]), st.text(max_size=8)),
)
def test_a_verdict_survives_its_json_form(
    status: VerdictStatus, reason: UnsoundReason | None, extra: dict[str, str]
) -> None:
    verdict = Verdict(
        status,
        id="p",
        messages=(LeanMessage("error", "no", 3, 0),),
        extra=extra,
        unsound_reason=reason,
    )
    back = Verdict.from_dict(json.loads(json.dumps(verdict.to_dict())))
    assert back == verdict
    assert back.unsound_reason is reason


def test_the_unsound_reason_is_printed_under_extra_as_before() -> None:
    verdict = Verdict(VerdictStatus.UNSOUND, unsound_reason=UnsoundReason.STATEMENT)
    assert verdict.to_dict()["extra"] == {"unsound_reason": "statement"}
    assert "extra" not in Verdict(VerdictStatus.VALID).to_dict()
