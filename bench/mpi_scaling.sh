#!/usr/bin/env bash
# Strong scaling of `snig run` over MPI ranks: the same workload on 1, 2, 4,
# 8, 16 ranks (one thread each), the best of R runs per step, and the
# efficiency overall (T1 / (P * TP)) and per step (T(P/2) / (2 * T(P))).
# Every step's categories are compared with the one-rank run.  The CPU
# seconds of all ranks together (whole processes, from /usr/bin/time) show
# the work the split adds, and stay meaningful when other jobs share the
# cores, unlike the wall times.
#
# usage: bench/mpi_scaling.sh [options]
#   --snig PATH      the snig binary (default: build-mpi/snig, else build/snig)
#   --workload W     generated (default: RadiX-Net 4096 x 120, inputs from
#                    10,000 Fashion-MNIST images) or official (the 1024 x 120
#                    network and its first 1200 inputs)
#   --ranks "LIST"   default "1 2 4 8 16"
#   --repeat R       runs per step, the best counts (default 3)
#   --dynamic        rank 0 hands out batches instead of the static split
#   --engine NAME    the engine of each rank (default cpu)
#   --work DIR       where the generated files go (default: build folder)
# env: IMAGES (an IDX image file), SHARED (the official data folder).
set -eu
here=$(cd "$(dirname "$0")/.." && pwd)
snig=""
workload=generated
ranks="1 2 4 8 16"
repeat=3
extra=()
engine=cpu
work=""
while [ $# -gt 0 ]; do
    case $1 in
    --snig) snig=$2; shift 2 ;;
    --workload) workload=$2; shift 2 ;;
    --ranks) ranks=$2; shift 2 ;;
    --repeat) repeat=$2; shift 2 ;;
    --dynamic) extra+=(--dynamic); shift ;;
    --engine) engine=$2; shift 2 ;;
    --work) work=$2; shift 2 ;;
    -h | --help) sed -n '2,20p' "$0"; exit 0 ;;
    *) echo "mpi_scaling: unknown option $1" >&2; exit 2 ;;
    esac
done
if [ -z "$snig" ]; then
    for s in "$here/build-mpi/snig" "$here/build/snig"; do
        [ -x "$s" ] && { snig=$s; break; }
    done
fi
[ -x "$snig" ] || { echo "mpi_scaling: no snig binary (--snig PATH)" >&2; exit 2; }
command -v mpirun >/dev/null || { echo "mpi_scaling: no mpirun" >&2; exit 2; }
"$snig" run --engine list | grep -q "^  mpi " ||
    { echo "mpi_scaling: $snig was built without MPI" >&2; exit 2; }
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
work=${work:-$(dirname "$snig")/mpi-scaling}
mkdir -p "$work"

case $workload in
generated)
    images=${IMAGES:-/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz}
    net="$work/net4096-l120.snb"
    inputs="$work/inputs4096.snb"
    [ -f "$net" ] || "$snig" generate network --neurons 4096 --layers 120 --out "$net" >&2
    [ -f "$inputs" ] || "$snig" generate inputs --neurons 4096 --images "$images" --out "$inputs" >&2
    args=(--network "$net" --input "$inputs")
    what="RadiX-Net 4096 neurons x 120 layers (snig generate), 10,000 inputs from $(basename "$images")"
    ;;
official)
    shared=${SHARED:-$here/../shared/data/graphchallenge}
    args=(--network "$shared/neuron1024.tar.gz" --layers 120
          --input "$shared/sparse-images-1024-first1200.tsv.gz"
          --truth "$shared/neuron1024-l120-categories.tsv")
    what="official 1024 neurons x 120 layers, first 1200 inputs"
    ;;
*) echo "mpi_scaling: --workload generated or official" >&2; exit 2 ;;
esac

cores=$(nproc)
model=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)
echo "machine:  $model, $cores cores; $(mpirun --version | head -1)"
echo "workload: $what"
echo "run:      mpirun --oversubscribe -np P snig run --engine $engine --threads 1 ${extra[*]}"
echo "          best of $repeat; load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
echo
echo "| ranks | inference s | speedup | efficiency | step efficiency | slowest / fastest rank s | CPU s, all ranks | same categories |"
echo "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | :---: |"
t1=""
tprev=""
pprev=""
for p in $ranks; do
    best=""
    spread=""
    cpu=""
    timer=()
    [ -x /usr/bin/time ] && timer=(/usr/bin/time -a -o "$work/cpu" -f "%U %S")
    for _ in $(seq "$repeat"); do
        rm -f "$work/cpu"
        out=$(mpirun --oversubscribe -np "$p" "${timer[@]}" "$snig" run "${args[@]}" \
            --engine "$engine" --threads 1 --json --out "$work/categories-$p" "${extra[@]}")
        c=$(awk '{s += $1 + $2} END {printf "%.2f", s}' "$work/cpu" 2>/dev/null || echo "-")
        t=$(sed -n 's/.*"infer_seconds": \([0-9.e+-]*\).*/\1/p' <<<"$out")
        rs=$(sed -n 's/.*"rank_seconds": \[\([^]]*\)\].*/\1/p' <<<"$out" | tr -d ' ')
        if [ -z "$best" ] || awk -v a="$t" -v b="$best" 'BEGIN{exit !(a < b)}'; then
            best=$t
            cpu=$c
            spread=$(tr ',' '\n' <<<"$rs" | sort -g | awk 'NR==1{lo=$1} {hi=$1} END{printf "%.3f / %.3f", hi, lo}')
        fi
    done
    [ -n "$t1" ] || t1=$best
    same=yes
    cmp -s "$work/categories-$p" "$work/categories-$(set -- $ranks; echo "$1")" || same=NO
    awk -v p="$p" -v t="$best" -v t1="$t1" -v tp="${tprev:-}" -v pp="${pprev:-}" \
        -v spread="$spread" -v same="$same" -v cpu="${cpu:--}" 'BEGIN {
        step = tp == "" ? "-" : sprintf("%.2f", (tp * pp) / (t * p));
        printf "| %d | %.3f | %.2f | %.2f | %s | %s | %s | %s |\n",
               p, t, t1 / t, t1 / (t * p), step, spread, cpu, same }'
    tprev=$best
    pprev=$p
done
echo
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
