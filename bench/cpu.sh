#!/usr/bin/env bash
# The cpu engine's benchmark: snig (cpu engine, default and faithful modes)
# against its peers on the same files, alternating, on the same thread
# count: the simplest correct loop (bench/simple_loop.c: each row in turn,
# dense accumulator, OpenMP over rows; with the saturation skip for the
# default mode), and SuiteSparse:GraphBLAS (bench/peer_graphblas.c).  snig
# is also run on one thread for the 1 -> 2 thread scaling.  Medians of the
# alternating runs, inference seconds apart from preparation seconds (the
# plan's prepare, done once), the useful multiply-adds and their rate
# against the machine's peak scalar scatter-add rate (bench/peak_scatter.c).
# One JSON object per workload and mode goes to bench/results/cpu.jsonl.
#
# usage: bench/cpu.sh [--build DIR] [--work DIR] [--threads T] [--runs N]
#                     [--peer-runs N] [--peer-rows N] [--loop-runs N]
#                     [--no-scaling] [--results FILE] [WORKLOAD...]
#        bench/cpu.sh --table [--results FILE]: prints docs/CPU.md's table
#          (the newest record of each workload, mode and thread count)
# workloads: official1200 (the official 1024 x 120 network and its first
#   1200 official inputs), fashion1024 (the official network with 60000
#   Fashion-MNIST images), gen4096 (generated 4096 x 480, 60000 inputs),
#   gen16384 (generated 16384 x 120, 60000 inputs), gen65536 (generated
#   65536 x 1920, 60000 inputs; shortcuts on only, no peer).
# Default: official1200 fashion1024 gen4096 gen16384.
# --peer-rows N: on 60000-input workloads, time the peer (and snig, for the
#   ratio) on the first N inputs too, when the full peer run is too long.
# --peer-runs 0: no GraphBLAS runs (their recorded figures stay in
#   cpu.jsonl).  --loop-runs N: simple-loop runs on every workload (default:
#   --runs on official1200, none elsewhere: one faithful run of the loop on
#   60000 rows takes minutes).  Where the loop runs, snig's inference is
#   timed as a program serving batches sees it: one process prepares a plan
#   once and alternates its inference with the loop --inner times (default
#   7; bench/simple_loop --snig); "one_call_seconds" keeps the inference
#   time of a fresh 'snig run' process (whose memory is all new: on this VM
#   a page fault costs 3 to 15 us).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
build=$root/build
work=${TMPDIR:-/tmp}/snig-bench
threads=2
runs=5
peer_runs=5
peer_rows=0
loop_runs=
inner=7
scaling=1
table=0
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
    --loop-runs) loop_runs=$2; shift 2 ;;
    --inner) inner=$2; shift 2 ;;
    --no-scaling) scaling=0; shift ;;
    --results) results=$2; shift 2 ;;
    --table) table=1; shift ;;
    --images) images=$2; shift 2 ;;
    -h|--help) sed -n '2,29p' "$0"; exit 0 ;;
    *) workloads+=("$1"); shift ;;
    esac
done
[ ${#workloads[@]} -gt 0 ] || workloads=(official1200 fashion1024 gen4096 gen16384)
snig=$build/snig
peer=$build/bench/peer_graphblas
peak=$build/bench/peak_scatter
peak_vec=$build/bench/peak_panel
loop=$build/bench/simple_loop
results=${results:-$root/bench/results/cpu.jsonl}
if [ "$table" = 1 ]; then
    exec /usr/bin/python3 - "$results" <<'PY'
import json, sys
rows = {}
for line in open(sys.argv[1]):
    if line.strip():
        r = json.loads(line)
        rows[(r["workload"], r.get("threads"), r["mode"])] = r
def f(v, fmt):
    return fmt % v if v is not None else ""
print("| workload | inputs | threads | mode | infer s | prepare s | 1->2 threads "
      "(machine's) | simple loop s (ratio) | GraphBLAS s (ratio) | categories "
      "| machine, date |")
print("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
for (w, t, m), r in rows.items():
    loop = f(r.get("simple_loop_seconds"), "%.4f")
    if loop:
        loop += " (%.1fx)" % r["simple_loop_ratio"]
    peer = f(r.get("peer_seconds"), "%.3f")
    if peer:
        peer += " (%.1fx)" % r["ratio"]
        if r.get("peer_reused_from"):
            peer += " [peer of %s]" % r["peer_reused_from"][:10]
    print("| %s | %s | %s | %s | %.4f | %s | %s | %s | %s | %d | %s |" % (
        w, r.get("inputs", ""), t, "default" if m == "shortcuts" else m,
        r["seconds"], f(r.get("prepare_seconds"), "%.3f"),
        f(r.get("scaling"), "%.2fx") +
        f(r.get("machine_scaling"), " (%.2fx)"), loop, peer, r["categories"],
        ("AMD " if "AMD" in r.get("machine", "") else "Intel ") +
        r.get("date", "2026-11-27 (engine before issue 13)")))
PY
fi
for f in "$snig" "$peak" "$peak_vec" "$loop"; do
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

json_field() { /usr/bin/python3 -c 'import json,sys; print(json.loads(sys.stdin.readline())[sys.argv[1]])' "$1"; }

echo "machine: $machine"
# peak_now: the peak scatter-add rate on $threads threads and on one, now:
# their ratio is what this (virtual) machine's cores scale by at the time
# (two vCPUs of one physical core give about 1x); each record carries it
peak_now() {
    peak_rate=$("$peak" "$threads" | json_field madds_per_second)
    peak_rate1=$("$peak" 1 | json_field madds_per_second)
    peak_panel=$("$peak_vec")
    echo "peak scalar scatter-add rate: $peak_rate madds/s on $threads threads, $peak_rate1 on one" >&2
    echo "peak panel operations (one thread): $peak_panel" >&2
}

# bench_pair WORKLOAD NET IN WITH_PEER MODES: alternates snig (each mode, on
# $threads threads and on one thread), the simple loop and the peer
bench_pair() {
    local name=$1 net=$2 in=$3 with_peer=$4 modes=$5 r m out flag
    local -A times=() times1=() cold=() prep=() madds=() cats=() last=() loopt=() loopc=()
    local peer_times=() peer_cat= lruns=$loop_runs
    peak_now
    [ -n "$lruns" ] || { [ "$name" = official1200 ] && lruns=$runs || lruns=0; }
    for ((r = 0; r < runs; r++)); do
        for m in $modes; do
            flag=
            [ "$m" = faithful ] && flag=--no-shortcuts
            out=$("$snig" run --network "$net" --input "$in" --engine cpu \
                  --threads "$threads" --quiet --json $flag --out "$work/snig-$m.cat")
            cold[$m]+="$(echo "$out" | json_field infer_seconds) "
            prep[$m]+="$(echo "$out" | json_field prepare_seconds) "
            madds[$m]=$(echo "$out" | json_field madds)
            cats[$m]=$(echo "$out" | json_field categories)
            last[$m]=$out
            if [ "$r" -lt "$lruns" ]; then
                # one process: a plan prepared once, its inference and the
                # loop alternating $inner times (medians)
                local lflag=--skip-saturated
                [ "$m" = faithful ] && lflag=
                out=$("$loop" --network "$net" --input "$in" --threads "$threads" \
                      --runs "$inner" --snig $flag $lflag)
                times[$m]+="$(echo "$out" | json_field snig_seconds) "
                loopt[$m]+="$(echo "$out" | json_field seconds) "
                loopc[$m]=$(echo "$out" | json_field categories)
                if [ "$scaling" = 1 ] && [ "$threads" != 1 ]; then
                    out=$("$loop" --network "$net" --input "$in" --threads 1 \
                          --runs "$inner" --snig $flag $lflag)
                    times1[$m]+="$(echo "$out" | json_field snig_seconds) "
                fi
            else
                times[$m]+="$(echo "${last[$m]}" | json_field infer_seconds) "
                if [ "$scaling" = 1 ] && [ "$threads" != 1 ]; then
                    out=$("$snig" run --network "$net" --input "$in" --engine cpu \
                          --threads 1 --quiet --json $flag)
                    times1[$m]+="$(echo "$out" | json_field infer_seconds) "
                fi
            fi
        done
        if [ "$with_peer" = 1 ] && [ "$r" -lt "$peer_runs" ]; then
            out=$("$peer" --network "$net" --input "$in" --threads "$threads" --out "$work/peer.cat")
            peer_times+=("$(echo "$out" | json_field seconds)")
            peer_cat=$(echo "$out" | json_field categories)
        fi
    done
    for m in $modes; do
        local same=null
        if [ "$with_peer" = 1 ] && [ "$peer_runs" -gt 0 ]; then
            cmp -s "$work/snig-$m.cat" "$work/peer.cat" && same=true || same=false
        fi
        /usr/bin/python3 - "$name" "$m" "${times[$m]}" "${peer_times[*]:-}" "${madds[$m]}" \
            "${cats[$m]}" "${peer_cat:-}" "$same" "$peak_rate" "$peak_rate1" "$peak_panel" "$threads" "$machine" \
            "$net" "$in" "${last[$m]}" "${prep[$m]}" "${times1[$m]:-}" \
            "${loopt[$m]:-}" "${loopc[$m]:-}" "${cold[$m]}" "$lruns" "$results" >> "$results" <<'PY'
import datetime, json, statistics, sys
(name, mode, times, ptimes, madds, cats, pcat, same, peak, peak1, panel,
 threads, machine, net, inp, last, preps, times1, loops, loopc, colds, lruns, RESULTS) = sys.argv[1:]
run = json.loads(last)
fl = lambda s: [float(x) for x in s.split()]
t, p, t1, lt = fl(times), fl(ptimes), fl(times1), fl(loops)
med = statistics.median(t)
pmed = statistics.median(p) if p else None
reused = None
if pmed is None:
    # no peer run now: the newest one recorded for this workload (the
    # 60000-row GraphBLAS runs take up to 30 minutes), said so
    for line in open(RESULTS):
        try:
            old = json.loads(line)
        except ValueError:
            continue
        if (old.get("workload") in (name, name + "-fullpeer")
                and old.get("peer_seconds") and old.get("inputs", run["inputs"]) == run["inputs"]):
            pmed = old["peer_seconds"]
            reused = old.get("peer_reused_from") or old.get("date", "2026-11-27")
med1 = statistics.median(t1) if t1 else None
lmed = statistics.median(lt) if lt else None
rec = {"machine": machine, "engine": "cpu", "workload": name,
       "date": datetime.datetime.utcnow().strftime("%Y-%m-%dT%H:%MZ"),
       "network": net, "input": inp, "neurons": run["neurons"],
       "layers": run["layers"], "inputs": run["inputs"],
       "mode": mode, "threads": int(threads),
       "seconds": med, "prepare_seconds": statistics.median(fl(preps)),
       "timing": ("plan reused in one process (bench/simple_loop --snig), "
                  "medians of alternating runs" if int(lruns) > 0 else
                  "snig run, one process per run"),
       "one_call_seconds": statistics.median(fl(colds)),
       "seconds_1thread": med1,
       "scaling": (med1 / med) if med1 else None,
       "simple_loop_seconds": lmed,
       "simple_loop_ratio": (lmed / med) if lmed else None,
       "simple_loop_same_categories": (int(loopc) == int(cats)) if loopc else None,
       "peer_seconds": pmed, "peer_reused_from": reused,
       "ratio": (pmed / med) if pmed else None,
       "categories": int(cats), "peer_categories": int(pcat) if pcat else None,
       "same_categories": None if same == "null" else same == "true",
       "madds": int(madds), "madds_per_second": int(madds) / med,
       "peak_scatter_per_second": float(peak),
       "peak_scatter_1thread_per_second": float(peak1),
       "machine_scaling": float(peak) / float(peak1),
       "peak_gather_ns_per_entry": json.loads(panel).get("gather_ns_per_entry"),
       "peak_scatter_ns_per_update": json.loads(panel).get("scatter_ns_per_update"),
       "fraction_of_peak": int(madds) / med / float(peak),
       "runs": t, "runs_1thread": t1, "simple_loop_runs": lt, "peer_runs": p}
print(json.dumps(rec))
PY
        tail -n 1 "$results" | /usr/bin/python3 -c '
import json, sys
r = json.loads(sys.stdin.readline())
f = lambda v, fmt: fmt % v if v else "-"
print("%-22s %-9s snig %8.4f s (prepare %.3f s, 1->%d threads %s, machine %s)  loop %s (%s)  peer %s (%s)  categories %d"
      % (r["workload"], r["mode"], r["seconds"], r["prepare_seconds"], r["threads"],
         f(r["scaling"], "%.2fx"), f(r["machine_scaling"], "%.2fx"),
         f(r["simple_loop_seconds"], "%.4f s"),
         f(r["simple_loop_ratio"], "%.2fx"), f(r["peer_seconds"], "%.3f s"),
         f(r["ratio"], "%.1fx"), r["categories"]))'
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
