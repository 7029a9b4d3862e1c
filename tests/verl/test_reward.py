"""The reward function, run by verl's own RewardLoopManager and RewardLoopWorker actors."""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kimina_prover_rl.data.prepare import VAL_FILE
from kimina_prover_rl.errors import ConfigError
from kimina_prover_rl.lean import VerifierSettings, open_verifier
from kimina_prover_rl.lean.self_check import self_check_cases
from kimina_prover_rl.reward import RECORD_KEYS
from kimina_prover_rl.verl.reward import RewardKwargs, compute_score, verifier_settings
from tests.verl import _answers
from tests.verl._config import compose, cpu_overrides

# What each answer kind must score, and the verdict the stand-in gives it.
EXPECTED = {
    "valid": (1.0, "valid", ""),
    "lean_error": (0.0, "lean_error", ""),
    "with_sorry": (0.0, "sorry", ""),
    "no_think": (0.0, "not_verified", "missing_think"),
}


def test_unknown_reward_kwargs_are_refused_by_name() -> None:
    with pytest.raises(ConfigError, match="unknown reward_kwargs keys bakend"):
        RewardKwargs.from_kwargs({"bakend": "remote", "response_prefix": ""})


def test_auto_prefix_needs_the_tokenizer() -> None:
    with pytest.raises(ConfigError, match=r"reward_kwargs\.tokenizer is not set"):
        RewardKwargs.from_kwargs({})


@pytest.mark.parametrize(
    ("kwargs", "env_url", "ray_running", "backend", "pool"),
    [
        ({"backend": "standin"}, None, True, "ray", "standin"),
        ({"backend": "standin"}, None, False, "standin", "local"),
        ({}, "http://lean:8000", True, "remote", "local"),
        ({"url": "http://lean:8000"}, None, True, "remote", "local"),
        ({"project_dir": "/lean"}, None, True, "ray", "local"),
        ({"project_dir": "/lean"}, None, False, "local", "local"),
        ({"backend": "standin"}, "http://lean:8000", True, "ray", "standin"),
    ],
)
def test_auto_picks_the_server_then_a_project_and_the_standin_only_by_name(
    monkeypatch: pytest.MonkeyPatch,
    kwargs: dict[str, Any],
    env_url: str | None,
    ray_running: bool,
    backend: str,
    pool: str,
) -> None:
    if env_url is None:
        monkeypatch.delenv("LEAN_SERVER_API_URL", raising=False)
    else:
        monkeypatch.setenv("LEAN_SERVER_API_URL", env_url)
    settings = RewardKwargs.from_kwargs({"response_prefix": "", **kwargs})
    options = verifier_settings(settings.verifier, ray_running=ray_running)
    assert (options.backend, options.ray_pool) == (backend, pool)
    assert options.simulated == (kwargs.get("backend") == "standin")


@pytest.mark.parametrize("ray_running", [True, False])
def test_auto_with_no_lean_stops_and_says_how_to_give_one(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, ray_running: bool
) -> None:
    monkeypatch.delenv("LEAN_SERVER_API_URL", raising=False)
    monkeypatch.chdir(tmp_path)
    settings = RewardKwargs.from_kwargs({"response_prefix": ""})
    with pytest.raises(ConfigError, match="no Lean is configured") as caught:
        verifier_settings(settings.verifier, ray_running=ray_running)
    for way in ("LEAN_SERVER_API_URL", "reward_kwargs.project_dir", "backend=standin"):
        assert way in str(caught.value)


def test_reward_kwargs_are_checked_as_strict_types_naming_the_key() -> None:
    with pytest.raises(ConfigError, match=r"reward_kwargs\.workers=True is invalid"):
        RewardKwargs.from_kwargs({"workers": True, "response_prefix": ""})
    with pytest.raises(ConfigError, match=r"reward_kwargs\.timeout_s=0 is invalid"):
        RewardKwargs.from_kwargs({"timeout_s": 0, "response_prefix": ""})


def test_the_ray_backend_outside_ray_says_what_to_use() -> None:
    settings = RewardKwargs.from_kwargs({"backend": "ray", "response_prefix": ""})
    with pytest.raises(ConfigError, match="use backend=local outside Ray"):
        verifier_settings(settings.verifier, ray_running=False)


def reward_batch(tokenizer: Any, rows: list[dict[str, Any]], responses: list[str]) -> Any:
    """A DataProto shaped as verl's agent loop hands it to the reward loop."""
    import numpy as np
    import torch
    from tensordict import TensorDict

    from verl import DataProto

    encoded = [tokenizer.encode(r + "<|im_end|>", add_special_tokens=False) for r in responses]
    width = max(len(ids) for ids in encoded)
    pad = tokenizer.pad_token_id
    response_ids = torch.tensor([ids + [pad] * (width - len(ids)) for ids in encoded])
    prompts = torch.tensor([[tokenizer.encode("x")[0]] for _ in encoded])
    mask = torch.tensor([[1] + [1] * len(ids) + [0] * (width - len(ids)) for ids in encoded])
    batch = TensorDict(
        {"prompts": prompts, "responses": response_ids, "attention_mask": mask},
        batch_size=len(encoded),
    )
    non_tensor = {
        key: np.array([row[key] for row in rows], dtype=object)
        for key in ("data_source", "reward_model", "extra_info")
    }
    return DataProto(batch=batch, non_tensor_batch=non_tensor)


def val_rows(prompt_set: Path) -> list[dict[str, Any]]:
    import pyarrow.parquet as pq

    rows: list[dict[str, Any]] = pq.read_table(prompt_set / VAL_FILE).to_pylist()
    return rows


def score_in_verl(config: Any, qwen3_tokenizer: Any, prompt_set: Path) -> tuple[list[str], Any]:
    """Score two answers of each kind through verl's RewardLoopManager."""
    from verl.experimental.reward_loop.reward_loop import RewardLoopManager

    rows = val_rows(prompt_set)[:2]
    kinds, samples, responses = [], [], []
    for row in rows:
        statement = row["extra_info"]["formal_statement"]
        for kind in EXPECTED:
            kinds.append(kind)
            samples.append(row)
            responses.append(getattr(_answers, kind)(statement))
    manager = RewardLoopManager(config)
    output = manager.compute_rm_score(reward_batch(qwen3_tokenizer, samples, responses))
    for worker in manager.reward_loop_workers:
        import ray

        ray.kill(worker)
    return kinds, output


def check_scores(kinds: list[str], output: Any) -> None:
    assert output.meta_info["reward_extra_keys"] == list(RECORD_KEYS)
    scores = output.batch["rm_scores"].sum(dim=1).tolist()
    infos = output.non_tensor_batch
    for i, kind in enumerate(kinds):
        score, status, format_error = EXPECTED[kind]
        assert scores[i] == score, kind
        assert infos["score"][i] == score
        assert infos["status"][i] == status, kind
        assert infos["format_error"][i] == format_error, kind
        assert infos["turn"][i] == 1.0
        assert infos["infra_failure"][i] == 0.0
    failed = [i for i, kind in enumerate(kinds) if kind in ("lean_error", "with_sorry")]
    assert all(infos["feedback"][i] for i in failed)
    assert "linarith failed" in infos["feedback"][kinds.index("lean_error")]


@pytest.mark.slow
def test_verls_reward_workers_share_one_standin_pool_per_node(
    ray_session: Any, qwen3_dir: Path, qwen3_tokenizer: Any, prompt_set: Path
) -> None:
    from omegaconf import OmegaConf

    config = compose(
        [
            *cpu_overrides(str(qwen3_dir), str(prompt_set)),
            "reward.custom_reward_function.reward_kwargs.backend=standin",
            "reward.custom_reward_function.reward_kwargs.workers=2",
        ]
    )
    OmegaConf.resolve(config)
    kinds, output = score_in_verl(config, qwen3_tokenizer, prompt_set)
    check_scores(kinds, output)
    actors = ray_session.util.list_named_actors(all_namespaces=True)
    pools = [a for a in actors if a["name"].startswith("kimina-lean-pool")]
    assert len(pools) == 1  # two reward workers, one Lean pool on the node


class _CountingServer:
    """Our kimina-compatible server over the stand-in, counting the check requests."""

    def __init__(self) -> None:
        import uvicorn

        from kimina_prover_rl.server import create_app

        app = create_app(lambda: open_verifier(VerifierSettings(backend="standin", workers=2)))
        self.requests = 0
        self.proofs = 0

        @app.middleware("http")
        async def count(request: Any, call_next: Any) -> Any:
            if request.url.path.startswith("/api/check"):
                self.requests += 1
                body = await request.json()
                self.proofs += len(body.get("snippets", []))
            return await call_next(request)

        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.server = uvicorn.Server(
            uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning")
        )
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> _CountingServer:
        self.thread.start()
        for _ in range(200):
            if self.server.started:
                return self
            time.sleep(0.05)
        raise RuntimeError("the test server did not start")

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


@pytest.fixture
def lean_server() -> Iterator[_CountingServer]:
    with _CountingServer() as server:
        yield server


@pytest.mark.slow
def test_verls_reward_workers_batch_their_calls_to_a_kimina_server(
    ray_session: Any,
    qwen3_dir: Path,
    qwen3_tokenizer: Any,
    prompt_set: Path,
    lean_server: _CountingServer,
) -> None:
    from omegaconf import OmegaConf

    config = compose(
        [
            *cpu_overrides(str(qwen3_dir), str(prompt_set)),
            f"reward.custom_reward_function.reward_kwargs.url=http://127.0.0.1:{lean_server.port}",
            "reward.num_workers=1",  # one worker's concurrent calls are enough to batch
        ]
    )
    OmegaConf.resolve(config)
    kinds, output = score_in_verl(config, qwen3_tokenizer, prompt_set)
    check_scores(kinds, output)
    sent = sum(kind != "no_think" for kind in kinds)
    # and, once per reward worker, the verifier's self-check (no cache: never remembered)
    assert lean_server.proofs == sent + len(self_check_cases("", allow_native_decide=False))
    assert lean_server.requests < sent  # concurrent per-sample calls shared requests


@given(st.text(max_size=400), st.sampled_from(["", "<think>\n"]), st.integers(1, 3))
@settings(max_examples=60, deadline=None)
def test_any_model_output_gets_a_full_record_and_no_exception(
    text: str, prefix: str, turn: int
) -> None:
    statement = "theorem t (x : ℕ) : x + 0 = x := by"

    async def score() -> dict[str, Any]:
        return await compute_score(
            "minif2f",
            text,
            statement,
            {"formal_statement": statement, "turn": turn},
            backend="standin",
            response_prefix=prefix,
        )

    record = asyncio.run(score())
    assert tuple(record) == RECORD_KEYS
    assert record["turn"] == float(turn)
    assert record["score"] in (0.0, 1.0)
    assert record["score"] == 0.0 or "```lean4" in text


def test_a_sample_without_a_statement_names_the_fix() -> None:
    with pytest.raises(ConfigError, match="kimina-rl prepare"):
        asyncio.run(compute_score("src", "answer", "", {}, response_prefix=""))


@pytest.mark.parametrize("verify_format_failures", [False, True])
def test_the_blog_comparable_acc_counts_every_answers_proof(verify_format_failures: bool) -> None:
    """An answer with no think block but a valid proof: our reward is 0 either way; `acc` is
    the Lean validity of its proof only when format failures are verified too."""
    statement = "import Mathlib\n\ntheorem t (x : ℕ) : x + 0 = x := by"
    answer = f"```lean4\n{statement}\n  simp\n```"

    async def score() -> dict[str, Any]:
        return await compute_score(
            "minif2f",
            answer,
            statement,
            {"formal_statement": statement},
            backend="standin",
            response_prefix="",
            verify_format_failures=verify_format_failures,
        )

    record = asyncio.run(score())
    assert record["score"] == 0.0
    assert record["format_error"] != ""
    assert record["acc"] == (1.0 if verify_format_failures else 0.0)
