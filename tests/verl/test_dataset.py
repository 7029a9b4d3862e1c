"""CorrectionDataset: verl's RLHFDataset over prepared parquet, mixing cached corrections."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from kimina_prover_rl.data.prepare import TRAIN_FILE
from kimina_prover_rl.errors import ConfigError
from kimina_prover_rl.lean import VerdictStatus
from kimina_prover_rl.reward import (
    CorrectionPrompt,
    ScoredSample,
    correction_from_record,
    reward_record,
)
from kimina_prover_rl.verl.dataset import CorrectionDataset


def data_config(tmp_path: Path, **correction: Any) -> Any:
    from omegaconf import OmegaConf

    return OmegaConf.create(
        {
            "cache_dir": str(tmp_path / "verl-cache"),
            "prompt_key": "prompt",
            "max_prompt_length": 4096,
            "filter_overlong_prompts": False,
            "dataloader_num_workers": 0,
            "correction": correction,
        }
    )


def _failed(row: dict[str, Any], answer: str) -> CorrectionPrompt:
    scored = ScoredSample(
        id=None,
        score=0.0,
        acc=0.0,
        format_error=None,
        detail="",
        status=VerdictStatus.LEAN_ERROR,
        infra_failure=False,
        proof="theorem x : True := by\n  skip",
        feedback=f"Lean reported 1 error for {answer}",
    )
    prompt = correction_from_record(row, answer, reward_record(scored))
    assert isinstance(prompt, CorrectionPrompt)
    return prompt


@pytest.fixture
def dataset(
    tmp_path: Path, prompt_set: Path, qwen3_tokenizer: Any, monkeypatch: pytest.MonkeyPatch
) -> CorrectionDataset:
    import datasets

    monkeypatch.setattr(datasets.config, "HF_DATASETS_CACHE", str(tmp_path / "hf-cache"))
    return CorrectionDataset(
        data_files=[str(prompt_set / TRAIN_FILE)],
        tokenizer=qwen3_tokenizer,
        config=data_config(tmp_path, rate=1.0),
    )


def test_without_corrections_it_is_verls_dataset(dataset: CorrectionDataset) -> None:
    from verl.utils.dataset.rl_dataset import RLHFDataset

    plain = RLHFDataset(
        data_files=dataset.data_files, tokenizer=dataset.tokenizer, config=dataset.config
    )
    assert len(dataset) == len(plain) == 8
    for i in range(len(dataset)):
        ours, theirs = dataset[i], plain[i]
        assert sorted(ours) == sorted(theirs)
        assert ours["raw_prompt"] == theirs["raw_prompt"]
        assert ours["extra_info"] == theirs["extra_info"]


def test_cached_corrections_replace_rows_and_collate_with_normal_ones(
    dataset: CorrectionDataset,
) -> None:
    from verl.utils.dataset.rl_dataset import collate_fn

    first = dataset[0]
    dataset.add(_failed(first, "attempt one"))
    mixed = [dataset[1], dataset[2]]
    assert mixed[0]["extra_info"]["turn"] == 2
    assert mixed[1]["extra_info"]["turn"] == 1
    assert sorted(mixed[0]) == sorted(mixed[1])
    assert sorted(mixed[0]["extra_info"]) == sorted(mixed[1]["extra_info"])
    correction = mixed[0]
    assert correction["raw_prompt"][: len(first["raw_prompt"])] == first["raw_prompt"]
    assert correction["raw_prompt"][-2]["content"] == "attempt one"
    assert "Lean reported 1 error" in correction["raw_prompt"][-1]["content"]
    assert correction["index"] == first["index"]
    assert correction["reward_model"] == first["reward_model"]
    assert correction["data_source"] == first["data_source"]
    batch = collate_fn(mixed)
    assert [e["turn"] for e in batch["extra_info"]] == [2, 1]
    assert batch["dummy_tensor"].shape[0] == 2
    assert dataset.cache.stats()["drawn"] == 1


# torchdata 0.11 touches a deprecated torch attribute when a loader is built (verl does too).
@pytest.mark.filterwarnings("ignore:'set_vital' is deprecated:UserWarning")
def test_the_cache_round_trips_through_the_stateful_dataloader(
    dataset: CorrectionDataset, tmp_path: Path
) -> None:
    import torch
    from torchdata.stateful_dataloader import StatefulDataLoader
    from verl.utils.dataset.rl_dataset import collate_fn

    loader = StatefulDataLoader(dataset, batch_size=2, num_workers=0, collate_fn=collate_fn)
    iterator = iter(loader)
    first = next(iterator)
    for i in range(3):
        row = {k: first[k][0] for k in ("data_source", "ability", "extra_info")}
        dataset.add(_failed(row, f"attempt {i}"))
    path = tmp_path / "data.pt"
    torch.save(loader.state_dict(), path)  # what verl's _save_checkpoint does

    expected = [next(iterator) for _ in range(2)]
    restored_set = CorrectionDataset(
        data_files=dataset.data_files, tokenizer=dataset.tokenizer, config=dataset.config
    )
    restored = StatefulDataLoader(restored_set, batch_size=2, num_workers=0, collate_fn=collate_fn)
    restored.load_state_dict(torch.load(path, weights_only=False))
    resumed = iter(restored)
    for batch in expected:
        again = next(resumed)
        assert [m[-2]["content"] for m in again["raw_prompt"]] == [
            m[-2]["content"] for m in batch["raw_prompt"]
        ]
    assert [m[-2]["content"] for b in expected for m in b["raw_prompt"]][:3] == [
        "attempt 0",
        "attempt 1",
        "attempt 2",
    ]
    assert restored_set.cache.stats() == dataset.cache.stats()


@pytest.mark.parametrize(
    ("settings", "fragment"),
    [
        ({"rate": 2.0}, "rate=2.0"),
        ({"rat": 0.5}, "unknown data.correction keys rat"),
        ({"max_turns": 0}, "max_turns=0"),
    ],
)
def test_bad_correction_settings_name_the_key(
    tmp_path: Path, prompt_set: Path, qwen3_tokenizer: Any, settings: dict[str, Any], fragment: str
) -> None:
    with pytest.raises(ConfigError, match=fragment):
        CorrectionDataset(
            data_files=[str(prompt_set / TRAIN_FILE)],
            tokenizer=qwen3_tokenizer,
            config=data_config(tmp_path, **settings),
        )


def test_loader_workers_are_refused_because_they_never_see_the_cache(
    tmp_path: Path, prompt_set: Path, qwen3_tokenizer: Any
) -> None:
    config = data_config(tmp_path)
    config.dataloader_num_workers = 2
    with pytest.raises(ConfigError, match="dataloader_num_workers=0"):
        CorrectionDataset(
            data_files=[str(prompt_set / TRAIN_FILE)], tokenizer=qwen3_tokenizer, config=config
        )


def test_a_correction_over_the_prompt_budget_is_dropped_and_counted(
    dataset: CorrectionDataset,
) -> None:
    from kimina_prover_rl.verl.prompt_length import prompt_tokens

    first = dataset[0]
    short = _failed(first, "attempt one")
    budget = prompt_tokens(dataset.tokenizer, short.messages)
    dataset.max_prompt_length = budget  # the short one fits exactly
    assert dataset.add(short) is True
    long = _failed(first, "attempt two " * 50)  # the answer alone adds about 100 tokens
    assert prompt_tokens(dataset.tokenizer, long.messages) > budget
    assert dataset.add(long) is False
    assert len(dataset.cache) == 1
    assert dataset.cache.stats()["skipped.prompt_too_long"] == 1
    served = dataset[1]["raw_prompt"]
    assert served[-2]["content"] == "attempt one"  # the first turn, whole, never cut
