#!/usr/bin/env bash
# Two threads inferring on one plan, under ThreadSanitizer (tests/test_library.c,
# SNIG_TSAN=1).  Only engines without OpenMP take part: Debian's libgomp is
# not instrumented, so TSan cannot see its barriers and reports false races.
set -euo pipefail
cd "$(dirname "$0")/.."
dir=build-tsan
cmake -B "$dir" -DSNIG_USE_CUDA=OFF -DSNIG_USE_MPI=OFF -DSNIG_BUILD_BENCH=OFF \
      -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_C_FLAGS="-fsanitize=thread" \
      -DCMAKE_EXE_LINKER_FLAGS="-fsanitize=thread" > /dev/null
cmake --build "$dir" -j"$(nproc)" --target test_library
SNIG_TSAN=1 TSAN_OPTIONS=halt_on_error=1 "$dir/tests/test_library"
