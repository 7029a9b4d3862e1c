"""Statement integrity and forbidden constructs in the answer's final Lean code.

The code sent to Lean is *given header + the answer's allowed header options + the given
definitions + the answer's code before the theorem + given statement + the answer's code
after its* ``:=`` (see :mod:`~kimina_prover_rl.proof.check`), and Lean-level checks (every
declaration's axioms, the graded statement) run after all of it. So the answer cannot edit
the statement, but all the code around it reaches Lean: it must not run code at check
time, weaken the kernel, hide messages, change how the given statement elaborates, or
change which constant the checks report on. Each rule names the construct and its line,
and says what to write instead where there is an honest way.

- Commands are default-deny (:mod:`~kimina_prover_rl.proof._commands`): where a command
  starts (a line at column 0, after its doc comment, attributes and modifiers) only a
  declaration, ``open``, ``set_option``, ``attribute``, ``universe``,
  ``section``/``namespace``/``end`` or a word that only continues a declaration may
  stand; any other word (``binder_predicate``, ``declare_syntax_cat``, an unknown
  command) is refused by name with what to write instead, since a command that adds
  syntax can add a token that makes Lean lex the rest differently. A ``namespace`` must
  be closed by ``end`` before the theorem (so it keeps its given name) and by the end of
  the code (so the checks run at the top level); a ``section`` may stay open; an ``end``
  may close only what the answer opened.
- Anywhere: ``axiom``, ``unsafe``, ``implemented_by``, ``extern``, ``local instance``,
  ``#eval``, ``#exit``, ``#guard_msgs`` (it swallows errors such as "already declared"),
  ``run_cmd``/``run_tac``/``run_elab``/``run_meta``, ``by_elab``, ``elab``/``elab_rules``,
  ``macro``/``macro_rules``, ``syntax``, ``binder_predicate``, ``declare_syntax_cat``,
  ``register_simp_attr``/``register_option``, ``simproc``/``dsimproc``,
  ``initialize``/``builtin_initialize``, notation commands (``notation``, ``infix``, …),
  and ``with_weak_namespace``; a ``set_option`` outside the allow-list of
  :mod:`~kimina_prover_rl.proof.options` (matched on the name as Lean parses it, so
  ``set_option«debug».skipKernelTC`` is ``debug.skipKernelTC``); every attribute but a
  short list of lemma attributes (``simp``, ``ext``, ``gcongr``, …), since ``tactic``,
  ``command_elab``, ``norm_num``, ``instance`` and the like register code or instances;
  and, outside the statement, whatever :func:`~kimina_prover_rl.proof.lean_code.
  lexing_hazards` reports (where Lean's token table could make it read code that the
  scan takes for a string or a comment).
- Before the theorem, anywhere in that text (not only at the start of a line):
  ``instance``, ``variable`` (``variable [Fact False]`` would become a hypothesis),
  ``export``, ``mutual``, ``unif_hint``; ``open`` and ``attribute`` unless written as
  ``open … in``/``attribute […] … in`` on one line before a helper declaration, since
  the ``in`` form scopes over that one command while a bare one scopes over the given
  statement too (``open Real`` turns a bound ``π`` into ``Real.pi``), and so would one
  wrapping ``section`` (``open X in section`` leaves the section open with ``X``); a
  trailing ``… in`` modifier other than ``set_option … in`` (it would apply to the given
  theorem); any mention of the theorem's own name but as a namespace (``t.aux`` names
  another constant, while an earlier constant ``t``, its error hidden, would answer the
  axiom check); a declaration named like an identifier of the statement (it could
  capture an auto-bound implicit variable or a field), which is also how a changed copy
  of a given definition is caught.
- The answer's header is replaced by the given one; what of it is kept, and how, is
  :mod:`~kimina_prover_rl.proof.header`'s (its ``open`` lines never precede the
  statement).
- After the theorem: a trailing ``… in`` modifier (it would wrap the appended checks).
  Other commands there are checked by Lean like the rest: redeclaring the theorem is an
  error, and every declaration's axioms are printed.
- ``native_decide`` (and ``decide +native``, ``ofReduceBool``) is reported separately:
  it is allowed only when configured.

Comments and string literals never count (the code is masked first), and a keyword is
whole when no Lean identifier character (``isIdRest``) touches it: ``myaxiom`` is a name,
``ℕᵒᵈaxiom`` is the postfix ``ᵒᵈ`` then the command ``axiom``. The reference pipeline
only looks for the substrings ``axiom`` and ``local_instance``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from kimina_prover_rl.proof._commands import refused_commands
from kimina_prover_rl.proof.attributes import first_refused_attribute
from kimina_prover_rl.proof.lean_code import (
    LeanCode,
    lexing_hazards,
    mask_code,
    normalize_statement,
    normalize_whitespace,
    strip_comments,
)
from kimina_prover_rl.proof.lexer import ID_FIRST, ID_REST
from kimina_prover_rl.proof.options import option_uses

__all__ = [
    "CodeScan",
    "ConstructUse",
    "is_empty_proof",
    "scan_code",
    "statement_difference",
    "use_at",
]

# Lean's identifier characters: a word inside an identifier is no keyword (``myaxiom``).
_IDENT = ID_REST + ".«"
_END = f"(?![{ID_REST}»])"
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
    "by_elab",
    "elab",
    "elab_rules",
    "macro",
    "macro_rules",
    "syntax",
    "simproc",
    "dsimproc",
    "simproc_decl",
    "dsimproc_decl",
    "notation",
    "notation3",
    "infix",
    "infixl",
    "infixr",
    "prefix",
    "postfix",
    "with_weak_namespace",
    "binder_predicate",
    "declare_syntax_cat",
    "register_simp_attr",
    "register_option",
    "register_builtin_option",
    "declare_config_elab",
    "declare_command_config_elab",
]
_BEFORE_WORDS = ["instance", "variable", "export", "mutual", "unif_hint"]


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
    r"#(?:eval|exit|guard_msgs)",
]
# The fast pattern may match inside an identifier (``myaxiom``); the checked one may not.
_ANYWHERE_FAST = re.compile(_keywords(_ALL_WORDS, checked=False))
_ANYWHERE = re.compile(_keywords(_ALL_WORDS, checked=True))
_BEFORE_STATEMENT = re.compile(_keywords([w + _END for w in _BEFORE_WORDS], checked=True))
_SET_OPTION_IN = re.compile(r"set_option\s+\S+\s+\S+\s+in")
# ``open``/``attribute`` before the theorem only as ``… in`` (on the same line), which
# scopes them over the one command that follows.
_SCOPED_COMMAND = re.compile(_keywords(["open" + _END, "attribute" + _END], checked=True))
_SCOPED_IN = re.compile(f"[^\\n]*?(?<![{ID_REST}.»])in(?![{ID_REST}«])")
# What a ``… in`` may wrap: ``cmd in section`` would leave a section open with ``cmd``
# in force over everything after, the given statement included.
_SCOPABLE = re.compile(
    r"\s*(?:@\[|(?:private|protected|noncomputable|partial|nonrec|theorem|lemma|def|abbrev"
    r"|example|structure|inductive|class|opaque|irreducible_def|set_option|open|attribute)"
    f"(?![{ID_REST}»])(?!\\s+section(?![{ID_REST}])))"
)
_ENDS_WITH_IN = re.compile(f"(?<![{ID_REST}.»])in$")
_DECLARED_NAME = re.compile(
    f"(?<![{ID_REST}.])(?:def|abbrev|theorem|lemma|structure|class|inductive|opaque|alias"
    r"|irreducible_def)[ \t\r\n]+([^\s()\[\]{}⦃⦄⟨⟩:,]+)"
)
_STATEMENT_IDENT = re.compile(f"[{ID_FIRST}][{ID_REST}]*")
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


def use_at(code: str, start: int, construct: str, reason: str) -> ConstructUse:
    """The :class:`ConstructUse` of ``construct`` found at offset ``start`` of ``code``."""
    return ConstructUse(normalize_whitespace(construct), code.count("\n", 0, start) + 1, reason)


_Hit = tuple[int, str, str]
"""``(offset, construct, reason)`` of one rejected construct."""


def scan_code(
    code: str,
    statement_start: int,
    statement_end: int | None = None,
    *,
    prelude_start: int = 0,
    name: str | None = None,
) -> CodeScan:
    """Find forbidden constructs and ``native_decide`` in ``code`` (comments never count).

    ``code[statement_start:statement_end]`` is the checked theorem's statement (up to its
    ``:=``) and ``name`` its name; ``code[prelude_start:statement_start]`` is the code
    before it that is sent to Lean (after the header, which is replaced). The rules for
    each part are in the module docstring. Linear in ``len(code)``.
    """
    end = statement_start if statement_end is None else statement_end
    masked = mask_code(code)
    hits: list[_Hit] = []
    m = _ANYWHERE_FAST.search(masked)
    if m is not None and m.group()[0] != "#" and _continues_identifier(masked, m.start()):
        m = _ANYWHERE.search(masked, m.start() + 1)
    if m is not None:
        hits.append((m.start(), m.group(), _reason(m.group())))
    hit = _forbidden_option(code, masked)
    if hit is not None:
        hits.append(hit)
    use = first_refused_attribute(masked)
    if use is not None:
        hits.append((use.offset, f"@[{use.name}]", use.reason))
    hazard = next((h for h in lexing_hazards(code) if not statement_start <= h[0] < end), None)
    if hazard is not None:
        reason = "Lean may read this differently from the checker: write it another way"
        hits.append((hazard[0], hazard[1], reason))
    regions = [(end, len(code), "by the end of the code")]
    if prelude_start < statement_start:
        regions.insert(0, (prelude_start, statement_start, "before the theorem"))
    # First in the list: at the same offset, the refusal that says what to write instead wins.
    hits[:0] = (
        (r.offset, r.construct, r.reason) for r in refused_commands(code, masked, tuple(regions))
    )
    hits.extend(_before_statement(code, masked, (prelude_start, statement_start, end), name))
    after = masked[end:].rstrip()
    if _ENDS_WITH_IN.search(after[-3:]):
        reason = "a trailing `… in` would apply to the axiom check appended after the proof"
        hits.append((end + len(after) - 2, "in", reason))
    forbidden = None
    if hits:
        offset, construct, reason = min(hits, key=lambda hit: hit[0])
        forbidden = use_at(code, offset, construct, reason)
    native = _NATIVE.search(masked)
    native_use = None
    if native is not None:
        reason = "trusts the compiler (axiom Lean.ofReduceBool)"
        native_use = use_at(code, native.start(), native.group(), reason)
    return CodeScan(forbidden, native_use)


def _reason(construct: str) -> str:
    if construct.startswith(("#guard_msgs",)):
        return "hides Lean's errors and warnings"
    if construct.startswith(
        ("#", "run_", "elab", "macro", "syntax", "initialize", "builtin", "binder", "declare")
    ):
        return "runs code or extends the parser while the proof is checked"
    if construct.startswith(("by_elab", "simproc", "dsimproc")):
        return "runs code or extends the parser while the proof is checked"
    if construct == "axiom":
        return "adds an unproved assumption"
    if "instance" in construct:
        return "changes instance resolution for the rest of the file"
    if construct.startswith(("notation", "infix", "prefix", "postfix")):
        return "changes how the statement or the axiom check is parsed"
    if "namespace" in construct:
        return "changes which constant a name (and the axiom check) refers to"
    if construct.startswith("register"):
        return "registers an option or attribute that changes how later code elaborates"
    return "lets compiled or unchecked code stand in for a proof"


def _forbidden_option(code: str, masked: str) -> _Hit | None:
    """The first ``set_option`` outside the allow-list (:mod:`.options`)."""
    for use in option_uses(mask_code(code, keep_names=True)):
        return use.offset, f"set_option {use.name}".rstrip(), use.reason
    return None


def _before_statement(
    code: str, masked: str, parts: tuple[int, int, int], name: str | None
) -> list[_Hit]:
    """Hits of the rules for the code sent before the statement (``parts``: its start, the
    statement's start and end)."""
    prelude, start, end = parts
    if prelude >= start:
        return []
    hits: list[_Hit] = []
    m = _BEFORE_STATEMENT.search(masked, prelude, start)
    if m is not None:
        reason = "commands before the theorem may not change how its statement elaborates"
        hits.append((m.start(), m.group(), reason))
    for scoped in _SCOPED_COMMAND.finditer(masked, prelude, start):
        scope = _SCOPED_IN.match(masked, scoped.end(), start)
        if scope is None or not _SCOPABLE.match(masked, scope.end(), start):
            word = scoped.group()
            reason = (
                f"`{word}` before the theorem must scope over one lemma, or it changes how "
                f"the statement elaborates: write `{word} … in` right before the lemma "
                "that needs it, or use qualified names"
            )
            hits.append((scoped.start(), word, reason))
            break
    modifier = _trailing_modifier(masked[:start])
    if modifier is not None and modifier >= prelude:
        reason = "a `… in` modifier other than set_option would apply to the given theorem"
        hits.append((modifier, "in", reason))
    named = mask_code(code[:end], keep_names=True).replace("«", " ").replace("»", " ")
    if name is not None:
        bare = name.replace("«", "").replace("»", "")
        # ``name.aux`` (a helper in the theorem's namespace) names another constant.
        own = re.compile(f"(?<![{ID_REST}.]){re.escape(bare)}(?![{ID_REST}]|\\.[{ID_FIRST}])")
        found = own.search(named, prelude, start)
        if found is not None:
            reason = "the theorem's name may not be used before it (the axiom check names it)"
            hits.append((found.start(), bare, reason))
    used = set(_STATEMENT_IDENT.findall(named, start, end))
    for declared in _DECLARED_NAME.finditer(named, prelude, start):
        last = declared.group(1).rsplit(".", 1)[-1]
        if last in used:
            reason = (
                f"redefines `{last}`, which the theorem's statement uses (the given "
                "definitions are sent as they are: copy them unchanged or leave them out)"
            )
            hits.append((declared.start(1), declared.group(1), reason))
            break
    return hits


def _trailing_modifier(before: str) -> int | None:
    """Offset of a ``… in`` that ends ``before`` and is not ``set_option … in``."""
    end = len(before)
    while True:
        while end and before[end - 1].isspace():
            end -= 1
        if not _ENDS_WITH_IN.search(before, max(0, end - 3), end):
            return None
        line_start = before.rfind("\n", 0, end) + 1
        if not _SET_OPTION_IN.fullmatch(before[line_start:end].strip()):
            return end - 2
        end = line_start


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
