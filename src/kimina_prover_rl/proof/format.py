"""The format rules of a reasoning-then-generation answer, and their configuration.

The rules and defaults follow the reference pipeline (Project Numina's kimina-prover-rl,
``FormatReward.check_thinking_block``): exactly one think block; exactly one ``lean4``
block, after it, with nothing after that block; no *significant* thinking line (at least
10 words that are not stop words) repeated 6 or more times; at least 2 ``tactics``
drafts, none longer than ``max(5, int(0.95 * lines of the final code))`` lines; at least
70% of the final code's distinct lines drafted in the tactics blocks.

Where this differs from the reference, and why:

- Drafting coverage is measured on the final code *without* its header, its statement
  and any line copied from the given statement (the reference counts every line of the
  block, ``import Mathlib`` included). Those lines are copied, never drafted, so counting
  them punished answers that repeat the header, which we allow.
- Repeated lines are looked for outside *every* fenced block of the think block (the
  reference only cuts out tactics blocks), and tactics blocks are counted inside the
  think block only (the reference also counts those after it).
- A ``lean4`` block inside the think block is its own error (the reference reports it as
  "no valid lean4 block" because its regex stops at the first one).
- Broken fences (an unclosed block, a fence opened inside an open block) and broken think
  tags each get their own error instead of one catch-all.
- The stop-word list is our own short list of English function words.
- Checks the reference defines but leaves off by default (comment ratios, tactic blocks
  per 2K characters) are not implemented.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, fields
from enum import StrEnum

from kimina_prover_rl.errors import ConfigError
from kimina_prover_rl.proof.answer import THINK_CLOSE, THINK_OPEN, CodeBlock, ParsedAnswer
from kimina_prover_rl.proof.lean_code import LeanCode, strip_comments

__all__ = ["FormatConfig", "FormatError", "check_structure", "check_style"]


class FormatError(StrEnum):
    """Why an answer fails the format; checks run (and are listed) in this order.

    The values up to and including ``NATIVE_DECIDE`` leave nothing that may be sent to
    Lean (``AnswerCheck.proof`` is None); the later ones are pure format rules, and the
    proof is still extracted so that its validity can be measured on its own.
    """

    INVALID_STATEMENT = "invalid_statement"
    """The *given* formal statement has no theorem/lemma/example with ``:=`` (a data error)."""
    EMPTY_RESPONSE = "empty_response"
    """The response is empty or only whitespace."""
    RESPONSE_TOO_LONG = "response_too_long"
    """The response is longer than ``max_response_chars``."""
    INVALID_CHARACTERS = "invalid_characters"
    """The response holds a NUL character or a lone surrogate (not encodable as UTF-8)."""
    TOO_MANY_FENCES = "too_many_fences"
    """The response holds more than ``max_fences`` runs of three backticks."""
    NO_LEAN4_BLOCK = "no_lean4_block"
    """No closed lean4 block anywhere in the response."""
    CODE_TOO_LONG = "code_too_long"
    """The last lean4 block is longer than ``max_code_chars``."""
    STATEMENT_MISSING = "statement_missing"
    """No lean4 block declares the given theorem (name changed, or no declaration)."""
    STATEMENT_MODIFIED = "statement_modified"
    """The final code declares the theorem with other binders or another type."""
    NO_PROOF = "no_proof"
    """The statement is there but the proof after ``:=`` is empty, ``sorry`` or ``admit``."""
    FORBIDDEN_CONSTRUCT = "forbidden_construct"
    """The final code uses a construct that could cheat the check (``axiom``, ``#eval``, ...)."""
    NATIVE_DECIDE = "native_decide"
    """The final code uses ``native_decide`` (or ``ofReduceBool``) and it is not allowed."""
    MISSING_THINK = "missing_think"
    """No ``<think>`` tag."""
    THINK_CLOSED_BEFORE_OPEN = "think_closed_before_open"
    """A ``</think>`` comes before the first ``<think>``."""
    UNCLOSED_THINK = "unclosed_think"
    """``<think>`` is never closed."""
    MULTIPLE_THINK = "multiple_think"
    """More than one ``<think>`` or ``</think>`` tag."""
    UNCLOSED_FENCE = "unclosed_fence"
    """A fenced block is never closed."""
    NESTED_FENCE = "nested_fence"
    """A fence with a language opens inside a block that is still open."""
    LEAN4_BLOCK_IN_THINK = "lean4_block_in_think"
    """A lean4 block sits inside the think block, or none follows it."""
    MULTIPLE_LEAN4_BLOCKS = "multiple_lean4_blocks"
    """More than one lean4 block after the think block."""
    TEXT_AFTER_LEAN4_BLOCK = "text_after_lean4_block"
    """Something other than whitespace follows the final lean4 block."""
    REPEATED_LINES = "repeated_lines"
    """A significant thinking line is repeated ``repeated_line_threshold`` times or more."""
    TOO_FEW_TACTICS_BLOCKS = "too_few_tactics_blocks"
    """Fewer than ``min_tactics_blocks`` tactics drafts in the think block."""
    TACTICS_BLOCK_TOO_LONG = "tactics_block_too_long"
    """A tactics draft is longer than the final code allows."""
    TACTICS_MISMATCH = "tactics_mismatch"
    """Too few of the final proof's lines were drafted in the tactics blocks."""

    @property
    def keeps_proof(self) -> bool:
        """True for pure format rules: the answer's proof is still extracted and checkable."""
        return self in _KEEPS_PROOF

    @property
    def blames_model(self) -> bool:
        """False only for ``INVALID_STATEMENT``: the dataset row, not the answer, is wrong."""
        return self is not FormatError.INVALID_STATEMENT


_KEEPS_PROOF = frozenset(list(FormatError)[list(FormatError).index(FormatError.MISSING_THINK) :])


@dataclass(frozen=True, slots=True, kw_only=True)
class FormatConfig:
    """Every threshold and switch of the answer checks; defaults follow the reference.

    Statement integrity and the forbidden-construct check cannot be switched off: they
    are what makes the reward sound.
    """

    max_response_chars: int = 2_000_000
    """Longer responses fail at once (``RESPONSE_TOO_LONG``); a cheap guard, not a rule."""
    max_fences: int = 1000
    """More runs of three backticks fail at once (``TOO_MANY_FENCES``)."""
    max_code_chars: int = 100_000
    """Longest lean4 block that is parsed; also the budget of characters parsed while
    looking for the block that holds the statement (keeps hostile input fast)."""
    think_in_prompt: bool = False
    """The chat template ends the prompt with ``<think>``: read the answer as inside it."""
    lean_languages: tuple[str, ...] = ("lean4",)
    """Fence languages that hold the final Lean code (add ``"lean"`` to accept it too)."""
    allow_auxiliary_lemmas: bool = True
    """Keep the lemmas and definitions the answer puts before the theorem."""
    allow_native_decide: bool = False
    """Accept ``native_decide`` (it trusts the compiler: ``Lean.ofReduceBool`` axiom)."""

    check_think: bool = True
    """Exactly one ``<think>`` … ``</think>`` block."""
    check_fences: bool = True
    """Every fence closed, none opened inside an open block."""
    check_lean4_block: bool = True
    """Exactly one lean4 block, after the think block, with nothing after it."""
    check_repeated_lines: bool = True
    repeated_line_threshold: int = 6
    """A significant thinking line seen this many times fails."""
    repeated_line_min_words: int = 10
    """Words (not stop words) a thinking line needs to count as significant."""
    check_tactics_count: bool = True
    min_tactics_blocks: int = 2
    check_tactics_length: bool = True
    tactics_block_max_lines_ratio: float = 0.95
    """A draft may have at most ``max(floor, int(ratio * final code lines))`` lines."""
    tactics_block_max_lines_floor: int = 5
    check_tactics_coverage: bool = True
    min_tactics_coverage: float = 0.7
    """Share of the final proof's distinct lines that must appear in the drafts."""

    def __post_init__(self) -> None:
        for f in fields(self):
            value, default = getattr(self, f.name), f.default
            switch = _SWITCHES.get(f.name)
            fix = f"set FormatConfig.{switch}=False to turn the rule off" if switch else ""
            if isinstance(default, bool):
                if not isinstance(value, bool):
                    raise ConfigError(f"FormatConfig.{f.name}={value!r} must be True or False")
            elif isinstance(default, int):
                if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                    raise ConfigError(
                        f"FormatConfig.{f.name}={value!r} must be a whole number of at least 1 "
                        f"(default {default}){'; ' + fix if fix else ''}"
                    )
            elif isinstance(default, float) and (
                isinstance(value, bool)
                or not isinstance(value, int | float)
                or not 0.0 <= value <= 1.0
            ):
                raise ConfigError(
                    f"FormatConfig.{f.name}={value!r} must be a ratio between 0 and 1 "
                    f"(default {default}){'; ' + fix if fix else ''}"
                )
        if not self.lean_languages or not all(
            isinstance(x, str) and x.strip() for x in self.lean_languages
        ):
            raise ConfigError(
                f"FormatConfig.lean_languages={self.lean_languages!r} must name at least one "
                f'fence language, e.g. ("lean4",)'
            )


Failure = tuple[FormatError, str]

_SWITCHES = {
    "repeated_line_threshold": "check_repeated_lines",
    "repeated_line_min_words": "check_repeated_lines",
    "min_tactics_blocks": "check_tactics_count",
    "tactics_block_max_lines_ratio": "check_tactics_length",
    "tactics_block_max_lines_floor": "check_tactics_length",
    "min_tactics_coverage": "check_tactics_coverage",
}
"""The switch that turns off the rule a threshold belongs to (for validation messages)."""

_WORD = re.compile(r"\w+")
_STOP_WORDS_TEXT = """a about above after again all also am an and any are as at be because been
    before being below between both but by can could did do does doing down during each few for
    from further had has have having he her here hers him his how i if in into is it its
    itself just let me more most my no nor not now of off on once only or other our ours
    out over own same she should so some such than that the their theirs them then there
    these they this those through to too under until up very was we were what when where
    which while who whom why will with would you your yours"""
_STOP_WORDS = frozenset(_STOP_WORDS_TEXT.split())


def check_structure(answer: ParsedAnswer, final: CodeBlock, config: FormatConfig) -> Failure | None:
    """The first failing rule about think tags, fences and lean4 blocks, or None."""
    if config.check_think:
        failure = _check_think(answer, config)
        if failure is not None:
            return failure
    if config.check_fences:
        failure = _check_fences(answer)
        if failure is not None:
            return failure
    if config.check_lean4_block:
        return _check_lean4_blocks(answer, final, config)
    return None


def _check_think(answer: ParsedAnswer, config: FormatConfig) -> Failure | None:
    opened, closed = answer.first_think_open, answer.first_think_close
    if config.think_in_prompt:
        if answer.think_open_count:
            line = answer.line_of(opened)
            return FormatError.MULTIPLE_THINK, (
                f"the prompt already opened the think block, but the answer opens another "
                f"{THINK_OPEN} at line {line}"
            )
    elif opened < 0:
        return FormatError.MISSING_THINK, f"no {THINK_OPEN} tag: reason inside one think block"
    elif 0 <= closed < opened:
        return FormatError.THINK_CLOSED_BEFORE_OPEN, (
            f"{THINK_CLOSE} at line {answer.line_of(closed)} comes before "
            f"{THINK_OPEN} at line {answer.line_of(opened)}"
        )
    if closed < 0:
        return FormatError.UNCLOSED_THINK, f"the think block is never closed with {THINK_CLOSE}"
    if answer.think_open_count > 1 or answer.think_close_count > 1:
        return FormatError.MULTIPLE_THINK, (
            f"{answer.think_open_count} {THINK_OPEN} and {answer.think_close_count} "
            f"{THINK_CLOSE} tags; exactly one think block is allowed"
        )
    return None


def _check_fences(answer: ParsedAnswer) -> Failure | None:
    if answer.nested_fence_lines:
        line = answer.nested_fence_lines[0]
        return FormatError.NESTED_FENCE, (
            f"a code fence opens at line {line} while the block above it is still open; "
            f"close every block with ``` before opening the next"
        )
    for block in answer.blocks:
        if not block.closed:
            return FormatError.UNCLOSED_FENCE, (
                f"the ```{block.language} block opened at line {block.line} is never closed"
            )
    return None


def _check_lean4_blocks(
    answer: ParsedAnswer, final: CodeBlock, config: FormatConfig
) -> Failure | None:
    lean_blocks = [b for b in answer.blocks_of(config.lean_languages) if b.closed]
    inside = [b for b in lean_blocks if b.in_think]
    if inside:
        return FormatError.LEAN4_BLOCK_IN_THINK, (
            f"the ```{inside[0].language} block at line {inside[0].line} is inside the think "
            f"block; draft in ```tactics blocks and write the final code after {THINK_CLOSE}"
        )
    after = [b for b in lean_blocks if not b.in_think]
    if len(after) > 1:
        lines = ", ".join(str(b.line) for b in after)
        return FormatError.MULTIPLE_LEAN4_BLOCKS, (
            f"{len(after)} lean4 blocks after the think block (lines {lines}); write exactly one"
        )
    trailing = answer.text[final.end :]
    if trailing.strip():
        line = answer.line_of(final.end + len(trailing) - len(trailing.lstrip()))
        return FormatError.TEXT_AFTER_LEAN4_BLOCK, (
            f"text follows the final lean4 block (line {line}); end the answer with that block"
        )
    return None


def check_style(
    answer: ParsedAnswer,
    final: CodeBlock,
    final_code: LeanCode,
    given: LeanCode,
    config: FormatConfig,
) -> Failure | None:
    """The first failing rule about the thinking text and the tactics drafts, or None.

    ``given`` is the given statement: lines copied from it are not expected in the drafts.
    """
    if config.check_repeated_lines:
        failure = _check_repeats(answer, config)
        if failure is not None:
            return failure
    drafts = [b for b in answer.blocks if b.in_think and b.language.lower() == "tactics"]
    if config.check_tactics_count and len(drafts) < config.min_tactics_blocks:
        return FormatError.TOO_FEW_TACTICS_BLOCKS, (
            f"{len(drafts)} ```tactics blocks in the think block; draft the proof in at least "
            f"{config.min_tactics_blocks}"
        )
    if config.check_tactics_length:
        final_lines = final.content.strip().count("\n") + 1
        cap = max(
            config.tactics_block_max_lines_floor,
            int(final_lines * config.tactics_block_max_lines_ratio),
        )
        for block in drafts:
            lines = block.content.count("\n") + 1
            if lines > cap:
                return FormatError.TACTICS_BLOCK_TOO_LONG, (
                    f"the ```tactics block at line {block.line} has {lines} lines; drafts may "
                    f"have at most {cap} (the final code has {final_lines})"
                )
    if config.check_tactics_coverage:
        return _check_coverage(drafts, final_code, given, config)
    return None


def _check_repeats(answer: ParsedAnswer, config: FormatConfig) -> Failure | None:
    counts: Counter[str] = Counter(answer.think_text_outside_blocks().lower().split("\n"))
    merged: Counter[str] = Counter()
    min_chars = 2 * config.repeated_line_min_words - 1
    for line, count in counts.items():
        if len(line) >= min_chars:
            merged[line.strip()] += count
    for line, count in merged.items():
        if count < config.repeated_line_threshold:
            continue
        words = [w for w in _WORD.findall(line) if w not in _STOP_WORDS]
        if len(words) >= config.repeated_line_min_words:
            shown = line if len(line) <= 80 else line[:77] + "..."
            return FormatError.REPEATED_LINES, (
                f"the thinking line {shown!r} appears {count} times (limit "
                f"{config.repeated_line_threshold - 1})"
            )
    return None


def _code_lines(code: str) -> set[str]:
    return {line for line in map(str.strip, strip_comments(code).split("\n")) if line}


def _check_coverage(
    drafts: list[CodeBlock], final_code: LeanCode, given: LeanCode, config: FormatConfig
) -> Failure | None:
    drafted: set[str] = set()
    for block in drafts:
        drafted |= _code_lines(block.content)
    # The body's first line ends the statement's last line (`` by``): copied, not drafted.
    _, _, body = final_code.body.partition("\n")
    proof_lines = (_code_lines(final_code.prelude) | _code_lines(body)) - _code_lines(given.text)
    if not proof_lines:
        return None
    covered = len(proof_lines & drafted) / len(proof_lines)
    if covered < config.min_tactics_coverage:
        return FormatError.TACTICS_MISMATCH, (
            f"{covered:.0%} of the final proof's distinct lines appear in the ```tactics "
            f"drafts; at least {config.min_tactics_coverage:.0%} must"
        )
    return None
