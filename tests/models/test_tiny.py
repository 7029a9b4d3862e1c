"""The tiny offline model: built once, cached, deterministic, loadable like any checkpoint."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kimina_prover_rl.errors import ConfigError
from kimina_prover_rl.models import (
    MARKER_FILE,
    TinyModelSpec,
    load_causal_lm,
    load_tokenizer,
    tiny_model_dir,
)

torch = pytest.importorskip("torch")


def _weights(path: Path) -> dict[str, object]:
    model, _ = load_causal_lm(path)
    return {name: t.detach().clone() for name, t in model.state_dict().items()}


def test_the_model_is_built_once_and_then_served_from_the_cache(tiny_model: Path) -> None:
    marker = tiny_model / MARKER_FILE
    before = marker.stat().st_mtime_ns
    again = tiny_model_dir(cache_dir=tiny_model.parent)
    assert again == tiny_model
    assert marker.stat().st_mtime_ns == before
    info = json.loads(marker.read_text())
    assert info["spec"]["seed"] == 0
    assert info["parameters"] > 0
    assert not [p for p in tiny_model.parent.iterdir() if p.name.startswith(".building-")]


def test_same_spec_gives_the_same_model_and_another_seed_another(
    tiny_model: Path, tmp_path: Path
) -> None:
    rebuilt = tiny_model_dir(cache_dir=tmp_path / "a")
    assert rebuilt.name == tiny_model.name
    assert (rebuilt / "tokenizer.json").read_bytes() == (tiny_model / "tokenizer.json").read_bytes()
    first, second = _weights(tiny_model), _weights(rebuilt)
    assert all(torch.equal(first[k], second[k]) for k in first)
    other = tiny_model_dir(TinyModelSpec(seed=1), cache_dir=tmp_path / "b")
    assert other.name != tiny_model.name
    third = _weights(other)
    assert not all(torch.equal(first[k], third[k]) for k in first)


def test_the_model_generates_and_its_template_has_roles_and_think(tiny_model: Path) -> None:
    model, tokenizer = load_causal_lm(tiny_model)
    messages = [
        {"role": "system", "content": "You prove theorems."},
        {"role": "user", "content": "theorem t (n : ℕ) : n + 0 = n := by"},
    ]
    text = tokenizer.apply_chat_template(messages, tokenize=False, add_generation_prompt=True)
    assert text == (
        "<|im_start|>system\nYou prove theorems.<|im_end|>\n"
        "<|im_start|>user\ntheorem t (n : ℕ) : n + 0 = n := by<|im_end|>\n"
        "<|im_start|>assistant\n"
    )
    no_think = tokenizer.apply_chat_template(
        messages, tokenize=False, add_generation_prompt=True, enable_thinking=False
    )
    assert no_think.endswith("<|im_start|>assistant\n<think>\n\n</think>\n\n")
    for special in ("<think>", "</think>", "<|im_end|>"):
        assert len(tokenizer(special, add_special_tokens=False)["input_ids"]) == 1
    # as in Qwen3, the think tags survive the decoding trainers do; the control tokens do not
    answer = "<think>\nsimp\n</think>\n```lean4\nx\n```<|im_end|>"
    ids = tokenizer(answer, add_special_tokens=False)["input_ids"]
    assert tokenizer.decode(ids, skip_special_tokens=True) == answer.removesuffix("<|im_end|>")
    assert tokenizer.eos_token == "<|im_end|>"
    ids = tokenizer(text, return_tensors="pt")
    out = model.generate(**ids, max_new_tokens=5, do_sample=False)
    assert out.shape[1] == ids["input_ids"].shape[1] + 5


@settings(max_examples=50, deadline=None)
@given(text=st.text(max_size=200))
def test_any_text_round_trips_through_the_tokenizer(tiny_model: Path, text: str) -> None:
    tokenizer = load_tokenizer(tiny_model)
    ids = tokenizer(text, add_special_tokens=False)["input_ids"]
    assert tokenizer.decode(ids) == text


def test_a_folder_without_a_model_is_refused_with_a_hint(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"no config.json.*--model"):
        load_causal_lm(tmp_path)


def test_a_tokenizer_without_a_chat_template_is_refused(tiny_model: Path, tmp_path: Path) -> None:
    _, tokenizer = load_causal_lm(tiny_model)
    tokenizer.chat_template = None
    tokenizer.save_pretrained(tmp_path)
    (tmp_path / "chat_template.jinja").unlink(missing_ok=True)
    (tmp_path / "config.json").write_text((tiny_model / "config.json").read_text())
    with pytest.raises(ConfigError, match="no chat template"):
        load_tokenizer(tmp_path)


@pytest.mark.parametrize(
    "kwargs",
    [{"hidden_size": 0}, {"num_heads": 3}, {"num_kv_heads": 3}, {"vocab_size": 100}],
)
def test_bad_specs_name_the_field(kwargs: dict[str, int]) -> None:
    with pytest.raises(ConfigError, match="TinyModelSpec"):
        TinyModelSpec(**kwargs)


def test_an_unwritable_cache_is_a_config_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    with pytest.raises(ConfigError, match="KIMINA_MODEL_CACHE"):
        tiny_model_dir(cache_dir=blocker / "models")


def test_the_cached_model_follows_the_users_umask(tmp_path: Path) -> None:
    previous = os.umask(0o022)
    try:
        built = tiny_model_dir(cache_dir=tmp_path / "cache")
    finally:
        os.umask(previous)
    assert stat.S_IMODE(built.stat().st_mode) == 0o755  # not mkdtemp's 0700
