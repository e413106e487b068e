#!/usr/bin/env bash
# Faults while files are written: a process killed in the middle of
# `snig convert` or of `snig run --out` leaves the previous target intact
# (and a later run of the same target removes the dead process's temporary
# file); two processes writing the same target at once leave one whole file.
# The kill is a real SIGKILL when the write can be caught in time, and a
# deterministic one through the file size limit (SIGXFSZ at the first byte
# past `ulimit -f`: no handler runs, like SIGKILL).
# usage: cli_faults.sh SNIG SHARED_DATA TEST_DATA
set -u
snig=$1
. "$(dirname "$0")/shell_checks.sh"

# ---- the workload: a generated 4096 x 120 network (33 MB as .snb), a
# 4096 x 60 one, and input rows made by hand (0/1 values).
expect 0 "" -- "$snig" generate network --neurons 4096 --layers 120 --out "$tmp/big.snb"
expect 0 "" -- "$snig" generate network --neurons 4096 --layers 24 --out "$tmp/small.snb"
for part in a b; do
    : >"$tmp/sparse-images-4096-$part.tsv"
    for r in $(seq 1 60); do
        [ "$part" = b ] && [ $((r % 3)) = 0 ] && continue   # b: fewer rows
        for k in $(seq 0 150); do
            printf '%d\t%d\t1\n' "$r" $(((r * 131 + k * 27) % 4096 + 1))
        done
    done >>"$tmp/sparse-images-4096-$part.tsv"
done

# temporaries TARGET: the temporary files of TARGET's writers.
temporaries() { ls -d "$1".tmp* 2>/dev/null; }

# stale_cleaned TARGET: after a run that finished, no temporary of TARGET
# may remain: a later run of the same target removes those of dead
# processes (issue 12).  Until that lands it is a skip, and the leftovers
# are removed here.
stale_checked=0
stale_cleaned() {
    local left
    left=$(temporaries "$1")
    [ -z "$left" ] && return
    if [ "$stale_checked" = 0 ]; then
        skip "stale temporaries of killed writers are not removed by a later run ($(basename "$left")); issue 12, fix pending on the io branch"
        stale_checked=1
    fi
    rm -rf "$1".tmp*
}

# kill_while_writing TARGET CMD...: runs CMD in the background and SIGKILLs
# it as soon as TARGET's temporary file exists.  Returns 0 when it was
# killed while writing, 1 when it ended first.
kill_while_writing() {
    local target=$1 pid
    shift
    "$@" >/dev/null 2>&1 &
    pid=$!
    while kill -0 "$pid" 2>/dev/null; do
        if compgen -G "$target.tmp*" >/dev/null; then
            kill -KILL "$pid" 2>/dev/null
            wait "$pid" 2>/dev/null
            [ $? = 137 ] && return 0
            return 1
        fi
    done
    wait "$pid" 2>/dev/null
    return 1
}

# ---- convert: the previous target survives a kill in the middle
target=$tmp/net.snb
expect 0 "wrote" -- "$snig" convert --network "$tmp/small.snb" --out "$target"
cp "$target" "$tmp/previous.snb"

# SIGXFSZ after 1 MB of the 33 MB file: always in the middle.
(ulimit -f 1024; exec "$snig" convert --network "$tmp/big.snb" --out "$target") >/dev/null 2>&1
code=$?
[ "$code" = 153 ] || fail "convert past the size limit: exit $code, wanted 153 (SIGXFSZ)"
cmp -s "$target" "$tmp/previous.snb" || fail "convert killed while writing: the previous target changed"
[ -n "$(temporaries "$target")" ] || fail "convert killed while writing: no temporary file: the write was not under way"
expect 0 "all hold" -- "$snig" info "$target"
# A later run of the same target finishes, and cleans up after the dead one.
expect 0 "wrote" -- "$snig" convert --network "$tmp/small.snb" --out "$target"
cmp -s "$target" "$tmp/previous.snb" || fail "convert after a killed one: wrong target"
stale_cleaned "$target"

# A real SIGKILL, when the write can be caught (a few tries).
caught=0
for try in 1 2 3 4 5; do
    if kill_while_writing "$target" "$snig" convert --network "$tmp/big.snb" --out "$target"; then
        caught=1
        echo "convert SIGKILLed while writing (try $try)"
        break
    fi
    # it finished first: put the previous target back
    cp "$tmp/previous.snb" "$target"
done
if [ "$caught" = 1 ]; then
    cmp -s "$target" "$tmp/previous.snb" || fail "convert SIGKILLed while writing: the previous target changed"
    expect 0 "wrote" -- "$snig" convert --network "$tmp/small.snb" --out "$target"
    stale_cleaned "$target"
else
    skip "SIGKILL during convert: the write finished before it could be caught (5 tries)"
fi

# ---- run --out: the previous categories survive a kill while writing them
run=(run --network "$tmp/small.snb" --bias 0 --engine cpu --threads 1)
cats=$tmp/categories.tsv
expect 0 "categories" -- "$snig" "${run[@]}" --input "$tmp/sparse-images-4096-a.tsv" --out "$tmp/cats-a"
expect 0 "categories" -- "$snig" "${run[@]}" --input "$tmp/sparse-images-4096-b.tsv" --out "$tmp/cats-b"
cmp -s "$tmp/cats-a" "$tmp/cats-b" && fail "the two inputs give the same categories: the checks below prove nothing"
[ -s "$tmp/cats-b" ] || fail "no categories at all: the checks below prove nothing"
cp "$tmp/cats-a" "$cats"
(ulimit -f 0; exec "$snig" "${run[@]}" --input "$tmp/sparse-images-4096-b.tsv" --out "$cats") >/dev/null 2>&1
code=$?
[ "$code" = 153 ] || fail "run --out past the size limit: exit $code, wanted 153 (SIGXFSZ)"
cmp -s "$cats" "$tmp/cats-a" || fail "run killed while writing --out: the previous categories changed"
expect 0 "categories" -- "$snig" "${run[@]}" --input "$tmp/sparse-images-4096-b.tsv" --out "$cats"
cmp -s "$cats" "$tmp/cats-b" || fail "run after a killed one: wrong categories"
stale_cleaned "$cats"

# ---- two writers of one target at once: one whole file, no temporaries
for round in 1 2 3 4; do
    rm -f "$cats"
    "$snig" "${run[@]}" --input "$tmp/sparse-images-4096-a.tsv" --out "$cats" >/dev/null 2>&1 &
    p1=$!
    "$snig" "${run[@]}" --input "$tmp/sparse-images-4096-b.tsv" --out "$cats" >/dev/null 2>&1 &
    p2=$!
    wait "$p1" || fail "round $round: the first writer failed"
    wait "$p2" || fail "round $round: the second writer failed"
    cmp -s "$cats" "$tmp/cats-a" || cmp -s "$cats" "$tmp/cats-b" ||
        fail "round $round: two runs writing one --out left neither whole file"
    [ -z "$(temporaries "$cats")" ] || fail "round $round: temporaries left: $(temporaries "$cats")"
done
cp "$target" "$tmp/net-small.snb"
expect 0 "wrote" -- "$snig" convert --network "$tmp/big.snb" --layers 30 --out "$tmp/net-30.snb"
for round in 1 2; do
    rm -f "$target"
    "$snig" convert --network "$tmp/big.snb" --layers 30 --out "$target" >/dev/null 2>&1 &
    p1=$!
    "$snig" convert --network "$tmp/small.snb" --out "$target" >/dev/null 2>&1 &
    p2=$!
    wait "$p1" || fail "round $round: the first convert failed"
    wait "$p2" || fail "round $round: the second convert failed"
    cmp -s "$target" "$tmp/net-30.snb" || cmp -s "$target" "$tmp/net-small.snb" ||
        fail "round $round: two converts of one target left neither whole file"
    [ -z "$(temporaries "$target")" ] || fail "round $round: temporaries left: $(temporaries "$target")"
done

finish cli_faults
