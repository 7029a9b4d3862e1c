"""Prompt-set preparation: filters, decontamination, the manifest, atomic output, verl."""

from __future__ import annotations

import hashlib
import json
import os
import stat
from pathlib import Path
from typing import Any

import pytest

from kimina_prover_rl import __version__
from kimina_prover_rl.data import (
    PrepareConfig,
    PromptTemplate,
    informal_text,
    prepare_prompt_set,
    statement_for_prompt,
)
from kimina_prover_rl.data.prepare import MANIFEST_NAME, TRAIN_FILE, VAL_FILE
from kimina_prover_rl.errors import ColumnError, ConfigError
from tests.conftest import shared_file
from tests.data._statements import disguise

MINIF2F = "minif2f_test.jsonl"
TRAIN = "train_sample.jsonl"


def write_jsonl(path: Path, rows: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), "utf-8")
    return path


def read_parquet(path: Path) -> list[dict[str, Any]]:
    import pyarrow.parquet as pq

    rows: list[dict[str, Any]] = pq.read_table(path).to_pylist()
    return rows


def test_prepares_the_shared_files_in_verl_schema(
    tmp_path: Path, minif2f: list[dict[str, Any]], train_sample: list[dict[str, Any]]
) -> None:
    out = tmp_path / "prompt_set"
    logged: list[str] = []
    result = prepare_prompt_set(
        PrepareConfig(train=str(shared_file(TRAIN)), val=str(shared_file(MINIF2F)), out=out),
        log=logged.append,
    )
    assert sorted(p.name for p in out.iterdir()) == [MANIFEST_NAME, TRAIN_FILE, VAL_FILE]
    assert (result.train_rows, result.val_rows) == (len(train_sample), len(minif2f))
    assert any("wrote 500 train and 244 val rows" in line for line in logged)

    val = read_parquet(out / VAL_FILE)
    first = val[0]
    statement = statement_for_prompt(minif2f[0]["formal_statement"])
    assert first["data_source"] == "minif2f_test"
    assert first["ability"] == "theorem_proving"
    assert first["reward_model"] == {"style": "rule", "ground_truth": statement}
    expected_prompt = PromptTemplate().render(
        statement=statement, informal=informal_text(minif2f[0]["informal_prefix"])
    )
    assert first["prompt"] == expected_prompt
    assert first["extra_info"] == {
        "index": 0,
        "split": "val",
        "problem_id": minif2f[0]["name"],
        "formal_statement": statement,
        "informal_problem": informal_text(minif2f[0]["informal_prefix"]),
        "messages": expected_prompt,
        "turn": 1,
    }
    assert [r["extra_info"]["index"] for r in val] == list(range(len(minif2f)))

    train = read_parquet(out / TRAIN_FILE)
    by_id = {r["extra_info"]["problem_id"]: r for r in train}
    sorry_rows = [r for r in train_sample if r["formal_statement"].rstrip().endswith("sorry")]
    assert sorry_rows, "the training sample has CombiBench statements ending in sorry"
    for row in sorry_rows:
        ground_truth = by_id[row["name"]]["reward_model"]["ground_truth"]
        assert not ground_truth.endswith("sorry")
        assert ground_truth.endswith("by")
    assert {r["data_source"] for r in train} == {r["source"] for r in train_sample}


def test_manifest_records_sources_counts_filters_and_hashes(tmp_path: Path) -> None:
    out = tmp_path / "set"
    train_path, val_path = shared_file(TRAIN), shared_file(MINIF2F)
    result = prepare_prompt_set(PrepareConfig(train=str(train_path), val=str(val_path), out=out))
    manifest = json.loads((out / MANIFEST_NAME).read_text("utf-8"))
    assert manifest == result.manifest
    assert manifest["package"] == {"name": "kimina-prover-rl", "version": __version__}
    sources = manifest["sources"]
    assert sources["train"]["file_sha256"] == hashlib.sha256(train_path.read_bytes()).hexdigest()
    assert sources["val"]["file_sha256"] == hashlib.sha256(val_path.read_bytes()).hexdigest()
    assert sources["val"]["layout"] == "minif2f"
    for name in (TRAIN_FILE, VAL_FILE):
        assert (
            manifest["files"][name]["sha256"]
            == hashlib.sha256((out / name).read_bytes()).hexdigest()
        )
    assert manifest["filters"] == {
        "first_n": None,
        "max_win_rate": None,
        "deduplicate": True,
        "decontaminate": True,
    }
    assert manifest["template"] == PromptTemplate().to_dict()
    assert manifest["counts"]["train"] == {
        "loaded": 500,
        "well_formed": 500,
        "deduplicated": 500,
        "decontaminated": 500,
        "written": 500,
    }
    assert manifest["dropped"]["train"] == {"malformed": [], "duplicates": [], "contaminated": []}


def test_planted_minif2f_statement_and_duplicates_are_removed_and_listed(
    tmp_path: Path, minif2f: list[dict[str, Any]], train_sample: list[dict[str, Any]]
) -> None:
    target = minif2f[100]
    rows = [dict(r) for r in train_sample[:40]]
    planted = dict(
        rows[0], name="planted", formal_statement=disguise(target["name"], target["theorem"])
    )
    duplicate = dict(rows[3], name="duplicate")
    duplicate["formal_statement"] = rows[3]["formal_statement"].replace("\n", "\n\n") + "  "
    broken = dict(rows[5], name="broken", formal_statement="def f : ℕ := 3")
    train_path = write_jsonl(tmp_path / "train.jsonl", [*rows, planted, duplicate, broken])

    result = prepare_prompt_set(
        PrepareConfig(
            train=str(train_path), val=str(shared_file(MINIF2F)), out=tmp_path / "out", first_n=30
        )
    )
    dropped = result.manifest["dropped"]["train"]
    assert dropped["contaminated"] == [{"id": "planted", "matches": target["name"]}]
    assert dropped["duplicates"] == [{"id": "duplicate", "duplicate_of": rows[3]["name"]}]
    assert dropped["malformed"] == [
        {"id": "broken", "reason": "no theorem/lemma/example ending in ':='"}
    ]
    assert result.manifest["counts"]["train"] == {
        "loaded": 43,
        "well_formed": 42,
        "deduplicated": 41,
        "decontaminated": 40,
        "written": 30,
    }
    # first_n cuts both splits, but decontamination saw the whole validation set.
    assert result.val_rows == 30
    ids = {r["extra_info"]["problem_id"] for r in read_parquet(tmp_path / "out" / TRAIN_FILE)}
    assert not ids & {"planted", "duplicate", "broken"}


def test_decontamination_uses_the_whole_validation_set(
    tmp_path: Path, minif2f: list[dict[str, Any]]
) -> None:
    target = minif2f[-1]
    train_path = write_jsonl(
        tmp_path / "train.jsonl",
        [
            {
                "name": "late",
                "informal_prefix": "",
                "formal_statement": disguise(target["name"], target["theorem"]),
            }
        ],
    )
    common = {"train": str(train_path), "val": str(shared_file(MINIF2F)), "first_n": 3}
    result = prepare_prompt_set(PrepareConfig(**common, out=tmp_path / "a"))
    assert result.manifest["dropped"]["train"]["contaminated"] == [
        {"id": "late", "matches": target["name"]}
    ]
    assert result.train_rows == 0
    kept = prepare_prompt_set(PrepareConfig(**common, out=tmp_path / "b", decontaminate=False))
    assert kept.train_rows == 1
    assert "contaminated" not in kept.manifest["dropped"]["train"]


def _numina_rows() -> list[dict[str, Any]]:
    rates = [0.1, 0.6, None, 0.5, 1.0]
    return [
        {
            "uuid": f"u{i}",
            "problem": f"Problem {i}",
            "formal_statement": f"theorem n{i} (x : ℕ) : x + {i} = {i} + x := by sorry",
            "rl_data": None
            if rate is None
            else {"n_correct_proofs": 1, "n_proofs": 2, "win_rate": rate},
            "source": "synthetic",
        }
        for i, rate in enumerate(rates)
    ]


def test_win_rate_filter_on_a_numinamath_style_parquet(tmp_path: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    path = tmp_path / "numina.parquet"
    pq.write_table(pa.Table.from_pylist(_numina_rows()), path)
    result = prepare_prompt_set(
        PrepareConfig(
            train=str(path), val=str(shared_file(MINIF2F)), out=tmp_path / "out", max_win_rate=0.5
        )
    )
    assert result.manifest["counts"]["train"]["win_rate_filtered"] == 3
    assert result.manifest["counts"]["train"]["win_rate_unknown_kept"] == 1
    assert result.manifest["filters"]["max_win_rate"] == 0.5
    train = read_parquet(tmp_path / "out" / TRAIN_FILE)
    assert [r["extra_info"]["problem_id"] for r in train] == ["u0", "u2", "u3"]
    assert {r["data_source"] for r in train} == {"synthetic"}
    assert train[0]["prompt"][1]["content"].count("# Problem:\nProblem 0\n") == 1


def assert_nothing_written(parent: Path, out: Path) -> None:
    assert not out.exists()
    assert not [p for p in parent.iterdir() if p.name.startswith(f".{out.name}.")]


def test_win_rate_filter_without_win_rates_is_a_column_error(tmp_path: Path) -> None:
    out = tmp_path / "out"
    with pytest.raises(ColumnError, match="--max-win-rate needs win rates") as info:
        prepare_prompt_set(
            PrepareConfig(
                train=str(shared_file(TRAIN)),
                val=str(shared_file(MINIF2F)),
                out=out,
                max_win_rate=0.5,
            )
        )
    assert "--columns win_rate=COLUMN" in str(info.value)
    assert_nothing_written(tmp_path, out)


def test_missing_column_writes_nothing(tmp_path: Path) -> None:
    bad = write_jsonl(
        tmp_path / "bad.jsonl", [{"name": "a", "statement": "theorem a : True := by"}]
    )
    out = tmp_path / "out"
    with pytest.raises(ColumnError, match="'formal_statement'") as info:
        prepare_prompt_set(PrepareConfig(train=str(bad), val=str(shared_file(MINIF2F)), out=out))
    assert str(bad) in str(info.value)
    assert_nothing_written(tmp_path, out)


def test_a_failure_while_writing_leaves_nothing_behind(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import pyarrow.parquet as pq

    real_write = pq.write_table
    calls: list[Path] = []

    def failing_write(table: Any, where: Any, *args: Any, **kwargs: Any) -> None:
        calls.append(Path(where))
        if len(calls) == 2:
            raise OSError("disk full")
        real_write(table, where, *args, **kwargs)

    monkeypatch.setattr(pq, "write_table", failing_write)
    out = tmp_path / "out"
    with pytest.raises(OSError, match="disk full"):
        prepare_prompt_set(
            PrepareConfig(train=str(shared_file(TRAIN)), val=str(shared_file(MINIF2F)), out=out)
        )
    assert len(calls) == 2
    assert_nothing_written(tmp_path, out)


def test_existing_output_needs_overwrite(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "old.txt").write_text("previous run", "utf-8")
    config = {"train": str(shared_file(TRAIN)), "val": str(shared_file(MINIF2F)), "first_n": 2}
    with pytest.raises(ConfigError, match="pass --overwrite"):
        prepare_prompt_set(PrepareConfig(**config, out=out))
    assert (out / "old.txt").exists()
    prepare_prompt_set(PrepareConfig(**config, out=out, overwrite=True))
    assert sorted(p.name for p in out.iterdir()) == [MANIFEST_NAME, TRAIN_FILE, VAL_FILE]
    assert [p.name for p in tmp_path.iterdir()] == ["out"]


def test_an_empty_output_folder_is_filled(tmp_path: Path) -> None:
    out = tmp_path / "empty"
    out.mkdir()
    prepare_prompt_set(
        PrepareConfig(
            train=str(shared_file(TRAIN)), val=str(shared_file(MINIF2F)), out=out, first_n=1
        )
    )
    assert (out / TRAIN_FILE).is_file()


@pytest.mark.parametrize(
    ("field", "value", "fragment"),
    [
        ("first_n", 0, "--first-n 0 is invalid"),
        ("max_win_rate", 1.5, "--max-win-rate 1.5 is invalid"),
        ("hub_timeout_s", 0, "--hub-timeout 0 is invalid"),
        ("ability", "", "ability label is empty"),
    ],
)
def test_config_validation_names_the_field(field: str, value: Any, fragment: str) -> None:
    with pytest.raises(ConfigError, match=fragment.replace(".", r"\.")):
        PrepareConfig(train="a.jsonl", val="b.jsonl", out=Path("o"), **{field: value})


def test_custom_template_is_used_and_recorded(tmp_path: Path) -> None:
    template = PromptTemplate(system=None, user="Prove {statement}")
    result = prepare_prompt_set(
        PrepareConfig(
            train=str(shared_file(TRAIN)),
            val=str(shared_file(MINIF2F)),
            out=tmp_path / "o",
            first_n=2,
            template=template,
        )
    )
    row = read_parquet(tmp_path / "o" / VAL_FILE)[0]
    assert row["prompt"] == [
        {"role": "user", "content": f"Prove {row['extra_info']['formal_statement']}"}
    ]
    assert result.manifest["template"] == {"system": None, "user": "Prove {statement}"}


# ----------------------------------------------------------------------------------------
# The written parquet loads in verl's RLHFDataset.


def _verl_or_skip() -> None:
    try:
        import verl.utils.dataset.rl_dataset  # noqa: F401
    except ImportError as exc:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"verl must be importable under CI=true: {exc}")
        pytest.skip(f"verl is not installed: {exc}")


def _tiny_tokenizer(texts: list[str]) -> Any:
    """A byte-level BPE tokenizer trained on the spot, with a ChatML-style chat template."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast

    specials = ["<|im_start|>", "<|im_end|>", "<|endoftext|>"]
    tokenizer = Tokenizer(models.BPE())
    tokenizer.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tokenizer.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=600,
        special_tokens=specials,
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    tokenizer.train_from_iterator(texts, trainer=trainer)
    return PreTrainedTokenizerFast(
        tokenizer_object=tokenizer,
        eos_token="<|im_end|>",
        pad_token="<|endoftext|>",
        chat_template=(
            "{% for m in messages %}<|im_start|>{{ m['role'] }}\n{{ m['content'] }}<|im_end|>\n"
            "{% endfor %}{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}"
        ),
    )


def test_verl_rlhf_dataset_loads_the_output(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, minif2f: list[dict[str, Any]]
) -> None:
    _verl_or_skip()
    import datasets
    from omegaconf import OmegaConf
    from verl.utils.dataset.rl_dataset import RLHFDataset, collate_fn
    from verl.utils.tokenizer import normalize_token_ids

    monkeypatch.setattr(datasets.config, "HF_DATASETS_CACHE", str(tmp_path / "hf-cache"))
    out = tmp_path / "set"
    prepare_prompt_set(
        PrepareConfig(
            train=str(shared_file(TRAIN)), val=str(shared_file(MINIF2F)), out=out, first_n=8
        )
    )
    tokenizer = _tiny_tokenizer([r["formal_statement"] for r in minif2f[:50]])
    config = OmegaConf.create(
        {
            "cache_dir": str(tmp_path / "verl-cache"),
            "prompt_key": "prompt",
            "max_prompt_length": 100_000,
            "filter_overlong_prompts": True,
            "filter_overlong_prompts_workers": 1,
        }
    )
    dataset = RLHFDataset(data_files=[str(out / VAL_FILE)], tokenizer=tokenizer, config=config)
    assert len(dataset) == 8
    for i in range(len(dataset)):
        item = dataset[i]
        row = minif2f[i]
        statement = statement_for_prompt(row["formal_statement"])
        expected = PromptTemplate().render(
            statement=statement, informal=informal_text(row["informal_prefix"])
        )
        assert item["raw_prompt"] == expected
        assert item["index"] == i
        assert item["reward_model"]["ground_truth"] == statement
        assert item["extra_info"]["problem_id"] == row["name"]
        text = tokenizer.apply_chat_template(
            item["raw_prompt"], add_generation_prompt=True, tokenize=False
        )
        ids = normalize_token_ids(
            tokenizer.apply_chat_template(
                item["raw_prompt"], add_generation_prompt=True, tokenize=True
            )
        )
        assert tokenizer.decode(ids) == text
        assert expected[1]["content"] in text
    batch = collate_fn([dataset[0], dataset[1]])
    assert list(batch["data_source"]) == ["minif2f_test", "minif2f_test"]

    # The same prompts are long in tokens: verl's length filter applies our template.
    short = OmegaConf.merge(config, {"max_prompt_length": 64})
    train = RLHFDataset(data_files=[str(out / TRAIN_FILE)], tokenizer=tokenizer, config=short)
    assert len(train) == 0


def test_an_unwritable_output_is_refused_before_loading(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("", encoding="utf-8")
    config = PrepareConfig(train="no/such-dataset", val="no/such-dataset", out=blocker / "set")
    with pytest.raises(ConfigError, match="not a writable folder; pass a writable path with --out"):
        prepare_prompt_set(config)


def test_the_prepared_folder_follows_the_users_umask(tmp_path: Path) -> None:
    out = tmp_path / "set"
    previous = os.umask(0o022)
    try:
        prepare_prompt_set(
            PrepareConfig(train=str(shared_file(TRAIN)), val=str(shared_file(MINIF2F)), out=out)
        )
    finally:
        os.umask(previous)
    assert stat.S_IMODE(out.stat().st_mode) == 0o755  # not mkdtemp's 0700
