"""Networks, inputs, prepared networks (plans) and results: Python objects
that own one snig handle each and free it when they go."""
import ctypes
import os
import threading

import numpy as np

from . import _lib
from ._lib import lib


class SnigError(Exception):
    """A failed snig call: `status` is snig's status name ("FORMAT",
    "UNSUPPORTED", ...), the text snig's message ("file:line: what")."""

    def __init__(self, status, message):
        self.status = _lib.STATUS_NAMES[status] if 0 <= status < len(_lib.STATUS_NAMES) else str(status)
        self.code = status
        super().__init__(message)


class _Ctx:
    """One snig context for the length of one call (a context is used by one
    thread at a time; every Python call makes its own, so objects may be used
    from several threads)."""

    def __enter__(self):
        self.ptr = ctypes.c_void_p()
        st = lib.snig_ctx_new(ctypes.byref(self.ptr), None)
        if st != 0:
            raise MemoryError("snig: cannot make a context")
        return self

    def check(self, st, what=None):
        if st != 0:
            msg = lib.snig_errmsg(self.ptr).decode("utf-8", "replace")
            if not msg:
                msg = lib.snig_status_str(st).decode()
            if what:
                msg = f"{what}: {msg}"
            raise SnigError(st, msg)

    def __exit__(self, *exc):
        lib.snig_ctx_free(ctypes.byref(self.ptr))
        return False

    def interruptible(self, call):
        """Runs call() (a long snig call on this context) so that Ctrl-C
        stops it: from the main thread, the call runs in a helper thread
        while the main thread waits, and KeyboardInterrupt becomes
        snig_cancel; snig stops soon and the interrupt goes on.  The waits
        use an Event of our own: an interrupted Thread.join may report a
        running thread as finished (CPython), and the context must outlive
        the call."""
        if threading.current_thread() is not threading.main_thread():
            return call()
        out, done, gate = [], threading.Event(), threading.Lock()
        state = {"go": True, "began": False}

        def work():
            with gate:
                if not state["go"]:
                    return
                state["began"] = True
            try:
                out.append(call())
            finally:
                done.set()

        try:
            threading.Thread(target=work, daemon=True).start()
            while not done.wait(0.05):
                pass
        except BaseException:
            self._stop(state, gate, done)
            raise
        return out[0]

    def _stop(self, state, gate, done):
        """After an interrupt: the call must not begin, or must end, before
        the context goes (a second Ctrl-C meanwhile changes nothing)."""
        while True:
            try:
                with gate:
                    state["go"] = False
                    began = state["began"]
                if began:
                    lib.snig_cancel(self.ptr)
                    while not done.wait(0.05):
                        pass
                return
            except BaseException:
                continue


def _path(p):
    return os.fsencode(os.fspath(p))


def _ptr(array, ctype):
    return array.ctypes.data_as(ctypes.POINTER(ctype))


class _Handle:
    """Owns one handle; close() (or the end of a `with`, or garbage
    collection) frees it."""
    _free = None

    def __init__(self, ptr):
        self._ptr = ptr

    def _live(self):
        if not self._ptr:
            raise ValueError(f"snig: this {type(self).__name__} was closed")
        return self._ptr

    def close(self):
        if getattr(self, "_ptr", None):
            type(self)._free(ctypes.byref(self._ptr))
            self._ptr = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False

    def __del__(self):
        self.close()


class LayerInfo:
    """One layer as snig holds it."""

    def __init__(self, info):
        self.n_in, self.n_out, self.nnz = info.n_in, info.n_out, info.nnz
        self.bias_rule = "dense" if info.bias_rule == _lib.BIAS_DENSE else "nonzero"
        self.activation = {_lib.ACT_RELU: "relu", _lib.ACT_IDENTITY: "identity"}.get(
            info.activation, float(info.cap))
        self.bias = info.bias if info.has_bias else None
        self.per_neuron_bias = bool(info.per_neuron_bias)

    def __repr__(self):
        return (f"LayerInfo({self.n_in} -> {self.n_out}, nnz={self.nnz}, "
                f"activation={self.activation!r}, bias_rule={self.bias_rule!r})")


class Network(_Handle):
    """A network: loaded from files (load_network), built from matrices
    (network_from_scipy, from_torch)."""
    _free = lib.snig_network_free

    @property
    def neurons(self):
        """Input width."""
        return lib.snig_network_neurons(self._live())

    @property
    def layers(self):
        return lib.snig_network_layers(self._live())

    @property
    def edges(self):
        return lib.snig_network_edges(self._live())

    @property
    def outputs(self):
        return self.layer(self.layers - 1).n_out

    def layer(self, l):
        info = _lib.LayerInfo()
        if not lib.snig_network_layer_info(self._live(), l, ctypes.byref(info)):
            raise IndexError(f"snig: layer {l} of {self.layers}")
        return LayerInfo(info)

    def set_bias(self, bias):
        """One bias for every neuron of every layer (no plan may exist)."""
        with _Ctx() as c:
            c.check(lib.snig_network_set_bias(c.ptr, self._live(), bias))

    def save(self, path):
        """Writes snig's binary format (.snb), as `snig convert` does."""
        with _Ctx() as c:
            c.check(lib.snig_network_save(c.ptr, self._live(), _path(path)))

    def prepare(self, engine="auto", threads=0, shortcuts=True, values=True,
                batch=0, layers=0, bias=None):
        """A Plan: the network prepared once for any number of batches."""
        return Plan(self, engine=engine, threads=threads, shortcuts=shortcuts,
                    values=values, batch=batch, layers=layers, bias=bias)

    def __repr__(self):
        if not self._ptr:
            return "snig.Network(closed)"
        return f"snig.Network({self.neurons} inputs, {self.layers} layers, {self.edges} edges)"


class Inputs(_Handle):
    """Input rows: loaded from files (load_inputs) or made from a SciPy
    sparse matrix or a numpy array (inputs)."""
    _free = lib.snig_inputs_free

    def __init__(self, ptr, keep=()):
        super().__init__(ptr)
        self._keep = keep   # arrays the handle borrows

    @property
    def rows(self):
        return lib.snig_inputs_rows(self._live())

    @property
    def neurons(self):
        return lib.snig_inputs_neurons(self._live())

    @property
    def nonzeros(self):
        return lib.snig_inputs_nonzeros(self._live())

    @property
    def first_row(self):
        return lib.snig_inputs_first_row(self._live())

    def save(self, path):
        with _Ctx() as c:
            c.check(lib.snig_inputs_save(c.ptr, self._live(), _path(path)))

    def close(self):
        super().close()
        self._keep = ()

    def __repr__(self):
        if not self._ptr:
            return "snig.Inputs(closed)"
        return f"snig.Inputs({self.rows} rows x {self.neurons}, {self.nonzeros} nonzeros)"


class Result(_Handle):
    """What one inference gave: categories (numpy uint64, 1-based rows still
    nonzero), values (the final Y as scipy.sparse.csr_matrix, when kept),
    the engine that ran, seconds."""
    _free = lib.snig_result_free

    def __init__(self, ptr, rows):
        super().__init__(ptr)
        self.rows = rows
        self._values = None
        count = ctypes.c_uint64()
        p = lib.snig_result_categories(ptr, ctypes.byref(count))
        n = count.value
        self.categories = (np.ctypeslib.as_array(p, (n,)).copy() if n
                           else np.zeros(0, dtype=np.uint64))
        self.engine = lib.snig_result_engine(ptr).decode()
        self.fallback = lib.snig_result_fallback(ptr).decode()
        self.seconds = lib.snig_result_seconds(ptr)
        self.prepare_seconds = lib.snig_result_prepare_seconds(ptr)
        self.layers = lib.snig_result_layers(ptr)
        self.edges = lib.snig_result_edges(ptr)
        self.madds = lib.snig_result_madds(ptr)
        self.outputs = lib.snig_result_outputs(ptr)
        self.layer_madds = self._per_layer(lib.snig_result_layer_madds(ptr))
        self.layer_seconds = self._per_layer(lib.snig_result_layer_seconds(ptr))
        live = lib.snig_result_live_rows(ptr)
        self.live_rows = (np.ctypeslib.as_array(live, (self.layers,)).copy()
                          if live and self.layers else None)

    def _per_layer(self, p):
        """A per-layer array of the result as numpy, None when not counted."""
        return np.ctypeslib.as_array(p, (self.layers,)).copy() if p and self.layers else None

    @property
    def values(self):
        """The final Y, rows x outputs, as scipy.sparse.csr_matrix (a copy,
        made once)."""
        if self._values is None:
            import scipy.sparse as sp
            rp = ctypes.POINTER(ctypes.c_uint64)()
            col = ctypes.POINTER(ctypes.c_uint32)()
            val = ctypes.POINTER(ctypes.c_float)()
            with _Ctx() as c:
                c.check(lib.snig_result_values(self._live(), ctypes.byref(rp),
                                               ctypes.byref(col), ctypes.byref(val)),
                        "values (infer with values=True)")
            indptr = np.ctypeslib.as_array(rp, (self.rows + 1,)).astype(np.int64)
            nnz = int(indptr[-1])
            indices = (np.ctypeslib.as_array(col, (nnz,)).astype(np.int32)
                       if nnz else np.zeros(0, np.int32))
            data = (np.ctypeslib.as_array(val, (nnz,)).copy()
                    if nnz else np.zeros(0, np.float32))
            self._values = sp.csr_matrix((data, indices, indptr),
                                         shape=(self.rows, self.outputs))
        return self._values

    def __repr__(self):
        return (f"snig.Result(engine={self.engine!r}, {len(self.categories)} of "
                f"{self.rows} rows nonzero, {self.seconds:.6f} s)")


class Plan(_Handle):
    """A network prepared once (engine chosen, weights packed) for any
    number of input batches; infer() may run from several threads at once."""
    _free = lib.snig_plan_free

    def __init__(self, net, engine="auto", threads=0, shortcuts=True,
                 values=True, batch=0, layers=0, bias=None):
        super().__init__(None)
        opt = _lib.Options()
        lib.snig_options_init(ctypes.byref(opt))
        self._engine_name = str(engine).encode()
        opt.engine = self._engine_name
        opt.threads = int(threads)
        opt.shortcuts = int(bool(shortcuts))
        opt.keep_values = int(bool(values))
        opt.batch = int(batch)
        opt.layers = int(layers)
        if bias is not None:
            opt.has_bias, opt.bias = 1, float(bias)
        ptr = ctypes.c_void_p()
        with _Ctx() as c:
            c.check(lib.snig_plan_new(c.ptr, net._live(), ctypes.byref(opt),
                                      ctypes.byref(ptr)))
        self._ptr = ptr
        self.network = net

    @property
    def engine(self):
        return lib.snig_plan_engine(self._live()).decode()

    @property
    def fallback(self):
        return lib.snig_plan_fallback(self._live()).decode()

    @property
    def seconds(self):
        """Preparation seconds."""
        return lib.snig_plan_seconds(self._live())

    def infer(self, x):
        """Runs one batch: x is Inputs, a scipy.sparse matrix or a numpy
        array (rows x neurons).  The GIL is released while snig works;
        Ctrl-C stops it (KeyboardInterrupt)."""
        inp = x if isinstance(x, Inputs) else inputs(x)
        res = ctypes.c_void_p()
        with _Ctx() as c:
            plan, data = self._live(), inp._live()
            c.check(c.interruptible(lambda: lib.snig_plan_infer(c.ptr, plan, data,
                                                                ctypes.byref(res))))
        return Result(res, inp.rows)

    def __repr__(self):
        if not self._ptr:
            return "snig.Plan(closed)"
        return f"snig.Plan(engine={self.engine!r}, {self.network!r})"


def _load_options(layers=0, neurons=0, first_row=0, rows=0, verify=False):
    o = _lib.LoadOptions()
    lib.snig_load_options_init(ctypes.byref(o))
    o.layers, o.neurons = int(layers or 0), int(neurons or 0)
    o.row_first, o.row_count = int(first_row or 0), int(rows or 0)
    o.verify = int(bool(verify))
    return o


def load_network(path, layers=0, verify=False):
    """Loads a network: a folder of official nN-lK.tsv[.gz] files, the
    official neuronN.tar.gz, a Matrix Market file, or snig's .snb.
    layers: the first `layers` layers (0: all)."""
    o = _load_options(layers=layers, verify=verify)
    ptr = ctypes.c_void_p()
    with _Ctx() as c:
        c.check(lib.snig_network_load(c.ptr, _path(path), ctypes.byref(o),
                                      ctypes.byref(ptr)))
    return Network(ptr)


def load_inputs(path, neurons=0, first_row=0, rows=0):
    """Loads input rows (official sparse-images-N.tsv[.gz], Matrix Market,
    .snb); TSV needs `neurons`."""
    o = _load_options(neurons=neurons, first_row=first_row, rows=rows)
    ptr = ctypes.c_void_p()
    with _Ctx() as c:
        c.check(lib.snig_inputs_load(c.ptr, _path(path), ctypes.byref(o),
                                     ctypes.byref(ptr)))
    return Inputs(ptr)


def inputs(x):
    """Inputs from a scipy.sparse matrix (any format) or a 2-D numpy array
    (its zeros are dropped).  A CSR matrix's arrays are converted once and
    borrowed, not copied again."""
    import scipy.sparse as sp
    ptr = ctypes.c_void_p()
    if sp.issparse(x):
        x = sp.csr_matrix(x)
        if not x.has_canonical_format:
            x = x.copy()
            x.sum_duplicates()
        rows, cols = x.shape
        rowptr = np.ascontiguousarray(x.indptr, dtype=np.uint64)
        col = np.ascontiguousarray(x.indices, dtype=np.uint32)
        val = np.ascontiguousarray(x.data, dtype=np.float32)
        with _Ctx() as c:
            c.check(lib.snig_inputs_from_csr(
                c.ptr, rows, cols, _ptr(rowptr, ctypes.c_uint64),
                _ptr(col, ctypes.c_uint32), _ptr(val, ctypes.c_float),
                _lib.BORROW, ctypes.byref(ptr)))
        return Inputs(ptr, keep=(rowptr, col))
    a = np.asarray(x)
    if a.ndim != 2:
        raise ValueError(f"snig: inputs must be 2-D (rows x neurons), not {a.shape}")
    a = np.ascontiguousarray(a, dtype=np.float32)
    with _Ctx() as c:
        c.check(lib.snig_inputs_from_dense(c.ptr, a.shape[0], a.shape[1],
                                           _ptr(a, ctypes.c_float), ctypes.byref(ptr)))
    return Inputs(ptr)


def infer(net, x, engine="auto", threads=0, shortcuts=True, values=True,
          batch=0, layers=0, bias=None):
    """Runs x (Inputs, scipy.sparse, numpy) through net once: prepares a
    Plan, infers, frees the plan.  For repeated batches use net.prepare().
    values=True keeps the final Y (Result.values); values=False saves its
    memory (rows x outputs floats) when only the categories are wanted."""
    with Plan(net, engine=engine, threads=threads, shortcuts=shortcuts,
              values=values, batch=batch, layers=layers, bias=bias) as plan:
        return plan.infer(x)


def engines():
    """{name: (available, summary)} of the engines built in."""
    out, i = {}, 0
    while True:
        name = lib.snig_engine_name(i)
        if name is None:
            return out
        out[name.decode()] = (bool(lib.snig_engine_available(name)),
                              lib.snig_engine_summary(name).decode())
        i += 1
