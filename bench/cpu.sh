#!/usr/bin/env bash
# The cpu engine's benchmark: snig (cpu engine, with and without shortcuts)
# against the SuiteSparse:GraphBLAS peer (bench/peer_graphblas.c) on the same
# files, alternating, both on the same thread count; medians and ratios, the
# useful multiply-adds and their rate against the machine's peak scalar
# scatter-add rate (bench/peak_scatter.c).  One JSON object per workload and
# mode goes to bench/results/cpu.jsonl.
#
# usage: bench/cpu.sh [--build DIR] [--work DIR] [--threads T] [--runs N]
#                     [--peer-runs N] [--peer-rows N] [WORKLOAD...]
# workloads: official1200 (the official 1024 x 120 network and its first
#   1200 official inputs), fashion1024 (the official network with 60000
#   Fashion-MNIST images), gen4096 (generated 4096 x 480, 60000 inputs),
#   gen16384 (generated 16384 x 120, 60000 inputs), gen65536 (generated
#   65536 x 1920, 60000 inputs; shortcuts on only, no peer).
# Default: official1200 fashion1024 gen4096 gen16384.
# --peer-rows N: on 60000-input workloads, time the peer (and snig, for the
#   ratio) on the first N inputs too, when the full peer run is too long.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
build=$root/build
work=${TMPDIR:-/tmp}/snig-bench
threads=2
runs=5
peer_runs=5
peer_rows=0
shared=$root/../shared/data/graphchallenge
images=/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz
workloads=()
while [ $# -gt 0 ]; do
    case $1 in
    --build) build=$2; shift 2 ;;
    --work) work=$2; shift 2 ;;
    --threads) threads=$2; shift 2 ;;
    --runs) runs=$2; shift 2 ;;
    --peer-runs) peer_runs=$2; shift 2 ;;
    --peer-rows) peer_rows=$2; shift 2 ;;
    --images) images=$2; shift 2 ;;
    -h|--help) sed -n '2,21p' "$0"; exit 0 ;;
    *) workloads+=("$1"); shift ;;
    esac
done
[ ${#workloads[@]} -gt 0 ] || workloads=(official1200 fashion1024 gen4096 gen16384)
snig=$build/snig
peer=$build/bench/peer_graphblas
peak=$build/bench/peak_scatter
results=$root/bench/results/cpu.jsonl
for f in "$snig" "$peak"; do
    [ -x "$f" ] || { echo "cpu.sh: $f missing: build first (cmake --build $build)" >&2; exit 2; }
done
have_peer=1
[ -x "$peer" ] || { echo "cpu.sh: no GraphBLAS peer ($peer): snig only" >&2; have_peer=0; }
mkdir -p "$work" "$(dirname "$results")"
machine="$(hostname) $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//') ($(nproc) cores, $(free -g | awk '/Mem:/{print $2}') GB)"

need() {  # need FILE COMMAND...: makes FILE with COMMAND when missing
    local f=$1; shift
    [ -s "$f" ] || { echo "cpu.sh: making $f" >&2; "$@" >&2; }
}

prepare() {  # sets net, in, truth for workload $1
    truth=
    case $1 in
    official1200)
        need "$work/n1024.snb" "$snig" convert --network "$shared/neuron1024.tar.gz" --out "$work/n1024.snb"
        need "$work/in1024-1200.snb" "$snig" convert --input "$shared/sparse-images-1024-first1200.tsv.gz" --neurons 1024 --out "$work/in1024-1200.snb"
        net=$work/n1024.snb in=$work/in1024-1200.snb truth=$shared/neuron1024-l120-categories.tsv ;;
    fashion1024)
        need "$work/n1024.snb" "$snig" convert --network "$shared/neuron1024.tar.gz" --out "$work/n1024.snb"
        need "$work/in1024-60k.snb" "$snig" generate inputs --neurons 1024 --images "$images" --count 60000 --out "$work/in1024-60k.snb"
        net=$work/n1024.snb in=$work/in1024-60k.snb ;;
    gen4096|gen16384|gen65536)
        local n=${1#gen} l
        case $n in 4096) l=480 ;; 16384) l=120 ;; 65536) l=1920 ;; esac
        need "$work/n$n-$l.snb" "$snig" generate network --neurons "$n" --layers "$l" --out "$work/n$n-$l.snb"
        need "$work/in$n-60k.snb" "$snig" generate inputs --neurons "$n" --images "$images" --count 60000 --out "$work/in$n-60k.snb"
        net=$work/n$n-$l.snb in=$work/in$n-60k.snb ;;
    *) echo "cpu.sh: unknown workload $1" >&2; exit 2 ;;
    esac
}

subset() {  # subset FILE N: the first N rows of a generated input file
    local n=$2 out=${1%.snb}-first$2.snb neurons
    neurons=$(basename "$1" | sed 's/^in\([0-9]*\)-.*/\1/')
    need "$out" "$snig" generate inputs --neurons "$neurons" --images "$images" --count "$n" --out "$out"
    echo "$out"
}

json_field() { python3 -c 'import json,sys; print(json.loads(sys.stdin.readline())[sys.argv[1]])' "$1"; }

peak_rate=$("$peak" "$threads" | json_field madds_per_second)
echo "machine: $machine"
echo "peak scalar scatter-add rate ($threads threads): $peak_rate madds/s"

# bench_pair WORKLOAD NET IN MODES: alternates snig (each mode) and the peer
bench_pair() {
    local name=$1 net=$2 in=$3 with_peer=$4 modes=$5 r m out
    local -A times=() madds=() cats=() last=()
    local peer_times=() peer_cat=
    for ((r = 0; r < runs; r++)); do
        for m in $modes; do
            local flag=
            [ "$m" = faithful ] && flag=--no-shortcuts
            out=$("$snig" run --network "$net" --input "$in" --engine cpu \
                  --threads "$threads" --quiet --json $flag --out "$work/snig-$m.cat")
            times[$m]+="$(echo "$out" | json_field infer_seconds) "
            madds[$m]=$(echo "$out" | json_field madds)
            cats[$m]=$(echo "$out" | json_field categories)
            last[$m]=$out
        done
        if [ "$with_peer" = 1 ] && [ "$r" -lt "$peer_runs" ]; then
            out=$("$peer" --network "$net" --input "$in" --threads "$threads" --out "$work/peer.cat")
            peer_times+=("$(echo "$out" | json_field seconds)")
            peer_cat=$(echo "$out" | json_field categories)
        fi
    done
    for m in $modes; do
        local same=null
        if [ "$with_peer" = 1 ]; then
            cmp -s "$work/snig-$m.cat" "$work/peer.cat" && same=true || same=false
        fi
        python3 - "$name" "$m" "${times[$m]}" "${peer_times[*]:-}" "${madds[$m]}" \
            "${cats[$m]}" "${peer_cat:-}" "$same" "$peak_rate" "$threads" "$machine" \
            "$net" "$in" "${last[$m]}" >> "$results" <<'PY'
import json, statistics, sys
(name, mode, times, ptimes, madds, cats, pcat, same, peak, threads, machine,
 net, inp, last) = sys.argv[1:]
run = json.loads(last)
t = [float(x) for x in times.split()]
p = [float(x) for x in ptimes.split()]
med = statistics.median(t)
pmed = statistics.median(p) if p else None
rec = {"machine": machine, "engine": "cpu", "workload": name,
       "network": net, "input": inp, "neurons": run["neurons"],
       "layers": run["layers"], "inputs": run["inputs"],
       "mode": mode, "threads": int(threads),
       "seconds": med, "peer_seconds": pmed,
       "ratio": (pmed / med) if pmed else None,
       "categories": int(cats), "peer_categories": int(pcat) if pcat else None,
       "same_categories": None if same == "null" else same == "true",
       "madds": int(madds), "madds_per_second": int(madds) / med,
       "peak_scatter_per_second": float(peak),
       "fraction_of_peak": int(madds) / med / float(peak),
       "runs": t, "peer_runs": p}
print(json.dumps(rec))
PY
        tail -n 1 "$results" | python3 -c '
import json, sys
r = json.loads(sys.stdin.readline())
ratio = "%.1fx" % r["ratio"] if r["ratio"] else "-"
peer = "%.3f s" % r["peer_seconds"] if r["peer_seconds"] else "-"
print("%-22s %-9s snig %8.3f s  peer %10s  ratio %7s  categories %d (same: %s)  %.3g madds, %.2f of peak"
      % (r["workload"], r["mode"], r["seconds"], peer, ratio, r["categories"],
         r["same_categories"], r["madds"], r["fraction_of_peak"]))'
    done
}

for w in "${workloads[@]}"; do
    prepare "$w"
    if [ "$w" = gen65536 ]; then
        bench_pair "$w" "$net" "$in" 0 shortcuts
        continue
    fi
    if [ "$peer_rows" -gt 0 ] && [ "$w" != official1200 ]; then
        bench_pair "$w" "$net" "$in" 0 "shortcuts faithful"
        sub=$(subset "$in" "$peer_rows")
        bench_pair "$w-first$peer_rows" "$net" "$sub" "$have_peer" "shortcuts faithful"
    else
        bench_pair "$w" "$net" "$in" "$have_peer" "shortcuts faithful"
    fi
done
