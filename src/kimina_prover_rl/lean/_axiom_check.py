"""The checks appended after a proof: every declaration's axioms and the graded statement.

:func:`plan_checks` is the one planning function every backend uses (the local pool and the
remote client append its :attr:`CheckPlan.text` to the proof and send both as one command).

- **Every declaration.** Each ``theorem``/``lemma``/``def``/``abbrev``/``opaque``/``axiom``, named
  ``instance`` the code adds gets its own ``#print axioms _root_.<fully-qualified name>``,
  wherever it sits (before or after the graded theorem), so no declaration can carry an
  axiom unseen. An ``example`` adds nothing to the environment, so its text is elaborated
  once more as a root theorem named ``kimina_axiom_check_<n>`` and that is printed. It is
  elaborated at the end of the code, in the scopes open there: an example that only
  elaborates inside a namespace closed after it, or whose type is not a proposition,
  fails its check (not valid), never passes one.
  Anonymous instances are covered through whatever uses them (axioms are transitive).
- **Names.** The REPL keeps the scopes the proof leaves open, so names are worked out from
  the ``namespace``/``section``/``end`` commands before each declaration and printed as
  ``_root_.<full name>``, which Lean resolves exactly wherever the check runs. A report
  counts only if it names that very constant, sits on its own line of the check and is
  the only message on that line.
- **The graded statement** (when the request names the theorem and gives the statement):
  ``#check @_root_.<theorem>`` with every ``pp`` option that makes the output
  unambiguous set on the same line, so Lean itself prints the theorem's elaborated type;
  ``_statement_check`` compares it with the same line run after the given statement.

**Why the check's reports cannot be forged.** The check starts on a fresh line after the
proof's last line, and the client knows every line of it. Lean logs a command's messages at
positions inside that command's own syntax, so a message positioned on one of the check's
lines comes from the check (a proof that prints ``'t' depends on axioms: []`` does so on its
own line). The one way proof text reaches those lines is by not ending: an unterminated
comment hides the check (no report at all: not valid), an unfinished command makes the check
a parse error (an error on the check's lines: not valid). Scopes tracked here see code with
comments and strings blanked; a scope opened by a macro is invisible, and
``proof.integrity`` rejects macros before code reaches Lean. A wrongly computed name can
only make a report go missing (not valid), unless another declaration has exactly that name.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from kimina_prover_rl.proof.lean_code import (
    declarations,
    mask_code,
    name_components,
    strip_comments,
)

__all__ = [
    "AXIOM_CHECK_NAME",
    "CHECK_RULES_VERSION",
    "AxiomReport",
    "CheckPlan",
    "StatementProbe",
    "plan_checks",
    "scope_namespace",
]

CHECK_RULES_VERSION = 2
"""Bump when what the check covers or accepts changes: cached verdicts of older rules
then stop matching (it is part of every backend's verdict scope)."""

AXIOM_CHECK_NAME = "kimina_axiom_check"
"""Re-declared examples are named ``kimina_axiom_check_1``, ``_2``, … at the root."""

STATEMENT_OPTIONS = (
    "pp.all true",
    "pp.explicit true",
    "pp.universes true",
    "pp.fullNames true",
    "pp.notation false",
    "pp.coercions false",
    "pp.proofs true",
    "pp.funBinderTypes true",
    "pp.maxSteps 100000000",
)
"""Set on the ``#check`` line itself, so options the proof set cannot change its output.

``pp.all`` only supplies defaults: an option set explicitly (by the proof) wins over it, so
each part that matters is set again explicitly. Output that still elides (``⋯``) is never
compared as equal."""

_ROOT = "_root_."
_SCOPE_COMMAND = re.compile(
    r"(?<![\w'.!?«])(namespace|section|end|mutual)(?![\w'!?»])(?:[ \t]+([^\s()\[\]{}:,]+))?"
)
_NOT_A_SCOPE_NAME = frozenset(
    {"theorem", "lemma", "def", "example", "abbrev", "instance", "namespace", "section", "end"}
)
_CHECKED_KEYWORDS = frozenset(
    {
        "theorem",
        "lemma",
        "def",
        "abbrev",
        "opaque",
        "instance",
        "example",
        "axiom",
        "irreducible_def",
    }
)
# Where a command after an ``example`` starts: a line beginning at column 0 with a command.
_COMMAND_LINE = re.compile(
    r"^(?:@\[|#|(?:theorem|lemma|def|abbrev|opaque|instance|example|structure|inductive|class"
    r"|namespace|section|end|open|set_option|universe|variable|attribute|private|protected"
    r"|noncomputable|partial|unsafe|nonrec|scoped|local|mutual|export|notation|macro|syntax"
    r"|elab|axiom|include|omit|deriving)(?![\w'!?]))",
    re.MULTILINE,
)


@dataclass(frozen=True, slots=True)
class AxiomReport:
    """One ``#print axioms`` of the check and the report it must produce.

    ``line`` is the line of the ``#print axioms`` within :attr:`CheckPlan.text`;
    ``constant`` the fully-qualified name a valid report names; ``shown`` names the
    declaration in verdict details; ``graded`` marks the theorem the request names.
    """

    line: int
    constant: str
    shown: str
    graded: bool = False


@dataclass(frozen=True, slots=True)
class StatementProbe:
    """The ``#check`` of the graded theorem: its line within the check and the command."""

    line: int
    constant: str
    command: str


@dataclass(frozen=True, slots=True)
class CheckPlan:
    """Lean commands to append after a proof, and which line of them says what.

    ``text`` starts with a command (no leading blank line) and ends without a newline.
    """

    text: str
    reports: tuple[AxiomReport, ...]
    statement: StatementProbe | None = None

    @property
    def redeclares(self) -> bool:
        """Whether the check elaborates proofs again (examples), so it may take as long."""
        return any(r.constant.startswith(AXIOM_CHECK_NAME) for r in self.reports)

    def appended_to(self, code: str, *, blank_lines: int = 1) -> tuple[str, int]:
        """``code``, ``blank_lines`` empty lines, then the check; and the check's first line.

        Lines are 1-based in the returned text: report ``r`` is on line
        ``first + r.line - 1``.
        """
        prefix = code + ("" if code.endswith("\n") or not code else "\n") + "\n" * blank_lines
        return prefix + self.text, prefix.count("\n") + 1


@dataclass(frozen=True, slots=True)
class _Declaration:
    start: int
    keyword: str
    name: str | None
    namespace: str


def plan_checks(
    code: str, *, theorem_name: str | None = None, check_statement: bool = False
) -> CheckPlan | None:
    """The check for every declaration of ``code`` (None when it declares nothing).

    ``theorem_name`` (as written in the given statement) marks the graded theorem; it is
    checked even when the code does not declare it, so that a missing theorem is never
    valid. With ``check_statement``, a ``#check`` of the graded theorem is appended too.
    """
    masked = mask_code(code)
    declarations = list(_declarations(code, masked))
    lines: list[str] = []
    reports: list[AxiomReport] = []
    graded_constant: str | None = None
    examples = 0
    for i, decl in enumerate(declarations):
        if decl.keyword == "example":
            examples += 1
            end = declarations[i + 1].start if i + 1 < len(declarations) else len(code)
            constant = f"{AXIOM_CHECK_NAME}_{examples}"
            text = _example_text(code, masked, decl.start + len("example"), end)
            lines.extend(f"theorem {_ROOT}{constant}{text}".split("\n"))
            lines.append(f"#print axioms {_ROOT}{constant}")
            reports.append(AxiomReport(len(lines), constant, f"the example #{examples}"))
            continue
        if decl.name is None:
            continue
        constant = _qualified(decl.namespace, decl.name)
        graded = (
            theorem_name is not None
            and graded_constant is None
            and name_components(decl.name) == name_components(theorem_name)
        )
        if graded:
            graded_constant = constant
        lines.append(f"#print axioms {_ROOT}{constant}")
        reports.append(AxiomReport(len(lines), constant, decl.name, graded))
    if theorem_name is not None and graded_constant is None:
        graded_constant = _qualified("", theorem_name)
        lines.append(f"#print axioms {_ROOT}{graded_constant}")
        reports.append(AxiomReport(len(lines), graded_constant, theorem_name, True))
    if not reports:
        return None
    probe = None
    if check_statement and graded_constant is not None:
        probe = statement_probe(graded_constant, line=len(lines) + 1)
        lines.append(probe.command)
    return CheckPlan("\n".join(lines), tuple(reports), probe)


def statement_probe(constant: str, *, line: int = 1) -> StatementProbe:
    """The one-line ``#check`` that makes Lean print ``constant``'s elaborated type."""
    options = "".join(f"set_option {option} in " for option in STATEMENT_OPTIONS)
    return StatementProbe(line, constant, f"{options}#check @{_ROOT}{constant}")


def _qualified(namespace: str, name: str) -> str:
    if name.startswith(_ROOT):
        return name[len(_ROOT) :]
    return f"{namespace}.{name}" if namespace else name


def _example_text(code: str, masked: str, start: int, limit: int) -> str:
    """An example's signature and proof: up to the next command at column 0, no comments."""
    command = _COMMAND_LINE.search(masked, start, limit)
    end = limit if command is None else command.start()
    return strip_comments(code[start:end]).rstrip()


def _declarations(code: str, masked: str) -> Iterator[_Declaration]:
    """Checked declarations in source order, with the namespace in effect where each starts.

    Structures, classes and inductive types are left out: what they generate carries no
    proof of its own, and whatever uses them is checked.
    """
    scopes: list[str | None] = []
    scope_events = list(_SCOPE_COMMAND.finditer(masked))
    next_event = 0
    for decl in declarations(code):
        while next_event < len(scope_events) and scope_events[next_event].start() < decl.offset:
            _apply_scope(scopes, scope_events[next_event], code)
            next_event += 1
        if decl.keyword not in _CHECKED_KEYWORDS:
            continue
        namespace = ".".join(part for part in scopes if part is not None)
        yield _Declaration(decl.offset, decl.keyword, decl.name, namespace)


def scope_namespace(code: str) -> str:
    """The namespace in effect at the end of ``code`` (``""`` at top level).

    ``namespace A.B`` opens one scope per component, ``section`` and ``mutual`` one
    unnamed scope, and ``end`` closes as many scopes as its name has components (one
    without a name), as Lean does.
    """
    scopes: list[str | None] = []
    for match in _SCOPE_COMMAND.finditer(mask_code(code)):
        _apply_scope(scopes, match, code)
    return ".".join(part for part in scopes if part is not None)


def _apply_scope(scopes: list[str | None], match: re.Match[str], code: str) -> None:
    command = match.group(1)
    # Read the name from the code itself: the mask blanks the inside of «…» names.
    name = None if match.group(2) is None else code[match.start(2) : match.end(2)]
    if name in _NOT_A_SCOPE_NAME:
        name = None
    if command == "namespace" and name is not None:
        scopes.extend(_components(name))
    elif command in ("section", "mutual"):
        scopes.extend([None] * (len(_components(name)) if name and command == "section" else 1))
    elif command == "end":
        count = len(_components(name)) if name else 1
        del scopes[max(0, len(scopes) - count) :]


def _components(name: str) -> list[str]:
    """``A.«b c».C`` -> ``["A", "«b c»", "C"]`` (dots inside guillemets do not split)."""
    return [part for part in re.findall(r"«[^»]*»|[^.«]+", name) if part]
