"""Hugging Face transformers as a generator: small local models on CPU or GPU, and tests.

The model is a local folder, loaded by ``models.load_causal_lm`` (fp32, never the hub);
its own chat template renders the conversation (a model without one is refused).
Requests run one at a time in a worker thread, each seeded, so a run is reproducible on
one machine. transformers and torch are imported only when this backend is built.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any, cast

from kimina_prover_rl.errors import ConfigError
from kimina_prover_rl.eval.generator import (
    BlockingGenerator,
    Generation,
    GenerationRequest,
    SamplingConfig,
)

__all__ = ["HFGenerator"]


class HFGenerator(BlockingGenerator):
    """Samples with ``model.generate`` from a local model folder."""

    def __init__(self, model: str, *, device: str | None = None) -> None:
        try:
            import torch
        except ImportError as exc:
            raise ConfigError(
                f"--generator hf needs transformers and torch ({exc}); install them with "
                "pip install 'kimina-prover-rl[trl]', or use --generator openai with a server"
            ) from exc
        from kimina_prover_rl.models import load_causal_lm

        super().__init__()
        self.model_name = model
        self._torch = torch
        loaded, tokenizer = load_causal_lm(Path(model).expanduser())
        self._model = cast(Any, loaded)
        self._tokenizer = cast(Any, tokenizer)
        self._device = device or ("cuda" if torch.cuda.is_available() else "cpu")
        self._model.to(self._device)
        self._model.eval()
        self._stops = _stop_ids(self._model, self._tokenizer)

    def __repr__(self) -> str:
        return f"<HFGenerator {self.model_name!r} on {self._device}>"

    def describe(self) -> dict[str, Any]:
        return {"generator": "hf", "model": self.model_name, "device": self._device}

    def generate_blocking(
        self, requests: Sequence[GenerationRequest], sampling: SamplingConfig
    ) -> list[Generation]:
        return [self._one(request, sampling) for request in requests]

    def _one(self, request: GenerationRequest, sampling: SamplingConfig) -> Generation:
        torch = self._torch
        prompt = self._tokenizer.apply_chat_template(
            [dict(m) for m in request.messages],
            add_generation_prompt=True,
            tokenize=False,
        )
        inputs = self._tokenizer(prompt, return_tensors="pt", add_special_tokens=False)
        inputs = {name: tensor.to(self._device) for name, tensor in inputs.items()}
        sample = sampling.temperature > 0
        options: dict[str, Any] = {"do_sample": sample, "max_new_tokens": sampling.max_tokens}
        if sample:
            options.update(temperature=sampling.temperature, top_p=sampling.top_p)
        torch.manual_seed(request.seed)
        with torch.no_grad():
            output = self._model.generate(
                **inputs, **options, pad_token_id=self._stops[0], eos_token_id=list(self._stops)
            )
        new = output[0, inputs["input_ids"].shape[1] :].tolist()
        stop = next((i for i, token in enumerate(new) if token in self._stops), None)
        finish = "length" if stop is None else "stop"
        text: str = self._tokenizer.decode(new if stop is None else new[:stop])
        return Generation(text=text, finish_reason=finish)


def _stop_ids(model: Any, tokenizer: Any) -> tuple[int, ...]:
    """The ids that end a completion: the generation config's EOS ids and the tokenizer's."""
    ids: list[int] = []
    configured = getattr(getattr(model, "generation_config", None), "eos_token_id", None)
    for value in (configured, tokenizer.eos_token_id):
        if isinstance(value, int):
            ids.append(value)
        elif isinstance(value, list):
            ids.extend(v for v in value if isinstance(v, int))
    if not ids:
        raise ConfigError(
            "the model and tokenizer name no end-of-sequence token, so completions could "
            "never stop: set eos_token_id in the model's generation_config.json"
        )
    return tuple(dict.fromkeys(ids))
