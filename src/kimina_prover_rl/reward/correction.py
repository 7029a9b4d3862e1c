"""Error-correction prompts: a failed attempt and Lean's feedback become the next turn.

:func:`build_correction` turns one failed sample into a :class:`CorrectionPrompt` (the
original conversation, the model's answer as an assistant turn, and a user turn with the
feedback and an instruction to revise) or says why it is skipped (:class:`SkipReason`);
:func:`correction_for` does the same straight from a scored :class:`~.score.Sample`.
:class:`CorrectionCache` keeps the latest prompts in a bounded FIFO and hands a random
share of each batch back to the trainer; its state survives checkpoints as plain JSON.

Infrastructure failures never become corrections: the model did nothing wrong.
"""

from __future__ import annotations

import random
from collections import Counter, deque
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Annotated, Any, TypeGuard

from pydantic import Field

from kimina_prover_rl._schema import check_fields, setting
from kimina_prover_rl.errors import ConfigError, InputError
from kimina_prover_rl.lean.verdict import VerdictStatus
from kimina_prover_rl.reward.score import Sample, ScoredSample

__all__ = [
    "CorrectionCache",
    "CorrectionPrompt",
    "CorrectionSettings",
    "SkipReason",
    "build_correction",
    "correction_for",
]

_ROLES = frozenset({"system", "user", "assistant"})
_STATE_FORMAT = 1

_DEFAULT_TEMPLATE = (
    "Lean 4 rejected your proof. Here is its feedback:\n\n"
    "{feedback}\n\n"
    "Revise the proof to fix these problems. Keep the theorem statement exactly as given, "
    "and answer in the same format as before: reason step by step first, then give the "
    "complete corrected proof in a single ```lean4 code block."
)


class SkipReason(StrEnum):
    """Why a sample did not become a correction prompt (checked in this order)."""

    VALID = "valid"
    """Lean accepted the proof: nothing to correct."""
    INFRASTRUCTURE = "infrastructure"
    """The checker failed, not the model (``overloaded``, ``crash``, ``infra_error``)."""
    MALFORMED_TURN = "malformed_turn"
    """The conversation is not a list of ``{"role", "content"}`` ending with a user turn,
    or the answer is not text."""
    TURN_LIMIT = "turn_limit"
    """The answer was already the last turn allowed (``CorrectionSettings.max_turns``)."""
    NO_PROOF = "no_proof"
    """No Lean proof could be extracted from the answer."""
    NO_FEEDBACK = "no_feedback"
    """The feedback is empty: the model would have nothing to act on."""
    FEEDBACK_TOO_LONG = "feedback_too_long"
    """The feedback exceeds ``CorrectionSettings.max_feedback_chars``."""
    PROMPT_TOO_LONG = "prompt_too_long"
    """The correction prompt, rendered by the chat template, exceeds the trainer's prompt
    budget (verl's ``data.max_prompt_length``); counted by the trainer's dataset."""


@dataclass(frozen=True, slots=True, kw_only=True)
class CorrectionSettings:
    """Every error-correction setting, once: when a failed sample becomes a prompt, and how
    many prompts the cache keeps and serves.

    verl reads ``data.correction`` into it (``verl/dataset.py``, ``verl/agent_loop.py``; the
    YAML holds its defaults), the TRL dry run and ``eval`` build it from their options.
    """

    rate: Annotated[float, Field(ge=0, le=1)] = setting(
        0.5, help="Share of each batch's prompt slots served from the correction cache."
    )
    max_turns: Annotated[int, Field(ge=1)] = setting(
        2,
        help="Answers per conversation, every turn counted (2: the first attempt and one "
        "correction).",
    )
    max_feedback_chars: Annotated[int, Field(ge=1)] = setting(
        3000, help="Longer Lean feedback is not turned into a prompt."
    )
    capacity: Annotated[int, Field(ge=1)] = setting(
        4096, help="Corrections the cache keeps (the oldest is evicted first)."
    )
    seed: int = setting(0, help="Seed of the draws deciding which slots take a correction.")
    template: str = setting(
        _DEFAULT_TEMPLATE,
        help="The revision request; ``{feedback}`` marks where the Lean feedback goes (other "
        "braces are kept as written).",
    )

    def __post_init__(self) -> None:
        check_fields(self)
        if "{feedback}" not in self.template:
            raise ConfigError(
                f"CorrectionSettings.template={self.template!r} has no '{{feedback}}' "
                "placeholder: add it where the Lean feedback should appear"
            )


@dataclass(frozen=True, slots=True)
class CorrectionPrompt:
    """The next-turn conversation for one failed sample, ready to mix into a batch.

    ``messages`` ends with the user turn that asks for a revision; ``turn`` is the number
    of the answer it asks for (2 for the first correction). ``formal_statement``, ``id``
    and ``extra_info`` (the original row's extra fields, e.g. ``index``, ``data_source``)
    let a trainer build a dataset row and score the revised answer.
    """

    messages: tuple[dict[str, str], ...]
    turn: int
    formal_statement: str
    id: str | None = None
    extra_info: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (also the cache's checkpoint format)."""
        return {
            "id": self.id,
            "turn": self.turn,
            "formal_statement": self.formal_statement,
            "messages": [dict(m) for m in self.messages],
            "extra_info": dict(self.extra_info),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> CorrectionPrompt:
        """Inverse of :meth:`to_dict`; raises ``InputError`` on a malformed record."""
        messages = _plain_messages(data.get("messages"))
        turn = data.get("turn")
        statement = data.get("formal_statement")
        prompt_id = data.get("id")
        extra = data.get("extra_info", {})
        if (
            messages is None
            or not _is_int(turn)
            or not isinstance(statement, str)
            or not (prompt_id is None or isinstance(prompt_id, str))
            or not isinstance(extra, Mapping)
        ):
            raise InputError(
                f"not a correction prompt record: {str(dict(data))[:200]!r}; expected keys "
                "id (str|null), turn (int), formal_statement (str), messages (list of "
                "{role, content}), extra_info (object)"
            )
        return cls(tuple(messages), turn, statement, prompt_id, dict(extra))


def build_correction(
    *,
    messages: Iterable[Mapping[str, Any]],
    response: str,
    feedback: str | None,
    verdict_status: VerdictStatus | None,
    proof_extracted: bool,
    formal_statement: str,
    id: str | None = None,
    extra_info: Mapping[str, Any] | None = None,
    turn: int | None = None,
    config: CorrectionSettings = CorrectionSettings(),
) -> CorrectionPrompt | SkipReason:
    """The next-turn conversation for a failed sample, or why it is skipped.

    ``messages`` is the conversation the model answered (ending with the user turn),
    ``response`` its answer, ``feedback`` the rendered Lean feedback (or a format-check
    explanation when the proof never reached Lean, ``verdict_status`` then None).
    ``turn`` is the number of ``response`` in the conversation; by default one more than
    the assistant turns in ``messages``.
    """
    if verdict_status is VerdictStatus.VALID:
        return SkipReason.VALID
    if verdict_status is not None and verdict_status.is_infrastructure:
        return SkipReason.INFRASTRUCTURE
    history = _plain_messages(messages)
    if history is None or history[-1]["role"] != "user" or not isinstance(response, str):
        return SkipReason.MALFORMED_TURN
    answered = turn if turn is not None else 1 + sum(m["role"] == "assistant" for m in history)
    if answered >= config.max_turns:
        return SkipReason.TURN_LIMIT
    if not proof_extracted or not response.strip():
        return SkipReason.NO_PROOF
    if feedback is None or not feedback.strip():
        return SkipReason.NO_FEEDBACK
    if len(feedback) > config.max_feedback_chars:
        return SkipReason.FEEDBACK_TOO_LONG
    request = config.template.replace("{feedback}", feedback.strip())
    return CorrectionPrompt(
        messages=(
            *history,
            {"role": "assistant", "content": response},
            {"role": "user", "content": request},
        ),
        turn=answered + 1,
        formal_statement=formal_statement,
        id=id,
        extra_info=dict(extra_info or {}),
    )


def correction_for(
    sample: Sample,
    scored: ScoredSample,
    *,
    extra_info: Mapping[str, Any] | None = None,
    turn: int | None = None,
    config: CorrectionSettings = CorrectionSettings(),
) -> CorrectionPrompt | SkipReason:
    """:func:`build_correction` for a sample and the :class:`~.score.ScoredSample` it got.

    The conversation, answer and statement come from ``sample``; the feedback, verdict and
    whether a proof was extracted from ``scored``. An answer that failed a format rule and
    was not sent to Lean has no feedback, so it is skipped as ``no_feedback`` (score with
    ``RewardConfig.verify_format_failures`` to correct those proofs too)::

        scored = await scorer.score(sample)
        cache.add(correction_for(sample, scored, extra_info=row["extra_info"]))
    """
    if sample.id != scored.id:
        raise InputError(
            f"correction_for got sample {sample.id!r} with the result of {scored.id!r}: "
            "pass each sample with its own ScoredSample"
        )
    return build_correction(
        messages=sample.messages,
        response=sample.response,
        feedback=scored.feedback,
        verdict_status=scored.status,
        proof_extracted=scored.proof is not None,
        formal_statement=sample.formal_statement,
        id=sample.id,
        extra_info=extra_info,
        turn=turn,
        config=config,
    )


class CorrectionCache:
    """A bounded FIFO of correction prompts that fills a share of each training batch.

    ``add`` stores a prompt (evicting the oldest when full) or counts a skip by reason.
    ``draw(batch_size)`` decides, slot by slot with probability ``rate``, how many of the
    batch's slots take a correction, and removes that many oldest prompts (fewer if the
    cache holds fewer). ``state_dict``/``load_state_dict`` round-trip through JSON,
    including the random generator and counters. Not thread-safe: one owner (the
    trainer's data loader) calls it.
    """

    def __init__(self, settings: CorrectionSettings = CorrectionSettings()) -> None:
        self.settings = settings
        self.capacity = settings.capacity
        self.rate = settings.rate
        self._rng = random.Random(settings.seed)
        self._items: deque[CorrectionPrompt] = deque()
        self._counters: Counter[str] = Counter()

    def __len__(self) -> int:
        return len(self._items)

    def __repr__(self) -> str:
        return (
            f"CorrectionCache(size={len(self)}, capacity={self.capacity}, rate={self.rate}, "
            f"added={self._counters['added']}, evicted={self._counters['evicted']})"
        )

    def add(self, item: CorrectionPrompt | SkipReason) -> bool:
        """Store a prompt (True) or count a skip (False); ``build_correction``'s result."""
        if isinstance(item, SkipReason):
            self._counters[f"skipped.{item.value}"] += 1
            return False
        if len(self._items) >= self.capacity:
            self._items.popleft()
            self._counters["evicted"] += 1
        self._items.append(item)
        self._counters["added"] += 1
        return True

    def draw(self, batch_size: int) -> list[CorrectionPrompt]:
        """Remove and return the corrections to mix into a batch of ``batch_size``."""
        if not _is_int(batch_size) or batch_size < 0:
            raise ConfigError(f"CorrectionCache.draw batch_size={batch_size!r}: pass an int >= 0")
        wanted = sum(self._rng.random() < self.rate for _ in range(batch_size))
        drawn = [self._items.popleft() for _ in range(min(wanted, len(self._items)))]
        self._counters["drawn"] += len(drawn)
        return drawn

    @property
    def skipped(self) -> dict[SkipReason, int]:
        """How many samples were skipped, by reason (every reason listed)."""
        return {r: self._counters[f"skipped.{r.value}"] for r in SkipReason}

    def stats(self) -> dict[str, int]:
        """Flat counters for logging: size, added, evicted, drawn, skipped.<reason>."""
        out = {"size": len(self), **{k: self._counters[k] for k in ("added", "evicted", "drawn")}}
        out.update({f"skipped.{r.value}": n for r, n in self.skipped.items()})
        return out

    def state_dict(self) -> dict[str, Any]:
        """The cache's contents, counters and generator state as JSON-ready data."""
        version, internal, gauss = self._rng.getstate()
        return {
            "format": _STATE_FORMAT,
            "items": [p.to_dict() for p in self._items],
            "counters": dict(self._counters),
            "rng": [version, list(internal), gauss],
        }

    def load_state_dict(self, state: Mapping[str, Any]) -> None:
        """Restore :meth:`state_dict`'s output; the constructor's capacity and rate stay.

        If the saved cache holds more prompts than ``capacity``, the oldest are evicted.
        Raises ``InputError`` (and changes nothing) when ``state`` is malformed.
        """
        if not isinstance(state, Mapping) or state.get("format") != _STATE_FORMAT:
            raise InputError(
                f"CorrectionCache state has format {_get(state, 'format')!r}, expected "
                f"{_STATE_FORMAT}: pass the output of CorrectionCache.state_dict()"
            )
        items_data = state.get("items")
        counters = state.get("counters")
        rng = state.get("rng")
        if not isinstance(items_data, list) or not isinstance(counters, Mapping):
            raise InputError("CorrectionCache state needs 'items' (list) and 'counters' (object)")
        if not all(isinstance(k, str) and _is_int(v) for k, v in counters.items()):
            raise InputError("CorrectionCache state 'counters' must map names to integers")
        items = [CorrectionPrompt.from_dict(_mapping(d)) for d in items_data]
        generator = random.Random()
        try:
            version, internal, gauss = rng  # type: ignore[misc]
            generator.setstate((version, tuple(internal), gauss))
        except (TypeError, ValueError, OverflowError) as exc:
            raise InputError(
                f"CorrectionCache state 'rng' is not a saved generator state ({exc}): pass "
                "the output of CorrectionCache.state_dict()"
            ) from exc
        restored: Counter[str] = Counter(dict(counters))
        overflow = max(len(items) - self.capacity, 0)
        if overflow:
            restored["evicted"] += overflow
        self._items = deque(items[overflow:])
        self._counters = restored
        self._rng = generator


def _plain_messages(messages: Any) -> list[dict[str, str]] | None:
    """``messages`` as a non-empty list of ``{"role", "content"}``, or None if malformed."""
    if isinstance(messages, str | bytes | Mapping) or not hasattr(messages, "__iter__"):
        return None
    out: list[dict[str, str]] = []
    for message in messages:
        if not isinstance(message, Mapping):
            return None
        role, content = message.get("role"), message.get("content")
        if not isinstance(role, str) or role not in _ROLES or not isinstance(content, str):
            return None
        out.append({"role": role, "content": content})
    return out or None


def _mapping(value: Any) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise InputError(f"CorrectionCache state item {str(value)[:200]!r} is not an object")
    return value


def _get(value: Any, key: str) -> Any:
    return value.get(key) if isinstance(value, Mapping) else None


def _is_int(value: Any) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool)
