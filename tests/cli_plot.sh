#!/usr/bin/env bash
# snig plot: run --json outputs of two runs drawn to SVG and PNG through
# gnuplot; bad inputs give exit 2 and leave no picture.  Skips (77) when
# gnuplot is not installed.
# usage: cli_plot.sh SNIG SHARED_DATA TEST_DATA
set -u
snig=$1
. "$(dirname "$0")/shell_checks.sh"

if ! command -v gnuplot >/dev/null 2>&1; then
    echo "cli_plot: gnuplot not installed (Debian: gnuplot-nox): skipped"
    exit 77
fi
expect 0 "usage: snig plot" -- "$snig" plot --help
expect 2 "at least one" -- "$snig" plot

# a tiny network of 4 layers by hand, and three rows (one dies at once)
mkdir -p "$tmp/net64"
for l in 1 2 3 4; do
    for i in $(seq 1 64); do printf '%d\t%d\t1.0\n' "$i" $(( (i % 64) + 1 )); done >"$tmp/net64/n64-l$l.tsv"
done
printf '1\t1\t1\n1\t2\t1\n2\t5\t0.1\n3\t7\t1\n' >"$tmp/in64.tsv"
for engine in reference cpu; do
    expect 0 "" -- "$snig" run --network "$tmp/net64" --input "$tmp/in64.tsv" \
        --bias -0.1 --engine "$engine" --json --quiet
    printf '%s\n' "$last_out" >"$tmp/$engine.json"
    grep -q '"live_rows": \[2, 2, 2, 2\]' "$tmp/$engine.json" ||
        fail "$engine: live_rows: $(cat "$tmp/$engine.json")"
    grep -q '"layer_seconds": \[' "$tmp/$engine.json" ||
        fail "$engine: no layer_seconds"
    grep -q '"write_seconds": ' "$tmp/$engine.json" || fail "$engine: no write_seconds"
done
expect 0 "wrote" -- "$snig" plot --out "$tmp/pic" --title "two engines" \
    --label reference "$tmp/reference.json" "$tmp/cpu.json"
head -c 600 "$tmp/pic.svg" | grep -q "<svg" || fail "pic.svg is not an SVG"
head -c 8 "$tmp/pic.png" | grep -q "PNG" || fail "pic.png is not a PNG"
grep -q "reference" "$tmp/pic.svg" || fail "the key lacks the label"

# bad inputs: exit 2, the file named, no picture left behind
printf '{"engine": "cpu", "layers": 4}\n' >"$tmp/nolayers.json"
expect 2 "nolayers.json:1: no per-layer arrays" -- "$snig" plot --out "$tmp/bad" "$tmp/nolayers.json"
printf '{"live_rows": [1, 2, x]}\n' >"$tmp/broken.json"
expect 2 "broken.json:1: malformed" -- "$snig" plot --out "$tmp/bad" "$tmp/broken.json"
expect 2 "missing.json" -- "$snig" plot --out "$tmp/bad" "$tmp/missing.json"
[ ! -e "$tmp/bad.svg" ] && [ ! -e "$tmp/bad.png" ] || fail "a picture was left after a failure"
finish cli_plot
