#!/usr/bin/env bash
# Ctrl-C (SIGINT) or SIGTERM in the middle of writing: exit 130 or 143 (128 +
# the signal, as a shell reports it; not 2, an input error), "interrupted",
# and nothing left behind: no output, no temporary file or folder.
# usage: cli_interrupt.sh SNIG SHARED_DATA TEST_DATA
set -u
snig=$1
. "$(dirname "$0")/shell_checks.sh"

# interrupt SIGNAL FORMAT: starts a long generation, signals it after it has
# begun writing, checks the outcome.
interrupt() {
    local sig=$1 format=$2 want=$3 out="$tmp/net-$1-$2"
    "$snig" generate network --neurons 65536 --layers 1920 --format "$format" \
        --out "$out" >"$tmp/log" 2>&1 &
    local pid=$!
    for _ in $(seq 1 100); do # until the temporary output exists
        ls "$tmp" | grep -q "net-$sig-$format.tmp" && break
        sleep 0.05
    done
    sleep 0.3
    kill -"$sig" "$pid"
    wait "$pid"
    local code=$?
    [ "$code" = "$want" ] || fail "$sig/$format: exit $code, wanted $want: $(cat "$tmp/log")"
    grep -q "interrupted" "$tmp/log" || fail "$sig/$format: no 'interrupted': $(cat "$tmp/log")"
    left=$(ls "$tmp" | grep "net-$sig-$format")
    [ -z "$left" ] || fail "$sig/$format: left behind: $left"
}
interrupt INT snb 130
interrupt TERM snb 143
interrupt INT tsv 130

finish cli_interrupt
