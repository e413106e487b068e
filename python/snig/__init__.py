"""snig: inference of large sparse deep neural networks, from Python.

    import snig
    net = snig.load_network("neuron1024.tar.gz", layers=120)
    inp = snig.load_inputs("sparse-images-1024.tsv.gz", neurons=1024)
    res = snig.infer(net, inp)          # engine="auto", threads=0, shortcuts=True
    res.categories                      # numpy uint64, 1-based rows still nonzero

    net2 = snig.network_from_scipy([W1, W2], biases=[b1, b2],
                                   activations=["relu", "identity"],
                                   bias_rule="dense")
    res2 = snig.infer(net2, X)          # X: scipy.sparse or numpy
    res2.values                         # scipy.sparse.csr_matrix, the final Y

    plan = net2.prepare(threads=2)      # prepared once, any number of batches
    plan.infer(X)

A thin ctypes layer over libsnig.so (see _lib.py for why); every call
releases the GIL while snig works, and a failure raises snig.SnigError
carrying snig's message.
"""
from ._core import (Inputs, LayerInfo, Network, Plan, Result, SnigError,
                    engines, infer, inputs, load_inputs, load_network)
from ._build import network_from_scipy
from ._torch import from_torch

__version__ = "0.1.0"   # SNIG_VERSION of include/snig.h (a test checks)

__all__ = ["Inputs", "LayerInfo", "Network", "Plan", "Result", "SnigError",
           "engines", "from_torch", "infer", "inputs", "load_inputs",
           "load_network", "network_from_scipy"]
