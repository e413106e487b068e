#!/usr/bin/env bash
# Remakes the seed corpora fuzz/corpus/<target>/ from small excerpts of the
# official data (a few KB each; the official files themselves stay out of
# the repository) and the tests' hand-written files.  Needs a built CLI.
# usage: fuzz/make-corpus.sh [SNIG_CLI] [SHARED_DATA]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
snig=${1:-$root/build/snig}
shared=${2:-$root/../shared/data/graphchallenge}
readers=$root/tests/data/readers
out=$root/fuzz/corpus
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
rm -rf "$out"
mkdir -p "$out"/{layer_tsv,inputs_tsv,gzip,tar,mtx,snb_network,snb_inputs,idx,truth}

# Excerpts: a layer's first 48 edges (rows 1..2 in full), the first two
# input rows, the first 30 truth rows.
mkdir -p "$tmp/neuron1024" "$tmp/layers"
tar -xzf "$shared/neuron1024.tar.gz" -C "$tmp/layers" neuron1024/n1024-l1.tsv neuron1024/n1024-l7.tsv
head -n 48 "$tmp/layers/neuron1024/n1024-l1.tsv" >"$tmp/neuron1024/n1024-l1.tsv"
head -n 40 "$tmp/layers/neuron1024/n1024-l7.tsv" >"$tmp/neuron1024/n1024-l2.tsv"
zcat "$shared/sparse-images-1024-first1200.tsv.gz" >"$tmp/all-inputs.tsv"
awk '$1 <= 2' "$tmp/all-inputs.tsv" >"$tmp/in.tsv"
head -n 30 "$shared/neuron1024-l120-categories.tsv" >"$tmp/truth.tsv"

cp "$tmp/neuron1024/n1024-l1.tsv" "$out/layer_tsv/official-l1"
cp "$tmp/neuron1024/n1024-l2.tsv" "$out/layer_tsv/official-l7"
cp "$readers/net4/n4-l1.tsv" "$out/layer_tsv/hand-n4"
cp "$tmp/in.tsv" "$out/inputs_tsv/official-rows-1-2"
cp "$readers/hand-inputs-4.tsv" "$out/inputs_tsv/hand-4"
gzip -9n <"$tmp/in.tsv" >"$out/gzip/official-rows-1-2.gz"
gzip -9n <"$tmp/neuron1024/n1024-l1.tsv" >"$out/gzip/official-l1.gz"
(cd "$tmp" && tar --owner=0 --group=0 --mtime=2019-06-01 -cf - neuron1024) |
    gzip -9n >"$out/tar/official-2-layers.tar.gz"
cp "$tmp/truth.tsv" "$out/truth/official-30"
cp "$readers/truth.tsv" "$out/truth/hand"

# Matrix Market: the layer and input excerpts, and the tests' files.
{ echo "%%MatrixMarket matrix coordinate real general"
  echo "1024 1024 $(wc -l <"$tmp/neuron1024/n1024-l1.tsv")"
  cat "$tmp/neuron1024/n1024-l1.tsv"; } >"$out/mtx/official-l1.mtx"
{ echo "%%MatrixMarket matrix coordinate pattern general"
  echo "2 1024 $(wc -l <"$tmp/in.tsv")"
  cut -f1,2 "$tmp/in.tsv"; } >"$out/mtx/official-rows-1-2.mtx"
for f in inputs4 int4 layer4 sym4; do cp "$readers/$f.mtx" "$out/mtx/hand-$f.mtx"; done

# Binary files written by snig itself.
"$snig" convert --network "$tmp/neuron1024/n1024-l1.tsv" --out "$out/snb_network/official-l1.snb" >/dev/null
"$snig" convert --network "$readers/net4" --bias -0.5 --out "$out/snb_network/hand-n4.snb" >/dev/null
"$snig" convert --input "$tmp/in.tsv" --neurons 1024 --out "$out/snb_inputs/official-rows-1-2.snb" >/dev/null
"$snig" convert --input "$readers/inputs4.mtx" --out "$out/snb_inputs/hand-6x4.snb" >/dev/null

# IDX: the first three Fashion-MNIST test images, plain and compressed.
images=/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz
/usr/bin/python3 - "$images" "$out/idx" <<'PY'
import gzip, struct, sys
src, dst = sys.argv[1], sys.argv[2]
with gzip.open(src, "rb") as f:
    head = f.read(16)
    pixels = f.read(3 * 28 * 28)
data = head[:4] + struct.pack(">III", 3, 28, 28) + pixels
open(dst + "/fashion-3", "wb").write(data)
with open(dst + "/fashion-3.gz", "wb") as g:
    g.write(gzip.compress(data, 9, mtime=0))
PY
du -sh "$out"/*
