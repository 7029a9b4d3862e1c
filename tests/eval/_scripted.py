"""A scripted in-process generator and MiniF2F-based problems for the evaluation tests.

The scripted "model" reads the conversation like a model would: which statement it was
given (from the prompt) and which turn it is on (assistant turns so far), and answers
with realistic reasoning-then-proof text that the real checks and the stand-in judge.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from kimina_prover_rl.data import Problem, PromptTemplate
from kimina_prover_rl.eval import (
    EvalProblem,
    Generation,
    GenerationRequest,
    Generator,
    SamplingConfig,
    eval_problems,
)
from tests.proof._answers import make_answer

NAMES = ("mathd_algebra_478", "amc12a_2008_p25", "imo_1959_p1")


def problems(minif2f: list[dict[str, Any]], names: Sequence[str] = NAMES) -> list[EvalProblem]:
    rows = [next(r for r in minif2f if r["name"] == name) for name in names]
    source = [Problem(r["name"], r["formal_statement"], r["informal_prefix"]) for r in rows]
    return eval_problems(source, label="minif2f", template=PromptTemplate())[0]


def valid_answer(row: dict[str, Any]) -> str:
    return make_answer(row, ["norm_num", "linarith"])


def sorry_answer(row: dict[str, Any]) -> str:
    return make_answer(row, ["have h : 1 = 1 := by sorry", "linarith"])


Script = Callable[[dict[str, Any], int, GenerationRequest], Generation]


class ScriptedGenerator(Generator):
    """Answers ``script(row, turn, request)``; records every request."""

    def __init__(self, minif2f: list[dict[str, Any]], script: Script) -> None:
        self._rows = minif2f
        self._script = script
        self.requests: list[GenerationRequest] = []

    def describe(self) -> dict[str, Any]:
        return {"generator": "scripted", "model": "scripted"}

    async def generate(
        self, requests: Sequence[GenerationRequest], sampling: SamplingConfig
    ) -> list[Generation]:
        self.requests.extend(requests)
        return [self._script(self.row_of(r), self.turn_of(r), r) for r in requests]

    def row_of(self, request: GenerationRequest) -> dict[str, Any]:
        prompt = request.messages[1]["content"]
        return next(r for r in self._rows if f"theorem {r['name']} " in prompt)

    @staticmethod
    def turn_of(request: GenerationRequest) -> int:
        return 1 + sum(m["role"] == "assistant" for m in request.messages)
