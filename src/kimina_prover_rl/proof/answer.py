"""The layout of a model's answer: the ``<think>`` block and the fenced code blocks.

A *reasoning-then-generation* answer looks like::

    <think>
    informal reasoning ...
    ```tactics
    nlinarith [sq_nonneg (a - b)]
    ```
    ... more reasoning and drafts ...
    </think>
    ```lean4
    theorem foo ... := by
      nlinarith [sq_nonneg (a - b)]
    ```

This module only *locates* things; judging them is :mod:`~kimina_prover_rl.proof.format`'s job.

Fences are read line by line, close to CommonMark: a fence is a line made of optional
indentation, three or more backticks and an optional info string whose first word is the
block's language. A block closes on a line holding only backticks (at least as many as it
opened with). Two deliberate departures, both to recover the model's intent from broken
output: an opening fence *with* a language inside an open block (the model forgot to
close the previous one) ends that block, unclosed, and opens a new one; and any amount
of indentation is accepted. Think tags are found anywhere in the text. The scan is one
regular-expression pass over fence lines plus ``str.find``/``str.count`` calls, so it is
linear in the length of the answer.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["THINK_CLOSE", "THINK_OPEN", "CodeBlock", "ParsedAnswer", "parse_answer"]

THINK_OPEN = "<think>"
THINK_CLOSE = "</think>"

# One fence line: indentation, a run of backticks, the rest of the line. ``$`` always
# matches after ``[^\n]*``, so the pattern never backtracks.
_FENCE = re.compile(r"^[ \t]*(`{3,})([^\n]*)$", re.MULTILINE)


@dataclass(frozen=True, slots=True)
class CodeBlock:
    """One fenced code block of the answer.

    ``content`` is the text between the opening and the closing fence lines (without the
    newline that ends the last content line). ``line`` is the 1-based line of the opening
    fence in the answer, so content line ``k`` (1-based) is answer line ``line + k``.
    ``end`` is the offset just past the closing fence line (the end of the text for an
    unclosed block).
    """

    language: str
    content: str
    line: int
    start: int
    end: int
    closed: bool
    in_think: bool


@dataclass(frozen=True, slots=True)
class ParsedAnswer:
    """Where the think block and the code blocks of an answer are.

    Offsets index ``text``. ``think_span`` is ``(start, end)`` of the think block's inside:
    from just after the first ``<think>`` (or from 0 when the prompt opened it) to the
    first ``</think>`` after that, or to the end of the text when it is never closed; None
    when there is no think block at all.
    """

    text: str
    think_open_count: int
    think_close_count: int
    first_think_open: int
    first_think_close: int
    think_span: tuple[int, int] | None
    blocks: tuple[CodeBlock, ...]
    nested_fence_lines: tuple[int, ...]

    def blocks_of(self, languages: tuple[str, ...]) -> list[CodeBlock]:
        """The blocks whose language is one of ``languages`` (compared case-insensitively)."""
        wanted = {lang.lower() for lang in languages}
        return [b for b in self.blocks if b.language.lower() in wanted]

    def line_of(self, offset: int) -> int:
        """The 1-based line number of ``offset``."""
        return self.text.count("\n", 0, offset) + 1

    def think_text_outside_blocks(self) -> str:
        """The think block's text with every fenced block inside it cut out (fences included)."""
        if self.think_span is None:
            return ""
        start, end = self.think_span
        parts: list[str] = []
        cursor = start
        for block in self.blocks:
            if not block.in_think:
                continue
            parts.append(self.text[cursor : block.start])
            cursor = max(cursor, block.end)
        if cursor < end:
            parts.append(self.text[cursor:end])
        return "".join(parts)


def _think_span(text: str, think_in_prompt: bool) -> tuple[int, int] | None:
    if think_in_prompt:
        start = 0
    else:
        opened = text.find(THINK_OPEN)
        if opened < 0:
            return None
        start = opened + len(THINK_OPEN)
    close = text.find(THINK_CLOSE, start)
    return (start, len(text) if close < 0 else close)


def parse_answer(text: str, *, think_in_prompt: bool = False) -> ParsedAnswer:
    """Locate the think block and every fenced code block of ``text``.

    With ``think_in_prompt`` the answer is read as already inside a think block (chat
    templates that end the prompt with ``<think>``). Never raises; cost is linear in
    ``len(text)``.
    """
    span = _think_span(text, think_in_prompt)
    blocks: list[CodeBlock] = []
    nested: list[int] = []
    # The open block: (language, backtick count, opening line, fence start, content start).
    current: tuple[str, int, int, int, int] | None = None
    line = 1
    counted_to = 0

    def in_think(offset: int) -> bool:
        return span is not None and span[0] <= offset < span[1]

    for m in _FENCE.finditer(text):
        line += text.count("\n", counted_to, m.start())
        counted_to = m.start()
        ticks = len(m.group(1))
        info = m.group(2).strip()
        if "`" in info:
            continue  # ```like this``` on one line is inline code, not a fence
        language = info.split(maxsplit=1)[0] if info else ""
        content_start = min(m.end() + 1, len(text))
        if current is None:
            current = (language, ticks, line, m.start(), content_start)
            continue
        cur_lang, cur_ticks, cur_line, cur_start, cur_content = current
        if not info and ticks >= cur_ticks:
            content = text[cur_content : max(cur_content, m.start() - 1)]
            blocks.append(
                CodeBlock(
                    cur_lang, content, cur_line, cur_start, content_start, True, in_think(cur_start)
                )
            )
            current = None
        elif info:
            nested.append(line)
            content = text[cur_content : max(cur_content, m.start() - 1)]
            blocks.append(
                CodeBlock(
                    cur_lang, content, cur_line, cur_start, m.start(), False, in_think(cur_start)
                )
            )
            current = (language, ticks, line, m.start(), content_start)
    if current is not None:
        cur_lang, _, cur_line, cur_start, cur_content = current
        blocks.append(
            CodeBlock(
                cur_lang,
                text[cur_content:],
                cur_line,
                cur_start,
                len(text),
                False,
                in_think(cur_start),
            )
        )
    return ParsedAnswer(
        text=text,
        think_open_count=text.count(THINK_OPEN),
        think_close_count=text.count(THINK_CLOSE),
        first_think_open=text.find(THINK_OPEN),
        first_think_close=text.find(THINK_CLOSE),
        think_span=span,
        blocks=tuple(blocks),
        nested_fence_lines=tuple(nested),
    )
