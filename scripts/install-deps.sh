#!/usr/bin/env bash
# Installs what snig needs to build, test and benchmark, from Debian's
# packages.  Safe to run again.  Needs root (CI and these machines are).
set -euo pipefail
pkgs=(cmake gcc g++ make zlib1g-dev libopenmpi-dev openmpi-bin
      libgraphblas-dev dataset-fashion-mnist gnuplot-nox
      clang libclang-rt-14-dev libomp-dev)  # clang ...: fuzz/run.sh (libFuzzer)
# Python module tests and examples; PyTorch's dense baseline needs an
# optimised BLAS (OpenBLAS); pkg-config for the install test.
pkgs+=(python3-numpy python3-scipy python3-pytest python3-torch
       libopenblas0-pthread pkg-config)
missing=()
for p in "${pkgs[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
    SUDO=""
    [ "$(id -u)" = 0 ] || SUDO=sudo
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
