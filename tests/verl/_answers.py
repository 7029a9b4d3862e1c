"""Answers to a prepared row, one per outcome the stand-in REPL can give."""

from __future__ import annotations


def _steps(body: str) -> str:
    return (
        "Let me restate the goal and look at what the hypotheses give.\n"
        f"```tactics\n{body}\n```\n"
        "If that is not enough, simplification should finish it.\n"
        "```tactics\nsimp\n```\n"
    )


def answer(statement: str, body: str = "norm_num", *, think: bool = True) -> str:
    """A well-formed answer whose final proof of ``statement`` is ``body``."""
    reasoning = f"<think>\n{_steps(body)}</think>\n" if think else _steps(body)
    lines = "\n".join("  " + line for line in body.splitlines())
    return f"{reasoning}Here is the proof.\n```lean4\n{statement}\n{lines}\n```"


def valid(statement: str) -> str:
    return answer(statement)


def lean_error(statement: str) -> str:
    """An answer the stand-in rejects with an error at the proof's line."""
    return answer(statement, 'norm_num -- standin: error "linarith failed"')


def with_sorry(statement: str) -> str:
    return answer(statement, "have h : (1 : ℕ) = 1 := by sorry\nnorm_num")


def no_think(statement: str) -> str:
    return answer(statement, think=False)
