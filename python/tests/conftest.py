"""Shared by the Python tests: where the official data and the sources are."""
import os
import pathlib

import pytest

SRC = pathlib.Path(__file__).resolve().parents[2]
SHARED = pathlib.Path(os.environ.get("SNIG_SHARED_DATA",
                                     SRC.parent / "shared" / "data" / "graphchallenge"))


@pytest.fixture
def official():
    """The official 1024-neuron files, or a skip."""
    files = {"network": SHARED / "neuron1024.tar.gz",
             "inputs": SHARED / "sparse-images-1024-first1200.tsv.gz",
             "truth": SHARED / "neuron1024-l120-categories.tsv"}
    if not all(p.exists() for p in files.values()):
        pytest.skip(f"no official data in {SHARED}")
    return files


def truth_rows(path, rows=1200):
    """1-based truth rows within the first `rows` inputs."""
    import numpy as np
    t = np.loadtxt(path, dtype=np.uint64, ndmin=1)
    return t[t <= rows]
