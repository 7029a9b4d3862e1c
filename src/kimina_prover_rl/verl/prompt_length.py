"""A conversation's prompt length in tokens, as verl renders it (chat template, generation turn).

Correction prompts carry a whole first answer and Lean's feedback; one longer than
``data.max_prompt_length`` would be left-truncated by verl, cutting the system prompt and
the problem, so the dataset and the validation second turn drop it instead (and count it).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

__all__ = ["prompt_tokens"]

_RENDER_KEYS = ("tokenize", "return_dict", "return_tensors", "add_generation_prompt")


def prompt_tokens(
    tokenizer: Any,
    messages: Sequence[Mapping[str, Any]],
    template_kwargs: Mapping[str, Any] | None = None,
) -> int:
    """The token count of ``messages`` rendered with the generation turn opened."""
    kwargs = {k: v for k, v in dict(template_kwargs or {}).items() if k not in _RENDER_KEYS}
    ids = tokenizer.apply_chat_template(
        [dict(m) for m in messages], add_generation_prompt=True, tokenize=True, **kwargs
    )
    if isinstance(ids, Mapping):  # a BatchEncoding
        ids = ids["input_ids"]
    return len(ids)
