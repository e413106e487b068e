#!/usr/bin/env bash
# snig over several MPI processes: the library test under mpirun (2, 3 and 5
# ranks), then `mpirun -np 2/3 snig run` on the official 1024 data (the 19
# categories, --out byte-identical to one process), more ranks than rows,
# --dynamic and --broadcast-weights, and a bad input file (exit 2 on every
# rank, the message printed once).  Skipped (77) without MPI or mpirun.
# usage: cli_mpi.sh SNIG SHARED_DATA TEST_DATA   (env SNIG_HAS_MPI=ON/OFF)
set -u
snig=$1
shared=$2
if [ "${SNIG_HAS_MPI:-OFF}" != "ON" ]; then
    echo "cli_mpi: skipped (built without MPI)"
    exit 77
fi
if ! command -v mpirun >/dev/null 2>&1; then
    echo "cli_mpi: skipped (no mpirun)"
    exit 77
fi
# CI runs as root; the sanitizers' leak check would report Open MPI's own
# allocations (the single-process CTest run of test_mpi checks snig's).
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
exec 3>&1   # progress lines, outside the captured outputs
mpi() { # ranks command...
    local np=$1
    shift
    echo "cli_mpi: $(date +%T) mpirun -np $np ${*:1:3}" >&3
    # -k: mpirun may wait for its ranks after the TERM; then KILL it
    timeout -k 10 300 mpirun --oversubscribe --allow-run-as-root -np "$np" \
        -x ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" "$@"
}
. "$(dirname "$0")/shell_checks.sh"

# ---- the library under several ranks (split, gather, dynamic, broadcast)
test_mpi="$(dirname "$snig")/tests/test_mpi"
if [ -x "$test_mpi" ]; then
    for np in 2 3 5; do
        expect 0 "all checks passed" -- mpi "$np" "$test_mpi"
    done
    # the program starts MPI itself, runs snig on communicators of its own
    # and finalizes MPI after snig_dist_finalize
    for np in 3 4; do
        expect 0 "all checks passed" -- mpi "$np" "$test_mpi" host
    done
else
    fail "$test_mpi not built"
fi

# ---- more ranks than rows: N = 64 by hand, 3 rows, 5 ranks
mkdir -p "$tmp/net64"
for l in 1 2; do
    for i in $(seq 1 64); do printf '%d\t%d\t1.0\n' "$i" "$i"; done >"$tmp/net64/n64-l$l.tsv"
done
printf '1\t1\t1\n1\t2\t1\n3\t5\t1\n' >"$tmp/sparse-images-64.tsv"
small=(run --network "$tmp/net64" --input "$tmp/sparse-images-64.tsv" --bias -0.25 --engine reference)
expect 0 "categories  2" -- "$snig" "${small[@]}" --out "$tmp/small-1"
expect 0 "categories  2" -- mpi 5 "$snig" "${small[@]}" --out "$tmp/small-5"
cmp -s "$tmp/small-1" "$tmp/small-5" || fail "5 ranks, 3 rows: --out differs"
expect 0 "categories  2" -- mpi 5 "$snig" "${small[@]}" --dynamic --batch 1

# ---- a bad input: exit 2 on every rank, the message once
printf '1\t1\t1\n2\tx\t1\n' >"$tmp/bad.tsv"
# Each rank records its own exit status and exits 0, so that mpirun does not
# kill the ranks still finishing when the first one exits 2.
record='"$@"; echo $? >"'"$tmp"'/rc.$OMPI_COMM_WORLD_RANK"'
expect 0 "bad.tsv:2" -- mpi 3 bash -c "$record" _ "$snig" run \
    --network "$tmp/net64" --input "$tmp/bad.tsv" --bias -0.25
n=$(grep -c "bad.tsv:2" <<<"$last_out")
[ "$n" = 1 ] || fail "bad input: message printed $n times"$'\n'"$last_out"
for r in 0 1 2; do
    [ "$(cat "$tmp/rc.$r" 2>/dev/null)" = 2 ] ||
        fail "bad input: rank $r exit '$(cat "$tmp/rc.$r" 2>/dev/null)', wanted 2"
done
expect 2 "bad.tsv:2" -- mpi 3 "$snig" run --network "$tmp/net64" \
    --input "$tmp/bad.tsv" --bias -0.25
expect 2 "nonexistent" -- mpi 2 "$snig" run --network "$tmp/nonexistent" \
    --input "$tmp/bad.tsv" --bias -0.25 --broadcast-weights

# ---- a rank that dies or cannot read: every rank ends, with a message,
# no hang (each within the 300 s of mpi(); timeout's 124 is a hang)
expect_end() { # pattern -- command...: any exit but 0 and 124
    local pattern=$1
    shift 2
    local out code
    out=$("$@" 2>&1)
    code=$?
    if [ "$code" = 0 ] || [ "$code" = 124 ]; then
        fail "exit $code (wanted an error, no hang): $*"$'\n'"$out"
    elif ! grep -q -e "$pattern" <<<"$out"; then
        fail "no '$pattern': $*"$'\n'"$out"
    fi
}
# rank 1 is killed before it starts
expect_end "exit\|terminated\|killed" -- mpi 3 bash -c \
    '[ "$OMPI_COMM_WORLD_RANK" = 1 ] && kill -KILL $$; exec "$@"' _ \
    "$snig" "${small[@]}"
# rank 1 alone cannot read its network: exit 2, it says why
expect_end "snig run (rank 1): --network $tmp/nonet: No such file" -- mpi 3 \
    bash -c 'n=$1; shift; [ "$OMPI_COMM_WORLD_RANK" = 1 ] && n=$1; shift
             exec "$@" --network "$n"' _ "$tmp/net64" "$tmp/nonet" \
    "$snig" run --input "$tmp/sparse-images-64.tsv" --bias -0.25

# ---- the official 1024 data: 19 categories, same --out as one process
net="$shared/neuron1024.tar.gz"
inputs="$shared/sparse-images-1024-first1200.tsv.gz"
truth="$shared/neuron1024-l120-categories.tsv"
if [ -f "$net" ] && [ -f "$inputs" ] && [ -f "$truth" ]; then
    official=(run --network "$net" --layers 120 --input "$inputs" --truth "$truth" --threads 1)
    expect 0 "PASSED" -- "$snig" "${official[@]}" --engine cpu --out "$tmp/one"
    for np in 2 3; do
        expect 0 "categories  19" -- mpi "$np" "$snig" "${official[@]}" --engine cpu --out "$tmp/np$np"
        grep -q "truth       PASSED" <<<"$last_out" || fail "$np ranks: not PASSED"
        cmp -s "$tmp/one" "$tmp/np$np" || fail "$np ranks: --out differs from one process"
    done
    expect 0 '"passed": true' -- mpi 3 "$snig" "${official[@]}" --json \
        --dynamic --broadcast-weights --batch 100 --out "$tmp/dyn"
    grep -q '"rank_seconds": \[[0-9.]*, [0-9.]*, [0-9.]*\]' <<<"$last_out" ||
        fail "--json lacks three rank times: $last_out"
    cmp -s "$tmp/one" "$tmp/dyn" || fail "--dynamic: --out differs from one process"
    # rank 1 killed while the ranks load and run: the others end too
    expect_end "exit\|terminated\|killed" -- mpi 2 bash -c \
        '"$@" & p=$!; [ "$OMPI_COMM_WORLD_RANK" = 1 ] && { sleep 0.2; kill -KILL $p; }; wait $p' _ \
        "$snig" "${official[@]}" --dynamic --batch 10
else
    skip "official data part: no official data in $shared"
fi

# ---- a generated 4096 x 120 workload (binary files): same categories
images=/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz
if [ -f "$images" ]; then
    expect 0 "" -- "$snig" generate network --neurons 4096 --layers 120 --out "$tmp/g.snb"
    expect 0 "" -- "$snig" generate inputs --neurons 4096 --images "$images" \
        --count 1500 --out "$tmp/gi.snb"
    gen=(run --network "$tmp/g.snb" --input "$tmp/gi.snb" --engine cpu --threads 1)
    expect 0 "categories" -- "$snig" "${gen[@]}" --out "$tmp/g-one"
    expect 0 "categories" -- mpi 2 "$snig" "${gen[@]}" --out "$tmp/g-np2"
    cmp -s "$tmp/g-one" "$tmp/g-np2" || fail "generated 4096 x 120: 2 ranks differ"
    [ -s "$tmp/g-one" ] || fail "generated 4096 x 120: no categories at all"
else
    skip "generated workload part: $images not found"
fi

finish cli_mpi
