"""Evaluation: generation backends, correction rounds, resumable runs and true pass@k.

Builds on ``reward`` (scoring and correction turns, the same code as training), ``data``
(prompt sets and templates) and ``lean``; never imports verl or trl. vLLM, transformers
and matplotlib are imported only when their backend or the plots are used.
"""

from __future__ import annotations

from kimina_prover_rl.eval.factory import GeneratorKind, GeneratorOptions, open_generator
from kimina_prover_rl.eval.generator import (
    BlockingGenerator,
    Generation,
    GenerationRequest,
    Generator,
    SamplingConfig,
)
from kimina_prover_rl.eval.job import EvalJob, EvalMetadata, EvalSummary, run_job
from kimina_prover_rl.eval.metadata import package_versions, template_sha256
from kimina_prover_rl.eval.openai_compat import OpenAIConfig, OpenAIGenerator
from kimina_prover_rl.eval.outputs import SUMMARY_JSON, SUMMARY_MD, write_outputs
from kimina_prover_rl.eval.passk import mean_pass_at_k, parse_ks, pass_at_k
from kimina_prover_rl.eval.plots import PASS_AT_K_PLOT, SOLVED_PLOT, write_plots
from kimina_prover_rl.eval.run import EvalConfig, EvalProblem, eval_problems, run_evaluation
from kimina_prover_rl.eval.store import SAMPLES_FILE, SETTINGS_FILE, SampleRecord, SampleStore
from kimina_prover_rl.eval.summary import category_of, render_markdown, summarize

__all__ = [
    "PASS_AT_K_PLOT",
    "SAMPLES_FILE",
    "SETTINGS_FILE",
    "SOLVED_PLOT",
    "SUMMARY_JSON",
    "SUMMARY_MD",
    "BlockingGenerator",
    "EvalConfig",
    "EvalJob",
    "EvalMetadata",
    "EvalProblem",
    "EvalSummary",
    "Generation",
    "GenerationRequest",
    "Generator",
    "GeneratorKind",
    "GeneratorOptions",
    "OpenAIConfig",
    "OpenAIGenerator",
    "SampleRecord",
    "SampleStore",
    "SamplingConfig",
    "category_of",
    "eval_problems",
    "mean_pass_at_k",
    "open_generator",
    "package_versions",
    "parse_ks",
    "pass_at_k",
    "render_markdown",
    "run_evaluation",
    "run_job",
    "summarize",
    "template_sha256",
    "write_outputs",
    "write_plots",
]
