#!/usr/bin/env bash
# Builds the libFuzzer targets (clang, AddressSanitizer + UBSan, build-fuzz/)
# and runs each for SECONDS with its seed corpus fuzz/corpus/<target>/, as
# many at once as there are cores.  Each target first replays the saved
# findings tests/data/fuzz-regressions/<target>/ (but those listed PENDING).  Exit 1 when any target
# found something: the input is in build-fuzz/findings/<target>/, the
# report in build-fuzz/logs/<target>.log.
# usage: fuzz/run.sh [SECONDS] [TARGET...]     (default 60 s, every target)
# SNIG_FUZZ_JOBS: targets run at once (default: the number of cores).
set -uo pipefail
cd "$(dirname "$0")/.."
secs=${1:-60}
shift || true
all=(layer_tsv inputs_tsv gzip tar mtx snb_network snb_inputs idx truth)
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=("${all[@]}")
jobs=${SNIG_FUZZ_JOBS:-$(nproc)}
dir=build-fuzz

CC=${CC_FUZZ:-clang} cmake -B "$dir" -DSNIG_FUZZ=ON -DSNIG_BUILD_TESTS=OFF \
    -DSNIG_BUILD_BENCH=OFF -DSNIG_USE_CUDA=OFF -DSNIG_USE_MPI=OFF \
    -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null || exit 2
cmake --build "$dir" -j"$jobs" >"$dir/build.log" 2>&1 || { tail -30 "$dir/build.log"; exit 2; }

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:allocator_may_return_null=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
export OMP_NUM_THREADS=1
mkdir -p "$dir/logs"

# One target: replay the regressions, then fuzz; the verdict in logs/T.rc.
fuzz_one() {
    local t=$1 exe=$dir/fuzz/fuzz_$1 log=$dir/logs/$1.log
    local reg=tests/data/fuzz-regressions/$t
    rm -rf "$dir/findings/$t"
    mkdir -p "$dir/corpus/$t" "$dir/findings/$t"
    : >"$log"
    # Saved findings, but those in PENDING (their fix is on another branch:
    # the fuzzing below finds them again until it is merged).
    local files=() f
    for f in "$reg"/*; do
        [ -f "$f" ] || continue
        grep -q "^$t/$(basename "$f")[[:space:]]" tests/data/fuzz-regressions/PENDING 2>/dev/null && continue
        files+=("$f")
    done
    if [ ${#files[@]} -gt 0 ] && ! "$exe" -runs=1 "${files[@]}" >>"$log" 2>&1; then
        echo 1 >"$dir/logs/$t.rc"
        return
    fi
    local dict=()
    case $t in
        layer_tsv|inputs_tsv|mtx|truth) dict=(-dict=fuzz/dict/text.dict) ;;
        snb_*) dict=(-dict=fuzz/dict/snb.dict) ;;
    esac
    "$exe" -max_total_time="$secs" -timeout=20 -rss_limit_mb=2048 \
        "${dict[@]}" -print_final_stats=1 -artifact_prefix="$dir/findings/$t/" \
        "$dir/corpus/$t" "fuzz/corpus/$t" >>"$log" 2>&1
    echo $? >"$dir/logs/$t.rc"
}

running=0
for t in "${targets[@]}"; do
    [ -x "$dir/fuzz/fuzz_$t" ] || { echo "no target fuzz_$t" >&2; exit 2; }
    rm -f "$dir/logs/$t.rc"
    fuzz_one "$t" &
    running=$((running + 1))
    if [ "$running" -ge "$jobs" ]; then
        wait -n
        running=$((running - 1))
    fi
done
wait

failed=0
for t in "${targets[@]}"; do
    log=$dir/logs/$t.log
    rc=$(cat "$dir/logs/$t.rc" 2>/dev/null || echo 2)
    runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' || true)
    cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1 || true)
    if [ "$rc" = 0 ]; then
        printf 'fuzz_%-12s ok     %8s runs in %s s, %s\n' "$t" "${runs:-?}" "$secs" "$cov"
    else
        failed=1
        printf 'fuzz_%-12s FOUND  (exit %s): %s\n' "$t" "$rc" "$log"
        grep -m1 -E 'ERROR: |runtime error|fuzz: |out-of-memory|timeout' "$log" | sed 's/^/    /'
        ls "$dir/findings/$t" 2>/dev/null | sed "s|^|    $dir/findings/$t/|"
    fi
done
exit $failed
