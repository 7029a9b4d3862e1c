"""Which constant the axiom check must print, and the Lean command that prints it.

The check runs as its own command in the environment the proof left behind, and the REPL
keeps that environment's scopes: a ``namespace Foo`` still open at the end of the proof
makes a plain ``#print axioms thm`` resolve to ``Foo.thm`` first. So the main
declaration's fully-qualified name is worked out from the ``namespace``/``section``/
``end`` commands before it, and printed as ``_root_.<full name>``, which Lean resolves
exactly (``ResolveName.resolveExact``) wherever the check runs. The report must then
name that very constant (:func:`~kimina_prover_rl.lean.outcome.parse_axioms`), so an
alias or an oddly named look-alike can never answer for it.

Scopes are tracked on the code with comments and strings blanked. A scope opened by a
macro is invisible here; ``proof.integrity`` rejects macros before code reaches Lean,
and a wrongly computed name can only make the check fail (``unsound``), unless another
declaration carries exactly that name.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from kimina_prover_rl.proof.lean_code import LeanCode, mask_code

__all__ = ["AXIOM_CHECK_NAME", "AxiomCheck", "plan_axiom_check", "scope_namespace"]

AXIOM_CHECK_NAME = "kimina_axiom_check"
"""The root name an ``example`` is re-declared under so that its axioms can be printed."""

_ROOT = "_root_."
_SCOPE_COMMAND = re.compile(
    r"(?<![\w'.!?«])(namespace|section|end|mutual)(?![\w'!?»])(?:[ \t]+([^\s()\[\]{}:,]+))?"
)
_NOT_A_SCOPE_NAME = frozenset(
    {"theorem", "lemma", "def", "example", "abbrev", "instance", "namespace", "section", "end"}
)


@dataclass(frozen=True, slots=True)
class AxiomCheck:
    """The command to run after a proof, and what its answer must report.

    ``constant`` is the fully-qualified name a valid report names; ``line`` is the line
    of the ``#print axioms`` within ``command``; ``shown`` names the declaration in
    verdict details (the name as written, or ``the example``).
    """

    command: str
    constant: str
    line: int
    shown: str


def plan_axiom_check(parsed: LeanCode) -> AxiomCheck | None:
    """The axiom check for the main declaration of ``parsed`` (None if it declares none).

    A named ``theorem``/``lemma`` is printed under its fully-qualified name; its axioms
    are transitive, so the lemmas it uses are covered. An ``example`` adds nothing to the
    environment, so its statement and proof are elaborated once more as a root theorem
    named :data:`AXIOM_CHECK_NAME` (a clash with a user declaration of that name is an
    error, hence ``unsound``, never a look-alike's report).
    """
    if parsed.keyword == "example":
        tail = parsed.statement[len(parsed.keyword) :] + parsed.body
        command = (
            f"theorem {_ROOT}{AXIOM_CHECK_NAME}{tail}\n\n#print axioms {_ROOT}{AXIOM_CHECK_NAME}"
        )
        return AxiomCheck(command, AXIOM_CHECK_NAME, command.count("\n") + 1, "the example")
    if parsed.name is None:
        return None
    if parsed.name.startswith(_ROOT):
        constant = parsed.name[len(_ROOT) :]
    else:
        namespace = scope_namespace(parsed.header + parsed.prelude)
        constant = f"{namespace}.{parsed.name}" if namespace else parsed.name
    return AxiomCheck(f"#print axioms {_ROOT}{constant}", constant, 1, parsed.name)


def scope_namespace(code: str) -> str:
    """The namespace in effect at the end of ``code`` (``""`` at top level).

    ``namespace A.B`` opens one scope per component, ``section`` and ``mutual`` one
    unnamed scope, and ``end`` closes as many scopes as its name has components (one
    without a name), as Lean does.
    """
    scopes: list[str | None] = []
    for match in _SCOPE_COMMAND.finditer(mask_code(code)):
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
    return ".".join(part for part in scopes if part is not None)


def _components(name: str) -> list[str]:
    """``A.«b c».C`` -> ``["A", "«b c»", "C"]`` (dots inside guillemets do not split)."""
    return [part for part in re.findall(r"«[^»]*»|[^.«]+", name) if part]
