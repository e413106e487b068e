# Shared by the tests/cli_*.sh scripts (sourced, not run): a scratch folder
# removed on exit, a failure count, and the exit-code-and-message check.

failures=0
skips=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

fail() { echo "FAIL: $*" >&2; failures=$((failures + 1)); }

# skip WHAT: a part that cannot run here; finish then exits 77 (CTest's
# skip) when nothing failed, so a skipped part is never reported as a pass.
skip() { echo "skipped: $*"; skips=$((skips + 1)); }

# expect CODE PATTERN -- command...: exit code and a pattern on stdout+stderr;
# the output stays in $last_out.
expect() {
    local want=$1 pattern=$2
    shift 3
    local out code
    out=$("$@" 2>&1)
    code=$?
    if [ "$code" != "$want" ]; then
        fail "exit $code (wanted $want): $*"$'\n'"$out"
    elif [ -n "$pattern" ] && ! grep -q -e "$pattern" <<<"$out"; then
        fail "output lacks '$pattern': $*"$'\n'"$out"
    fi
    last_out=$out
}

# finish NAME: the closing line and exit status of a script.
finish() {
    if [ "$failures" -ne 0 ]; then
        echo "$1: $failures failure(s)" >&2
        exit 1
    fi
    if [ "$skips" -ne 0 ]; then
        echo "$1: $skips part(s) skipped (see above), the rest passed: reported as skipped"
        exit 77
    fi
    echo "$1: all checks passed"
}
