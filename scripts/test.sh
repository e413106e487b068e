#!/usr/bin/env bash
# Builds snig and runs every test (CTest).  SNIG_SANITIZE=1 builds with
# AddressSanitizer and UndefinedBehaviorSanitizer in build-asan instead.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "${SNIG_SANITIZE:-0}" = 1 ]; then
    dir=build-asan
    cmake -B "$dir" -DSNIG_WERROR=ON -DSNIG_SANITIZE=ON -DSNIG_USE_CUDA=OFF -DCMAKE_BUILD_TYPE=RelWithDebInfo
else
    dir=build
    cmake -B "$dir" -DSNIG_WERROR=ON
fi
cmake --build "$dir" -j"$(nproc)"
ctest --test-dir "$dir" --output-on-failure -j"$(nproc)"
