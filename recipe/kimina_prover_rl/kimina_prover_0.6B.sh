#!/usr/bin/env bash
# GRPO for Kimina-Prover 0.6B on one node of 8 GPUs (NNODES=N for a Ray cluster), with the
# reference hyper-parameters (see _common.sh). Extra arguments are verl Hydra overrides.
# Started with `sh` (dash, POSIX): run again under bash, which the launchers need.
if [ -z "${BASH_VERSION:-}" ]; then exec bash "$0" "$@"; fi
set -euo pipefail
MODEL=${MODEL:-AI-MO/Kimina-Prover-Distill-0.6B}
source "$(dirname "${BASH_SOURCE[0]}")/_common.sh"
run_recipe -- "$@"
