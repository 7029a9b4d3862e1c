"""Prompt templates: a formal statement and its informal problem become chat messages.

The default is the reference Kimina-Prover RL pipeline's text, character for character
(``recipe/kimina_prover_rl/prepare_data.py`` in project-numina/verl), so checkpoints trained
there see the prompts they were trained on.
"""

from __future__ import annotations

import re
import string
from dataclasses import dataclass
from typing import Any

from kimina_prover_rl.data.rows import ChatMessage
from kimina_prover_rl.errors import ConfigError
from kimina_prover_rl.proof import mask_code

__all__ = [
    "DEFAULT_SYSTEM_PROMPT",
    "DEFAULT_USER_TEMPLATE",
    "PromptTemplate",
    "informal_text",
    "statement_for_prompt",
]

#: The reference pipeline's system message.
DEFAULT_SYSTEM_PROMPT = "You are an expert in mathematics and proving theorems in Lean 4."

#: The reference pipeline's user message (it ends with a newline after the closing fence).
DEFAULT_USER_TEMPLATE = (
    "Think about and solve the following problems step by step in Lean 4.\n\n"
    "# Problem:\n{informal}\n\n"
    "# Formal Statement:\n```lean4\n{statement}\n```\n"
)

_PROBLEM_SECTION = "# Problem:\n{informal}\n\n"
_FIELDS = frozenset({"informal", "statement"})
_TRAILING_SORRY = re.compile(r"(?:\bby|:=)(\s*\bsorry)\s*$")
_DOC_COMMENT = re.compile(r"\A/-[-!]?(.*?)-/\Z", re.DOTALL)
_LINE_COMMENT = re.compile(r"^[ \t]*--[ \t]?", re.MULTILINE)


@dataclass(frozen=True, slots=True)
class PromptTemplate:
    """The chat messages of a first-turn prompt.

    ``user`` is a :meth:`str.format` template with the fields ``{statement}`` (required:
    the full Lean statement, header included, ending in ``:= by``) and ``{informal}``
    (the problem in words); write ``{{``/``}}`` for literal braces. ``system`` is the
    system message, or None for prompts without one.
    """

    system: str | None = DEFAULT_SYSTEM_PROMPT
    user: str = DEFAULT_USER_TEMPLATE

    def __post_init__(self) -> None:
        if self.system is not None and not isinstance(self.system, str):
            raise ConfigError(
                f"PromptTemplate.system={self.system!r} is not text: pass a string or None"
            )
        if not isinstance(self.user, str):
            raise ConfigError(f"PromptTemplate.user={self.user!r} is not text: pass a string")
        try:
            fields = {name for _, name, _, _ in string.Formatter().parse(self.user) if name}
        except ValueError as exc:
            raise ConfigError(
                f"PromptTemplate.user is not a valid format string ({exc}): "
                "write literal braces as '{{' and '}}'"
            ) from exc
        unknown = fields - _FIELDS
        if unknown:
            raise ConfigError(
                f"PromptTemplate.user uses unknown field(s) {sorted(unknown)}: "
                "only {informal} and {statement} are filled in"
            )
        if "statement" not in fields:
            raise ConfigError(
                "PromptTemplate.user has no '{statement}' field: the model must see the "
                "statement it has to prove, so add it"
            )

    def render(self, *, statement: str, informal: str) -> list[ChatMessage]:
        """The messages (``[{"role", "content"}, ...]``) for one problem."""
        messages: list[ChatMessage] = []
        if self.system is not None:
            messages.append({"role": "system", "content": self.system})
        user = self.user
        if not informal.strip() and user == DEFAULT_USER_TEMPLATE:
            user = user.replace(_PROBLEM_SECTION, "")  # no empty "# Problem:" heading
        content = user.format(statement=statement, informal=informal)
        messages.append({"role": "user", "content": content})
        return messages

    def to_dict(self) -> dict[str, Any]:
        """The template as plain data (recorded in the prompt set's manifest)."""
        return {"system": self.system, "user": self.user}


def statement_for_prompt(formal_statement: str) -> str:
    """The statement as the model sees it: trailing whitespace and a final ``sorry`` removed.

    ``theorem t : p := by sorry`` becomes ``theorem t : p := by``: the model writes the
    proof. A ``sorry`` inside a comment or string, or anywhere but the end, is kept.
    """
    text = formal_statement.rstrip()
    m = _TRAILING_SORRY.search(mask_code(text))
    if m is not None:
        text = text[: m.start(1)].rstrip()
    return text


def informal_text(raw: str) -> str:
    """The informal problem as plain text: Lean comment delimiters removed, ends trimmed.

    MiniF2F's ``informal_prefix`` is a Lean doc comment (``/-- … -/``); the Promptset's
    ``natural_language`` is already plain. Both end up as plain text in the prompt.
    """
    text = raw.strip()
    m = _DOC_COMMENT.match(text)
    if m is not None and "-/" not in m.group(1):
        return m.group(1).strip()
    lines = text.splitlines()
    if lines and all(line.lstrip().startswith("--") for line in lines):
        return _LINE_COMMENT.sub("", text).strip()
    return text
