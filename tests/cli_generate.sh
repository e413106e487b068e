#!/bin/bash
# snig generate: exit codes, messages, determinism and round trips through
# the CLI.  args: $1 snig binary, $2 shared data dir, $3 tests/data dir.
set -u
snig=$1
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail=0
check() { # check DESCRIPTION WANTED_RC COMMAND...
    local what=$1 want=$2
    shift 2
    "$@" > "$work/out" 2> "$work/err"
    local rc=$?
    if [ "$rc" != "$want" ]; then
        echo "FAIL: $what: exit $rc, wanted $want"; cat "$work/err"; fail=1
    fi
}

check "generate --help" 0 "$snig" generate --help
check "network --help" 0 "$snig" generate network --help
grep -q -- "--neurons" "$work/out" || { echo "FAIL: network --help text"; fail=1; }
check "inputs --help" 0 "$snig" generate inputs --help
check "no kind" 2 "$snig" generate
check "bad kind" 2 "$snig" generate graph --neurons 1024
check "no layers" 2 "$snig" generate network --neurons 1024 --out "$work/x.snb"
check "bad neurons" 2 "$snig" generate network --neurons 1000 --layers 2 --out "$work/x.snb"
grep -q "1000 neurons" "$work/err" || { echo "FAIL: message for 1000 neurons"; cat "$work/err"; fail=1; }
check "no bias for 128" 2 "$snig" generate network --neurons 128 --layers 2 --out "$work/x.snb"
check "bad option" 2 "$snig" generate network --neurons 1024 --layers 2 --frobnicate 1 --out "$work/x.snb"
check "bad format" 2 "$snig" generate network --neurons 1024 --layers 2 --format csv --out "$work/x.snb"
[ ! -e "$work/x.snb" ] || { echo "FAIL: output left after errors"; fail=1; }

check "net a" 0 "$snig" generate network --neurons 1024 --layers 12 --seed 3 --out "$work/a.snb"
check "net b" 0 "$snig" generate network --neurons 1024 --layers 12 --seed 3 --out "$work/b.snb"
check "net c" 0 "$snig" generate network --neurons 1024 --layers 12 --seed 4 --out "$work/c.snb"
cmp -s "$work/a.snb" "$work/b.snb" || { echo "FAIL: same seed, different bytes"; fail=1; }
cmp -s "$work/a.snb" "$work/c.snb" && { echo "FAIL: other seed, same bytes"; fail=1; }
check "info" 0 "$snig" info "$work/a.snb"
grep -q "layers *12" "$work/out" || { echo "FAIL: info of a generated network"; cat "$work/out"; fail=1; }
check "other N with bias" 0 "$snig" generate network --neurons 256 --layers 3 --bias -0.2 --format tsv --out "$work/n256"
[ -f "$work/n256/n256-l3.tsv" ] || { echo "FAIL: tsv layout"; fail=1; }

# Inputs from a tiny hand-made IDX file: 2 images of 4 x 4.
printf '\x00\x00\x08\x03\x00\x00\x00\x02\x00\x00\x00\x04\x00\x00\x00\x04' > "$work/img.idx"
printf '\xff\x00\x00\x00\x00\xff\x00\x00\x00\x00\xff\x00\x00\x00\x00\xff' >> "$work/img.idx"
printf '\x00\x00\x00\xff\x00\x00\xff\x00\x00\xff\x00\x00\xff\x00\x00\x00' >> "$work/img.idx"
check "inputs tsv" 0 "$snig" generate inputs --neurons 1024 --images "$work/img.idx" --count 5 --format tsv --out "$work/in.tsv"
rows=$(cut -f1 "$work/in.tsv" | sort -u | wc -l)
[ "$rows" = 5 ] || { echo "FAIL: 5 rows wanted, got $rows"; fail=1; }
check "not square" 2 "$snig" generate inputs --neurons 2048 --images "$work/img.idx" --out "$work/in2.tsv"
head -c 20 "$work/img.idx" > "$work/short.idx"
check "truncated idx" 2 "$snig" generate inputs --neurons 1024 --images "$work/short.idx" --out "$work/in2.tsv"
grep -q "short.idx: truncated" "$work/err" || { echo "FAIL: truncated message"; cat "$work/err"; fail=1; }
check "bad threshold" 2 "$snig" generate inputs --neurons 1024 --images "$work/img.idx" --threshold 2 --out "$work/in2.tsv"
[ ! -e "$work/in2.tsv" ] || { echo "FAIL: inputs left after errors"; fail=1; }
exit $fail
