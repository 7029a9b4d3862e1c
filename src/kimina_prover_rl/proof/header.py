"""What of the answer's own header reaches Lean, and in which form.

The code sent to Lean starts with the *given* header, so the answer can never change the
imports or what the given statement is elaborated under. What an honest answer puts in
its header is still kept rather than silently dropped (Lean's feedback would then confuse
the model), rebuilt from the code with comments and literals blanked so that no comment,
string or trailing text of the answer travels with it:

- ``set_option <name> <number|true|false>`` lines the given header lacks are kept, after
  it (the name has passed the allow-list of :mod:`~kimina_prover_rl.proof.options`, so
  only resources, linters and tactic switches change);
- ``open`` lines the given header lacks are returned as their arguments, which the caller
  applies as ``open … in`` to each auxiliary lemma and to the proof term, never to the
  statement: an ``open`` before the theorem would change how the given statement
  elaborates (``open Real`` turns a bound ``π`` into ``Real.pi``).

Any other ``set_option`` or ``open`` line in the header is refused with what to write.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from kimina_prover_rl.proof.integrity import ConstructUse, use_at
from kimina_prover_rl.proof.lean_code import LeanCode, mask_code, normalize_whitespace

__all__ = ["AnswerHeader", "answer_header"]

_OPEN_LINE = re.compile(r"^[ \t]*open[ \t]+([^\n]*)", re.MULTILINE)
_OPTION_LINE = re.compile(r"^[ \t]*set_option\b([^\n]*)", re.MULTILINE)
_OPTION = re.compile(r"[ \t]+([\w.'!?«»₀-₉ᵢ-ᵪ]+)[ \t]+(true|false|[0-9]+)[ \t]*")
_OPEN_ARGUMENTS = re.compile(r"[\w.'!?«»₀-₉ᵢ-ᵪ ()→>-]+")
_OPEN_KEYWORDS = frozenset({"hiding", "renaming", "scoped"})
_IN_WORD = re.compile(r"(?<![\w'.!?«])in(?![\w'!?»])")


@dataclass(frozen=True, slots=True)
class AnswerHeader:
    """What is kept of the answer's header: ``set_option`` lines to send after the given
    header, ``open`` arguments to scope over lemmas and proof, or why it is refused."""

    options: str
    opens: tuple[str, ...]
    refused: ConstructUse | None


def answer_header(given: LeanCode, answer: LeanCode) -> AnswerHeader:
    """Read the answer's header against the given one (see the module docstring)."""
    masked = mask_code(answer.header, keep_names=True)
    given_masked = mask_code(given.header, keep_names=True)
    given_options = {normalize_whitespace(m.group()) for m in _OPTION_LINE.finditer(given_masked)}
    options: list[str] = []
    for m in _OPTION_LINE.finditer(masked):
        if normalize_whitespace(m.group()) in given_options:
            continue
        option = _OPTION.fullmatch(m.group(1))
        if option is None:
            reason = "write `set_option <name> <number or true/false>` alone on its line"
            return AnswerHeader("", (), use_at(masked, m.start(), "set_option", reason))
        options.append(f"set_option {option.group(1)} {option.group(2)}\n")
    given_lines = {normalize_whitespace(m.group(1)) for m in _OPEN_LINE.finditer(given_masked)}
    given_words = {word for line in given_lines for word in line.split()}
    opens: list[str] = []
    for m in _OPEN_LINE.finditer(masked):
        arguments = normalize_whitespace(m.group(1))
        if arguments in given_lines:
            continue
        if not _OPEN_ARGUMENTS.fullmatch(arguments) or _IN_WORD.search(arguments):
            reason = "an `open` line in the header may only name namespaces"
            return AnswerHeader("", (), use_at(masked, m.start(), f"open {arguments}", reason))
        words = arguments.split()
        if not _OPEN_KEYWORDS.intersection(words):
            arguments = " ".join(word for word in words if word not in given_words)
        if arguments:
            opens.append(arguments)
    return AnswerHeader("".join(options), tuple(opens), None)
