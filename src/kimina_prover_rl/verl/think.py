"""Making the reward see the ``<think>`` block the model wrote, whatever the chat template.

verl decodes each response with ``skip_special_tokens=True`` before the reward sees it.
Two things can hide the model's reasoning from the format check:

* the tokenizer marks ``<think>`` / ``</think>`` as *special*, so decoding drops them
  (Qwen3's files do not: they are added tokens with ``special: false``);
  :func:`check_think_survives` refuses such a tokenizer at start-up, before any step.
* the chat template *opens* the block in the prompt (``...<|im_start|>assistant\\n<think>\\n``,
  as DeepSeek-R1-style and Qwen3-Thinking-2507 templates do), so the response starts
  inside it; :func:`response_prefix` finds that text, and the reward puts it back in front
  of the response, giving the format check exactly what the model saw and wrote.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from kimina_prover_rl.errors import ConfigError

__all__ = ["THINK_CLOSE", "THINK_OPEN", "check_think_survives", "response_prefix"]

THINK_OPEN = "<think>"
THINK_CLOSE = "</think>"
_PROBE = [{"role": "user", "content": "Prove the theorem."}]


def check_think_survives(tokenizer: Any) -> None:
    """Raise ``ConfigError`` when decoding as verl does would erase the think tags."""
    text = f"{THINK_OPEN}\nreasoning\n{THINK_CLOSE}\nanswer"
    ids = tokenizer.encode(text, add_special_tokens=False)
    decoded = tokenizer.decode(ids, skip_special_tokens=True)
    lost = [tag for tag in (THINK_OPEN, THINK_CLOSE) if tag not in decoded]
    if lost:
        raise ConfigError(
            f"the tokenizer {type(tokenizer).__name__} marks {', '.join(lost)} as special, so "
            "verl's decode(skip_special_tokens=True) removes it and every answer would fail the "
            "format check; use a tokenizer whose think tags are plain added tokens (as Qwen3's "
            'are) or edit tokenizer.json to set "special": false on them'
        )


def response_prefix(tokenizer: Any, chat_template_kwargs: Mapping[str, Any] | None = None) -> str:
    """What the chat template writes of the answer before the model starts: ``""`` or the
    open think block (``"<think>\\n"``), read from the rendered generation prompt."""
    rendered = tokenizer.apply_chat_template(
        _PROBE,
        add_generation_prompt=True,
        tokenize=False,
        **dict(chat_template_kwargs or {}),
    )
    if not isinstance(rendered, str):
        raise ConfigError(
            f"the chat template rendered {type(rendered).__name__}, not text: check the "
            "tokenizer's chat_template"
        )
    opened = rendered.rfind(THINK_OPEN)
    if opened == -1 or rendered.rfind(THINK_CLOSE) > opened:
        return ""
    return rendered[opened:]
