"""What of the model's ``<think>`` block survives verl's decoding, with Qwen3's real tokenizer."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from kimina_prover_rl.errors import ConfigError
from kimina_prover_rl.proof import check_answer
from kimina_prover_rl.verl.think import check_think_survives, response_prefix
from tests.verl.conftest import qwen3_tokenizer_files

STATEMENT = "theorem t (x : ℕ) : x + 0 = x := by"
BODY = (
    "I will simplify.\n```tactics\nsimp\n```\nOr close it directly.\n```tactics\nrfl\n```\n"
    "</think>\nThe proof:\n```lean4\n" + STATEMENT + "\n  simp\n```"
)
OPENING_TEMPLATE = (
    "{% for m in messages %}<|im_start|>{{ m['role'] }}\n{{ m['content'] }}<|im_end|>\n"
    "{% endfor %}{% if add_generation_prompt %}<|im_start|>assistant\n<think>\n{% endif %}"
)


def _generate(tokenizer: Any, text: str) -> str:
    """What verl's reward manager hands the reward: the generated ids decoded as verl does."""
    ids = tokenizer.encode(text + "<|im_end|>", add_special_tokens=False)
    decoded: str = tokenizer.decode(ids, skip_special_tokens=True)
    return decoded


def test_qwen3_think_tags_survive_verl_decoding_and_pass_the_format_check(
    qwen3_tokenizer: Any,
) -> None:
    written = "<think>\n" + BODY
    seen = _generate(qwen3_tokenizer, written)
    assert seen == written
    check_think_survives(qwen3_tokenizer)
    assert response_prefix(qwen3_tokenizer) == ""
    assert check_answer(STATEMENT, response_prefix(qwen3_tokenizer) + seen).ok


def test_a_template_that_opens_think_gets_it_put_back(qwen3_tokenizer: Any) -> None:
    original = qwen3_tokenizer.chat_template
    qwen3_tokenizer.chat_template = OPENING_TEMPLATE
    try:
        prefix = response_prefix(qwen3_tokenizer)
    finally:
        qwen3_tokenizer.chat_template = original
    assert prefix == "<think>\n"
    seen = _generate(qwen3_tokenizer, BODY)  # the model starts inside the block
    assert not check_answer(STATEMENT, seen).ok
    assert check_answer(STATEMENT, prefix + seen).ok


def test_disabled_thinking_closes_the_block_so_nothing_is_prepended(qwen3_tokenizer: Any) -> None:
    assert response_prefix(qwen3_tokenizer, {"enable_thinking": False}) == ""


def test_a_tokenizer_that_drops_think_tags_is_refused(tmp_path: Path) -> None:
    from transformers import AutoTokenizer

    source = qwen3_tokenizer_files()
    shutil.copy(source / "tokenizer_config.json", tmp_path / "tokenizer_config.json")
    data = json.loads((source / "tokenizer.json").read_text(encoding="utf-8"))
    for token in data["added_tokens"]:
        if token["content"] in ("<think>", "</think>"):
            token["special"] = True
    (tmp_path / "tokenizer.json").write_text(json.dumps(data), encoding="utf-8")
    config = json.loads((source / "tokenizer_config.json").read_text(encoding="utf-8"))
    for entry in config.get("added_tokens_decoder", {}).values():
        if entry["content"] in ("<think>", "</think>"):
            entry["special"] = True
    (tmp_path / "tokenizer_config.json").write_text(json.dumps(config), encoding="utf-8")
    tokenizer = AutoTokenizer.from_pretrained(str(tmp_path))
    assert "<think>" not in _generate(tokenizer, "<think>\n" + BODY)
    with pytest.raises(ConfigError, match="marks <think>, </think> as special"):
        check_think_survives(tokenizer)
