#!/usr/bin/env bash
# The CLI as a new user meets it: the official check through the text and the
# binary paths, exit codes, and every kind of bad input (exit 2, one clear
# message naming the file, no output file left behind).
# usage: cli_run.sh SNIG SHARED_DATA TEST_DATA
set -u
snig=$1
shared=$2
. "$(dirname "$0")/shell_checks.sh"

# ---- usage
expect 0 "usage: snig run" -- "$snig" run --help
expect 0 "usage: snig convert" -- "$snig" convert --help
expect 0 "usage: snig info" -- "$snig" info --help
expect 0 "usage: snig generate" -- "$snig" generate --help
expect 0 "reference" -- "$snig" run --engine list
expect 2 "unknown command" -- "$snig" frobnicate
expect 2 "required" -- "$snig" run --network x
expect 2 "--layers expects" -- "$snig" run --network x --input y --layers zero
expect 2 "unknown or incomplete" -- "$snig" run --bogus

# ---- a tiny network by hand: N = 64 has no official bias
mkdir -p "$tmp/net64"
for l in 1 2; do
    for i in $(seq 1 64); do printf '%d\t%d\t1.0\n' "$i" "$i"; done >"$tmp/net64/n64-l$l.tsv"
done
printf '1\t1\t1\n1\t2\t1\n3\t5\t1\n' >"$tmp/sparse-images-64.tsv"
expect 2 "bias" -- "$snig" run --network "$tmp/net64" --input "$tmp/sparse-images-64.tsv"
expect 0 "categories  2" -- "$snig" run --network "$tmp/net64" --input "$tmp/sparse-images-64.tsv" --bias -0.25 --engine reference
expect 2 "missing layer file n64-l3" -- "$snig" run --network "$tmp/net64" --input "$tmp/sparse-images-64.tsv" --bias -0.25 --layers 3
expect 2 "unknown engine" -- "$snig" run --network "$tmp/net64" --input "$tmp/sparse-images-64.tsv" --bias -0.25 --engine nope
printf '1\n3\n' >"$tmp/truth64"
expect 0 "PASSED" -- "$snig" run --network "$tmp/net64" --input "$tmp/sparse-images-64.tsv" --bias -0.25 --truth "$tmp/truth64"
printf '1\n2\n' >"$tmp/truth64-wrong"
expect 1 "FAILED" -- "$snig" run --network "$tmp/net64" --input "$tmp/sparse-images-64.tsv" --bias -0.25 --truth "$tmp/truth64-wrong"

# ---- bad inputs: exit 2, the file named, no output left behind
bad_network() { # name content pattern
    mkdir -p "$tmp/$1"
    cp "$tmp/net64/n64-l1.tsv" "$tmp/$1/n64-l1.tsv"
    printf "$2" >"$tmp/$1/n64-l2.tsv"
    expect 2 "$3" -- "$snig" run --network "$tmp/$1" --input "$tmp/sparse-images-64.tsv" --bias -0.25 --out "$tmp/out-$1"
    [ ! -e "$tmp/out-$1" ] || fail "output file left behind for $1"
    expect 2 "n64-l2.tsv" -- "$snig" convert --network "$tmp/$1" --out "$tmp/conv-$1.snb"
    [ -z "$(ls "$tmp" | grep "conv-$1")" ] || fail "converted file left behind for $1"
}
bad_network malformed '1\t2\n' 'n64-l2.tsv:1'
bad_network index0 '1\t1\t1\n0\t2\t1\n' 'n64-l2.tsv:2'
bad_network beyond '1\t65\t1\n' 'n64-l2.tsv:1'
bad_network dup '1\t1\t1\n1\t1\t1\n' 'n64-l2.tsv:2'
bad_network empty '' 'n64-l2.tsv'
bad_network word '1\t1\tabc\n' 'n64-l2.tsv:1'
bad_network nan '1\t1\tnan\n' 'n64-l2.tsv:1'
bad_network inf '1\t1\tinf\n' 'n64-l2.tsv:1'
mkdir -p "$tmp/gap" && cp "$tmp/net64/n64-l1.tsv" "$tmp/gap/" && cp "$tmp/net64/n64-l1.tsv" "$tmp/gap/n64-l3.tsv"
expect 2 "n64-l2" -- "$snig" run --network "$tmp/gap" --input "$tmp/sparse-images-64.tsv" --bias -0.25 --layers 3
printf '1\t70\t1\n' >"$tmp/sparse-images-64-bad.tsv"
expect 2 "sparse-images-64-bad.tsv:1" -- "$snig" run --network "$tmp/net64" --input "$tmp/sparse-images-64-bad.tsv" --bias -0.25
expect 2 "sparse-images-64-bad.tsv:1" -- "$snig" convert --input "$tmp/sparse-images-64-bad.tsv" --neurons 64 --out "$tmp/bad-in.snb"
[ ! -e "$tmp/bad-in.snb" ] || fail "bad inputs left a converted file"
: >"$tmp/sparse-images-64-empty.tsv"
expect 2 "sparse-images-64-empty.tsv" -- "$snig" run --network "$tmp/net64" --input "$tmp/sparse-images-64-empty.tsv" --bias -0.25
expect 2 "no-such-file" -- "$snig" run --network "$tmp/no-such-file" --input "$tmp/sparse-images-64.tsv" --bias -0.25
printf '1\nx\n' >"$tmp/truth-bad"
expect 2 "truth-bad:2" -- "$snig" run --network "$tmp/net64" --input "$tmp/sparse-images-64.tsv" --bias -0.25 --truth "$tmp/truth-bad"

# ---- binary files: round trip, then mangled copies
expect 0 "wrote" -- "$snig" convert --network "$tmp/net64" --bias -0.25 --out "$tmp/net64.snb"
expect 0 "checksums   all hold" -- "$snig" info "$tmp/net64.snb"
expect 0 "PASSED" -- "$snig" run --network "$tmp/net64.snb" --input "$tmp/sparse-images-64.tsv" --truth "$tmp/truth64"
size=$(stat -c %s "$tmp/net64.snb")
head -c $((size / 2)) "$tmp/net64.snb" >"$tmp/truncated.snb"
expect 2 "truncated.snb" -- "$snig" run --network "$tmp/truncated.snb" --input "$tmp/sparse-images-64.tsv"
expect 2 "truncated.snb" -- "$snig" info "$tmp/truncated.snb"
cp "$tmp/net64.snb" "$tmp/flipped.snb"
printf '\xff' | dd of="$tmp/flipped.snb" bs=1 seek=$((size - 8)) conv=notrunc status=none
expect 2 "flipped.snb" -- "$snig" run --network "$tmp/flipped.snb" --input "$tmp/sparse-images-64.tsv" --out "$tmp/out-flipped"
[ ! -e "$tmp/out-flipped" ] || fail "output file left behind for a corrupt network"
printf 'NOTSNIG0' | dd of="$tmp/flipped.snb" bs=1 seek=0 conv=notrunc status=none
expect 2 "flipped.snb" -- "$snig" info "$tmp/flipped.snb"

# ---- the official check, through text and binary, when the data is here
if [ -f "$shared/neuron1024.tar.gz" ]; then
    net="$shared/neuron1024.tar.gz"
    in="$shared/sparse-images-1024-first1200.tsv.gz"
    truth="$shared/neuron1024-l120-categories.tsv"
    expect 0 "categories  19" -- "$snig" run --network "$net" --input "$in" --layers 120 --truth "$truth" --out "$tmp/cat.tsv"
    expect 0 "PASSED" -- "$snig" run --network "$net" --input "$in" --layers 120 --truth "$truth"
    [ "$(wc -l <"$tmp/cat.tsv")" = 19 ] || fail "--out does not hold 19 categories"
    expect 0 "wrote" -- "$snig" convert --network "$net" --layers 120 --out "$tmp/n1024.snb"
    expect 0 "wrote" -- "$snig" convert --input "$in" --out "$tmp/in1200.snb"
    expect 0 "PASSED" -- "$snig" run --network "$tmp/n1024.snb" --input "$tmp/in1200.snb" --truth "$truth"
    out=$("$snig" run --network "$tmp/n1024.snb" --input "$tmp/in1200.snb" --truth "$truth" --json)
    for key in engine neurons layers inputs edges load_seconds infer_seconds rate categories passed; do
        grep -q "\"$key\":" <<<"$out" || fail "--json lacks $key: $out"
    done
    grep -q '"categories": 19' <<<"$out" || fail "--json categories: $out"
    grep -q '"passed": true' <<<"$out" || fail "--json passed: $out"
    expect 2 "n1024-l121" -- "$snig" run --network "$net" --input "$in" --layers 121
else
    skip "official check: no official data at $shared"
fi

finish cli_run
