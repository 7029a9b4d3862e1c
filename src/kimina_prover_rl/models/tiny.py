"""The tiny offline model: a Qwen3-architecture causal LM built from a config, cached on disk.

No download is involved: the tokenizer is trained on Lean-flavoured text (the built-in
problems' prompts and answers, see :func:`tokenizer_corpus`) and the weights are drawn
from a seeded generator, so the same :class:`TinyModelSpec` always gives the same model
directory, byte for byte in its weights. :func:`tiny_model_dir` builds it once under the
cache directory and returns the path on every later call; the directory is written to a
temporary name and renamed, so a half-written model is never found (two processes
building at once both succeed, one copy wins).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import uuid
from dataclasses import asdict, dataclass
from pathlib import Path

from kimina_prover_rl.data.builtin import (
    builtin_problems,
    builtin_rows,
    flawed_answer,
    reference_answer,
)
from kimina_prover_rl.errors import ConfigError

__all__ = [
    "MARKER_FILE",
    "TinyModelSpec",
    "default_model_cache",
    "tiny_model_dir",
    "tokenizer_corpus",
]

MARKER_FILE = "kimina_model.json"
"""Written last into a built model directory: the spec and the library versions used."""

_BUILD_FORMAT = 2

_LEAN_LINES = (
    "import Mathlib",
    "open BigOperators Real Nat Topology Rat",
    "set_option maxHeartbeats 400000",
    "theorem foo (x y : ℝ) (h₀ : x ≠ 0) (h₁ : y > 0) : x ^ 2 + y > 0 := by",
    "lemma bar (n : ℕ) (hn : 0 < n) : ∑ i in Finset.range n, i ≤ n ^ 2 := by",
    "  nlinarith [sq_nonneg (x - y), sq_nonneg (x + y), mul_pos h₁ h₁]",
    "  field_simp",
    "  ring_nf",
    "  norm_num at h₀ ⊢",
    "  rw [Nat.add_comm] at h",
    "  obtain ⟨k, hk⟩ := h",
    "  constructor <;> intro h <;> simp_all",
    "  induction n with",
    "  | zero => simp",
    "  | succ k ih => omega",
    "  have h₂ : x = 2 := by linarith",
    "  exact fun x hx => hx.le",
    "  interval_cases x <;> omega",
    "  decide",
    "  apply le_of_lt",
    "  calc a = b := by rfl",
    "    _ ≤ c := by positivity",
    "∀ x ∈ Set.Icc (0 : ℝ) 1, ∃ y, |y| ≤ x → y ∣ 12 ∧ ¬ (y = 0) ↔ True",
)


@dataclass(frozen=True, slots=True, kw_only=True)
class TinyModelSpec:
    """The size and seed of the tiny Qwen3 model (defaults: ~0.3M parameters, fp32).

    ``vocab_size`` is what the tokenizer trainer is asked for (it stops early when the
    corpus has no more merges); the model's embedding is rounded up to a multiple of 64.
    """

    hidden_size: int = 64
    num_layers: int = 2
    num_heads: int = 4
    num_kv_heads: int = 2
    vocab_size: int = 4096
    max_positions: int = 2048
    seed: int = 0

    def __post_init__(self) -> None:
        for name in ("hidden_size", "num_layers", "num_heads", "num_kv_heads", "vocab_size"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ConfigError(f"TinyModelSpec.{name}={value!r}: pass a positive integer")
        if self.hidden_size % self.num_heads or self.num_heads % self.num_kv_heads:
            raise ConfigError(
                f"TinyModelSpec: hidden_size={self.hidden_size}, num_heads={self.num_heads}, "
                f"num_kv_heads={self.num_kv_heads}: hidden_size must be a multiple of "
                "num_heads and num_heads a multiple of num_kv_heads"
            )
        if self.vocab_size < 512:
            raise ConfigError(
                f"TinyModelSpec.vocab_size={self.vocab_size}: pass at least 512 (the 256 "
                "byte tokens, the special tokens and some merges)"
            )

    def key(self) -> str:
        """A short hash of the spec and the training text: the cache directory's name."""
        corpus = hashlib.sha256("\0".join(tokenizer_corpus()).encode()).hexdigest()
        payload = json.dumps([_BUILD_FORMAT, asdict(self), corpus], sort_keys=True)
        return hashlib.sha256(payload.encode()).hexdigest()[:16]


def default_model_cache() -> Path:
    """``$KIMINA_MODEL_CACHE``, else ``kimina-prover-rl/models`` in ``$XDG_CACHE_HOME``."""
    explicit = os.environ.get("KIMINA_MODEL_CACHE")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "kimina-prover-rl" / "models"


def tokenizer_corpus() -> list[str]:
    """The tokenizer's training text: built-in prompts, answers and common Lean lines."""
    texts: list[str] = list(_LEAN_LINES)
    for row, problem in zip(builtin_rows(), builtin_problems(), strict=True):
        texts.extend(message["content"] for message in row["prompt"])
        texts.append(reference_answer(problem))
        texts.append(flawed_answer(problem))
    return texts


def tiny_model_dir(spec: TinyModelSpec | None = None, *, cache_dir: Path | None = None) -> Path:
    """The local Hugging Face model directory of the tiny model, built on first use.

    Load it like any checkpoint (``AutoModelForCausalLM.from_pretrained(path)``, or
    :func:`~kimina_prover_rl.models.load_causal_lm`). Raises ``ConfigError`` when the
    cache directory cannot be written (set ``KIMINA_MODEL_CACHE`` elsewhere).
    """
    spec = spec or TinyModelSpec()
    root = cache_dir or default_model_cache()
    target = root / f"tiny-qwen3-{spec.key()}"
    if (target / MARKER_FILE).is_file():
        return target
    try:
        root.mkdir(parents=True, exist_ok=True)
        # mkdir, not mkdtemp: the model keeps the user's umask (mkdtemp makes it 0700).
        scratch = root / f".building-{uuid.uuid4().hex}"
        scratch.mkdir()
    except OSError as exc:
        raise ConfigError(
            f"cannot write the model cache {root} ({exc}): set KIMINA_MODEL_CACHE to a "
            "writable folder"
        ) from exc
    try:
        _build(spec, scratch)
        try:
            scratch.rename(target)
        except OSError:
            if not (target / MARKER_FILE).is_file():
                raise
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return target


def _build(spec: TinyModelSpec, out: Path) -> None:
    """Train the tokenizer, draw the weights from ``spec.seed`` and save both into ``out``."""
    import tokenizers
    import torch
    import transformers
    from transformers import Qwen3Config, Qwen3ForCausalLM

    from kimina_prover_rl.models.tokenizer import train_tokenizer

    tokenizer = train_tokenizer(tokenizer_corpus(), vocab_size=spec.vocab_size)
    config = Qwen3Config(
        vocab_size=-(-len(tokenizer) // 64) * 64,
        hidden_size=spec.hidden_size,
        intermediate_size=3 * spec.hidden_size,
        num_hidden_layers=spec.num_layers,
        num_attention_heads=spec.num_heads,
        num_key_value_heads=spec.num_kv_heads,
        head_dim=spec.hidden_size // spec.num_heads,
        max_position_embeddings=spec.max_positions,
        tie_word_embeddings=True,
        bos_token_id=None,
        eos_token_id=tokenizer.eos_token_id,
        pad_token_id=tokenizer.pad_token_id,
    )
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(spec.seed)
        model = Qwen3ForCausalLM(config)  # type: ignore[no-untyped-call]
    model.generation_config.eos_token_id = tokenizer.eos_token_id
    model.generation_config.pad_token_id = tokenizer.pad_token_id
    model.save_pretrained(out)
    tokenizer.save_pretrained(out)
    marker = {
        "format": _BUILD_FORMAT,
        "spec": asdict(spec),
        "parameters": sum(p.numel() for p in model.parameters()),
        "versions": {
            "torch": torch.__version__,
            "transformers": transformers.__version__,
            "tokenizers": tokenizers.__version__,
        },
    }
    (out / MARKER_FILE).write_text(json.dumps(marker, indent=2) + "\n", encoding="utf-8")
