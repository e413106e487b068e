#!/usr/bin/env bash
# Where --out writes: a regular file is replaced whole (its permissions
# kept), a symbolic link is followed (the file it points to is replaced, the
# link stays), '-' is standard output (the report then goes to stderr), a
# device or a FIFO is written into and never replaced (/dev/full: exit 2 and
# the reason, /dev/full still a device), a folder is refused.  And every
# input and output is checked before anything is loaded.
# usage: cli_out.sh SNIG SHARED_DATA TEST_DATA
set -u
snig=$1
. "$(dirname "$0")/shell_checks.sh"

mkdir -p "$tmp/net64"
for l in 1 2; do
    for i in $(seq 1 64); do printf '%d\t%d\t1.0\n' "$i" "$i"; done >"$tmp/net64/n64-l$l.tsv"
done
printf '1\t1\t1\n1\t2\t1\n3\t5\t1\n' >"$tmp/in64.tsv"
run=("$snig" run --network "$tmp/net64" --input "$tmp/in64.tsv" --bias -0.25 --engine reference)
want=$'1\n3'

# ---- a regular file: replaced, permission bits kept
printf 'old\n' >"$tmp/cat.tsv"
chmod 640 "$tmp/cat.tsv"
expect 0 "categories  2" -- "${run[@]}" --out "$tmp/cat.tsv"
[ "$(cat "$tmp/cat.tsv")" = "$want" ] || fail "regular file: $(cat "$tmp/cat.tsv")"
[ "$(stat -c %a "$tmp/cat.tsv")" = 640 ] || fail "regular file: mode now $(stat -c %a "$tmp/cat.tsv")"

# ---- a symbolic link (relative, to a file in another folder): followed
mkdir -p "$tmp/real" "$tmp/links"
printf 'old\n' >"$tmp/real/target.tsv"
ln -s ../real/target.tsv "$tmp/links/link.tsv"
expect 0 "" -- "${run[@]}" --out "$tmp/links/link.tsv"
[ -L "$tmp/links/link.tsv" ] || fail "symlink: the link was replaced"
[ "$(cat "$tmp/real/target.tsv")" = "$want" ] || fail "symlink: target not written"
[ -z "$(find "$tmp/links" "$tmp/real" -name "*.tmp.*")" ] || fail "symlink: temporary left"
# a dangling link: the file it names is created
ln -s ../real/new.tsv "$tmp/links/dangling.tsv"
expect 0 "" -- "${run[@]}" --out "$tmp/links/dangling.tsv"
[ -L "$tmp/links/dangling.tsv" ] && [ "$(cat "$tmp/real/new.tsv")" = "$want" ] ||
    fail "dangling symlink: not followed"

# ---- '-': the categories alone on stdout, the report on stderr
out=$("${run[@]}" --out - 2>"$tmp/err")
code=$?
[ "$code" = 0 ] && [ "$out" = "$want" ] || fail "--out -: exit $code, stdout '$out'"
grep -q "categories  2" "$tmp/err" || fail "--out -: no report on stderr: $(cat "$tmp/err")"
[ ! -e ./- ] || fail "--out -: wrote a file named '-'"
out=$("${run[@]}" --out - --json 2>"$tmp/err")
[ "$out" = "$want" ] && grep -q '"categories": 2' "$tmp/err" || fail "--out - --json: '$out'"

# ---- devices: written into, never replaced.  Private device nodes made
# here where possible (root), so that a snig that replaces its target (the
# bug this checks) damages nothing outside this test; a user who cannot
# make them cannot replace /dev's either.
null=/dev/null full=/dev/full
if mknod "$tmp/null" c 1 3 2>/dev/null && mknod "$tmp/full" c 1 7 2>/dev/null; then
    null=$tmp/null full=$tmp/full
elif [ "$(id -u)" = 0 ]; then
    null= full=
    skip "device checks: cannot make device nodes as root"
fi
if [ -n "$null" ]; then
    expect 0 "categories  2" -- "${run[@]}" --out "$null"
    [ -c "$null" ] || fail "$null is no longer a device"
    expect 2 "No space left on device" -- "${run[@]}" --out "$full"
    [ -c "$full" ] || fail "$full is no longer a device"
fi

# ---- a FIFO: written into, stays a FIFO
mkfifo "$tmp/fifo"
timeout 20 cat "$tmp/fifo" >"$tmp/from-fifo" &
reader=$!
expect 0 "" -- timeout 20 "${run[@]}" --out "$tmp/fifo"
wait "$reader"
[ -p "$tmp/fifo" ] || fail "FIFO replaced"
[ "$(cat "$tmp/from-fifo")" = "$want" ] || fail "FIFO: read '$(cat "$tmp/from-fifo")'"

# ---- a folder: refused, nothing written into it
mkdir -p "$tmp/folder"
expect 2 "is a directory" -- "${run[@]}" --out "$tmp/folder"
[ -z "$(ls "$tmp/folder")" ] || fail "folder: something written into it"

# ---- checked before any loading: a broken network is not even read when
# an output or the truth cannot be used
mkdir -p "$tmp/broken" && printf '1\tx\n' >"$tmp/broken/n64-l1.tsv"
broken=("$snig" run --network "$tmp/broken" --input "$tmp/in64.tsv" --bias -0.25)
expect 2 "" -- "${broken[@]}"
grep -q "n64-l1.tsv" <<<"$last_out" || fail "broken network not reported: $last_out"
expect 2 "--out $tmp/nowhere/cat.tsv: its folder does not exist" -- "${broken[@]}" --out "$tmp/nowhere/cat.tsv"
grep -q "n64-l1.tsv" <<<"$last_out" && fail "--out checked only after loading: $last_out"
expect 2 "--out $tmp/folder: is a directory" -- "${broken[@]}" --out "$tmp/folder"
expect 2 "--truth $tmp/no-truth.tsv: No such file" -- "${broken[@]}" --truth "$tmp/no-truth.tsv"
grep -q "n64-l1.tsv" <<<"$last_out" && fail "--truth checked only after loading: $last_out"
expect 2 "--input $tmp/no-input.tsv: No such file" -- "$snig" run --network "$tmp/broken" --input "$tmp/no-input.tsv" --bias -0.25
expect 2 "--network $tmp/no-net: No such file" -- "$snig" run --network "$tmp/no-net" --input "$tmp/in64.tsv"
# generate too: the output folder is checked before the work
expect 2 "its folder does not exist" -- "$snig" generate network --neurons 1024 --layers 2 --out "$tmp/nowhere/n.snb"
expect 2 "--images $tmp/no.idx: No such file" -- "$snig" generate inputs --neurons 1024 --images "$tmp/no.idx" --out "$tmp/i.snb"

finish cli_out
