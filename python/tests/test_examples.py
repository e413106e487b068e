"""examples/python/fashion_mnist.py end to end, small: a one-hidden-layer MLP
trained briefly, pruned to 90% and 97%, snig against PyTorch (scores and
every argmax), the four ways timed side by side."""
import pathlib
import subprocess
import sys

import pytest

from conftest import SRC

pytest.importorskip("torch")
DATA = pathlib.Path("/usr/share/datasets/fashion-mnist")


def test_fashion_mnist_quick():
    if not (DATA / "t10k-images-idx3-ubyte.gz").exists():
        pytest.skip(f"no {DATA} (dataset-fashion-mnist)")
    out = subprocess.run(
        [sys.executable, str(SRC / "examples" / "python" / "fashion_mnist.py"),
         "--hidden", "128", "--epochs", "1", "--finetune", "0", "--train-limit", "10000",
         "--repeat", "1"],
        capture_output=True, text=True, timeout=600)
    print(out.stdout, out.stderr)
    assert out.returncode == 0
    assert "PASS" in out.stdout and "argmax all equal" in out.stdout
    for way in ("pytorch dense", "torch.sparse.mm", "scipy csr", "snig"):
        assert out.stdout.count(way) >= 2
    assert " 0.900 " in out.stdout and " 0.970 " in out.stdout
