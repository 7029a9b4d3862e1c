"""Loading a local Hugging Face causal LM and its tokenizer, offline, with clear errors."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from kimina_prover_rl.errors import ConfigError

if TYPE_CHECKING:
    from transformers import PreTrainedModel, PreTrainedTokenizerBase

__all__ = ["load_causal_lm", "load_tokenizer"]


def load_tokenizer(path: Path) -> PreTrainedTokenizerBase:
    """The tokenizer in ``path``, which must carry a chat template; pad defaults to EOS."""
    from transformers import AutoTokenizer

    _check_dir(path)
    try:
        tokenizer = AutoTokenizer.from_pretrained(path, local_files_only=True)
    except (OSError, ValueError) as exc:
        raise ConfigError(
            f"cannot load a tokenizer from {path} ({exc}): pass a model folder holding "
            "tokenizer.json or the tokenizer files save_pretrained writes"
        ) from exc
    if not tokenizer.chat_template:
        raise ConfigError(
            f"the tokenizer in {path} has no chat template, so prompts cannot be rendered: "
            "use an instruct/chat checkpoint, or set tokenizer.chat_template and save it"
        )
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    return tokenizer


def load_causal_lm(path: Path) -> tuple[PreTrainedModel, PreTrainedTokenizerBase]:
    """The causal LM and tokenizer in the local folder ``path`` (fp32, never the hub)."""
    import torch
    from transformers import AutoModelForCausalLM

    tokenizer = load_tokenizer(path)
    try:
        model = AutoModelForCausalLM.from_pretrained(
            path, local_files_only=True, dtype=torch.float32
        )
    except (OSError, ValueError, KeyError) as exc:
        raise ConfigError(
            f"cannot load a causal language model from {path} ({exc}): pass a folder that "
            "AutoModelForCausalLM.from_pretrained accepts (config.json + weights)"
        ) from exc
    return model, tokenizer


def _check_dir(path: Path) -> None:
    if not (path / "config.json").is_file():
        raise ConfigError(
            f"{path} is not a Hugging Face model folder (no config.json): pass the folder "
            "save_pretrained wrote, or leave --model out to use the built-in tiny model"
        )
