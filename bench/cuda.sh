#!/usr/bin/env bash
# The cuda engine's benchmark, in one run on a GPU machine: builds snig for
# sm_90, runs the tests, generates the challenge networks and 60000 inputs,
# times every size in SNIG-faithful mode (--no-shortcuts) and default mode,
# and the 65536 x 1920 network under a 4 GB cap.  One JSON object per run
# goes to bench/results/cuda.jsonl; a table is printed at the end.
#
# Environment (all optional):
#   SNIG_BENCH_SIZES   "N:L ..." (default: every challenge size)
#   SNIG_BENCH_ROWS    inputs (default 60000)
#   SNIG_BENCH_IMAGES  an IDX image file (default: MNIST or Fashion-MNIST if
#                      found, else synthetic images made here)
#   SNIG_BENCH_WORK    where networks and inputs go (default build dir)
#   SNIG_BENCH_CAP     the memory cap of the capped run (default 4000000000)
#   SNIG_BENCH_CPU_MAX run the cpu engine to check categories only when
#                      inputs x edges is at most this (default 5e12)
#   SNIG_BENCH_SKIP_TESTS=1  do not run ctest
#   SNIG_BENCH_ENGINE  the engine timed (default cuda; another one only to
#                      try this script on a machine without a GPU)
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${SNIG_BENCH_BUILD:-$ROOT/build-bench-cuda}
WORK=${SNIG_BENCH_WORK:-$BUILD/bench-data}
OUT=$ROOT/bench/results/cuda.jsonl
ROWS=${SNIG_BENCH_ROWS:-60000}
CAP=${SNIG_BENCH_CAP:-4000000000}
CPU_MAX=${SNIG_BENCH_CPU_MAX:-5e12}
SIZES=${SNIG_BENCH_SIZES:-"1024:120 1024:480 1024:1920 4096:120 4096:480 4096:1920 16384:120 16384:480 16384:1920 65536:120 65536:480 65536:1920"}
NVCC=${CUDACXX:-/usr/local/cuda/bin/nvcc}
ENGINE=${SNIG_BENCH_ENGINE:-cuda}
mkdir -p "$WORK" "$(dirname "$OUT")"
log() { echo "[bench/cuda] $*" >&2; }

# ---- build and test
log "building in $BUILD"
cmake -S "$ROOT" -B "$BUILD" -DCMAKE_BUILD_TYPE=Release -DSNIG_USE_CUDA=ON \
      -DCMAKE_CUDA_COMPILER="$NVCC" -DCMAKE_CUDA_ARCHITECTURES=90 >"$BUILD.cmake.log" 2>&1 \
  || { cat "$BUILD.cmake.log"; exit 2; }
cmake --build "$BUILD" -j"$(nproc)" >"$BUILD.build.log" 2>&1 \
  || { tail -50 "$BUILD.build.log"; exit 2; }
SNIG=$BUILD/snig
TESTS=skipped
if [ "${SNIG_BENCH_SKIP_TESTS:-0}" != 1 ]; then
  if (cd "$BUILD" && ctest --output-on-failure -j4 >"$BUILD.ctest.log" 2>&1); then
    TESTS=passed
  else
    TESTS=failed
    tail -60 "$BUILD.ctest.log" >&2
  fi
  grep -E "test_cuda( |_)" "$BUILD.ctest.log" >&2 || true
fi
log "tests: $TESTS"

MACHINE=$(nvidia-smi --query-gpu=name --format=csv,noheader 2>/dev/null | head -1)
DRIVER=$(nvidia-smi --query-gpu=driver_version --format=csv,noheader 2>/dev/null | head -1)
NVCCV=$("$NVCC" --version | sed -n 's/.*release \([0-9.]*\).*/\1/p')
[ -n "$MACHINE" ] || { log "no GPU found (nvidia-smi)"; exit 77; }
log "GPU: $MACHINE, driver $DRIVER, nvcc $NVCCV"

# ---- images: real ones when present, else synthetic (strokes of pixels)
IMAGES=${SNIG_BENCH_IMAGES:-}
for f in /usr/share/datasets/mnist/train-images-idx3-ubyte.gz \
         /usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz; do
  [ -z "$IMAGES" ] && [ -f "$f" ] && IMAGES=$f
done
if [ -z "$IMAGES" ]; then
  IMAGES=$WORK/synthetic-images-idx3-ubyte
  if [ ! -f "$IMAGES" ]; then
    log "no image file: making $ROWS synthetic 28x28 images"
    python3 - "$IMAGES" "$ROWS" <<'PY' || exit 2
import random, struct, sys
path, count = sys.argv[1], int(sys.argv[2])
rnd = random.Random(1)
with open(path, "wb") as f:
    f.write(struct.pack(">IIII", 0x803, count, 28, 28))
    for _ in range(count):
        img = bytearray(784)
        for _ in range(rnd.randint(3, 6)):          # a few strokes
            x, y = rnd.uniform(6, 22), rnd.uniform(6, 22)
            dx, dy = rnd.uniform(-1, 1), rnd.uniform(-1, 1)
            for _ in range(rnd.randint(8, 18)):
                for ox in (0, 1):
                    for oy in (0, 1):
                        i, j = int(y) + oy, int(x) + ox
                        if 0 <= i < 28 and 0 <= j < 28:
                            img[i * 28 + j] = 255
                x, y = x + dx, y + dy
        f.write(img)
PY
  fi
fi
log "images: $IMAGES"

# ---- data: inputs per N, one network per N with the most layers asked
declare -A MAXL
for s in $SIZES; do
  n=${s%%:*}; l=${s##*:}
  [ "${MAXL[$n]:-0}" -lt "$l" ] && MAXL[$n]=$l
done
for n in "${!MAXL[@]}"; do
  in=$WORK/inputs-$n-$ROWS.snb
  net=$WORK/net-$n-${MAXL[$n]}.snb
  [ -f "$in" ] || "$SNIG" generate inputs --neurons "$n" --images "$IMAGES" \
      --count "$ROWS" --out "$in" || exit 2
  if [ ! -f "$net" ]; then
    log "generating network $n x ${MAXL[$n]}"
    "$SNIG" generate network --neurons "$n" --layers "${MAXL[$n]}" --out "$net" || exit 2
  fi
done

# Runs one case; appends its JSON line.  $1 N, $2 L, $3 mode, $4 cap or "".
run_case() {
  local n=$1 l=$2 mode=$3 cap=$4
  local in=$WORK/inputs-$n-$ROWS.snb net=$WORK/net-$n-${MAXL[$n]}.snb
  local tag=$n-$l-$mode${cap:+-cap$cap}
  local args=(run --network "$net" --input "$in" --layers "$l" --engine "$ENGINE"
              --json --progress --out "$WORK/cats-$tag.tsv")
  [ "$mode" = faithful ] && args+=(--no-shortcuts)
  [ -n "$cap" ] && args+=(--gpu-memory "$cap")
  log "run $tag"
  if ! "$SNIG" "${args[@]}" >"$WORK/run-$tag.json" 2>"$WORK/run-$tag.err"; then
    log "run $tag FAILED: $(tail -3 "$WORK/run-$tag.err")"
    printf '{"machine": "%s", "driver": "%s", "nvcc": "%s", "engine": "cuda", "neurons": %s, "layers": %s, "inputs": %s, "mode": "%s", "memory_cap": %s, "error": true}\n' \
      "$MACHINE" "$DRIVER" "$NVCCV" "$n" "$l" "$ROWS" "$mode" "${cap:-null}" >>"$OUT"
    return
  fi
  # The check: the cpu engine's categories, where affordable.
  local agrees=null cpu="$WORK/cats-$n-$l-cpu.tsv"
  local work
  work=$(python3 -c "print(1 if $ROWS * 32 * $n * $l <= $CPU_MAX else 0)")
  if [ "$work" = 1 ]; then
    [ -f "$cpu" ] || "$SNIG" run --network "$net" --input "$in" --layers "$l" \
        --engine cpu --quiet --out "$cpu" >/dev/null 2>&1 || rm -f "$cpu"
    if [ -f "$cpu" ]; then
      cmp -s "$cpu" "$WORK/cats-$tag.tsv" && agrees=true || agrees=false
    fi
  fi
  local peak gpus
  peak=$(sed -n 's/.*peak_gpu_bytes \([0-9]*\).*/\1/p' "$WORK/run-$tag.err" | tail -1)
  gpus=$(sed -n 's/.*gpu_seconds \([0-9.]*\).*/\1/p' "$WORK/run-$tag.err" | tail -1)
  # seconds: the engine's gpu_seconds (device setup and first transfer to
  # categories on the host); infer_seconds adds the host packing.
  python3 - "$WORK/run-$tag.json" "$MACHINE" "$DRIVER" "$NVCCV" "$n" "$l" \
      "$ROWS" "$mode" "${cap:-null}" "${gpus:-null}" "${peak:-null}" "$agrees" \
      "$TESTS" "$(basename "$IMAGES")" >>"$OUT" <<'PY'
import json, sys
a = sys.argv[1:]
run = json.load(open(a[0]))
num = lambda x: None if x == "null" else json.loads(x)
seconds = num(a[9]) if num(a[9]) is not None else run.get("infer_seconds")
edges = run.get("edges")
print(json.dumps({
    "machine": a[1], "driver": a[2], "nvcc": a[3], "engine": run.get("engine"),
    "neurons": int(a[4]), "layers": int(a[5]), "inputs": int(a[6]),
    "mode": a[7], "memory_cap": num(a[8]), "seconds": seconds,
    "infer_seconds": run.get("infer_seconds"),
    "load_seconds": run.get("load_seconds"),
    "rate": int(a[6]) * edges / seconds if edges and seconds else None,
    "peak_gpu_bytes": num(a[10]), "categories": run.get("categories"),
    "agrees_with_cpu": num(a[11]), "tests": a[12], "images": a[13]}))
PY
  tail -1 "$OUT"
}

START=0
[ -f "$OUT" ] && START=$(wc -l <"$OUT")
for s in $SIZES; do
  n=${s%%:*}; l=${s##*:}
  run_case "$n" "$l" faithful ""
  run_case "$n" "$l" default ""
done
case " $SIZES " in *" 65536:1920 "*) run_case 65536 1920 default "$CAP" ;; esac

# ---- the table of this run
tail -n +"$((START + 1))" "$OUT" | python3 -c '
import json, sys
print("%-7s %-5s %-9s %-11s %10s %12s %8s %14s %s" % ("N", "L", "mode", "cap", "seconds",
      "rate", "cats", "peak_gpu_bytes", "agrees_with_cpu"))
for line in sys.stdin:
    r = json.loads(line)
    print("%-7s %-5s %-9s %-11s %10s %12s %8s %14s %s" % (r["neurons"], r["layers"], r["mode"],
          r["memory_cap"], r.get("seconds", "ERROR"), r.get("rate"), r.get("categories"),
          r.get("peak_gpu_bytes"), r.get("agrees_with_cpu")))
'
[ "$TESTS" = failed ] && exit 1
exit 0
