"""Local causal language models, offline: the tiny Qwen3 model and any Hugging Face folder.

:func:`tiny_model_dir` returns the folder of a tiny Qwen3-architecture model (tokenizer
trained on Lean-flavoured text, Qwen3 chat template with ``<think>``), built on first use
and cached; :func:`load_causal_lm` loads that folder or any local checkpoint::

    from kimina_prover_rl.models import load_causal_lm, tiny_model_dir

    model, tokenizer = load_causal_lm(tiny_model_dir())

torch, transformers and tokenizers are imported only when a model is built or loaded.
"""

from __future__ import annotations

from kimina_prover_rl.models.load import load_causal_lm, load_tokenizer
from kimina_prover_rl.models.tiny import (
    MARKER_FILE,
    TinyModelSpec,
    default_model_cache,
    tiny_model_dir,
    tokenizer_corpus,
)
from kimina_prover_rl.models.tokenizer import (
    CHAT_TEMPLATE,
    SPECIAL_TOKENS,
    THINK_TOKENS,
    train_tokenizer,
)

__all__ = [
    "CHAT_TEMPLATE",
    "MARKER_FILE",
    "SPECIAL_TOKENS",
    "THINK_TOKENS",
    "TinyModelSpec",
    "default_model_cache",
    "load_causal_lm",
    "load_tokenizer",
    "tiny_model_dir",
    "tokenizer_corpus",
    "train_tokenizer",
]
