"""Networks built from SciPy / numpy: rectangular layers, both bias rules,
the three activations, real-valued inputs, against a dense float32
computation written here; every engine that accepts them."""
import numpy as np
import pytest
import scipy.sparse as sp

import snig


def dense_forward(x, weights, biases, activations, rules):
    y = np.asarray(x, dtype=np.float32)
    for w, b, a, rule in zip(weights, biases, activations, rules):
        z = y @ np.asarray(w.toarray() if sp.issparse(w) else w, dtype=np.float32)
        bias = np.broadcast_to(np.float32(0) if b is None else np.asarray(b, np.float32),
                               z.shape[1:])
        z = z + bias if rule == "dense" else np.where(z != 0, z + bias, z)
        if a == "relu":
            z = np.maximum(z, 0)
        elif a != "identity":
            z = np.clip(z, 0, np.float32(a))
        y = z.astype(np.float32)
    return y


def random_network(seed, widths, rule, acts, density=0.3):
    rng = np.random.default_rng(seed)
    ws, bs = [], []
    for k in range(len(widths) - 1):
        ws.append(sp.random(widths[k], widths[k + 1], density=density, format="csr",
                            random_state=seed + k, dtype=np.float32,
                            data_rvs=lambda n: rng.standard_normal(n)))
        bs.append(rng.standard_normal(widths[k + 1]).astype(np.float32) * 0.1)
    rules = [rule] * len(ws)
    return ws, bs, acts, rules


def engines_for(net, x):
    """The engines that accept this network (others say UNSUPPORTED): the
    reference and cpu engines run every general network."""
    ok = []
    for e in ("reference", "cpu", "auto"):
        try:
            snig.infer(net, x, engine=e)
            ok.append(e)
        except snig.SnigError as err:
            assert err.status == "UNSUPPORTED", err
    return ok


CASES = [
    ([20, 30, 10], "dense", ["relu", "identity"]),
    ([20, 12, 40, 5], "nonzero", [32.0, "relu", "identity"]),
    ([64, 64, 64], "dense", [1.5, 32.0]),
    ([7, 3], "nonzero", ["relu"]),
]


@pytest.mark.parametrize("case", range(len(CASES)))
@pytest.mark.parametrize("form", ["csr", "dense"])
def test_general_networks_equal_dense_float32(case, form):
    widths, rule, acts = CASES[case]
    ws, bs, acts, rules = random_network(case + 1, widths, rule, acts)
    rng = np.random.default_rng(100 + case)
    x = sp.random(50, widths[0], density=0.4, format="csr", random_state=case,
                  dtype=np.float32, data_rvs=lambda n: rng.random(n) * 2)
    weights = ws if form == "csr" else [w.toarray() for w in ws]
    net = snig.network_from_scipy(weights, biases=bs, activations=acts, bias_rule=rule)
    assert (net.neurons, net.layers, net.outputs) == (widths[0], len(ws), widths[-1])
    assert net.edges == sum(w.nnz for w in ws)
    want = dense_forward(x.toarray(), ws, bs, acts, rules)
    want_rows = np.flatnonzero(np.any(want != 0, axis=1)) + 1
    engines = engines_for(net, x)
    assert {"reference", "cpu", "auto"} <= set(engines)
    for engine in engines:
        for shortcuts in (True, False):
            res = snig.infer(net, x if form == "csr" else x.toarray(), engine=engine,
                             threads=2, shortcuts=shortcuts)
            got = res.values.toarray()
            np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-5,
                                       err_msg=f"{engine} shortcuts={shortcuts}")
            assert np.array_equal(res.categories, want_rows), engine


def test_defaults_and_per_layer_rules():
    w1 = np.array([[1.0, -2.0], [0.0, 3.0]], np.float32)
    w2 = np.array([[2.0], [1.0]], np.float32)
    # Defaults: ReLU then identity, no bias, "dense".
    net = snig.network_from_scipy([w1, w2])
    assert net.layer(0).activation == "relu" and net.layer(1).activation == "identity"
    y = snig.infer(net, np.array([[1.0, 1.0], [1.0, 0.0]]), engine="reference").values
    assert np.allclose(y.toarray(), [[1 * 2 + 1 * 1], [2.0]])
    # Per-layer bias rules: a bias on a zero output only under "dense".
    net = snig.network_from_scipy([w1, w2], biases=[[0.0, 0.5], -1.0],
                                  bias_rule=["nonzero", "dense"])
    y = snig.infer(net, np.array([[0.0, 0.0]]), engine="reference").values.toarray()
    assert np.allclose(y, [[-1.0]])     # layer 1 keeps zeros, layer 2 adds -1


@pytest.mark.parametrize("bad, message", [
    (dict(activations=["tanh", "identity"]), "activation"),
    (dict(bias_rule="sometimes"), "bias_rule"),
    (dict(biases=[np.zeros(3), None]), "bias has 3 values"),
    (dict(activations=["relu"]), "1 activations for 2 layers"),
])
def test_bad_arguments(bad, message):
    w = [np.ones((4, 2), np.float32), np.ones((2, 2), np.float32)]
    with pytest.raises(ValueError, match=message):
        snig.network_from_scipy(w, **bad)


def test_layers_that_do_not_chain():
    with pytest.raises(snig.SnigError) as e:
        snig.network_from_scipy([np.ones((4, 3)), np.ones((2, 2))])
    assert e.value.status == "SIZE"
    with pytest.raises(snig.SnigError) as e:
        snig.network_from_scipy([np.array([[np.inf, 1.0]])])
    assert e.value.status == "FORMAT"
