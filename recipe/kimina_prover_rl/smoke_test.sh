#!/usr/bin/env bash
# The GPU smoke test: 2 GRPO steps of a local model on one GPU, offline, with validation
# before and after, then the checks on verl's metrics file (kimina_prover_rl.verl.smoke):
# vLLM and FSDP ran, answers are not empty, the grad norm is finite, Lean gave real
# verdicts, corrections were added after step 1 and served at step 2, validation logged
# accuracy before and after correction. Sized to finish in under 10 minutes on one GPU
# for a 1.7B model (not yet measured: no GPU was available when it was written).
#
#   sh recipe/kimina_prover_rl/smoke_test.sh --model DIR --data DIR \
#       (--lean-server URL | --lean-project DIR | --standin) [--out DIR] [OVERRIDE...]
#
# --data holds train.parquet and val.parquet (`kimina-rl prepare ... --out DIR`), or give
# --train SRC --val SRC (local files) to prepare it there first. Lean: a kimina-lean-server
# (or LEAN_SERVER_API_URL), a Lean project with Mathlib (or KIMINA_LEAN_PROJECT), or, only when
# named, the stand-in REPL (simulated Lean: a plumbing check, not a Lean check).
# KIMINA_PRINT_OVERRIDES=1 prints the verl overrides and runs nothing.
if [ -z "${BASH_VERSION:-}" ]; then exec bash "$0" "$@"; fi
set -euo pipefail

usage() {
    sed -n '8,9p' "${BASH_SOURCE[0]}" | sed 's/^# //' >&2
    echo "smoke_test.sh: $1" >&2
    exit 2
}

SMOKE_MODEL=""
SMOKE_DATA=""
SMOKE_TRAIN=""
SMOKE_VAL=""
SMOKE_OUT=${SMOKE_OUT:-./smoke_out}
SMOKE_LEAN=""
overrides=()
while [[ $# -gt 0 ]]; do
    case "$1" in
        --model) SMOKE_MODEL=${2:?--model needs a folder}; shift 2 ;;
        --data) SMOKE_DATA=${2:?--data needs a folder}; shift 2 ;;
        --train) SMOKE_TRAIN=${2:?--train needs a file}; shift 2 ;;
        --val) SMOKE_VAL=${2:?--val needs a file}; shift 2 ;;
        --out) SMOKE_OUT=${2:?--out needs a folder}; shift 2 ;;
        --lean-server) SMOKE_LEAN=server; export LEAN_SERVER_API_URL=${2:?--lean-server needs a URL}; shift 2 ;;
        --lean-project) SMOKE_LEAN=project; export KIMINA_LEAN_PROJECT=${2:?--lean-project needs a folder}; shift 2 ;;
        --standin) SMOKE_LEAN=standin; shift ;;
        -h|--help) usage "see the comments at the top of this file" ;;
        --*) usage "unknown option $1" ;;
        *) overrides+=("$1"); shift ;;
    esac
done

[[ -n "$SMOKE_MODEL" ]] || usage "--model DIR is required (a local model folder: the test runs offline)"
[[ -d "$SMOKE_MODEL" ]] || usage "--model $SMOKE_MODEL is not a folder; download the model first (e.g. huggingface-cli download AI-MO/Kimina-Prover-Distill-1.7B --local-dir DIR)"
[[ -n "$SMOKE_DATA" ]] || usage "--data DIR is required (train.parquet and val.parquet, or with --train/--val to write them)"
if [[ -z "$SMOKE_LEAN" ]]; then
    if [[ -n "${LEAN_SERVER_API_URL:-}" ]]; then SMOKE_LEAN=server
    elif [[ -n "${KIMINA_LEAN_PROJECT:-}" ]]; then SMOKE_LEAN=project
    else usage "no Lean: give --lean-server URL, --lean-project DIR (or set LEAN_SERVER_API_URL / KIMINA_LEAN_PROJECT), or --standin for simulated Lean"
    fi
fi
case "$SMOKE_LEAN" in  # the backend chosen here, whatever LEAN_BACKEND said before
    server) export LEAN_BACKEND=remote ;;
    project) export LEAN_BACKEND=local ;;
    standin) export LEAN_BACKEND=standin ;;
esac
if [[ "$SMOKE_LEAN" == "standin" ]]; then
    unset LEAN_SERVER_API_URL KIMINA_LEAN_PROJECT LEAN_PROJECT_DIR
    echo "smoke_test.sh: Lean is SIMULATED (--standin): verdicts check plumbing, not proofs" >&2
fi
if [[ ! -f "$SMOKE_DATA/train.parquet" || ! -f "$SMOKE_DATA/val.parquet" ]]; then
    [[ -n "$SMOKE_TRAIN" && -n "$SMOKE_VAL" ]] || usage "$SMOKE_DATA lacks train.parquet/val.parquet; give --train SRC --val SRC (local files) to prepare them"
fi

case "$SMOKE_OUT" in /*) ;; *) SMOKE_OUT="$PWD/$SMOKE_OUT" ;; esac

# Offline: the model folder and local files only; metrics to a file, no wandb.
export HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 HF_DATASETS_OFFLINE=1 WANDB_MODE=disabled
export VERL_FILE_LOGGER_PATH="$SMOKE_OUT/metrics.jsonl"
MODEL=$SMOKE_MODEL
DATA_DIR=$SMOKE_DATA
TRAIN_SRC=$SMOKE_TRAIN
VAL_SRC=$SMOKE_VAL
PREPARE_ARGS="--first-n 64 --keep-duplicates"
TRAIN_BATCH=8
ROLLOUT_N=4
MINI_BATCH=8
MAX_PROMPT=4096
MAX_RESPONSE=4096
VAL_N=2
TEST_FREQ=2
TOTAL_STEPS=2
SAVE_FREQ=-1
CORRECTION_RATE=1.0   # every slot of step 2 that the cache can fill takes a correction
GPUS_PER_NODE=1
NNODES=1
REWARD_WORKERS=1
LEAN_WORKERS=${LEAN_WORKERS:-4}
LOGGER="['console','file']"
EXPERIMENT=smoke_test
source "$(dirname "${BASH_SOURCE[0]}")/_common.sh"

if [[ "${KIMINA_PRINT_OVERRIDES:-0}" != "1" ]]; then
    mkdir -p "$SMOKE_OUT"
    rm -f "$VERL_FILE_LOGGER_PATH"
fi
status=0
run_recipe \
    transfer_queue.backend.SimpleStorage.num_data_storage_units=1 \
    actor_rollout_ref.rollout.agent.num_workers=1 \
    data.val_max_samples=8 \
    trainer.default_local_dir="$SMOKE_OUT/checkpoints" \
    -- "${overrides[@]}" || status=$?
[[ "${KIMINA_PRINT_OVERRIDES:-0}" == "1" ]] && exit "$status"
[[ "$status" == "0" ]] || echo "smoke_test.sh: training exited with $status; checking what it logged" >&2
"${PYTHON:-python3}" -m kimina_prover_rl.verl.smoke "$VERL_FILE_LOGGER_PATH" || status=1
exit "$status"
