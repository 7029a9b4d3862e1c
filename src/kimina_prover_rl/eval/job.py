"""One evaluation from start to written outputs: :class:`EvalJob` in, :class:`EvalSummary` out.

The ``eval`` command only parses options into an ``EvalJob``, draws progress and maps the
summary to an exit status; opening the generator and the verifier, claiming the output
folder, running the rounds and writing the summary happen here.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kimina_prover_rl.errors import ConfigError, GenerationError
from kimina_prover_rl.eval.factory import GeneratorOptions, open_generator
from kimina_prover_rl.eval.metadata import package_versions, template_sha256
from kimina_prover_rl.eval.outputs import write_outputs
from kimina_prover_rl.eval.run import EvalConfig, EvalProblem, run_evaluation
from kimina_prover_rl.eval.store import SampleRecord, SampleStore
from kimina_prover_rl.eval.summary import summarize

if TYPE_CHECKING:
    from kimina_prover_rl.data import PromptSource, PromptTemplate
    from kimina_prover_rl.lean import VerifierSettings
    from kimina_prover_rl.reward import RewardConfig

__all__ = ["EvalJob", "EvalMetadata", "EvalSummary", "run_job"]


@dataclass(frozen=True, slots=True, kw_only=True)
class EvalJob:
    """Everything one evaluation needs: the problems, how to answer and score them, where."""

    problems: list[EvalProblem]
    source: PromptSource
    template: PromptTemplate
    model: GeneratorOptions
    reward: RewardConfig
    verifier: VerifierSettings
    config: EvalConfig
    ks: tuple[int, ...]
    out: Path
    skipped: list[str] = field(default_factory=list)
    """Rows of the source without a formal statement (left out)."""
    contamination: dict[str, Any] | None = None
    """How many problems the training set states too (``--train-set``), when asked."""

    def settings(self) -> dict[str, Any]:
        """Everything the stored samples depend on; a resumed run must match it exactly."""
        return {
            "model": self.model.model,
            "generator": self.model.kind,
            "dataset_sha256": self.source.describe()["content_sha256"],
            "prompt_template_sha256": template_sha256(self.template),
            "eval": self.config.to_dict(),
            "format": dataclasses.asdict(self.reward.format),
            "simulated_lean": self.verifier.simulated,
            "timeout_s": self.verifier.timeout_s,
        }


@dataclass(frozen=True, slots=True, kw_only=True)
class EvalMetadata:
    """What a reader needs to reproduce the run (written as ``summary.json``'s metadata)."""

    generator: dict[str, Any]
    sampling: dict[str, Any]
    seed: int
    rounds: int
    dataset: dict[str, Any]
    prompt_template_sha256: str
    lean_version: str
    simulated_lean: bool
    verifier_timeout_s: float | None
    skipped_without_statement: list[str]
    versions: dict[str, str]


@dataclass(frozen=True, slots=True, kw_only=True)
class EvalSummary:
    """The outcome: pass@k and breakdowns per round (:func:`summarize`'s figures), the
    metadata, contamination, and the generation failure that stopped the run, if any."""

    figures: dict[str, Any]
    metadata: EvalMetadata
    contamination: dict[str, Any] | None
    resumed: bool
    failure: GenerationError | None = None

    @property
    def incomplete(self) -> list[str]:
        """Problems the last round could not finish (a backend failed; not unsolved)."""
        return list(self.figures["rounds"][-1]["incomplete_problems"])

    def to_dict(self) -> dict[str, Any]:
        """The ``summary.json`` content."""
        return {
            **self.figures,
            "metadata": dataclasses.asdict(self.metadata),
            "contamination": self.contamination,
        }


async def run_job(
    job: EvalJob,
    *,
    on_start: Callable[[bool], None] | None = None,
    on_round: Callable[[int, int], None] | None = None,
    on_record: Callable[[SampleRecord], None] | None = None,
    on_warning: Callable[[str], None] | None = None,
) -> EvalSummary:
    """Run ``job`` (resuming its folder) and write its outputs; return the summary.

    ``on_start(resumed)`` is called once the folder is claimed. A generation failure that
    stops the run is kept in :attr:`EvalSummary.failure`; the outputs are written anyway.
    """
    from kimina_prover_rl.lean import open_verifier
    from kimina_prover_rl.reward import Scorer

    store = SampleStore(job.out)
    lean_version, described = "", {"generator": job.model.kind, "model": job.model.model}
    failure: GenerationError | None = None
    with store.locked():
        resumed = store.claim(job.settings())
        if on_start is not None:
            on_start(resumed)
        try:
            async with open_verifier(job.verifier) as verifier:
                lean_version = verifier.lean_version
                async with open_generator(job.model) as generator:
                    described = generator.describe()
                    await run_evaluation(
                        job.problems,
                        generator,
                        Scorer(verifier, job.reward),
                        store,
                        job.config,
                        on_round=on_round,
                        on_record=on_record,
                    )
                lean_version = verifier.lean_version or lean_version
        except GenerationError as exc:
            failure = exc
        config = job.config
        summary = EvalSummary(
            figures=summarize(
                job.problems, store.load(), n=config.n, rounds=config.rounds, ks=job.ks
            ),
            metadata=EvalMetadata(
                generator=described,
                sampling=config.sampling.to_dict(),
                seed=config.seed,
                rounds=config.rounds,
                dataset=job.source.describe(),
                prompt_template_sha256=template_sha256(job.template),
                lean_version=lean_version or "unknown (no proof reached the verifier)",
                simulated_lean=job.verifier.simulated,
                verifier_timeout_s=job.verifier.timeout_s,
                skipped_without_statement=job.skipped,
                versions=package_versions(),
            ),
            contamination=job.contamination,
            resumed=resumed,
            failure=failure,
        )
        try:
            write_outputs(summary.to_dict(), store.directory)
        except ConfigError as exc:
            if on_warning is None:
                raise
            on_warning(str(exc))
    return summary
