#!/usr/bin/env bash
# What a user meets at once: `snig help CMD`, generate's GNU-style options
# (--neurons=1024, --quiet) and messages without a repeated prefix, options
# that do nothing on the engine that ran (said, not silent), L taken from
# the truth file's name (or a warning when --layers differs), a truth check
# on part of the truth's rows said so, and exit status 1 kept for "failed
# against the truth" alone (libgomp's own exit(1) when it cannot start
# threads becomes 2).
# usage: cli_usability.sh SNIG SHARED_DATA TEST_DATA
set -u
snig=$1
. "$(dirname "$0")/shell_checks.sh"

# ---- snig help CMD: the command's own help
expect 0 "usage: snig run" -- "$snig" help run
# every command the general help lists
commands=$("$snig" help | sed -n '/^commands:/,/^$/p' | awk 'NR > 1 && NF { print $1 }')
[ -n "$commands" ] || fail "snig help lists no command"
for c in $commands; do
    expect 0 "usage: snig $c" -- "$snig" help "$c"
done
expect 0 "Writes a RadiX-Net network" -- "$snig" help generate network
expect 0 "commands:" -- "$snig" help
expect 2 "unknown command 'nope'" -- "$snig" help nope

# ---- generate: getopt_long, --quiet, one prefix per message
expect 0 "" -- "$snig" generate network --neurons=1024 --layers=2 --out="$tmp/n.snb" --quiet
[ -z "$last_out" ] || fail "--quiet printed: $last_out"
[ -s "$tmp/n.snb" ] || fail "--neurons=1024: nothing written"
expect 0 "wrote" -- "$snig" generate network --neurons 1024 --layers 2 --out "$tmp/n2.snb"
cmp -s "$tmp/n.snb" "$tmp/n2.snb" || fail "--opt=value and --opt value differ"
expect 2 "^snig generate network: no official bias" -- "$snig" generate network --neurons 128 --layers 2 --out "$tmp/x.snb"
grep -q "network: generate" <<<"$last_out" && fail "repeated prefix: $last_out"
expect 2 "--layers is not an option of generate inputs" -- "$snig" generate inputs --layers 3
expect 2 "--format tsv writes files" -- "$snig" generate network --neurons 1024 --layers 2 --format tsv --out -
[ ! -e ./- ] || fail "generate --format tsv --out - made a file named '-'"
expect 2 "unexpected argument 'extra'" -- "$snig" generate network --neurons 1024 --layers 2 --out "$tmp/x.snb" extra

# ---- a tiny network by hand
mkdir -p "$tmp/net64"
for l in 1 2; do
    for i in $(seq 1 64); do printf '%d\t%d\t1.0\n' "$i" "$i"; done >"$tmp/net64/n64-l$l.tsv"
done
printf '1\t1\t1\n1\t2\t1\n3\t5\t1\n' >"$tmp/in64.tsv"
run=("$snig" run --network "$tmp/net64" --input "$tmp/in64.tsv" --bias -0.25 --engine reference)

# ---- options the engine has no use for
expect 0 "warning: --gpus.*no effect on engine 'reference'" -- "${run[@]}" --gpus 2
expect 0 "warning: --dynamic and --broadcast-weights have no effect" -- "${run[@]}" --dynamic
expect 0 "" -- "${run[@]}"
grep -q warning <<<"$last_out" && fail "a warning with no reason: $last_out"

# ---- L from the truth file's name
printf '1\n3\n' >"$tmp/n64-l1-categories.tsv"
expect 0 "2 layers" -- "${run[@]}"
expect 0 "1 layers" -- "${run[@]}" --truth "$tmp/n64-l1-categories.tsv"
grep -q "PASSED" <<<"$last_out" || fail "truth -l1-: not PASSED: $last_out"
expect 0 "warning: --layers 2, but the truth file .* is named for 1 layers" -- \
    "${run[@]}" --truth "$tmp/n64-l1-categories.tsv" --layers 2

printf '1\n3\n' >"$tmp/n64-l3-categories.tsv"
expect 2 "as the truth file's name says" -- "${run[@]}" --truth "$tmp/n64-l3-categories.tsv"

# ---- a truth with rows beyond the inputs': the check says what it covered
printf '1\n3\n7\n9\n' >"$tmp/truth-more"
expect 0 "checked rows 1..3: 2 of 4 truth rows" -- "${run[@]}" --truth "$tmp/truth-more"
printf '1\n3\n' >"$tmp/truth-same"
expect 0 "PASSED" -- "${run[@]}" --truth "$tmp/truth-same"
grep -q "checked rows" <<<"$last_out" && fail "note with every truth row checked: $last_out"

# ---- threads that cannot start: an error (2), never the verdict (1).  A
# thread stack larger than the machine's memory makes pthread_create fail
# in libgomp, which then calls exit(1) by itself.
printf '2\n' >"$tmp/truth-wrong"
OMP_STACKSIZE=64G "${run[@]}" --engine cpu --threads 2 --truth "$tmp/truth-wrong" >"$tmp/omp.log" 2>&1
code=$?
if grep -q "Thread creation failed" "$tmp/omp.log"; then
    [ "$code" = 2 ] || fail "libgomp could not start threads: exit $code, wanted 2: $(cat "$tmp/omp.log")"
elif [ "$code" != 1 ]; then
    fail "threads started, wrong truth: exit $code, wanted 1: $(cat "$tmp/omp.log")"
else
    skip "threads that cannot start: libgomp started them with a 64G stack here"
fi

finish cli_usability
