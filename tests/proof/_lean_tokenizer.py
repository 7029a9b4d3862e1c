"""A reference model of Lean 4's tokenizer, re-derived from Lean's source for the tests.

Written from ``leanprover/lean4`` at commit ``00c1b82722b50e9b1ae4999ccc97f932b2788b51``
(``src/Lean/Parser/Basic.lean``: ``whitespace``, ``finishCommentBlock``, ``tokenFn`` and
the literal functions; ``src/Lean/Parser/Term.lean``/``Command.lean``: ``docComment`` and
``moduleDoc`` are the tokens ``/--``/``/-!`` followed by ``commentBody``, which is
``finishCommentBlock 1``; ``src/Lean/Parser/StrInterpolation.lean``), independently of
``proof.lexer``. The facts it follows:

- ``whitespace`` at ``-`` reads one more character: ``-`` starts a line comment up to (not
  including) the next newline, anything else ends the whitespace. At ``/`` it reads one
  more: not ``-`` ends the whitespace; after ``/-`` it reads a *third* character only to
  tell ``/--`` and ``/-!`` (tokens: the whitespace ends there) from a plain comment, and
  starts ``finishCommentBlock 1`` *after* that third character. So ``/-/- x -/`` is one
  comment (the second opener is never seen) and ``/--/ x -/`` is a doc comment that the
  ``-/`` of its opener does not close. A tab is an error; a carriage return on its own is
  an error at that commit; space and newline are skipped.
- ``finishCommentBlock n`` reads one character at a time: ``-`` then ``/`` closes one level
  (the comment ends when that was level 1), ``/`` then ``-`` opens one, and after a lone
  ``-`` or ``/`` the next character is read afresh; the end of the input anywhere inside
  is the error "unterminated comment".
- The doc-comment tokens come from the token table (longest match), so ``/--`` and ``/-!``
  are read by ``tokenFn``, then their body by ``finishCommentBlock 1``; this model reads a
  body after them wherever they occur (where no doc comment may stand, Lean reports a
  parse error, and such code is never accepted).

Character by character, with an explicit token table (Lean's ``matchPrefix`` plus the
"a keyword wins when at least as long as the identifier" rule), so that it shares no code
and no shortcut with ``proof.lexer``: it is the peer the scanner is checked against.
:func:`reference_noncode` returns the offsets Lean does not read as code (inside
comments, string and char literals, ``«»`` name components), or None when Lean would
report a lexical error (so nothing in that code can be accepted).
"""

from __future__ import annotations

#: Tokens of a Mathlib-like table, chosen to include the awkward ones.
_TABLE = "( ) [ ] { } ⟨ ⟩ , : := ! ? + - * / // < <- <-- > = . .. @ # $ % & | ^ ~ ; ∑ ∑' Σ' →o →"
TOKENS = frozenset(
    [*_TABLE.split(" "), "s!", "m!", "f!", "''", "ℝ≥0", "Type*", "#eval", "by", "/--", "/-!"]
)
_DOC_TOKENS = ("/--", "/-!")


def _letter_like(c: str) -> bool:
    v = ord(c)
    return (
        (0x3B1 <= v <= 0x3C9 and v != 0x3BB)
        or (0x391 <= v <= 0x3A9 and v not in (0x3A0, 0x3A3))
        or 0x3CA <= v <= 0x3FB
        or 0x1F00 <= v <= 0x1FFE
        or 0x2100 <= v <= 0x214F
        or 0x1D49C <= v <= 0x1D59F
        or (0xC0 <= v <= 0xFF and v not in (0xD7, 0xF7))
        or 0x100 <= v <= 0x17F
    )


def _subscript(c: str) -> bool:
    v = ord(c)
    return 0x2080 <= v <= 0x2089 or 0x2090 <= v <= 0x209C or 0x1D62 <= v <= 0x1D6A or v == 0x2C7C


def id_first(c: str) -> bool:
    return (c.isascii() and (c.isalpha() or c == "_")) or _letter_like(c)


def id_rest(c: str) -> bool:
    return id_first(c) or (c.isascii() and c.isdigit()) or c in "'!?" or _subscript(c)


class LexError(Exception):
    pass


class _Reference:
    def __init__(self, code: str, tokens: frozenset[str]) -> None:
        self.code, self.tokens, self.noncode = code, tokens, set[int]()

    def at(self, i: int) -> str:
        return self.code[i] if i < len(self.code) else ""

    def whitespace(self, i: int) -> int:
        """``whitespace``: skip spaces, newlines and comments from ``i``."""
        code, n = self.code, len(self.code)
        while i < n:
            c = code[i]
            if c == "\t":
                raise LexError("tabs are not allowed")
            if c == "\r":
                raise LexError("isolated carriage returns are not allowed")
            if c in " \n":
                i += 1
            elif c == "-" and self.at(i + 1) == "-":
                end = code.find("\n", i)
                end = n if end < 0 else end
                self.noncode.update(range(i, end))
                i = end
            elif c == "/" and self.at(i + 1) == "-":
                if self.at(i + 2) in ("-", "!"):
                    return i  # the tokens ``/--`` and ``/-!``
                end = self.finish_comment_block(i + 3)  # after the third character
                self.noncode.update(range(i, end))
                i = end
            else:
                return i
        return i

    def finish_comment_block(self, i: int) -> int:
        """``finishCommentBlock 1`` from ``i``: the offset just after the closing ``-/``."""
        code, n, nesting = self.code, len(self.code), 1
        while True:
            if i >= n:
                raise LexError("unterminated comment")
            c = code[i]
            i += 1
            if c == "-":
                if i >= n:
                    raise LexError("unterminated comment")
                if code[i] == "/":
                    i += 1
                    if nesting == 1:
                        return i
                    nesting -= 1
            elif c == "/":
                if i >= n:
                    raise LexError("unterminated comment")
                if code[i] == "-":
                    i += 1
                    nesting += 1

    def escape(self, i: int, extra: str = "", *, in_string: bool = False) -> int:
        """Offset after the escape whose character after the backslash is at ``i``."""
        c = self.at(i)
        if c and c in "\\\"'rnt" + extra:
            return i + 1
        if in_string and c == "\n":  # a string gap: one newline, then any whitespace
            i += 1
            while self.at(i) in (" ", "\t", "\r"):
                i += 1
            if self.at(i) == "\n":
                raise LexError("additional newline in string gap")
            return i
        hexdigits = "0123456789abcdefABCDEF"
        for lead, count in (("x", 2), ("u", 4)):
            if c == lead:
                digits = self.code[i + 1 : i + 1 + count]
                if len(digits) == count and all(d in hexdigits for d in digits):
                    return i + 1 + count
        raise LexError("invalid escape")

    def string(self, i: int, interpolated: bool) -> int:
        """From just after an opening quote (or ``}``); returns the offset after the end."""
        while True:
            c = self.at(i)
            if not c:
                raise LexError("unterminated string")
            if c == '"':
                return i + 1
            if c == "\\":
                self.noncode.add(i)
                end = self.escape(i + 1, "{" if interpolated else "", in_string=not interpolated)
                self.noncode.update(range(i, end))
                i = end
            elif c == "{" and interpolated:
                i = self.tokens_until_close(i + 1)
            else:
                self.noncode.add(i)
                i += 1

    def tokens_until_close(self, i: int) -> int:
        depth = 0
        while True:
            i = self.whitespace(i)
            if i >= len(self.code):
                raise LexError("unterminated interpolation")
            if self.at(i) == "}" and depth == 0:
                return i + 1
            depth += {"{": 1, "}": -1}.get(self.at(i), 0)
            i = self.token(i)

    def ident(self, i: int) -> int:
        """Offset after the identifier starting at ``i`` (``i`` itself when none)."""
        start = i
        while True:
            if self.at(i) == "«":
                close = self.code.find("»", i)
                if close < 0:
                    raise LexError("unterminated identifier escape")
                self.noncode.update(range(i + 1, close))
                i = close + 1
            elif self.at(i) and id_first(self.at(i)):
                i += 1
                while self.at(i) and id_rest(self.at(i)):
                    i += 1
            else:
                return start
            if self.at(i) == "." and (id_first(self.at(i + 1) or " ") or self.at(i + 1) == "«"):
                i += 1
            else:
                return i

    def number(self, i: int) -> int:
        digits = "0123456789_"
        if self.at(i) == "0" and self.at(i + 1) in tuple("bBoOxX"):
            allowed = {"b": "01_", "o": "01234567_", "x": "0123456789abcdefABCDEF_"}
            i += 2
            start = i
            while self.at(i) and self.at(i) in allowed[self.code[start - 1].lower()]:
                i += 1
            if i == start:
                raise LexError("digit expected")
            return i
        while self.at(i) and self.at(i) in digits:
            i += 1
        if self.at(i) == ".":
            i += 1
            if self.at(i) and self.at(i).isdigit():
                while self.at(i) and self.at(i) in digits:
                    i += 1
        if self.at(i) in ("e", "E") and self.at(i):
            i += 1
            if self.at(i) in ("+", "-") and self.at(i):
                i += 1
            if not (self.at(i) and self.at(i).isdigit()):
                raise LexError("missing exponent digits")
            while self.at(i) and self.at(i) in digits:
                i += 1
        return i

    def token(self, i: int) -> int:
        c, code = self.at(i), self.code
        if c == '"':
            return self.string(i + 1, interpolated=False)
        if c == "'" and self.at(i + 1) != "'":
            j = i + 1
            if not self.at(j):
                raise LexError("unterminated char")
            j = self.escape(j + 1) if self.at(j) == "\\" else j + 1
            if self.at(j) != "'":
                raise LexError("missing end of character literal")
            self.noncode.update(range(i + 1, j))
            return j + 1
        if c.isascii() and c.isdigit():
            return self.number(i)
        if c == "`" and (id_first(self.at(i + 1) or " ") or self.at(i + 1) == "«"):
            return self.ident(i + 1)
        if c == "r":
            j = i + 1
            while self.at(j) == "#":
                j += 1
            if self.at(j) == '"':
                close = code.find('"' + "#" * (j - i - 1), j + 1)
                if close < 0:
                    raise LexError("unterminated raw string")
                self.noncode.update(range(i + 1, close + j - i - 1))
                return close + j - i
        longest = max((t for t in self.tokens if code.startswith(t, i)), key=len, default="")
        end = self.ident(i)
        if end > i and len(longest) < end - i:
            return end
        if not longest:
            raise LexError(f"no token at {i}")
        if longest in _DOC_TOKENS:
            end = self.finish_comment_block(i + 3)  # ``commentBody``
            self.noncode.update(range(i, end))
            return end
        if longest in ("s!", "m!", "f!") and self.at(i + 2) == '"':
            return self.string(i + 3, interpolated=True)
        return i + len(longest)

    def run(self) -> set[int]:
        i = self.whitespace(0)
        while i < len(self.code):
            i = self.whitespace(self.token(i))
        return self.noncode


def reference_noncode(code: str, tokens: frozenset[str] = TOKENS) -> set[int] | None:
    """Offsets Lean does not read as code, or None if Lean reports a lexical error."""
    try:
        return _Reference(code, tokens).run()
    except LexError:
        return None
