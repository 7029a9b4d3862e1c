#!/usr/bin/env bash
# A few steps on one GPU to check the whole loop (rollout, Lean reward, corrections,
# validation) before a real run. Small machine settings: one TransferQueue storage unit
# and few Ray actors, so it also starts where Ray has only 2 CPUs; the data loader runs
# in the trainer process (dataloader_num_workers=0, which the correction cache needs).
# Started with `sh` (dash, POSIX): run again under bash, which the launchers need.
if [ -z "${BASH_VERSION:-}" ]; then exec bash "$0" "$@"; fi
set -euo pipefail
MODEL=${MODEL:-AI-MO/Kimina-Prover-Distill-1.7B}
# Its own data folder: the full launchers must never find this 32-row prompt set.
DATA_DIR=${DATA_DIR:-$HOME/data/kimina_prover_rl_dry_run}
PREPARE_ARGS=${PREPARE_ARGS:---first-n 32 --keep-duplicates}
TRAIN_BATCH=${TRAIN_BATCH:-8}
ROLLOUT_N=${ROLLOUT_N:-4}
MINI_BATCH=${MINI_BATCH:-8}
MAX_PROMPT=${MAX_PROMPT:-2048}
MAX_RESPONSE=${MAX_RESPONSE:-4096}
VAL_N=${VAL_N:-2}
TEST_FREQ=${TEST_FREQ:-2}
TOTAL_STEPS=${TOTAL_STEPS:-4}
SAVE_FREQ=${SAVE_FREQ:--1}
GPUS_PER_NODE=${GPUS_PER_NODE:-1}
REWARD_WORKERS=${REWARD_WORKERS:-1}
LEAN_WORKERS=${LEAN_WORKERS:-2}
LOGGER=${LOGGER:-"['console']"}
source "$(dirname "${BASH_SOURCE[0]}")/_common.sh"
run_recipe \
    transfer_queue.backend.SimpleStorage.num_data_storage_units=1 \
    actor_rollout_ref.rollout.agent.num_workers=1 \
    data.val_max_samples=16 \
    -- "$@"
