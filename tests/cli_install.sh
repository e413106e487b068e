#!/usr/bin/env bash
# snig as a user installs and finds it: `cmake --install` into a scratch
# prefix puts the header, both libraries, the CLI, snig.pc and the CMake
# package there; the shared library exports the public API alone; a program
# (examples/use_from_c) is built against the installed tree with pkg-config
# (shared and static) and with CMake (snig::snig, snig::snig_static), and
# run; and snig builds as a subproject (add_subdirectory) of a parent.
# usage: cli_install.sh SNIG SHARED_DATA TEST_DATA (SNIG lies in the build
# folder, whose CMakeCache.txt says the compiler and the options)
set -u
snig=$1
shared=$2
. "$(dirname "$0")/shell_checks.sh"
src=$(cd "$(dirname "$0")/.." && pwd)
build=$(cd "$(dirname "$snig")" && pwd)
cache() { sed -n "s/^$1:[A-Z]*=//p" "$build/CMakeCache.txt"; }
cc=$(cache CMAKE_C_COMPILER)
version=$(sed -n 's/^#define SNIG_VERSION "\(.*\)"/\1/p' "$src/include/snig.h")
shared_built=$(cache SNIG_BUILD_SHARED)
# A sanitizer build's libraries need the sanitizer runtimes in the program.
flags=""
if [ "$(cache SNIG_SANITIZE)" = ON ]; then
    flags="-fsanitize=address,undefined -fno-omit-frame-pointer"
fi
for tool in pkg-config nm; do
    command -v $tool >/dev/null || { echo "SKIP: no $tool"; exit 77; }
done

# ---- a tiny 1024-neuron network (2 layers, w_ii = 1, official bias -0.3):
# rows 1 and 3 of the inputs stay nonzero.
data=$tmp/data
mkdir -p "$data/net"
for l in 1 2; do
    awk 'BEGIN { for (i = 1; i <= 1024; i++) printf "%d\t%d\t1\n", i, i }' >"$data/net/n1024-l$l.tsv"
done
printf '1\t5\t1\n3\t7\t1\n3\t9\t1\n' >"$data/in.tsv"
printf '1\n3\n' >"$data/truth.tsv"
# run_app NAME APP...: the program on the tiny network, and on the official
# data when present.
run_app() {
    local name=$1
    shift
    expect 0 "2 of 3 rows nonzero after 2 layers (.* s): 1 3$" -- "$@" "$data/net" "$data/in.tsv" 2 "$data/truth.tsv"
    grep -q "truth: PASS" <<<"$last_out" || fail "$name: no truth line"$'\n'"$last_out"
    if [ -f "$shared/neuron1024.tar.gz" ]; then
        expect 0 "truth: PASS" -- "$@" "$shared/neuron1024.tar.gz" \
            "$shared/sparse-images-1024-first1200.tsv.gz" 120 "$shared/neuron1024-l120-categories.tsv"
    fi
}

# ---- install
prefix=$tmp/prefix
expect 0 "" -- cmake --install "$build" --prefix "$prefix"
lib=$prefix/lib
[ -d "$lib" ] || lib=$(dirname "$(find "$prefix" -name libsnig.a | head -1)")
for f in include/snig.h bin/snig; do
    [ -f "$prefix/$f" ] || fail "not installed: $f"
done
for f in libsnig.a pkgconfig/snig.pc cmake/snig/snigConfig.cmake \
         cmake/snig/snigConfigVersion.cmake cmake/snig/snigStaticTargets.cmake; do
    [ -f "$lib/$f" ] || fail "not installed: lib/$f"
done
if [ "$shared_built" = ON ]; then
    for f in "libsnig.so.$version" libsnig.so.0 libsnig.so cmake/snig/snigSharedTargets.cmake; do
        [ -e "$lib/$f" ] || fail "not installed: lib/$f"
    done
    soname=$(objdump -p "$lib/libsnig.so" | awk '$1 == "SONAME" { print $2 }')
    [ "$soname" = libsnig.so.0 ] || fail "soname '$soname', wanted libsnig.so.0"
    # Exported: exactly the functions the header marks SNIG_API.
    nm -D --defined-only "$lib/libsnig.so" | awk '{ print $NF }' | sort >"$tmp/exported"
    sed -n 's/^SNIG_API [^(]*[ *]\(snig_[a-z0-9_]*\)(.*/\1/p' "$prefix/include/snig.h" | sort >"$tmp/declared"
    [ -s "$tmp/declared" ] || fail "no SNIG_API declaration found in snig.h"
    diff "$tmp/declared" "$tmp/exported" >"$tmp/diff" ||
        fail "exported symbols differ from the header's (< header only, > exported only):"$'\n'"$(cat "$tmp/diff")"
fi
# The static library's global symbols: the header's snig_ functions and the
# internal snig__ ones, besides the names compilers make (OpenMP's named
# critical sections, AddressSanitizer's ODR indicators, nvcc's stubs).
# C++ names (nvcc's host code) are compared by their identifier.
nm -g -C --defined-only "$lib/libsnig.a" | awk 'NF >= 3 { $1 = $2 = ""; print }' |
    sed -e 's/^ *//' -e 's/(.*//' |
    grep -v -e '^snig__' -e '^\.gomp_critical_user_' -e '^__odr_asan[._]' \
        -e '^DW\.ref\.__gxx_personality_v0$' -e '^__device_stub__' | sort -u >"$tmp/global"
sed -n 's/^SNIG_API [^(]*[ *]\(snig_[a-z0-9_]*\)(.*/\1/p' "$prefix/include/snig.h" | sort >"$tmp/api"
comm -23 "$tmp/global" "$tmp/api" >"$tmp/unprefixed"
[ -s "$tmp/unprefixed" ] && fail "libsnig.a has globals that are neither the API nor snig__:"$'\n'"$(cat "$tmp/unprefixed")"
# The installed CLI finds its library by itself.
expect 0 "reference" -- env -u LD_LIBRARY_PATH "$prefix/bin/snig" run --engine list

# The Python module, installed beside the library, finds it by itself.
pydir=$(cache SNIG_PYTHON_INSTALL_DIR)
if [ "$(cache SNIG_INSTALL_PYTHON)" = ON ] && [ -n "$flags" ]; then
    echo "NOTE: Python module not tried (a sanitizer build's library)"
elif [ "$(cache SNIG_INSTALL_PYTHON)" = ON ]; then
    [ -f "$prefix/$pydir/snig/_install.py" ] || fail "not installed: $pydir/snig/_install.py"
    python=$(cache SNIG_PYTHON3)
    if "$python" -c "import numpy, scipy" 2>/dev/null; then
        expect 0 "^$lib/libsnig.so.$version \[1 2\]\$" -- env -u SNIG_LIBRARY PYTHONPATH="$prefix/$pydir" \
            "$python" -c "import os, numpy as np, snig
print(os.path.realpath(snig._lib.lib._name), snig.infer(snig.network_from_scipy([np.eye(2)]), np.eye(2)).categories)"
    else
        echo "NOTE: Python module not tried ($python lacks numpy or scipy)"
    fi
fi

# ---- pkg-config, with the README's line
export PKG_CONFIG_PATH=$lib/pkgconfig
expect 0 "^$version\$" -- pkg-config --modversion snig
grep -qF 'cc app.c $(pkg-config --cflags --libs snig) -o app' "$src/README.md" ||
    fail "README lacks the pkg-config line this test runs"
mkdir -p "$tmp/pc" && cp "$src/examples/use_from_c/app.c" "$tmp/pc/"
(cd "$tmp/pc" && $cc $flags app.c $(pkg-config --cflags --libs snig) -o app) ||
    fail "pkg-config build failed"
[ -x "$tmp/pc/app" ] && run_app pkg-config env LD_LIBRARY_PATH="$lib" "$tmp/pc/app"
# pkg-config --static: libsnig.a and every private dependency it lists.
libs=$(pkg-config --static --libs snig)
(cd "$tmp/pc" && $cc $flags app.c $(pkg-config --cflags snig) ${libs/-lsnig/$lib/libsnig.a} -o app_static) ||
    fail "pkg-config --static build failed: $libs"
if [ -x "$tmp/pc/app_static" ]; then
    ldd "$tmp/pc/app_static" | grep -q libsnig && fail "app_static needs libsnig.so"
    run_app pkg-config-static "$tmp/pc/app_static"
fi

# ---- CMake: find_package(snig), shared and static
cuda_bin=$(cache CUDAToolkit_BIN_DIR)
cuda_root=${cuda_bin:+$(dirname "$cuda_bin")}
cmake_consumer() {   # NAME SOURCE_DIR
    expect 0 "" -- cmake -S "$2" -B "$tmp/$1" -DCMAKE_PREFIX_PATH="$prefix" \
        -DCMAKE_C_COMPILER="$cc" -DCMAKE_C_FLAGS="$flags" -DCMAKE_EXE_LINKER_FLAGS="$flags" \
        ${cuda_root:+-DCUDAToolkit_ROOT="$cuda_root"}
    expect 0 "" -- cmake --build "$tmp/$1"
    [ -x "$tmp/$1/app" ] && run_app "$1" "$tmp/$1/app"
}
for line in 'find_package(snig 0.1 REQUIRED)' 'target_link_libraries(app PRIVATE snig::snig)'; do
    grep -qF "    $line" "$src/README.md" || fail "README lacks the CMake line: $line"
    grep -qxF "$line" "$src/examples/use_from_c/CMakeLists.txt" || fail "examples/use_from_c lacks: $line"
done
cmake_consumer cmake "$src/examples/use_from_c"
mkdir -p "$tmp/static_src"
sed 's/snig::snig)/snig::snig_static)/' "$src/examples/use_from_c/CMakeLists.txt" >"$tmp/static_src/CMakeLists.txt"
cp "$src/examples/use_from_c/app.c" "$tmp/static_src/"
grep -q 'snig::snig_static' "$tmp/static_src/CMakeLists.txt" || fail "no static variant"
cmake_consumer cmake_static "$tmp/static_src"
[ -x "$tmp/cmake_static/app" ] && ldd "$tmp/cmake_static/app" | grep -q libsnig &&
    fail "cmake_static app needs libsnig.so"

# Every CMake file names snig's own folders (PROJECT_SOURCE_DIR...): a
# parent project's CMAKE_SOURCE_DIR is not snig's.
bad=$(cd "$src" && grep -n -e 'CMAKE_SOURCE_DIR}' -e 'CMAKE_BINARY_DIR}' CMakeLists.txt cmake/*.cmake \
      */CMakeLists.txt 2>/dev/null)
[ -n "$bad" ] && fail "CMAKE_SOURCE_DIR / CMAKE_BINARY_DIR in snig's CMake files:"$'\n'"$bad"

# ---- add_subdirectory(snig) from a parent project (plain build: the point
# is the parent's view of snig's paths and targets)
mkdir -p "$tmp/parent"
cat >"$tmp/parent/CMakeLists.txt" <<CMAKE
cmake_minimum_required(VERSION 3.18)
project(parent C)
add_subdirectory("$src" snig)
add_executable(app "$src/examples/use_from_c/app.c")
target_link_libraries(app PRIVATE snig::snig)
CMAKE
expect 0 "" -- cmake -S "$tmp/parent" -B "$tmp/parent/build" -DCMAKE_C_COMPILER="$cc" \
    -DSNIG_USE_CUDA=OFF -DSNIG_USE_MPI=OFF
expect 0 "" -- cmake --build "$tmp/parent/build" --target app -j2
[ -x "$tmp/parent/build/app" ] && run_app subproject "$tmp/parent/build/app"

finish cli_install
