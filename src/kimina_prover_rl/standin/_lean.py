"""The stand-in's simulated elaboration: what "Lean" answers to one command.

Pure functions over the submitted text, standard library only (the stand-in must start
fast). The user manual, with every directive, is the docstring of ``standin.py``.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from kimina_prover_rl.standin._arith import closing_failure

STANDARD_AXIOMS = ("propext", "Classical.choice", "Quot.sound")

_DIRECTIVE = re.compile(r"--\s*standin:\s*(?P<body>.*)$")
_DECL = re.compile(
    r"^\s*(?:@\[[^\]]*\]\s*)?(?:(?:private|protected|noncomputable|nonrec)\s+)*"
    r"(?P<kind>theorem|lemma|def|abbrev|instance|example|axiom|opaque)\b\s*(?P<name>[^\s:(\[{⦃]*)"
)
_PRINT_AXIOMS = re.compile(r"^\s*#print\s+axioms\s+(?P<name>\S+)")
_SCOPE = re.compile(
    r"^\s*(?:noncomputable\s+)?(?P<cmd>namespace|section|end|mutual)\b(?:[ \t]+(?P<name>[^\s(]+))?"
)
_ROOT = "_root_."
_OTHER_HASH = re.compile(r"^\s*#(?P<cmd>eval|check|print|reduce|synth)\b")
_CHECK = re.compile(r"^\s*(?:set_option\s+\S+\s+\S+\s+in\s+)*#check\s+@?(?P<name>[^\s()]+)\s*$")
_VARIABLE = re.compile(r"^\s*variable\s+(?P<binders>.+)$")
_INCLUDE = re.compile(r"^\s*include\b")
_NOTATION = re.compile(
    r"^\s*(?:local\s+|scoped\s+)?notation\s*(?:\(\s*priority\s*:=[^)]*\)\s*)?"
    r"\"(?P<token>[^\"]+)\"\s*=>\s*(?P<meaning>.+)$"
)
_IMPORT = re.compile(r"^\s*import\b")
_SORRY = re.compile(r"(?<![\w.'])sorry(?![\w'?!])")
_APPLY_Q = re.compile(r"(?<![\w.'])apply\?")
_SORRY_AX = re.compile(r"(?<![\w.'])@?sorryAx(?![\w'])")
_WORD = re.compile(r"[\w.'!?]+")
_HAVE_BY = re.compile(
    r"^\s*have\s+(?:[^\s:]+\s*)?:\s*(?P<claim>.+?)\s*:=\s*by\s+(?P<tactic>\S.*?)\s*$"
)
_NATIVE = re.compile(r"(?<![\w.'])native_decide(?![\w'])")


@dataclass(frozen=True, slots=True)
class Directive:
    """One ``-- standin: NAME ARGS`` comment: its 1-based line, name, words and options."""

    line: int
    name: str
    words: tuple[str, ...] = ()
    options: dict[str, str] = field(default_factory=dict)


def parse_directives(code: str) -> list[Directive]:
    """Every directive in ``code``, in order (shell-like quoting for arguments)."""
    out = []
    for number, text in enumerate(code.split("\n"), start=1):
        match = _DIRECTIVE.search(text)
        if match is None:
            continue
        try:
            parts = shlex.split(match["body"])
        except ValueError:
            parts = match["body"].split()
        if not parts:
            continue
        name, *rest = parts
        eq = name.find("=")
        if eq > 0:
            rest.insert(0, name)
            name = name[:eq]
        words = tuple(_unescape(p) for p in rest if "=" not in p)
        options = {k: _unescape(v) for k, v in (p.split("=", 1) for p in rest if "=" in p)}
        out.append(Directive(number, name, words, options))
    return out


def _unescape(text: str) -> str:
    return text.replace("\\n", "\n")


def blank_comments_and_strings(code: str) -> list[str]:
    """``code``'s lines with comments and string contents replaced by spaces.

    Positions are preserved, so matches in the result point at the submitted text.
    """
    out: list[str] = []
    depth = 0
    for line in code.split("\n"):
        chars = list(line)
        i, in_string = 0, False
        while i < len(chars):
            two = line[i : i + 2]
            if depth:
                if two == "-/":
                    depth -= 1
                    chars[i] = chars[i + 1] = " "
                    i += 2
                    continue
                if two == "/-":
                    depth += 1
                    chars[i] = chars[i + 1] = " "
                    i += 2
                    continue
                chars[i] = " "
            elif in_string:
                if chars[i] == "\\":
                    chars[i : i + 2] = [" "] * len(chars[i : i + 2])
                    i += 2
                    continue
                if chars[i] == '"':
                    in_string = False
                else:
                    chars[i] = " "
            elif two == "--":
                chars[i:] = [" "] * (len(chars) - i)
                break
            elif two == "/-":
                # Lean's body starts after a third character (read only to tell `/--`).
                depth += 1
                third = min(i + 3, len(chars))
                chars[i:third] = [" "] * (third - i)
                i = third
                continue
            elif chars[i] == '"':
                in_string = True
            i += 1
        out.append("".join(chars))
    return out


@dataclass(slots=True)
class _Decl:
    line: int
    column: int
    name: str | None
    end_line: int
    goal: str
    signature: str
    kind: str = "theorem"
    uses_sorry: bool = False
    synthetic: bool = False
    warns: bool = False


Namespace = tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Constant:
    """A declaration "Lean" knows: its axioms and how ``#check`` prints its type."""

    axioms: tuple[str, ...]
    type: str


@dataclass(slots=True)
class Elaboration:
    """What one command produced: the response body, the declarations it added (by
    fully-qualified name) and the namespace left open at its end."""

    response: dict[str, Any]
    declarations: dict[str, Constant]
    namespace: Namespace = ()


def elaborate(
    code: str,
    *,
    in_env: bool,
    known: dict[str, Constant],
    next_proof_state: int,
    sorry_quote: str,
    all_tactics: bool,
    infotree: bool,
    namespace: Namespace = (),
    sorry_wording: str | None = None,
    axioms_wording: str | None = None,
) -> Elaboration:
    """Simulate Lean on ``code``; ``known`` maps earlier declarations to their axioms.

    ``namespace`` is the one the environment's last command left open, as the REPL
    keeps a command's scopes for the next command run in its environment.
    ``sorry_wording`` (``{name}`` for the declaration) and ``axioms_wording`` (``{name}``,
    ``{axioms}``) replace Lean's wording of the sorry warning and the axioms report.
    """
    clean = blank_comments_and_strings(code)
    directives = parse_directives(code)
    names = {d.name for d in directives}
    decls = _declarations(clean)
    scopes, final_namespace = _namespaces(clean, namespace)
    messages: list[dict[str, Any]] = []
    sorries: list[dict[str, Any]] = []

    seen_code = in_env
    for number, text in enumerate(clean, start=1):
        is_import = bool(_IMPORT.match(text))
        if is_import and seen_code:
            messages.append(
                _message(
                    "error",
                    "invalid 'import' command, it must be used in the beginning of the file",
                    number,
                    text,
                )
            )
        seen_code = seen_code or (bool(text.strip()) and not is_import)
        for match in _SORRY.finditer(text):
            decl = _enclosing(decls, number)
            goal = decl.goal if decl else "⊢ Prop"
            if decl:
                decl.uses_sorry = True
            sorries.append(
                {
                    "proofState": next_proof_state + len(sorries),
                    "pos": {"line": number, "column": match.start()},
                    "goal": goal,
                    "endPos": {"line": number, "column": match.end()},
                }
            )

    for number, text in enumerate(clean, start=1):
        if _APPLY_Q.search(text) or _SORRY_AX.search(text):
            # Lean's addDecl warns whenever a declaration holds sorryAx and no error was logged
            _mark_synthetic(decls, number, None, warn=True)
    for directive in directives:
        target = _target_line(clean, directive.line)
        decl = _enclosing(decls, target)
        goal = directive.options.get("goal") or (decl.goal if decl else "⊢ Prop")
        if directive.name in ("error", "warning", "info"):
            data = directive.words[0] if directive.words else "simulated error"
            if "goal" in directive.options or data == "unsolved goals":
                data = f"{data}\n{goal}"
            messages.append(_message(directive.name, data, target, clean[target - 1]))
        elif directive.name == "synthetic-sorry":
            _mark_synthetic(decls, target, decl)
        elif directive.name == "sorry":
            for d in decls or ([decl] if decl else []):
                d.uses_sorry = True
            sorries.append(
                {
                    "proofState": next_proof_state + len(sorries),
                    "pos": {"line": target, "column": _indent(clean[target - 1])},
                    "goal": goal,
                    "endPos": {"line": target, "column": len(clean[target - 1].rstrip())},
                }
            )
    messages.extend(_arithmetic_errors(decls, clean))
    if "synthetic-sorry" in names or any(_APPLY_Q.search(t) for t in clean):
        target = _synthetic_target(clean, directives)
        decl = _enclosing(decls, target)
        goal = decl.goal if decl else "⊢ Prop"
        remaining = "\n".join(f"-- {g}" for g in goal.split("\n"))
        messages.append(
            _message(
                "info",
                f"Try this: refine ?_\n-- Remaining subgoals:\n{remaining}",
                target,
                clean[target - 1],
            )
        )

    declarations: dict[str, Constant] = {}
    rewrite = _environment_rewrite(clean, code.split("\n"))
    for decl in decls:
        if decl.uses_sorry or decl.warns:
            kind = "declaration uses 'sorry'".replace("'", sorry_quote)
            if sorry_wording is not None:
                kind = sorry_wording.format(name=decl.name or "example")
            end = decl.column + len(decl.name or "example")
            messages.append(_message("warning", kind, decl.line, "", column=decl.column, end=end))
        if decl.name:
            full = _qualified(scopes[decl.line - 1], decl.name)
            if full in known or full in declarations:
                data = f"'{full}' has already been declared"
                messages.append(_message("error", data, decl.line, clean[decl.line - 1]))
                continue
            axioms = _axioms(decl, decls, directives, clean, {**known, **declarations})
            if decl.kind == "axiom":
                axioms = (full,)
            extra = ("sorryAx",) if decl.uses_sorry or decl.synthetic else ()
            declarations[full] = Constant(
                tuple(dict.fromkeys(axioms + extra)), rewrite(decl, directives, clean)
            )

    visible = {**known, **declarations}
    for number, text in enumerate(clean, start=1):
        if axioms_match := _PRINT_AXIOMS.match(text):
            name = _resolve(axioms_match["name"], scopes[number - 1], visible)
            report = _print_axioms(name, visible, number, clean[number - 1], axioms_wording)
            messages.append(report)
        elif check_match := _CHECK.match(text):
            name = _resolve(check_match["name"], scopes[number - 1], visible)
            messages.append(_check(name, visible, number, clean[number - 1]))
        elif hash_match := _OTHER_HASH.match(text):
            data = f"(stand-in) #{hash_match['cmd']} output is not simulated"
            messages.append(_message("info", data, number, clean[number - 1]))

    messages.sort(key=lambda m: (m["pos"]["line"], m["pos"]["column"]))
    response: dict[str, Any] = {}
    if messages:
        response["messages"] = messages
    if sorries:
        response["sorries"] = sorries
    tactic_lines = _tactic_lines(decls, clean)
    if all_tactics and tactic_lines:
        response["tactics"] = [
            {
                "pos": {"line": n, "column": _indent(clean[n - 1])},
                "endPos": {"line": n, "column": len(clean[n - 1].rstrip())},
                "goals": goal,
                "tactic": clean[n - 1].strip(),
                "proofState": next_proof_state + len(sorries) + i,
                "usedConstants": [],
            }
            for i, (n, goal) in enumerate(tactic_lines)
        ]
    if infotree:
        response["infotree"] = [
            _tactic_node(clean, n, goal, i == len(tactic_lines) - 1)
            for i, (n, goal) in enumerate(tactic_lines)
        ]
    return Elaboration(response, declarations, final_namespace)


def _arithmetic_errors(decls: list[_Decl], clean: list[str]) -> list[dict[str, Any]]:
    """Errors for closing tactics asked to prove false closed arithmetic (``_arith``): each
    one-line ``have … : CLAIM := by TACTIC``, and a declaration whose goal is closed and
    whose last tactic line closes it."""
    errors = []
    for number, text in enumerate(clean, start=1):
        if (match := _HAVE_BY.match(text)) and (
            data := closing_failure(match["tactic"], match["claim"])
        ):
            column = match.start("tactic")
            errors.append(_message("error", data, number, text, column=column))
    for decl in decls:
        if "\n" in decl.goal or not decl.goal.startswith("⊢ "):
            continue
        last = next(
            (n for n in range(decl.end_line, decl.line - 1, -1) if clean[n - 1].strip()), None
        )
        if last is None or _HAVE_BY.match(clean[last - 1]):
            continue
        tactic = clean[last - 1].split(":= by", 1)[-1].strip()
        if data := closing_failure(tactic, decl.goal[2:]):
            errors.append(_message("error", data, last, clean[last - 1]))
    return errors


def _namespaces(clean: list[str], start: Namespace) -> tuple[list[Namespace], Namespace]:
    """The namespace in effect on each line, and the one open after the last line.

    ``namespace A.B`` opens ``A`` then ``B``; ``section``, ``mutual`` open an unnamed
    scope; ``end`` closes one scope per component of its name (one without a name).
    """
    scopes: list[str | None] = list(start)
    per_line: list[Namespace] = []
    for text in clean:
        per_line.append(tuple(s for s in scopes if s is not None))
        match = _SCOPE.match(text)
        if match is None:
            continue
        name = match["name"]
        if match["cmd"] == "namespace" and name:
            scopes.extend(name.split("."))
        elif match["cmd"] in ("section", "mutual"):
            scopes.append(None)
        elif match["cmd"] == "end":
            count = len(name.split(".")) if name else 1
            del scopes[max(0, len(scopes) - count) :]
    return per_line, tuple(s for s in scopes if s is not None)


def _qualified(namespace: Namespace, name: str) -> str:
    """The full name a declaration ``name`` gets in ``namespace`` (``_root_.`` escapes it)."""
    if name.startswith(_ROOT):
        return name[len(_ROOT) :]
    return ".".join((*namespace, name))


def _resolve(name: str, namespace: Namespace, visible: dict[str, Constant]) -> str:
    """What ``name`` refers to in ``namespace``, as Lean resolves it: the innermost
    enclosing namespace first, then the root; ``_root_.x`` is exactly ``x``."""
    if name.startswith(_ROOT):
        return name[len(_ROOT) :]
    for depth in range(len(namespace), 0, -1):
        candidate = ".".join((*namespace[:depth], name))
        if candidate in visible:
            return candidate
    return name


def _synthetic_target(clean: list[str], directives: list[Directive]) -> int:
    """The ``apply?`` line, else the line the ``synthetic-sorry`` directive is about."""
    for number, text in enumerate(clean, start=1):
        if _APPLY_Q.search(text):
            return number
    first = next(d.line for d in directives if d.name == "synthetic-sorry")
    return _target_line(clean, first)


def _axioms(
    decl: _Decl,
    decls: list[_Decl],
    directives: list[Directive],
    clean: list[str],
    earlier: dict[str, Constant],
) -> tuple[str, ...]:
    """The axioms of ``decl``: an ``axioms`` directive inside it, else one outside every
    declaration, else the standard three; ``Lean.ofReduceBool`` if it uses
    ``native_decide``; and those of every ``earlier`` declaration its text names."""
    explicit = [d for d in directives if d.name == "axioms"]
    own = [d for d in explicit if _enclosing(decls, _target_line(clean, d.line)) is decl]
    loose = [d for d in explicit if _enclosing(decls, _target_line(clean, d.line)) is None]
    axioms: tuple[str, ...] = (own or loose)[-1].words if own or loose else STANDARD_AXIOMS
    lines = clean[decl.line - 1 : decl.end_line]
    if any(_NATIVE.search(t) for t in lines):
        axioms = (*axioms, "Lean.ofReduceBool")
    words = set(_WORD.findall(" ".join(lines))) - {decl.name}
    words |= {word.split(".", 1)[0] for word in words}
    for name, used in earlier.items():
        if name in words or name.rsplit(".", 1)[-1] in words:
            axioms = (*axioms, *used.axioms)
    return axioms


def _mark_synthetic(
    decls: list[_Decl], line: int, fallback: _Decl | None, *, warn: bool = False
) -> None:
    """``apply?`` or ``sorryAx`` admits the goal of the declaration it is in (every one,
    outside all); ``warn``: Lean's sorry warning too (not for the ``synthetic-sorry``
    directive, which simulates a sorryAx that Lean does not warn about)."""
    enclosing = _enclosing(decls, line) or fallback
    for decl in [enclosing] if enclosing else decls:
        decl.synthetic = True
        decl.warns = decl.warns or warn


def _environment_rewrite(
    clean: list[str], raw: list[str]
) -> Callable[[_Decl, list[Directive], list[str]], str]:
    """How ``#check`` prints a declaration's type in this command's environment.

    The type is the signature as written, whitespace normalised, with what the command
    declared before it applied as Lean would: ``notation "x" => y`` rewrites ``x``, and
    ``variable`` binders, once an ``include`` makes them part of theorems, lead the type.
    A ``type "…"`` directive inside the declaration gives the printed type outright.
    """
    notations: list[tuple[int, str, str]] = []
    variables: list[tuple[int, str]] = []
    includes: list[int] = []
    for number, (text, written) in enumerate(zip(clean, raw, strict=True), start=1):
        if _NOTATION.match(text) and (match := _NOTATION.match(written)):
            notations.append((number, match["token"], match["meaning"].strip()))
        elif match := _VARIABLE.match(text):
            variables.append((number, match["binders"].strip()))
        elif _INCLUDE.match(text):
            includes.append(number)

    def render(decl: _Decl, directives: list[Directive], clean: list[str]) -> str:
        scripted = [
            d
            for d in directives
            if d.name == "type" and d.words and _enclosing([decl], _target_line(clean, d.line))
        ]
        if scripted:
            return scripted[-1].words[0]
        signature = decl.signature
        for line, token, meaning in notations:
            if line < decl.line:
                signature = re.sub(rf"(?<![\w']){re.escape(token)}(?![\w'])", meaning, signature)
        included = any(line < decl.line for line in includes)
        binders = [b for line, b in variables if line < decl.line and included]
        return " ".join(" ".join((*binders, signature)).split())

    return render


def _check(name: str, visible: dict[str, Constant], line: int, text: str) -> dict[str, Any]:
    if name not in visible:
        return _message("error", f"unknown identifier '{name}'", line, text)
    return _message("info", f"@{name} {visible[name].type}", line, text)


def _print_axioms(
    name: str, visible: dict[str, Constant], line: int, text: str, wording: str | None
) -> dict[str, Any]:
    if name not in visible:
        return _message("error", f"unknown constant '{name}'", line, text)
    axioms = visible[name].axioms
    if wording is not None:
        return _message("info", wording.format(name=name, axioms=", ".join(axioms)), line, text)
    if not axioms:
        return _message("info", f"'{name}' does not depend on any axioms", line, text)
    return _message("info", f"'{name}' depends on axioms: [{', '.join(axioms)}]", line, text)


def _message(
    severity: str,
    data: str,
    line: int,
    text: str,
    *,
    column: int | None = None,
    end: int | None = None,
) -> dict[str, Any]:
    """A message spanning ``text`` (a comment-free line), or ``column``..``end``."""
    start = _indent(text) if column is None else column
    stop = len(text.rstrip()) if end is None else end
    return {
        "severity": severity,
        "pos": {"line": line, "column": start},
        "endPos": {"line": line, "column": max(start, stop)},
        "data": data,
    }


def _indent(text: str) -> int:
    return len(text) - len(text.lstrip())


def _target_line(clean: list[str], line: int) -> int:
    """The code line a directive on ``line`` is about: its own, else the next code line."""
    for number in range(line, len(clean) + 1):
        if clean[number - 1].strip():
            return number
    for number in range(line - 1, 0, -1):
        if clean[number - 1].strip():
            return number
    return line


def _declarations(clean: list[str]) -> list[_Decl]:
    """Declarations, each running to the line before the next unindented code line."""
    starts = [(n, m) for n, t in enumerate(clean, start=1) if (m := _DECL.match(t))]
    decls = []
    for number, match in starts:
        end = next(
            (n - 1 for n in range(number + 1, len(clean) + 1) if clean[n - 1][:1].strip()),
            len(clean),
        )
        name = match["name"] or None
        column = match.start("name") if name else match.start("kind")
        header = " ".join(clean[number - 1 : end])[match.end() - len(match["name"]) :]
        signature = header.split(":=", 1)[0]
        binders = signature[len(name) :] if name else signature
        decls.append(
            _Decl(
                number,
                column,
                name,
                end,
                _goal(signature, name),
                " ".join(binders.split()),
                match["kind"],
            )
        )
    return decls


def _enclosing(decls: list[_Decl], line: int) -> _Decl | None:
    return next((d for d in decls if d.line <= line <= d.end_line), None)


def _goal(signature: str, name: str | None) -> str:
    """A plausible pretty-printed goal from ``name binders : type``."""
    text = signature[len(name) :] if name else signature
    hyps, depth, start, colon = [], 0, 0, -1
    for i, ch in enumerate(text):
        if ch in "([{⦃":
            if depth == 0:
                start = i
            depth += 1
        elif ch in ")]}⦄":
            depth -= 1
            if depth == 0 and text[start] in "({⦃" and " : " in text[start + 1 : i]:
                hyps.append(" ".join(text[start + 1 : i].split()))
        elif ch == ":" and depth == 0:
            colon = i
            break
    target = " ".join(text[colon + 1 :].split()) if colon >= 0 else "Prop"
    return "\n".join([*hyps, f"⊢ {target}"])


def _tactic_lines(decls: list[_Decl], clean: list[str]) -> list[tuple[int, str]]:
    out: list[tuple[int, str]] = []
    for decl in decls:
        by_line = next(
            (n for n in range(decl.line, decl.end_line + 1) if ":= by" in clean[n - 1]), None
        )
        if by_line is None:
            continue
        out.extend(
            (n, decl.goal) for n in range(by_line + 1, decl.end_line + 1) if clean[n - 1].strip()
        )
    return out


def _tactic_node(clean: list[str], line: int, goal: str, last: bool) -> dict[str, Any]:
    text = clean[line - 1]
    tactic = text.strip()
    head = tactic.split()[0]
    return {
        "kind": "TacticInfo",
        "node": {
            "name": f"Lean.Parser.Tactic.{head}",
            "stx": {
                "pp": tactic,
                "raw": tactic,
                "range": {
                    "synthetic": False,
                    "start": {"line": line, "column": _indent(text)},
                    "finish": {"line": line, "column": len(text.rstrip())},
                },
            },
            "goalsBefore": [goal],
            "goalsAfter": [] if last else [goal],
        },
        "children": [],
    }
