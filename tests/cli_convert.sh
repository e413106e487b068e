#!/bin/bash
# snig convert --to snb|tsv|mtx and snig info on general networks: round
# trips through every format are byte-identical as .snb, info lists the
# layers and names a damaged one, exports are atomic (also when killed by
# SIGTERM).  args: $1 snig binary, $2 shared data dir, $3 tests/data dir.
set -u
snig=$1
data=$2
source "$(dirname "$0")/shell_checks.sh"

# A hand-made rectangular network: 4 -> 3 (dense, ReLU, per-neuron bias),
# 3 -> 2 (nonzero, identity, bias 0.5).
mkdir "$tmp/rect"
printf '1\t1\t0.5\n3\t1\t-1.25\n2\t2\t2\n4\t3\t0.75\n' > "$tmp/rect/n4x3-l1.tsv"
printf '1\t1\t1\n2\t1\t-0.5\n3\t2\t3\n' > "$tmp/rect/n3x2-l2.tsv"
printf '# layer n_in n_out bias_rule activation cap bias\n' > "$tmp/rect/snig-network.tsv"
printf '1\t4\t3\tdense\trelu\t0\tper-neuron\n2\t3\t2\tnonzero\tidentity\t0\t0.5\n' >> "$tmp/rect/snig-network.tsv"
printf '0.1\n-0.2\n0.3\n' > "$tmp/rect/bias-l1.tsv"

expect 0 "outputs *3" -- "$snig" info "$tmp/rect/n4x3-l1.tsv"
# Checked before anything is read: a missing source, an output folder
# that does not exist.
expect 2 "No such file" -- "$snig" convert --network "$tmp/none" --out "$tmp/x.snb"
expect 2 "folder does not exist" -- "$snig" convert --network "$tmp/rect" --out "$tmp/no/x.snb"
expect 0 "wrote" -- "$snig" convert --network "$tmp/rect" --out "$tmp/r.snb"
expect 0 "outputs *2" -- "$snig" info "$tmp/r.snb"
grep -q "1 *4 x 3, 4 nonzeros, bias rule dense, ReLU, bias per neuron" <<<"$last_out" ||
    fail "info lacks layer 1: $last_out"
grep -q "2 *3 x 2, 3 nonzeros, bias rule nonzero, identity, bias 0.5" <<<"$last_out" ||
    fail "info lacks layer 2: $last_out"
grep -q "format version 2" <<<"$last_out" || fail "info lacks the version"

for to in tsv mtx; do
    expect 0 "wrote" -- "$snig" convert --network "$tmp/r.snb" --to $to --out "$tmp/r-$to"
    [ -f "$tmp/r-$to/n4x3-l1.$to" ] && [ -f "$tmp/r-$to/n3x2-l2.$to" ] ||
        fail "--to $to: layer files missing: $(ls "$tmp/r-$to")"
    expect 0 "wrote" -- "$snig" convert --network "$tmp/r-$to" --out "$tmp/back-$to.snb"
    cmp -s "$tmp/r.snb" "$tmp/back-$to.snb" || fail "snb -> $to -> snb differs"
    expect 2 "not an empty directory" -- "$snig" convert --network "$tmp/r.snb" --to $to --out "$tmp/r-$to"
done
expect 2 "use snb, tsv or mtx" -- "$snig" convert --network "$tmp/r.snb" --to csv --out "$tmp/x"
expect 2 "inputs are written as snb only" -- "$snig" convert --input "$tmp/r.snb" --to tsv --out "$tmp/x"
[ ! -e "$tmp/x" ] || fail "output left after usage errors"

# A damaged layer is named by info (exit 2).
expect 0 "" -- "$snig" generate network --neurons 1024 --layers 3 --out "$tmp/g.snb"
size=$(stat -c %s "$tmp/g.snb")
printf '\x01' | dd of="$tmp/g.snb" bs=1 seek=$((size - 100)) conv=notrunc status=none
expect 2 "layer 3 is damaged: .*layer 3: checksum mismatch" -- "$snig" info "$tmp/g.snb"
grep -q "1-3 *1024 x 1024" <<<"$last_out" || fail "info lacks the run of layers 1-3: $last_out"

# Official TSV: info says which bias run will use.
if [ -f "$data/neuron1024.tar.gz" ]; then
    expect 0 "run uses the official -0.3 for N = 1024" -- "$snig" info "$data/neuron1024.tar.gz"
    # SIGTERM during a conversion: no output, no temporary.
    "$snig" convert --network "$data/neuron1024.tar.gz" --to tsv --out "$tmp/killed" > /dev/null 2>&1 &
    pid=$!
    sleep 0.3
    kill -TERM $pid
    wait $pid
    code=$?
    [ $code -ne 0 ] || fail "convert went on after SIGTERM (exit 0)"
    [ ! -e "$tmp/killed" ] || fail "SIGTERM left $tmp/killed"
    ls "$tmp" | grep -q "killed.tmp" && fail "SIGTERM left a temporary: $(ls "$tmp")"
else
    echo "cli_convert: no official data: official checks skipped"
fi
finish cli_convert
