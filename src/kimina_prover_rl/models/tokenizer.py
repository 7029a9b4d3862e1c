"""A byte-level BPE tokenizer trained on Lean-flavoured text, with a Qwen3-style chat template.

Byte-level BPE encodes any text (every byte is in the base alphabet), so Lean's Unicode
(``ℕ``, ``→``, ``⟨⟩``) never becomes an unknown token; training on prompts and answers in
this project's format gives merges for ``theorem``, ``:= by``, fences and ``<think>``.
The special tokens and the chat template follow Qwen3's (``<|im_start|>role\\n…<|im_end|>``,
``<think>``/``</think>``, ``enable_thinking``), so code written against the tiny model meets
the same conventions as with a real Qwen3 checkpoint.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from transformers import PreTrainedTokenizerFast

__all__ = [
    "CHAT_TEMPLATE",
    "EOS_TOKEN",
    "PAD_TOKEN",
    "SPECIAL_TOKENS",
    "THINK_TOKENS",
    "train_tokenizer",
]

PAD_TOKEN = "<|endoftext|>"
EOS_TOKEN = "<|im_end|>"
SPECIAL_TOKENS = (PAD_TOKEN, "<|im_start|>", EOS_TOKEN)
"""Qwen3's control tokens; the pad token is first so that it gets id 0."""
THINK_TOKENS = ("<think>", "</think>")
"""Single tokens that, as in Qwen3, are *not* special: decoding with
``skip_special_tokens=True`` (what TRL and verl do) keeps them in the answer."""

CHAT_TEMPLATE = (
    "{%- for message in messages %}"
    "{{- '<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>\\n' }}"
    "{%- endfor %}"
    "{%- if add_generation_prompt %}{{- '<|im_start|>assistant\\n' }}"
    "{%- if enable_thinking is defined and enable_thinking is false %}"
    "{{- '<think>\\n\\n</think>\\n\\n' }}{%- endif %}{%- endif %}"
)
"""ChatML with Qwen3's ``enable_thinking=False`` switch (an empty think block)."""


def train_tokenizer(texts: Iterable[str], *, vocab_size: int = 4096) -> PreTrainedTokenizerFast:
    """Train a byte-level BPE tokenizer on ``texts`` and wrap it for ``transformers``.

    The result is deterministic for the same texts and size; save it with
    ``save_pretrained`` and load it back with ``AutoTokenizer.from_pretrained``.
    """
    from tokenizers import (
        AddedToken,
        Tokenizer,
        decoders,
        models,
        pre_tokenizers,
        processors,
        trainers,
    )
    from transformers import PreTrainedTokenizerFast

    byte_level = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tokenizer = Tokenizer(models.BPE())
    tokenizer.pre_tokenizer = byte_level
    tokenizer.decoder = decoders.ByteLevel()
    tokenizer.post_processor = processors.ByteLevel(trim_offsets=False)
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size,
        min_frequency=2,
        special_tokens=list(SPECIAL_TOKENS),
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    tokenizer.train_from_iterator(list(texts), trainer)
    tokenizer.add_tokens([AddedToken(t, special=False, normalized=False) for t in THINK_TOKENS])
    return PreTrainedTokenizerFast(  # type: ignore[no-untyped-call]
        tokenizer_object=tokenizer,
        eos_token=EOS_TOKEN,
        pad_token=PAD_TOKEN,
        additional_special_tokens=[SPECIAL_TOKENS[1]],
        chat_template=CHAT_TEMPLATE,
        padding_side="left",
    )
