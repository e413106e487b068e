"""The README's "Use from Python" examples, run as written (in a scratch
folder holding the official files under the names the README uses)."""
import os
import re

import pytest

from conftest import SHARED, SRC


def readme_blocks():
    text = (SRC / "README.md").read_text()
    section = text.split("## Use from Python\n", 1)[1].split("\n## ", 1)[0]
    blocks, current = [], []
    for line in section.split("\n") + [""]:
        if line.startswith("    ") or (current and line == ""):
            current.append(line[4:])
        else:
            if current:
                blocks.append("\n".join(current).strip() + "\n")
            current = []
    return [b for b in blocks if re.match(r"(import|from) ", b)]


BLOCKS = readme_blocks()


def test_the_readme_has_the_three_examples():
    assert len(BLOCKS) == 3
    assert "load_network" in BLOCKS[0] and "network_from_scipy" in BLOCKS[1]
    assert "from_torch" in BLOCKS[2]


@pytest.mark.parametrize("k", range(len(BLOCKS)))
def test_readme_example_runs(k, tmp_path, monkeypatch, capsys):
    code = BLOCKS[k]
    if "import torch" in code:
        pytest.importorskip("torch")
    if "neuron1024.tar.gz" in code:
        net, inp = SHARED / "neuron1024.tar.gz", SHARED / "sparse-images-1024-first1200.tsv.gz"
        if not (net.exists() and inp.exists()):
            pytest.skip(f"no official data in {SHARED}")
        os.symlink(net, tmp_path / "neuron1024.tar.gz")
        os.symlink(inp, tmp_path / "sparse-images-1024.tsv.gz")
    monkeypatch.chdir(tmp_path)
    exec(compile(code, f"README.md block {k + 1}", "exec"), {"__name__": "__readme__"})
    out = capsys.readouterr().out
    if k == 0:
        assert " 19 [" in out            # the 19 official categories
    if k == 1:
        assert "(1000, 10)" in out
    if k == 2:
        assert float(out.split()[-1]) < 1e-4
