#!/usr/bin/python3
"""The whole story of a pruned model run by snig: train a small MLP on
Fashion-MNIST (Debian's dataset-fashion-mnist), prune it to 90% and 97% zero
weights (torch.nn.utils.prune, then fine-tune), and run the 10,000 test
images through PyTorch dense, torch.sparse.mm, SciPy and snig, side by side
in one run with the same threads: snig's scores must equal PyTorch's (within
1e-4 of the row's largest score) and every argmax must be the same.  Prints
the accuracy and the seconds of each; --json appends the figures to a file
(bench/results/python.jsonl).

    /usr/bin/python3 examples/python/fashion_mnist.py --threads 2

Exit 0 when snig agrees with PyTorch, 1 when not, 2 on a usage error.
"""
import argparse
import gzip
import json
import os
import pathlib
import platform
import statistics
import sys
import time

import numpy as np
import scipy
import scipy.sparse as sp
import torch
import torch.nn as nn
import torch.nn.utils.prune as prune

import snig

DATA = pathlib.Path("/usr/share/datasets/fashion-mnist")   # dataset-fashion-mnist


def read_idx(path):
    """An IDX file (plain or .gz) as a numpy array."""
    opener = gzip.open if str(path).endswith(".gz") else open
    with opener(path, "rb") as f:
        raw = f.read()
    dims = raw[3]
    shape = [int.from_bytes(raw[4 + 4 * i:8 + 4 * i], "big") for i in range(dims)]
    return np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * dims).reshape(shape)


def load(split, limit=0):
    prefix = "train" if split == "train" else "t10k"
    x = read_idx(DATA / f"{prefix}-images-idx3-ubyte.gz").reshape(-1, 784)
    y = read_idx(DATA / f"{prefix}-labels-idx1-ubyte.gz")
    if limit:
        x, y = x[:limit], y[:limit]
    # Pixels scaled to [0, 1]: the background stays exactly 0 (sparse inputs).
    return x.astype(np.float32) / 255.0, y.astype(np.int64)


def mlp(hidden):
    layers, width = [], 784
    for h in hidden:
        layers += [nn.Linear(width, h), nn.ReLU()]
        width = h
    return nn.Sequential(*layers, nn.Linear(width, 10))


def train(model, x, y, epochs, lr=1e-3, batch=256, seed=0):
    gen = torch.Generator().manual_seed(seed)
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    xt, yt = torch.from_numpy(x), torch.from_numpy(y)
    model.train()
    for _ in range(epochs):
        order = torch.randperm(len(xt), generator=gen)
        for i in range(0, len(xt), batch):
            idx = order[i:i + batch]
            opt.zero_grad()
            nn.functional.cross_entropy(model(xt[idx]), yt[idx]).backward()
            opt.step()
    return model.eval()


def prune_to(model, amount, x, y, epochs):
    """Every Linear pruned to `amount` zero weights (smallest magnitudes),
    fine-tuned with the masks on, then the masks made permanent."""
    pruned = mlp([m.out_features for m in model if isinstance(m, nn.Linear)][:-1])
    pruned.load_state_dict(model.state_dict())
    for m in pruned:
        if isinstance(m, nn.Linear):
            prune.l1_unstructured(m, "weight", amount=amount)
    if epochs:
        train(pruned, x, y, epochs, lr=3e-4, seed=1)
    for m in pruned:
        if isinstance(m, nn.Linear):
            prune.remove(m, "weight")
    return pruned.eval()


# ------------------------------------------------------------ the four ways

def torch_dense(model):
    def run(x):
        with torch.no_grad():
            return model(x)
    return run


def torch_sparse(model):
    """Each layer as torch.sparse.mm(W, Y^T) with W a sparse COO tensor."""
    layers = []
    mods = list(model)
    for i, m in enumerate(mods):
        if isinstance(m, nn.Linear):
            relu = i + 1 < len(mods) and isinstance(mods[i + 1], nn.ReLU)
            layers.append((m.weight.detach().to_sparse().coalesce(),
                           m.bias.detach().reshape(-1, 1), relu))

    def run(x):
        with torch.no_grad():
            yt = x.t().contiguous()
            for w, b, relu in layers:
                yt = torch.sparse.mm(w, yt) + b
                if relu:
                    yt = torch.relu(yt)
            return yt.t()
    return run


def scipy_csr(model):
    """Y @ W per layer with W a scipy.sparse CSR (n_in x n_out)."""
    layers = []
    mods = list(model)
    for i, m in enumerate(mods):
        if isinstance(m, nn.Linear):
            relu = i + 1 < len(mods) and isinstance(mods[i + 1], nn.ReLU)
            layers.append((sp.csr_matrix(m.weight.detach().numpy().T),
                           m.bias.detach().numpy(), relu))

    def run(x):
        y = x
        for w, b, relu in layers:
            y = np.asarray(y @ w) + b
            if relu:
                np.maximum(y, 0, out=y)
        return y
    return run


def snig_plan(model, engine, threads, batch):
    plan = snig.from_torch(model).prepare(engine=engine, threads=threads, batch=batch)

    def run(inputs):
        return plan.infer(inputs).values
    return plan, run


def median_seconds(runs, repeat):
    """{name: median seconds}, the runs alternating within each round."""
    times = {name: [] for name in runs}
    outputs = {}
    for _ in range(repeat):
        for name, (fn, arg) in runs.items():
            start = time.perf_counter()
            outputs[name] = fn(arg)
            times[name].append(time.perf_counter() - start)
    return {n: statistics.median(t) for n, t in times.items()}, outputs


def scores(out):
    if isinstance(out, torch.Tensor):
        return out.numpy()
    if sp.issparse(out):
        return out.toarray()
    return np.asarray(out)


def machine():
    model = ""
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    # The load says how busy the machine was (other programs share it); the
    # BLAS is what PyTorch's dense layers run on.
    blas = os.path.realpath("/etc/alternatives/libblas.so.3-x86_64-linux-gnu")
    return {"cpu": model, "cores": os.cpu_count(), "loadavg": os.getloadavg()[0],
            "blas": blas,
            "python": platform.python_version(), "torch": torch.__version__,
            "numpy": np.__version__, "scipy": scipy.__version__}


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--hidden", type=int, nargs="+", default=[1024, 1024],
                    help="hidden layer widths (default 1024 1024)")
    ap.add_argument("--epochs", type=int, default=3, help="dense training epochs")
    ap.add_argument("--finetune", type=int, default=2, help="epochs after pruning")
    ap.add_argument("--sparsity", type=float, nargs="+", default=[0.9, 0.97])
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--repeat", type=int, default=5, help="timed rounds (median)")
    ap.add_argument("--engine", default="auto", help="snig engine")
    ap.add_argument("--batch", type=int, default=0,
                    help="snig's rows per batch (0: the engine's default)")
    ap.add_argument("--train-limit", type=int, default=0, help="train on the first N images")
    ap.add_argument("--model", help="trained dense model: loaded if present, else "
                    "saved (the pruned ones beside it, MODEL.90 ...)")
    ap.add_argument("--json", help="append one JSON line per sparsity to this file")
    a = ap.parse_args(argv)
    if not DATA.exists():
        print(f"no {DATA}: apt-get install dataset-fashion-mnist", file=sys.stderr)
        return 2
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    xtr, ytr = load("train", a.train_limit)
    xte, yte = load("test")

    model = mlp(a.hidden)
    start = time.perf_counter()
    if a.model and os.path.exists(a.model):
        model.load_state_dict(torch.load(a.model))
        model.eval()
    else:
        train(model, xtr, ytr, a.epochs)
        if a.model:
            torch.save(model.state_dict(), a.model)
    print(f"MLP 784-{'-'.join(map(str, a.hidden))}-10, trained in "
          f"{time.perf_counter() - start:.1f} s; {len(xte)} test images, "
          f"{a.threads} threads, snig engine {a.engine}")

    x_torch = torch.from_numpy(xte)
    x_csr = sp.csr_matrix(xte)
    start = time.perf_counter()
    x_snig = snig.inputs(x_csr)
    convert = time.perf_counter() - start
    ok = True
    header = f"{'sparsity':>8} {'way':<16} {'accuracy':>8} {'seconds':>9} {'snig faster':>11}"
    print(header)
    for amount in a.sparsity:
        cached = f"{a.model}.{round(amount * 100)}" if a.model else None
        if cached and os.path.exists(cached):
            pruned = mlp(a.hidden)
            pruned.load_state_dict(torch.load(cached))
            pruned.eval()
        else:
            pruned = prune_to(model, amount, xtr, ytr, a.finetune)
            if cached:
                torch.save(pruned.state_dict(), cached)
        weights = sum(m.weight.numel() for m in pruned if isinstance(m, nn.Linear))
        zeros = sum(int((m.weight == 0).sum()) for m in pruned if isinstance(m, nn.Linear))
        plan, snig_run = snig_plan(pruned, a.engine, a.threads, a.batch)
        runs = {"pytorch dense": (torch_dense(pruned), x_torch),
                "torch.sparse.mm": (torch_sparse(pruned), x_torch),
                "scipy csr": (scipy_csr(pruned), xte),
                "snig": (snig_run, x_snig)}
        secs, outs = median_seconds(runs, a.repeat)
        ref = scores(outs["pytorch dense"])
        got = scores(outs["snig"])
        scale = np.maximum(np.abs(ref).max(axis=1, keepdims=True), 1e-30)
        worst = float((np.abs(got - ref) / scale).max())
        same_argmax = bool(np.array_equal(got.argmax(1), ref.argmax(1)))
        ok = ok and worst <= 1e-4 and same_argmax
        best_torch = min(secs["pytorch dense"], secs["torch.sparse.mm"])
        acc = {}
        for name in runs:
            acc[name] = float((scores(outs[name]).argmax(1) == yte).mean())
            faster = secs[name] / secs["snig"]
            print(f"{zeros / weights:8.3f} {name:<16} {acc[name]:8.4f} {secs[name]:9.4f} "
                  f"{faster:10.1f}x")
        print(f"{'':8} snig vs the faster PyTorch: {best_torch / secs['snig']:.1f}x; "
              f"scores within {worst:.1e} of PyTorch's (row max), argmax "
              f"{'all equal' if same_argmax else 'DIFFERENT'}; snig engine "
              f"{plan.engine} (batch {a.batch or 'default'}), prepare {plan.seconds:.4f} s, "
              f"inputs {convert:.4f} s")
        if a.json:
            rec = {"bench": "python_fashion_mnist", "date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                   "model": f"784-{'-'.join(map(str, a.hidden))}-10", "sparsity": round(zeros / weights, 4),
                   "images": len(xte), "threads": a.threads, "repeat": a.repeat,
                   "snig_batch": a.batch,
                   "engine": plan.engine, "seconds": secs, "accuracy": acc,
                   "snig_prepare_s": plan.seconds, "snig_inputs_s": convert,
                   "speedup_vs_best_torch": best_torch / secs["snig"],
                   "max_rel_score_diff": worst, "argmax_equal": same_argmax,
                   "machine": machine()}
            with open(a.json, "a") as f:
                f.write(json.dumps(rec) + "\n")
        plan.close()
    print("PASS: snig's scores and argmax equal PyTorch's" if ok else
          "FAIL: snig differs from PyTorch")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
