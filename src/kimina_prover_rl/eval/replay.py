"""A generator that replays answers a user already has, so ``eval`` runs without a model.

The answers file is JSON Lines in ``score``'s input shape, ``{"formal_statement",
"response"}`` (``id`` optional). A request gets the next unused answer whose statement its
prompt shows; a problem with fewer answers than ``--n`` gets an error for the rest.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from kimina_prover_rl.data import read_records, statement_for_prompt
from kimina_prover_rl.errors import InputError
from kimina_prover_rl.eval.generator import Generation, GenerationRequest, Generator, SamplingConfig

__all__ = ["ReplayGenerator"]


class ReplayGenerator(Generator):
    """Serves the answers of a JSON Lines file, in file order per statement."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._answers: dict[str, list[str]] = defaultdict(list)
        for number, record in enumerate(read_records(path), start=1):
            statement, response = record.get("formal_statement"), record.get("response")
            if not isinstance(statement, str) or not isinstance(response, str):
                raise InputError(
                    f"{path}:{number}: each line must be "
                    '{"formal_statement": "...", "response": "..."} (score\'s input shape)'
                )
            self._answers[statement_for_prompt(statement).strip()].append(response)
        if not self._answers:
            raise InputError(f"{path} holds no answers; pass a file of score's input shape")
        self._used: dict[str, int] = defaultdict(int)
        # Longest first, so a statement that is a prefix of another never takes its answers.
        self._keys = sorted(self._answers, key=len, reverse=True)

    async def generate(
        self, requests: Sequence[GenerationRequest], sampling: SamplingConfig
    ) -> list[Generation]:
        return [self._next(request) for request in requests]

    def _next(self, request: GenerationRequest) -> Generation:
        users = [m for m in request.messages if m.get("role") == "user"]
        if len(users) != 1:
            return Generation(
                error=f"{self.path} holds first answers only; run eval with --rounds 1"
            )
        prompt = users[0].get("content", "")
        key = next((k for k in self._keys if f"{k}\n```" in prompt), None)
        if key is None:
            return Generation(error=f"{self.path} has no answer for this problem's statement")
        index = self._used[key]
        if index >= len(self._answers[key]):
            return Generation(
                error=f"{self.path} has {len(self._answers[key])} answer(s) for this problem; "
                "pass --n no larger than that"
            )
        self._used[key] = index + 1
        return Generation(text=self._answers[key][index], finish_reason="stop")

    def describe(self) -> dict[str, Any]:
        return {"backend": "replay", "model": str(self.path)}
