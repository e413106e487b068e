#!/usr/bin/env bash
# Builds snig and runs every test (CTest): the C tests, the install test
# (tests/cli_install.sh) and the Python module's tests (python/tests).
# Warnings are errors.  SNIG_SANITIZE=1 builds with AddressSanitizer and
# UndefinedBehaviorSanitizer in build-asan instead.  The plain run also
# builds the library and CLI with clang when it is installed (build-clang;
# SNIG_CLANG=0 skips it), so both compilers stay warning-free.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "${SNIG_SANITIZE:-0}" = 1 ]; then
    dir=build-asan
    cmake -B "$dir" -DSNIG_WERROR=ON -DSNIG_SANITIZE=ON -DSNIG_USE_CUDA=OFF -DCMAKE_BUILD_TYPE=RelWithDebInfo
else
    dir=build
    cmake -B "$dir" -DSNIG_WERROR=ON
    if [ "${SNIG_CLANG:-1}" = 1 ] && command -v clang >/dev/null; then
        CC=clang cmake -B build-clang -DSNIG_WERROR=ON -DSNIG_USE_CUDA=OFF \
            -DSNIG_BUILD_TESTS=OFF -DSNIG_BUILD_BENCH=OFF
        cmake --build build-clang -j"$(nproc)"
    fi
fi
cmake --build "$dir" -j"$(nproc)"
ctest --test-dir "$dir" --output-on-failure -j"$(nproc)"
