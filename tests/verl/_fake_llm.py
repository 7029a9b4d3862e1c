"""A scripted stand-in for verl's ``LLMServerClient``: no vLLM, answers from a script.

verl's agent loops call ``await client.generate(request_id, prompt_ids=..., sampling_params=...)``
and read ``TokenOutput.token_ids``. The script maps a statement to the answer text for the
first turn and, when the prompt holds a revision request, for the second turn.
"""

from __future__ import annotations

from typing import Any


class ScriptedLLM:
    """Answers prompts by the statement they contain; keeps every prompt it was sent.

    A plain class: verl builds agent loops with ``hydra.utils.instantiate``, which would
    turn a dataclass argument into a config node.
    """

    revision_marker = "Revise the proof"

    def __init__(
        self, tokenizer: Any, first: dict[str, str], second: dict[str, str] | None = None
    ) -> None:
        self.tokenizer = tokenizer
        self.first = first
        self.second = second or {}
        self.prompts: list[str] = []

    async def generate(
        self, request_id: str, *, prompt_ids: list[int], sampling_params: dict[str, Any], **_: Any
    ) -> Any:
        from verl.workers.rollout.replica import TokenOutput

        prompt = self.tokenizer.decode(prompt_ids)
        self.prompts.append(prompt)
        script = self.second if self.revision_marker in prompt else self.first
        # The latest user turn names the statement; search from the end of the prompt.
        statement = max(script, key=prompt.rfind)
        if prompt.rfind(statement) < 0:
            raise AssertionError(f"the script has no answer for prompt {prompt[-200:]!r}")
        ids = self.tokenizer.encode(script[statement] + "<|im_end|>", add_special_tokens=False)
        # vLLM returns each token's log-probability (rollout.calculate_log_probs); zeros here.
        return TokenOutput(
            token_ids=ids, log_probs=[0.0] * len(ids), stop_reason="completed", extra_fields={}
        )
