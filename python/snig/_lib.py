"""The C library, reached through ctypes: where libsnig.so is, and the
prototypes and structures of include/snig.h that the module uses.

ctypes (not a compiled extension) keeps the module one plain folder of
Python that works with any Python 3 and any numpy, with nothing to build:
libsnig.so is the one binary, shared by C and Python programs.  ctypes
releases the GIL during every call into the library.  The price: the
structures below must match snig.h by hand; tests/python/test_layout.py
compiles a program that prints the C layout and compares.
"""
import ctypes
import ctypes.util
import os

c_u32, c_u64, c_int, c_float, c_double = (ctypes.c_uint32, ctypes.c_uint64,
                                          ctypes.c_int, ctypes.c_float,
                                          ctypes.c_double)
c_char_p, c_void_p, c_size_t = ctypes.c_char_p, ctypes.c_void_p, ctypes.c_size_t
P = ctypes.POINTER


class LoadOptions(ctypes.Structure):
    _fields_ = [("layers", c_u32), ("neurons", c_u32), ("row_first", c_u64),
                ("row_count", c_u64), ("verify", c_int)]


class LayerDesc(ctypes.Structure):
    _fields_ = [("n_in", c_u32), ("n_out", c_u32), ("rowptr", P(c_u32)),
                ("col", P(c_u32)), ("val", P(c_float)), ("uniform", c_float),
                ("bias", P(c_float)), ("bias_value", c_float),
                ("bias_rule", c_int), ("activation", c_int), ("cap", c_float)]


class LayerInfo(ctypes.Structure):
    _fields_ = [("n_in", c_u32), ("n_out", c_u32), ("nnz", c_u64),
                ("bias_rule", c_int), ("activation", c_int), ("cap", c_float),
                ("has_bias", c_int), ("per_neuron_bias", c_int),
                ("bias", c_float), ("uniform_values", c_int),
                ("uniform", c_float)]


class Options(ctypes.Structure):
    _fields_ = [("engine", c_char_p), ("local_engine", c_char_p),
                ("threads", c_int), ("batch", c_u32), ("layers", c_u32),
                ("has_bias", c_int), ("bias", c_float), ("shortcuts", c_int),
                ("keep_values", c_int), ("gpus", c_int),
                ("weight_buffers", c_int), ("gpu_memory", c_u64),
                ("broadcast_weights", c_int), ("dynamic", c_int),
                ("comm", c_void_p)]


# Constants of snig.h.
ACT_RELU_CAP, ACT_RELU, ACT_IDENTITY = 0, 1, 2
BIAS_NONZERO, BIAS_DENSE = 0, 1
COPY, BORROW = 0, 1
STATUS_NAMES = ["OK", "USAGE", "IO", "FORMAT", "RANGE", "SIZE", "CORRUPT",
                "MISSING", "NOMEM", "UNSUPPORTED", "ENGINE", "CANCELLED",
                "INTERNAL"]

# name: (restype, argtypes).  Handles are opaque: c_void_p.
_H = c_void_p
_PH = P(c_void_p)
_PROTOTYPES = {
    "snig_status_str": (c_char_p, [c_int]),
    "snig_ctx_new": (c_int, [_PH, c_void_p]),
    "snig_ctx_free": (None, [_PH]),
    "snig_errmsg": (c_char_p, [_H]),
    "snig_load_options_init": (None, [P(LoadOptions)]),
    "snig_layer_desc_init": (None, [P(LayerDesc)]),
    "snig_network_from_layers": (c_int, [_H, P(LayerDesc), c_u32, ctypes.c_uint, _PH]),
    "snig_network_load": (c_int, [_H, c_char_p, P(LoadOptions), _PH]),
    "snig_network_free": (None, [_PH]),
    "snig_network_neurons": (c_u32, [_H]),
    "snig_network_layers": (c_u32, [_H]),
    "snig_network_edges": (c_u64, [_H]),
    "snig_network_layer_info": (c_int, [_H, c_u32, P(LayerInfo)]),
    "snig_network_set_bias": (c_int, [_H, _H, c_float]),
    "snig_network_save": (c_int, [_H, _H, c_char_p]),
    "snig_inputs_load": (c_int, [_H, c_char_p, P(LoadOptions), _PH]),
    "snig_inputs_free": (None, [_PH]),
    "snig_inputs_from_csr": (c_int, [_H, c_u64, c_u32, P(c_u64), P(c_u32),
                                     P(c_float), ctypes.c_uint, _PH]),
    "snig_inputs_from_dense": (c_int, [_H, c_u64, c_u32, P(c_float), _PH]),
    "snig_inputs_rows": (c_u64, [_H]),
    "snig_inputs_neurons": (c_u32, [_H]),
    "snig_inputs_nonzeros": (c_u64, [_H]),
    "snig_inputs_first_row": (c_u64, [_H]),
    "snig_inputs_save": (c_int, [_H, _H, c_char_p]),
    "snig_options_init": (None, [P(Options)]),
    "snig_plan_new": (c_int, [_H, _H, P(Options), _PH]),
    "snig_plan_infer": (c_int, [_H, _H, _H, _PH]),
    "snig_plan_free": (None, [_PH]),
    "snig_plan_engine": (c_char_p, [_H]),
    "snig_plan_fallback": (c_char_p, [_H]),
    "snig_plan_seconds": (c_double, [_H]),
    "snig_result_free": (None, [_PH]),
    "snig_result_categories": (P(c_u64), [_H, P(c_u64)]),
    "snig_result_engine": (c_char_p, [_H]),
    "snig_result_fallback": (c_char_p, [_H]),
    "snig_result_seconds": (c_double, [_H]),
    "snig_result_prepare_seconds": (c_double, [_H]),
    "snig_result_layers": (c_u32, [_H]),
    "snig_result_edges": (c_u64, [_H]),
    "snig_result_live_rows": (P(c_u64), [_H]),
    "snig_result_madds": (c_u64, [_H]),
    "snig_result_layer_madds": (P(c_u64), [_H]),
    "snig_result_layer_seconds": (P(c_double), [_H]),
    "snig_result_outputs": (c_u32, [_H]),
    "snig_result_values": (c_int, [_H, P(P(c_u64)), P(P(c_u32)), P(P(c_float))]),
    "snig_engine_name": (c_char_p, [c_size_t]),
    "snig_engine_summary": (c_char_p, [c_char_p]),
    "snig_engine_available": (c_int, [c_char_p]),
    "snig_engine_auto": (c_char_p, []),
}


def _candidates():
    """Where libsnig.so may be, first found wins: $SNIG_LIBRARY, the path
    written at installation (_install.py), the system's search."""
    env = os.environ.get("SNIG_LIBRARY")
    if env:
        return [env]
    found = []
    try:
        from . import _install  # written by cmake --install
        found.append(os.path.normpath(os.path.join(os.path.dirname(__file__),
                                                   _install.LIBRARY)))
    except ImportError:
        pass
    system = ctypes.util.find_library("snig")
    found.append(system or "libsnig.so.0")
    return found


def _load():
    errors = []
    for path in _candidates():
        try:
            lib = ctypes.CDLL(path)
            break
        except OSError as e:
            errors.append(f"{path}: {e}")
    else:
        raise ImportError("snig: cannot load libsnig.so (" + "; ".join(errors) +
                          "); install snig (README, 'Use from Python') or "
                          "set SNIG_LIBRARY to the library's path")
    for name, (res, args) in _PROTOTYPES.items():
        fn = getattr(lib, name)
        fn.restype, fn.argtypes = res, args
    return lib


lib = _load()
