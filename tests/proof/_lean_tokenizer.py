"""A reference model of Lean 4's tokenizer, written from ``Lean.Parser.Basic`` for tests.

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
TOKENS = frozenset([*_TABLE.split(" "), "s!", "m!", "f!", "''", "ℝ≥0", "Type*", "#eval", "by"])


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
        while i < len(self.code):
            if self.at(i) in " \n":
                i += 1
            elif self.code.startswith("--", i):
                end = self.code.find("\n", i)
                end = len(self.code) if end < 0 else end
                self.noncode.update(range(i, end))
                i = end
            elif self.code.startswith("/-", i):
                start, i, depth = i, i + 2, 1
                while depth:
                    if i >= len(self.code):
                        raise LexError("unterminated comment")
                    if self.code.startswith("-/", i):
                        depth, i = depth - 1, i + 2
                    elif self.code.startswith("/-", i):
                        depth, i = depth + 1, i + 2
                    else:
                        i += 1
                self.noncode.update(range(start, i))
            else:
                return i
        return i

    def escape(self, i: int, extra: str = "") -> int:
        c = self.at(i)
        if c and c in "\\\"'rnt" + extra:
            return i + 1
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
                end = self.escape(i + 1, "{" if interpolated else "")
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
