"""Networks built from matrices: SciPy sparse or numpy weights per layer,
bias vectors, an activation per layer, either bias rule."""
import ctypes
import numbers

import numpy as np

from . import _lib
from ._core import Network, _Ctx, _ptr
from ._lib import lib

_RULES = {"dense": _lib.BIAS_DENSE, "nonzero": _lib.BIAS_NONZERO}


def _activation(a, k):
    """"relu", "identity", or a number c: ReLU capped at c."""
    if isinstance(a, str):
        if a == "relu":
            return _lib.ACT_RELU, 0.0
        if a == "identity":
            return _lib.ACT_IDENTITY, 0.0
    elif isinstance(a, numbers.Real) and not isinstance(a, bool):
        return _lib.ACT_RELU_CAP, float(a)
    raise ValueError(f"snig: layer {k}: activation {a!r}: use 'relu', "
                     "'identity' or a number c (ReLU capped at c)")


def _csr(w, k):
    """W as CSR by input neuron (rows = inputs), explicit zeros dropped."""
    import scipy.sparse as sp
    if sp.issparse(w):
        m = sp.csr_matrix(w, dtype=np.float32, copy=True)
    else:
        a = np.asarray(w, dtype=np.float32)
        if a.ndim != 2:
            raise ValueError(f"snig: layer {k}: weights must be 2-D (n_in x n_out), not {a.shape}")
        m = sp.csr_matrix(a)
    m.sum_duplicates()
    m.eliminate_zeros()
    m.sort_indices()
    return m


def network_from_scipy(weights, biases=None, activations=None,
                       bias_rule="dense"):
    """A network from one matrix per layer, W_k of shape (n_in, n_out), as
    Z = Y W (a torch.nn.Linear weight is the transpose): scipy.sparse or
    numpy (zeros are not stored).  biases: one vector of n_out per layer (or
    a number, or None for 0).  activations: per layer "relu", "identity" or a
    number c (ReLU capped at c; 32.0 is the challenge's); default ReLU for
    every layer but the last, identity for the last.  bias_rule: "dense"
    (the bias on every output, as torch.nn.Linear) or "nonzero" (the
    challenge's: on the nonzeros of Y W), or one per layer."""
    weights = list(weights)
    n = len(weights)
    if n == 0:
        raise ValueError("snig: a network needs at least one layer")
    if biases is None:
        biases = [None] * n
    if activations is None:
        activations = ["relu"] * (n - 1) + ["identity"]
    rules = [bias_rule] * n if isinstance(bias_rule, str) else list(bias_rule)
    biases, activations = list(biases), list(activations)
    for what, seq in (("biases", biases), ("activations", activations),
                      ("bias_rule", rules)):
        if len(seq) != n:
            raise ValueError(f"snig: {len(seq)} {what} for {n} layers")
    descs = (_lib.LayerDesc * n)()
    keep = []   # the arrays must live until snig has copied them
    for k in range(n):
        m = _csr(weights[k], k)
        n_in, n_out = m.shape
        rowptr = np.ascontiguousarray(m.indptr, dtype=np.uint32)
        col = np.ascontiguousarray(m.indices, dtype=np.uint32)
        val = np.ascontiguousarray(m.data, dtype=np.float32)
        d = descs[k]
        lib.snig_layer_desc_init(ctypes.byref(d))
        d.n_in, d.n_out = n_in, n_out
        d.rowptr, d.col, d.val = (_ptr(rowptr, ctypes.c_uint32),
                                  _ptr(col, ctypes.c_uint32),
                                  _ptr(val, ctypes.c_float))
        b = biases[k]
        d.bias_value = 0.0
        d.bias = None
        if isinstance(b, numbers.Real):
            d.bias_value = float(b)
        elif b is not None:
            b = np.ascontiguousarray(np.asarray(b, dtype=np.float32).reshape(-1))
            if b.shape != (n_out,):
                raise ValueError(f"snig: layer {k}: bias has {b.size} values, "
                                 f"the layer {n_out} outputs")
            d.bias = _ptr(b, ctypes.c_float)
            keep.append(b)
        if rules[k] not in _RULES:
            raise ValueError(f"snig: layer {k}: bias_rule {rules[k]!r}: use 'dense' or 'nonzero'")
        d.bias_rule = _RULES[rules[k]]
        d.activation, d.cap = _activation(activations[k], k)
        keep += [rowptr, col, val]
    ptr = ctypes.c_void_p()
    with _Ctx() as c:
        c.check(lib.snig_network_from_layers(c.ptr, descs, n, _lib.COPY,
                                             ctypes.byref(ptr)))
    return Network(ptr)
