"""The stand-in's one piece of real mathematics: closed arithmetic on ℕ and ℤ.

This is **not Lean**. It evaluates exactly one kind of claim: a proposition built from
integer literals, ``+ - * / % ^``, parentheses, type ascriptions ``(e : ℕ)`` /
``(e : ℤ)`` (also ``Nat``/``Int``), one comparison ``= ≠ < ≤ > ≥`` (ASCII ``!= <= >=``
too) per atom, and ``¬ ∧ ∨ True False`` between them. It follows Lean's semantics for
those: numerals are ℕ unless an ascription says ℤ; ℕ subtraction truncates at 0; ``/``
and ``%`` are floor division on ℕ and Euclidean on ℤ, with ``x / 0 = 0`` and
``x % 0 = x``; ``^`` takes a natural exponent. Anything else (a variable, a function, a
real number, a negation of a natural, a mixed ℕ/ℤ claim, an exponent above
:data:`MAX_EXPONENT`) gets no opinion (``None``), and the stand-in then accepts the step
as it always has.

:func:`closing_failure` says what a closing tactic (``norm_num``, ``decide``, ``simp``,
``omega``, ``rfl``, ``linarith``, ``nlinarith``, ``positivity``) reports when it is asked to
prove such a claim that is false: Lean-shaped wording, not Lean's exact text.
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

__all__ = ["MAX_EXPONENT", "closing_failure", "evaluate"]

Kind = Literal["nat", "int"]

MAX_EXPONENT = 256
"""Exponents above this get no opinion (the stand-in must answer fast)."""

_TOKEN = re.compile(
    r"\s*(?:(?P<num>\d+)|(?P<word>[A-Za-zℕℤ][A-Za-z]*)|"
    r"(?P<op>!=|<=|>=|≠|≤|≥|[-+*/%^()=<>:¬∧∨]))"
)
_TYPES: dict[str, Kind] = {"ℕ": "nat", "Nat": "nat", "ℤ": "int", "Int": "int"}
_COMPARISONS = {"=", "≠", "!=", "<", "≤", "<=", ">", "≥", ">="}
_ARITH_OPS = {"+", "-", "*", "/", "%", "^"}
_CLOSERS = ("norm_num", "decide", "simp", "omega", "rfl", "linarith", "nlinarith", "positivity")


class _NoOpinion(Exception):
    """The claim is outside what this module evaluates."""


@dataclass(frozen=True, slots=True)
class _Num:
    value: int


@dataclass(frozen=True, slots=True)
class _As:
    kind: Kind
    inner: _Expr


@dataclass(frozen=True, slots=True)
class _Neg:
    inner: _Expr


@dataclass(frozen=True, slots=True)
class _Pow:
    base: _Expr
    exponent: _Expr


@dataclass(frozen=True, slots=True)
class _Bin:
    op: str
    left: _Expr
    right: _Expr


_Expr = _Num | _As | _Neg | _Pow | _Bin


@dataclass(frozen=True, slots=True)
class _Const:
    value: bool


@dataclass(frozen=True, slots=True)
class _Not:
    inner: _Prop


@dataclass(frozen=True, slots=True)
class _Junction:
    op: str
    left: _Prop
    right: _Prop


@dataclass(frozen=True, slots=True)
class _Cmp:
    relation: str
    left: _Expr
    right: _Expr


_Prop = _Const | _Not | _Junction | _Cmp


def _tokens(text: str) -> list[str]:
    out, pos = [], 0
    text = text.strip()
    while pos < len(text):
        match = _TOKEN.match(text, pos)
        if match is None or match.end() == pos:
            raise _NoOpinion
        out.append(match.group(match.lastgroup or "op"))
        pos = match.end()
    return out


@dataclass(slots=True)
class _Parser:
    """Recursive descent over the tokens, with one backtrack: ``(`` opens a proposition or
    an expression."""

    tokens: list[str]
    pos: int = 0

    def peek(self) -> str | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def take(self, expected: str | None = None) -> str:
        token = self.peek()
        if token is None or (expected is not None and token != expected):
            raise _NoOpinion
        self.pos += 1
        return token

    def prop(self) -> _Prop:
        left = self.conj()
        while self.peek() == "∨":
            self.take()
            left = _Junction("∨", left, self.conj())
        return left

    def conj(self) -> _Prop:
        left = self.neg()
        while self.peek() == "∧":
            self.take()
            left = _Junction("∧", left, self.neg())
        return left

    def neg(self) -> _Prop:
        token = self.peek()
        if token == "¬":
            self.take()
            return _Not(self.neg())
        if token in ("True", "False"):
            self.take()
            return _Const(token == "True")
        if token == "(":
            start = self.pos
            try:
                self.take("(")
                inner = self.prop()
                self.take(")")
                if self.peek() not in _COMPARISONS | _ARITH_OPS:
                    return inner
            except _NoOpinion:
                pass
            self.pos = start
        left = self.expr()
        relation = self.take()
        if relation not in _COMPARISONS:
            raise _NoOpinion
        return _Cmp(relation, left, self.expr())

    def expr(self) -> _Expr:
        left = self.term()
        while self.peek() in ("+", "-"):
            left = _Bin(self.take(), left, self.term())
        return left

    def term(self) -> _Expr:
        left = self.unary()
        while self.peek() in ("*", "/", "%"):
            left = _Bin(self.take(), left, self.unary())
        return left

    def unary(self) -> _Expr:
        if self.peek() == "-":
            self.take()
            return _Neg(self.unary())
        return self.power()

    def power(self) -> _Expr:
        base = self.atom()
        if self.peek() == "^":
            self.take()
            return _Pow(base, self.unary())
        return base

    def atom(self) -> _Expr:
        token = self.take()
        if token.isdigit():
            return _Num(int(token))
        if token != "(":
            raise _NoOpinion
        inner = self.expr()
        if self.peek() == ":":
            self.take()
            kind = _TYPES.get(self.take())
            if kind is None:
                raise _NoOpinion
            self.take(")")
            return _As(kind, inner)
        self.take(")")
        return inner


def _kinds(expr: _Expr) -> set[Kind]:
    """Every ascribed type in an expression (not in exponents: those are always ℕ)."""
    match expr:
        case _As(kind, inner):
            return {kind} | _kinds(inner)
        case _Neg(inner):
            return _kinds(inner)
        case _Pow(base, _):
            return _kinds(base)
        case _Bin(_, left, right):
            return _kinds(left) | _kinds(right)
    return set()


def _value(expr: _Expr, kind: Kind) -> int:
    match expr:
        case _Num(value):
            return value
        case _As(_, inner):
            return _value(inner, kind)
        case _Neg(inner):
            if kind == "nat":
                raise _NoOpinion
            return -_value(inner, kind)
        case _Pow(base, exponent):
            power = _value(exponent, "nat")
            if power > MAX_EXPONENT:
                raise _NoOpinion
            return int(_value(base, kind) ** power)
        case _Bin(op, left, right):
            return _apply(op, _value(left, kind), _value(right, kind), kind)
    raise _NoOpinion


def _apply(op: str, a: int, b: int, kind: Kind) -> int:
    if op == "+":
        return a + b
    if op == "-":
        return max(a - b, 0) if kind == "nat" else a - b
    if op == "*":
        return a * b
    if b == 0:
        return 0 if op == "/" else a
    remainder = a % abs(b)
    if op == "%":
        return remainder
    return (a - remainder) // b


def _truth(prop: _Prop) -> bool:
    match prop:
        case _Const(value):
            return value
        case _Not(inner):
            return not _truth(inner)
        case _Junction(op, left, right):
            return (
                (_truth(left) and _truth(right)) if op == "∧" else (_truth(left) or _truth(right))
            )
        case _Cmp(relation, left, right):
            kinds = _kinds(left) | _kinds(right)
            if len(kinds) > 1:
                raise _NoOpinion
            kind: Kind = "int" if kinds == {"int"} else "nat"
            return _RELATIONS[relation](_value(left, kind), _value(right, kind))
    raise _NoOpinion


_RELATIONS: dict[str, Callable[[int, int], bool]] = {
    "=": operator.eq,
    "≠": operator.ne,
    "!=": operator.ne,
    "<": operator.lt,
    "≤": operator.le,
    "<=": operator.le,
    ">": operator.gt,
    "≥": operator.ge,
    ">=": operator.ge,
}


def evaluate(claim: str) -> bool | None:
    """The truth of a closed arithmetic claim, or ``None`` when it is not one."""
    try:
        parser = _Parser(_tokens(claim))
        tree = parser.prop()
        if parser.peek() is not None:
            return None
        return _truth(tree)
    except (_NoOpinion, RecursionError):
        return None


def closing_failure(tactic: str, claim: str) -> str | None:
    """The error a closing ``tactic`` reports on a false closed ``claim``; ``None`` when the
    tactic is not a closer, the claim is not closed arithmetic, or the claim is true."""
    words = tactic.split()
    head = words[0] if words else ""
    if head not in _CLOSERS or evaluate(claim) is not False:
        return None
    shown = " ".join(claim.split())
    if head == "decide":
        return f"tactic 'decide' proved that the proposition\n  {shown}\nis false"
    if head == "omega":
        return "omega could not prove the goal:\nNo usable constraints found for atoms."
    if head == "rfl":
        return f"The rfl tactic failed.\n⊢ {shown}"
    if head in ("linarith", "nlinarith"):
        return "linarith failed to find a contradiction\n⊢ False"
    if head == "positivity":
        return f"not a positivity goal\n⊢ {shown}"
    return "unsolved goals\n⊢ False"
