"""PyTorch models as snig networks: pruned Sequential MLPs give PyTorch's
scores; what snig cannot run is refused by name."""
import numpy as np
import pytest

import snig
from test_general import engines_for

torch = pytest.importorskip("torch")
nn = torch.nn
import torch.nn.utils.prune as prune  # noqa: E402


def pruned_mlp(seed, amount):
    torch.manual_seed(seed)
    model = nn.Sequential(nn.Flatten(), nn.Linear(49, 40), nn.ReLU(), nn.Dropout(0.2),
                          nn.Linear(40, 30), nn.ReLU6(), nn.Linear(30, 10))
    for m in model:
        if isinstance(m, nn.Linear):
            prune.l1_unstructured(m, "weight", amount=amount)
    return model.eval()


@pytest.mark.parametrize("amount", [0.0, 0.9, 0.97])
def test_pruned_mlp_gives_torch_s_scores(amount):
    model = pruned_mlp(1, amount)
    x = torch.rand(64, 7, 7)
    x[x < 0.4] = 0                      # images: many zero pixels
    with torch.no_grad():
        want = model(x).numpy()
    net = snig.from_torch(model)
    weights = sum(int(m.weight.count_nonzero()) for m in model if isinstance(m, nn.Linear))
    assert (net.layers, net.neurons, net.outputs, net.edges) == (3, 49, 10, weights)
    assert [net.layer(k).activation for k in range(3)] == ["relu", 6.0, "identity"]
    flat = x.reshape(64, 49).numpy()
    engines = engines_for(net, flat)
    assert {"reference", "cpu", "auto"} <= set(engines)
    for engine in engines:
        got = snig.infer(net, flat, engine=engine, threads=2).values.toarray()
        np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-5, err_msg=engine)
        assert np.array_equal(got.argmax(1), want.argmax(1))


def test_unsupported_modules_are_named():
    with pytest.raises(ValueError, match="Sigmoid"):
        snig.from_torch(nn.Sequential(nn.Linear(4, 4), nn.Sigmoid()))
    with pytest.raises(ValueError, match="does not follow a Linear"):
        snig.from_torch(nn.Sequential(nn.ReLU(), nn.Linear(4, 4)))
    with pytest.raises(ValueError, match="no Linear"):
        snig.from_torch(nn.Sequential(nn.Flatten()))
    with pytest.raises(ValueError, match="not a capped ReLU"):
        snig.from_torch(nn.Sequential(nn.Linear(4, 4), nn.Hardtanh(-1, 1)))


def test_linear_without_bias_and_hardtanh_cap():
    torch.manual_seed(5)
    model = nn.Sequential(nn.Linear(8, 6, bias=False), nn.Hardtanh(0.0, 0.5),
                          nn.Linear(6, 3)).eval()
    net = snig.from_torch(model)
    assert net.layer(0).activation == 0.5
    x = torch.rand(10, 8)
    with torch.no_grad():
        want = model(x).numpy()
    got = snig.infer(net, x.numpy(), engine="reference").values.toarray()
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)
