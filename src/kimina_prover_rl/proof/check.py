"""Check one answer against its formal statement: the entry point of the ``proof`` layer.

:func:`check_answer` runs, in this order, and reports the first failure:

1. input: the given statement parses; the response is non-empty, not longer than
   ``max_response_chars``, encodable as UTF-8 with no NUL, and has at most
   ``max_fences`` fences;
2. extraction and integrity: the last lean4 block is at most ``max_code_chars`` long;
   a closed lean4 block (searched from the last, within ``max_code_chars`` characters
   in all) declares the given theorem, with the
   same statement, a non-empty proof, no forbidden construct, no ``native_decide``
   unless allowed (:mod:`~kimina_prover_rl.proof.integrity`);
3. structure: think tags, fences, one lean4 block after the think block
   (:func:`~kimina_prover_rl.proof.format.check_structure`);
4. style: repeated thinking lines, tactics drafts and their coverage
   (:func:`~kimina_prover_rl.proof.format.check_style`).

A failure in 1 or 2 leaves ``proof`` None. Failures in 3 and 4 are pure format rules:
``proof`` is still filled, so a reward can measure proof validity on its own.

**What counts as the proof.** The *final* code is the last closed lean4 block (anywhere
in the response) that declares the given theorem's name outside comments; the final block
of a well-formed answer is the only one after the think block. **What is sent to Lean**
(``proof``) is built from the given statement, so the answer can never change the header
or the statement that get checked::

    given header + answer header's own set_option lines + given definitions
        + [answer's lemmas] + given statement (up to ``:=``) + answer's body

The answer's header is replaced by the given one, keeping (and never silently dropping)
what an honest answer puts there: its ``set_option`` lines the given header lacks (every
one left has passed the allow-list of :mod:`~kimina_prover_rl.proof.options`) follow the
given header, and its ``open`` lines the given header lacks become ``open … in`` in front
of each of its lemmas and of the proof term (``theorem t : S := open X in by …``), so
they never reach the statement. The given statement's trailing ``by sorry`` is dropped.
The answer's *lemmas* (everything between its header and the theorem) are kept when
``allow_auxiliary_lemmas`` is on; they pass the forbidden-construct check like the rest.
When the given statement brings definitions, those are sent verbatim before the lemmas,
and the answer's commands that copy one of them (comments and layout aside) are blanked;
a changed copy stays and is refused, since it redefines a name the statement uses.

**Line mapping.** Blank lines are inserted (after the header, after ``:=``) and, when
the given statement spans more lines than the answer's, the given statement's lines are
joined, so that every line taken from the answer's body (and lemmas) sits exactly
``proof_line_offset`` lines below where it is in ``answer_code``: answer line =
proof line - ``proof_line_offset``. The offset is 0 whenever the answer repeats the
header (the usual case); lines of the given header and statement have no answer line.
The lemmas keep that mapping too, except when the given statement has a string literal
and more lines than the answer's (then its lines are not joined). The ``open … in``
modifiers are inserted on existing lines, so they move columns, never lines.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

from kimina_prover_rl.proof.answer import CodeBlock, ParsedAnswer, parse_answer
from kimina_prover_rl.proof.format import FormatConfig, FormatError, check_structure, check_style
from kimina_prover_rl.proof.header import answer_header
from kimina_prover_rl.proof.integrity import (
    is_empty_proof,
    scan_code,
    statement_difference,
)
from kimina_prover_rl.proof.lean_code import (
    LeanCode,
    mask_code,
    normalize_whitespace,
    parse_lean_code,
    strip_comments,
)

__all__ = ["AnswerCheck", "check_answer"]

_DEFAULT_CONFIG = FormatConfig()
_COMMAND_START = re.compile(r"\n(?=\S)")
_MODIFIER_END = re.compile(r"(?<![\w'.!?»])in$")
# A command that an ``open … in`` may precede: a declaration, with its modifiers.
_DECLARATION_START = re.compile(
    r"@\[|(?:(?:private|protected|noncomputable|partial|nonrec) )*"
    r"(?:theorem|lemma|def|abbrev|example|structure|inductive|class|opaque|irreducible_def)\b"
)


@dataclass(frozen=True, slots=True)
class AnswerCheck:
    """The verdict of the text checks on one answer.

    ``proof`` is the exact Lean code to check (None when nothing checkable was extracted);
    ``answer_code`` the final lean4 block as the model wrote it; line ``n`` of ``proof``
    that comes from the answer is line ``n - proof_line_offset`` of ``answer_code``.
    """

    format_error: FormatError | None
    detail: str
    proof: str | None
    answer_code: str | None
    uses_native_decide: bool
    proof_line_offset: int = 0

    @property
    def ok(self) -> bool:
        """True when every check passed."""
        return self.format_error is None


def _fail(error: FormatError, detail: str, answer_code: str | None = None) -> AnswerCheck:
    return AnswerCheck(error, detail, None, answer_code, False)


@functools.lru_cache(maxsize=4096)
def _parse_given(formal_statement: str) -> LeanCode:
    return parse_lean_code(formal_statement)


def check_answer(
    formal_statement: str, response: str, config: FormatConfig = _DEFAULT_CONFIG
) -> AnswerCheck:
    """Check ``response`` against ``formal_statement``; never raises, linear time.

    >>> stmt = "import Mathlib\\n\\ntheorem t (x : ℕ) (h : x = 2) : x + 1 = 3 := by sorry"
    >>> answer = ("<think>\\n```tactics\\nsubst h\\n```\\n```tactics\\nrfl\\n```\\n</think>\\n"
    ...           "```lean4\\ntheorem t (x : ℕ) (h : x = 2) : x + 1 = 3 := by\\n  subst h\\n"
    ...           "  rfl\\n```")
    >>> check_answer(stmt, answer).proof
    'import Mathlib\\n\\ntheorem t (x : ℕ) (h : x = 2) : x + 1 = 3 := by\\n  subst h\\n  rfl'
    """
    given = _parse_given(formal_statement)
    if not given.has_declaration or _bad_text(formal_statement) is not None:
        return _fail(
            FormatError.INVALID_STATEMENT,
            "the given formal statement has no theorem/lemma/example with `:=` (or holds NUL "
            "or a lone surrogate): fix the dataset row; this is not the answer's fault",
        )
    if len(response) > config.max_response_chars:
        return _fail(
            FormatError.RESPONSE_TOO_LONG,
            f"the response has {len(response)} characters; at most "
            f"{config.max_response_chars} are checked (FormatConfig.max_response_chars)",
        )
    if not response.strip():
        return _fail(FormatError.EMPTY_RESPONSE, "the response is empty")
    bad = _bad_text(response)
    if bad is not None:
        return _fail(FormatError.INVALID_CHARACTERS, bad)
    text = response.replace("\r\n", "\n") if "\r" in response else response
    fences = text.count("```")
    if fences > config.max_fences:
        return _fail(
            FormatError.TOO_MANY_FENCES,
            f"the response has {fences} runs of ``` (at most {config.max_fences})",
        )
    answer = parse_answer(text, think_in_prompt=config.think_in_prompt)
    return _check_parsed(given, answer, config)


def _bad_text(text: str) -> str | None:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        line = text.count("\n", 0, exc.start) + 1
        return f"a lone surrogate (U+{ord(text[exc.start]):04X}) at line {line}"
    nul = text.find("\x00")
    if nul >= 0:
        return f"a NUL character at line {text.count(chr(10), 0, nul) + 1}"
    return None


def _check_parsed(given: LeanCode, answer: ParsedAnswer, config: FormatConfig) -> AnswerCheck:
    blocks = answer.blocks_of(config.lean_languages)
    closed = [b for b in blocks if b.closed]
    if not closed:
        detail = "no closed ```lean4 block: write the final proof in one after the think block"
        if blocks:
            detail += f" (the block opened at line {blocks[-1].line} is never closed: cut off?)"
        return _fail(FormatError.NO_LEAN4_BLOCK, detail)
    if len(closed[-1].content) > config.max_code_chars:
        return _fail(
            FormatError.CODE_TOO_LONG,
            f"the lean4 block at line {closed[-1].line} has {len(closed[-1].content)} "
            f"characters; at most {config.max_code_chars} are checked (max_code_chars)",
        )
    chosen: tuple[CodeBlock, LeanCode] | None = None
    budget = config.max_code_chars
    for block in reversed(closed):
        if len(block.content) > budget:
            break
        budget -= len(block.content)
        code = parse_lean_code(block.content, name=given.name)
        if code.has_declaration:
            chosen = (block, code)
            break
    if chosen is None:
        what = f"`{given.keyword} {given.name}`" if given.name else "an `example`"
        return _fail(
            FormatError.STATEMENT_MISSING,
            f"no lean4 block declares {what} with `:=` outside comments",
            closed[-1].content,
        )
    block, code = chosen
    where = f"the lean4 block at answer line {block.line}"
    difference = statement_difference(given, code)
    if difference is not None:
        return _fail(
            FormatError.STATEMENT_MODIFIED,
            f"{where} changes the statement: {difference}",
            block.content,
        )
    if is_empty_proof(code.body):
        return _fail(FormatError.NO_PROOF, f"{where} has no proof after `:=`", block.content)
    statement_start = len(code.header) + len(code.prelude)
    header = answer_header(given, code)
    opens = list(header.opens)
    lemmas = _own_lemmas(given, code, []) if config.allow_auxiliary_lemmas else None
    sent = code.header + (code.prelude if lemmas is None else lemmas) + code.statement + code.body
    scan = scan_code(
        sent,
        statement_start,
        statement_start + len(code.statement),
        prelude_start=statement_start if lemmas is None else len(code.header),
        name=code.name,
    )
    forbidden, native = scan.forbidden, scan.native_decide
    forbidden = forbidden or header.refused
    if forbidden is not None:
        return _fail(
            FormatError.FORBIDDEN_CONSTRUCT,
            f"{where}: {forbidden.describe()} (line of the block; answer line "
            f"{block.line + forbidden.line})",
            block.content,
        )
    if native is not None and not config.allow_native_decide:
        return _fail(
            FormatError.NATIVE_DECIDE,
            f"{where}: {native.describe()} (allow_native_decide is off)",
            block.content,
        )
    if lemmas is not None and opens:
        lemmas = _own_lemmas(given, code, opens)
    proof, offset = _assemble(given, code, lemmas, (header.options, opens))
    failure = check_structure(answer, block, config) or check_style(
        answer, block, code, given, config
    )
    error, detail = failure if failure is not None else (None, "")
    return AnswerCheck(error, detail, proof, block.content, native is not None, offset)


def _assemble(
    given: LeanCode, code: LeanCode, own_lemmas: str | None, kept: tuple[str, list[str]]
) -> tuple[str, int]:
    """Build the code sent to Lean and its line offset (see the module docstring); ``kept``
    is what is kept of the answer's header: ``set_option`` lines and ``open`` arguments."""
    options, opens = kept
    keep_lemmas = own_lemmas is not None
    statement = _fit_lines(given.statement, code.statement.count("\n")) + _scoped(opens)
    prelude = given.prelude if strip_comments(given.prelude).strip() else ""
    before = given.header + options + prelude
    answer_before = code.header + code.prelude
    lemmas = own_lemmas or ""
    o1 = before.count("\n") - answer_before.count("\n") + lemmas.count("\n")
    o2 = o1 + statement.count("\n") - code.statement.count("\n")
    if keep_lemmas and o2 <= o1:
        offset = max(o1, 0)
        pad_lemmas, pad_body = offset - o1, o1 - o2
    else:
        offset = max(o2, 0)
        pad_lemmas, pad_body = offset - o2, 0
    proof = before + "\n" * pad_lemmas + lemmas + statement + "\n" * pad_body + code.body
    return proof, offset


def _scoped(opens: list[str]) -> str:
    """``open … in`` modifiers for the answer header's own ``open`` lines, on one line."""
    return "".join(f" open {arguments} in" for arguments in opens)


def _own_lemmas(given: LeanCode, code: LeanCode, opens: list[str]) -> str:
    """The answer's code before its theorem, its copies of the given prelude blanked.

    Commands (each from a line that starts at column 0 to the next) whose text, comments
    and layout aside, is one of the given prelude's commands are blanked (offsets and
    lines kept): the given prelude is sent verbatim, and a copy would be declared twice.
    Without ``opens`` the result is as long as the answer's prelude. The answer
    header's own ``open`` lines are put before each declaration as ``open … in`` (never
    before a ``… in`` modifier, which would carry them to the next command, nor before a
    line that continues a declaration, such as a match arm at column 0).
    """
    given_commands = {key for key, _, _ in _commands(given.prelude) if key}
    prefix = _scoped(opens).lstrip()
    parts: list[str] = []
    for key, start, end in _commands(code.prelude):
        chunk = code.prelude[start:end]
        if key in given_commands:
            parts.append(re.sub(r"[^\n]", " ", chunk))
        elif prefix and _DECLARATION_START.match(key) and not _MODIFIER_END.search(key):
            parts.append(f"{prefix} {chunk}")
        else:
            parts.append(chunk)
    return "".join(parts)


def _commands(text: str) -> list[tuple[str, int, int]]:
    """``(comparison key, start, end)`` of each top-level command of ``text``."""
    masked = mask_code(text)
    starts = [0, *(m.start() + 1 for m in _COMMAND_START.finditer(masked))]
    ends = [*starts[1:], len(text)]
    return [
        (normalize_whitespace(strip_comments(text[a:b])), a, b)
        for a, b in zip(starts, ends, strict=True)
    ]


def _fit_lines(statement: str, newlines: int) -> str:
    """``statement`` joined onto at most ``newlines + 1`` lines when that is safe."""
    excess = statement.count("\n") - newlines
    if excess <= 0 or '"' in statement:
        return statement
    stripped = strip_comments(statement)
    return stripped.replace("\n", " ", stripped.count("\n") - newlines)
