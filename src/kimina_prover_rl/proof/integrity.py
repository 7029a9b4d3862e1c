"""Statement integrity and forbidden constructs in the answer's final Lean code.

The code sent to Lean always carries the *given* header and statement (see
:mod:`~kimina_prover_rl.proof.check`), so an answer cannot change what is checked by
editing the statement. What it can still do is run code at check time, weaken the
kernel, add axioms, or put commands before the theorem that change how the given
statement elaborates. Each of these is rejected here, naming the construct and its line.

- Anywhere in the code: ``axiom``, ``local instance``/``local_instance``,
  ``@[implemented_by]``, ``@[extern]``, ``unsafe``, ``set_option debug.skipKernelTC``,
  ``set_option warn.sorry``, ``#exit``, ``#eval``, ``run_cmd``, ``run_tac``, ``run_elab``,
  ``run_meta``, ``elab``/``elab_rules``, ``macro``/``macro_rules``, ``syntax``,
  ``initialize``/``builtin_initialize``.
- Before the theorem only, as commands (they could change the meaning of the given
  statement): ``notation``-like commands, ``instance``, ``variable`` (an instance-implicit
  ``variable [Fact False]`` would silently become a hypothesis), ``namespace``,
  ``attribute``, ``export``. The reference pipeline only looks for the substrings
  ``axiom`` and ``local_instance``.
- ``native_decide`` (and ``decide +native``, ``ofReduceBool``) is reported separately:
  it is allowed only when configured.

Comments and string literals never count (the code is masked first).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from kimina_prover_rl.proof.lean_code import (
    LeanCode,
    mask_code,
    normalize_statement,
    normalize_whitespace,
    strip_comments,
)

__all__ = ["CodeScan", "ConstructUse", "is_empty_proof", "scan_code", "statement_difference"]

_IDENT = r"\w'.!?«"
_END = r"(?![\w'!?»])"
_WORDS = [
    "axiom",
    "unsafe",
    "implemented_by",
    "extern",
    "local_instance",
    "initialize",
    "builtin_initialize",
    "run_cmd",
    "run_tac",
    "run_elab",
    "run_meta",
    "elab",
    "elab_rules",
    "macro",
    "macro_rules",
    "syntax",
]


def _keywords(words: list[str], *, checked: bool) -> str:
    """An alternation of whole words (a word may be a regex, e.g. with whitespace runs).

    Every branch starts with a literal so that the regex engine can skip ahead fast; with
    ``checked`` the character before a word must not continue an identifier (a lookbehind
    placed after the first letter keeps the literal first).
    """
    branches = []
    for word in words:
        head, tail = re.escape(word[0]), word[1:]
        guard = f"(?<![{_IDENT}]{head})" if checked and head != "#" else ""
        branches.append(f"{head}{guard}{tail}")
    return "|".join(branches)


_ALL_WORDS = [
    *(re.escape(w) + _END for w in _WORDS),
    r"local[ \t\r\n]+instance" + _END,
    r"set_option[ \t\r\n]+(?:debug\.skipKernelTC|warn\.sorry)",
    r"#(?:eval|exit)",
]
# The fast pattern may match inside an identifier (``myaxiom``); the checked one may not.
_ANYWHERE_FAST = re.compile(_keywords(_ALL_WORDS, checked=False))
_ANYWHERE = re.compile(_keywords(_ALL_WORDS, checked=True))
# A command at the start of a line, after optional attributes and modifiers.
_BEFORE_STATEMENT = re.compile(
    r"^[ \t]*(?:@\[[^\]\n]*\][ \t]*)?(?:(?:local|scoped|private|protected)[ \t]+)?"
    r"(notation3?|infix[lr]?|prefix|postfix|instance|variable|namespace|attribute|export)" + _END,
    re.MULTILINE,
)
_NATIVE = re.compile(
    _keywords([r"native_decide" + _END], checked=True) + r"|ofReduceBool|reduceBool|\+native" + _END
)
_IDENT_CHAR = re.compile(f"[{_IDENT}]")


def _continues_identifier(text: str, start: int) -> bool:
    return start > 0 and _IDENT_CHAR.match(text, start - 1) is not None


_EMPTY_PROOFS = frozenset({"", "by", "sorry", "by sorry", "admit", "by admit"})


@dataclass(frozen=True, slots=True)
class ConstructUse:
    """One use of a rejected construct: what it is and its 1-based line in the code."""

    construct: str
    line: int
    reason: str

    def describe(self) -> str:
        """``'`#eval` at line 12: runs code ...'``."""
        return f"`{self.construct}` at line {self.line}: {self.reason}"


@dataclass(frozen=True, slots=True)
class CodeScan:
    """What :func:`scan_code` found: the first forbidden construct and ``native_decide``."""

    forbidden: ConstructUse | None
    native_decide: ConstructUse | None


def _use(code: str, start: int, construct: str, reason: str) -> ConstructUse:
    return ConstructUse(normalize_whitespace(construct), code.count("\n", 0, start) + 1, reason)


def scan_code(code: str, statement_start: int) -> CodeScan:
    """Find forbidden constructs and ``native_decide`` in ``code`` (comments never count).

    ``statement_start`` is the offset of the checked theorem in ``code``: commands that
    could change its meaning are looked for before it. Linear in ``len(code)``.
    """
    masked = mask_code(code)
    hits: list[tuple[int, ConstructUse]] = []
    m = _ANYWHERE_FAST.search(masked)
    if m is not None and m.group()[0] != "#" and _continues_identifier(masked, m.start()):
        m = _ANYWHERE.search(masked, m.start() + 1)
    if m is not None:
        hits.append((m.start(), _use(code, m.start(), m.group(), _reason(m.group()))))
    before = _BEFORE_STATEMENT.search(masked, 0, statement_start)
    if before is not None:
        reason = "commands before the theorem may not change how its statement elaborates"
        hits.append((before.start(1), _use(code, before.start(1), before.group(1), reason)))
    forbidden = min(hits, key=lambda hit: hit[0])[1] if hits else None
    native = _NATIVE.search(masked)
    native_use = None
    if native is not None:
        reason = "trusts the compiler (axiom Lean.ofReduceBool)"
        native_use = _use(code, native.start(), native.group(), reason)
    return CodeScan(forbidden, native_use)


def _reason(construct: str) -> str:
    if construct.startswith(("#", "run_", "elab", "macro", "syntax", "initialize", "builtin")):
        return "runs code or extends the parser while the proof is checked"
    if construct.startswith("set_option"):
        return "weakens what Lean reports or checks"
    if construct == "axiom":
        return "adds an unproved assumption"
    if "instance" in construct:
        return "changes instance resolution for the rest of the file"
    return "lets compiled or unchecked code stand in for a proof"


def is_empty_proof(body: str) -> bool:
    """Whether the text after ``:=`` proves nothing: empty, ``by``, ``sorry`` or ``admit``."""
    words = strip_comments(body).split(maxsplit=2)
    return len(words) <= 2 and " ".join(words) in _EMPTY_PROOFS


def statement_difference(given: LeanCode, answer: LeanCode) -> str | None:
    """None when ``answer`` declares the same statement as ``given``, else where they differ.

    Same name (chosen by the caller), same binders and type; whitespace, comments, a
    trailing ``by``/``sorry`` and ``theorem`` versus ``lemma`` do not matter.
    """
    want = normalize_statement(given.statement, ignore_name=True)
    got = normalize_statement(answer.statement, ignore_name=True)
    if want == got:
        return None
    at = next((i for i, (a, b) in enumerate(zip(want, got, strict=False)) if a != b), None)
    if at is None:
        at = min(len(want), len(got))
    lo = max(0, at - 30)
    return (
        f"expected …{want[lo : at + 30]}… but the answer has …{got[lo : at + 30]}… "
        f"(first difference at character {at} of the normalised statement)"
    )
