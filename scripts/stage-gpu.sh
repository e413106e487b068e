#!/usr/bin/env bash
# Stages what bench/gpu-run.sh needs from outside the repository into one
# git-ignored folder inside the checkout (gpu-stage/, at most 64 MiB), since
# nothing beside the checkout reaches the GPU machine:
#   official/   the official 1024 x 120 network, its first 1200 inputs and
#               the truth (from ../shared/data/graphchallenge)
#   images/     Fashion-MNIST's 60000 training images (Debian package
#               dataset-fashion-mnist), or MNIST when that is what is there
#   zlib/       zlib's headers and static library, unpacked from Debian's
#               zlib1g-dev (the GPU machine has no zlib headers)
#   cpu/        the cpu engine's categories of every N x 120 case, computed
#               here on the networks and inputs the GPU run will generate
#               (same generator, same seed, same images: same bytes); with
#               --big also 65536 x 1920 (about 2 minutes and 9 GB here),
#               else the GPU run computes that one itself (docs/CUDA.md)
#   MANIFEST    what was staged, with sizes and checksums
# usage: scripts/stage-gpu.sh [--big] [--sizes "1024 4096 16384"]
#        [--rows R] [--stage DIR] [--build DIR]
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
STAGE=$ROOT/gpu-stage
BUILD=$ROOT/build-stage
SIZES="1024 4096 16384"
ROWS=60000
BIG=0
SHARED=${SNIG_SHARED_DATA:-$ROOT/../shared/data/graphchallenge}
while [ $# -gt 0 ]; do
  case $1 in
    --big) BIG=1 ;;
    --sizes) SIZES=$2; shift ;;
    --rows) ROWS=$2; shift ;;
    --stage) STAGE=$2; shift ;;
    --build) BUILD=$2; shift ;;
    *) echo "stage-gpu: unknown argument $1" >&2; exit 2 ;;
  esac
  shift
done
log() { echo "[stage-gpu] $*" >&2; }
mkdir -p "$STAGE"/{official,images,zlib,cpu}

# ---- official data
for f in neuron1024.tar.gz sparse-images-1024-first1200.tsv.gz neuron1024-l120-categories.tsv; do
  [ -f "$SHARED/$f" ] || { log "missing $SHARED/$f"; exit 1; }
  cp -p "$SHARED/$f" "$STAGE/official/$f"
done

# ---- real images
IMAGES=
for f in /usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz \
         /usr/share/datasets/mnist/train-images-idx3-ubyte.gz; do
  [ -z "$IMAGES" ] && [ -f "$f" ] && IMAGES=$f
done
[ -n "$IMAGES" ] || { log "no images: apt-get install dataset-fashion-mnist"; exit 1; }
cp -p "$IMAGES" "$STAGE/images/train-images-idx3-ubyte.gz"
echo "$IMAGES" >"$STAGE/images/SOURCE"

# ---- zlib (headers + static library) from the Debian package
if [ ! -f "$STAGE/zlib/lib/libz.a" ]; then
  tmp=$(mktemp -d)
  (cd "$tmp" && apt-get download zlib1g-dev >/dev/null 2>&1) || true
  deb=$(ls "$tmp"/zlib1g-dev_*.deb 2>/dev/null | head -1)
  if [ -z "$deb" ]; then
    deb=$(ls /var/cache/apt/archives/zlib1g-dev_*.deb 2>/dev/null | head -1)
  fi
  [ -n "$deb" ] || { log "cannot download zlib1g-dev"; rm -rf "$tmp"; exit 1; }
  dpkg-deb -x "$deb" "$tmp/root"
  mkdir -p "$STAGE/zlib/include" "$STAGE/zlib/lib"
  cp -p "$tmp"/root/usr/include/zlib.h "$tmp"/root/usr/include/zconf.h "$STAGE/zlib/include/"
  cp -p "$(find "$tmp/root" -name libz.a | head -1)" "$STAGE/zlib/lib/libz.a"
  basename "$deb" >"$STAGE/zlib/SOURCE"
  rm -rf "$tmp"
fi

# ---- the cpu engine's categories of the cases the GPU run checks
# SNIG_BIN: a snig already built from this checkout (any build), else one
# is built here.
SNIG=${SNIG_BIN:-}
if [ -z "$SNIG" ]; then
  log "building the cpu engine in $BUILD"
  cmake -S "$ROOT" -B "$BUILD" -DCMAKE_BUILD_TYPE=Release -DSNIG_USE_CUDA=OFF \
        -DSNIG_USE_MPI=OFF -DSNIG_BUILD_TESTS=OFF >"$BUILD.log" 2>&1 || { cat "$BUILD.log"; exit 1; }
  cmake --build "$BUILD" -j"$(nproc)" --target snig_cli >>"$BUILD.log" 2>&1 || { tail -30 "$BUILD.log"; exit 1; }
  SNIG=$BUILD/snig
fi
WORK=$BUILD/work
mkdir -p "$WORK"
cases=""
for n in $SIZES; do cases="$cases $n:120"; done
[ "$BIG" = 1 ] && cases="$cases 65536:1920"
for c in $cases; do
  n=${c%%:*}; l=${c##*:}
  out=$STAGE/cpu/cats-$n-$l-$ROWS.tsv
  [ -f "$out" ] && { log "$out: already there"; continue; }
  log "case $n x $l: generating network and $ROWS inputs"
  "$SNIG" generate network --neurons "$n" --layers "$l" --out "$WORK/net-$n-$l.snb"
  "$SNIG" generate inputs --neurons "$n" --images "$STAGE/images/train-images-idx3-ubyte.gz" \
      --count "$ROWS" --out "$WORK/inputs-$n-$ROWS.snb"
  log "case $n x $l: cpu engine"
  t0=$(date +%s)
  "$SNIG" run --network "$WORK/net-$n-$l.snb" --input "$WORK/inputs-$n-$ROWS.snb" \
      --engine cpu --quiet --out "$out.tmp" >/dev/null
  mv "$out.tmp" "$out"
  log "case $n x $l: $(wc -l <"$out") categories in $(( $(date +%s) - t0 )) s"
  rm -f "$WORK/net-$n-$l.snb" "$WORK/inputs-$n-$ROWS.snb"
done

# ---- the commit staged for (the GPU machine gets no .git)
git -C "$ROOT" rev-parse --short HEAD >"$STAGE/COMMIT" 2>/dev/null || true

# ---- manifest and the size limit of what travels
(cd "$STAGE" && find . -type f ! -name MANIFEST | sort | while read -r f; do
   printf '%s %s %s\n' "$(stat -c %s "$f")" "$(sha256sum "$f" | cut -c1-16)" "$f"
 done) >"$STAGE/MANIFEST"
total=$(du -sb "$STAGE" | cut -f1)
log "staged $total bytes in $STAGE"
if [ "$total" -gt $((60 * 1024 * 1024)) ]; then
  log "too large to carry with the checkout (60 MiB kept for it)"; exit 1
fi
