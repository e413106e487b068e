#!/bin/bash
# bench/gpu-run.sh end to end without a GPU (--fake-gpu --quick: the cpu
# engine, a fake nvidia-smi, tiny sizes): every line of results.jsonl is
# JSON, the steps and cases are there in the order of importance with the
# fields docs/CUDA.md lists, every case agrees with the reference engine
# (on its line, or on a later cpu_check line).
# args: $1 snig binary, $2 shared data dir, $3 tests/data dir.
set -u
snig=$1
build=$(dirname "$snig")
root=$(cd "$(dirname "$0")/.." && pwd)
images=/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz
[ -x "$build/bench/gpu_case" ] || { echo "no bench/gpu_case (SNIG_BUILD_BENCH=OFF): skipped"; exit 77; }
[ -f "$images" ] || { echo "no Fashion-MNIST (dataset-fashion-mnist): skipped"; exit 77; }
command -v /usr/bin/python3 >/dev/null || { echo "no python3: skipped"; exit 77; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
SNIG_GPU_WORK=$work/data SNIG_GPU_STAGE=$work/no-stage SNIG_GPU_ROWS=300 \
  SNIG_SHARED_DATA=$2 PATH=/usr/bin:$PATH \
  bash "$root/bench/gpu-run.sh" "$work/results" --fake-gpu --quick --no-tests \
  --build "$build" >"$work/out" 2>&1
rc=$?
[ $rc = 0 ] || { echo "FAIL: gpu-run.sh exit $rc"; tail -30 "$work/out"; exit 1; }
/usr/bin/python3 - "$work/results" "$2" <<'PY'
import json, os, sys
res, shared = sys.argv[1:3]
lines = [json.loads(l) for l in open(os.path.join(res, "results.jsonl"))]
fail = []
kinds = [l["kind"] for l in lines]
if kinds[0] != "machine" or lines[0]["machine"] != "Fake GPU (cpu engine)" or not lines[0]["fake_gpu"]:
    fail.append("first line: the machine from the fake nvidia-smi")
for k in ("test", "sanitizer", "bandwidth"):
    if k not in kinds:
        fail.append("no %s line" % k)
official = [l for l in lines if l["kind"] == "official"]
if os.path.exists(os.path.join(shared, "neuron1024.tar.gz")):
    if not official or official[0]["run"] is None or official[0]["run"]["passed"] is not True:
        fail.append("official check did not pass: %s" % official)
cases = [l for l in lines if l["kind"] == "case"]
# A case timed before its check was ready is checked by a later line.
late = {l["tag"]: l["agrees_with_cpu"] for l in lines if l["kind"] == "cpu_check"}
for c in cases:
    if c.get("agrees_with_cpu") is None:
        c["agrees_with_cpu"] = late.get(c["tag"])
tags = [c["tag"] for c in cases]
want = ["default-1024-24", "capped-1024-24", "faithful-1024-24", "default-1024-12",
        "faithful-1024-12", "order-fused-1024-12", "order-reference-1024-12", "order-fused-1024-24"]
if tags != want:
    fail.append("cases %s, wanted %s" % (tags, want))
fields = ["machine", "driver", "engine", "neurons", "layers", "inputs", "mode", "memory_cap",
          "seconds", "kernel_seconds", "categories", "agrees_with_cpu"]
for c in cases:
    missing = [f for f in fields if f not in c]
    if missing:
        fail.append("%s: no %s" % (c["tag"], missing))
    if c.get("agrees_with_cpu") is not True or c.get("inputs") != 300 or c.get("engine") != "cpu":
        fail.append("%s: %s" % (c["tag"], c))
    if c["tag"].startswith("capped") and (c["memory_cap"] != 3000000 or c.get("same_as_uncapped_default") is not True):
        fail.append("capped run: %s" % c)
for f in ("run.log", "table.txt", "case-default-1024-24.log", "data.log"):
    if not os.path.exists(os.path.join(res, f)):
        fail.append("no %s" % f)
for f in fail:
    print("FAIL:", f)
sys.exit(1 if fail else 0)
PY
