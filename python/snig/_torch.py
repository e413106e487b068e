"""PyTorch models as snig networks."""
import numpy as np

from ._build import network_from_scipy


def from_torch(model):
    """A snig network from a torch.nn.Sequential of Linear layers, each
    followed by ReLU (or ReLU6 / Hardtanh(0, c): ReLU capped at 6 / c) or by
    nothing (identity); Flatten, Dropout and Identity are skipped (inference:
    2-D inputs, eval mode).  Pruned weights (torch.nn.utils.prune) are read
    as the model uses them; their zeros are not stored.  A Linear weight is
    (out, in): snig's W is its transpose.  The bias rule is "dense", as
    Linear adds its bias to every output."""
    import torch.nn as nn
    mods = list(model) if isinstance(model, nn.Sequential) else [model]
    weights, biases, acts = [], [], []
    for i, m in enumerate(mods):
        if isinstance(m, nn.Linear):
            w = m.weight.detach().to("cpu").float().numpy()
            weights.append(np.ascontiguousarray(w.T))
            biases.append(None if m.bias is None else
                          m.bias.detach().to("cpu").float().numpy())
            acts.append("identity")
        elif isinstance(m, (nn.ReLU, nn.ReLU6, nn.Hardtanh)):
            if not weights or acts[-1] != "identity":
                raise ValueError(f"snig.from_torch: module {i} ({type(m).__name__}) "
                                 "does not follow a Linear")
            if isinstance(m, nn.ReLU):
                acts[-1] = "relu"
            elif isinstance(m, nn.ReLU6):
                acts[-1] = 6.0
            elif m.min_val == 0.0 and m.max_val > 0:
                acts[-1] = float(m.max_val)
            else:
                raise ValueError(f"snig.from_torch: module {i}: Hardtanh({m.min_val}, "
                                 f"{m.max_val}) is not a capped ReLU")
        elif isinstance(m, (nn.Flatten, nn.Dropout, nn.Identity)):
            if isinstance(m, nn.Flatten) and weights:
                raise ValueError(f"snig.from_torch: module {i}: Flatten after a Linear")
        else:
            raise ValueError(f"snig.from_torch: module {i} ({type(m).__name__}): "
                             "only Linear, ReLU, ReLU6, Hardtanh(0, c), Flatten, "
                             "Dropout and Identity are supported")
    if not weights:
        raise ValueError("snig.from_torch: the model has no Linear layer")
    return network_from_scipy(weights, biases=biases, activations=acts,
                              bias_rule="dense")
