#!/usr/bin/python3
"""descent and PyTorch side by side: the workloads of issue 7's targets.

usage: /usr/bin/python3 tools/compare_pytorch.py DESCENT_BINARY [--quick]

Runs each workload in PyTorch (1 thread: torch.set_num_threads(1),
OPENBLAS_NUM_THREADS=1; batches sliced from a seeded permutation, no
DataLoader) and in descent (`DESCENT_BINARY bench ...`, whose lines it
parses), then prints one table of descent / PyTorch ratios with each target.
Both train in float32: PyTorch by default, descent with the experiments'
`trainer.dtype = f32` (the models' ABI 1.1 float path).
Exits 0 with a message when torch (or the Fashion-MNIST files) are absent.
Not part of ctest: it measures time.
"""
import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")

import argparse  # noqa: E402
import gzip  # noqa: E402
import multiprocessing  # noqa: E402
import re  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
DATA = Path("/usr/share/datasets/fashion-mnist")
SOFTMAX_INI = ROOT / "experiments" / "fashion_mnist_softmax.ini"
GRID_INI = ROOT / "experiments" / "lr_grid_search.ini"
SWEEP_LRS = [1e-3 * (300.0 ** (i / 7)) for i in range(8)]  # grid(1e-3, 0.3, 8, log)

try:
    import numpy as np
    import torch
except ImportError:
    np = torch = None


# ---- PyTorch side -----------------------------------------------------------

def read_idx(name):
    with gzip.open(DATA / name, "rb") as f:
        raw = f.read()
    if "images" in name:
        n, rows, cols = (int.from_bytes(raw[i:i + 4], "big") for i in (4, 8, 12))
        x = np.frombuffer(raw, np.uint8, offset=16).reshape(n, rows * cols)
        return torch.from_numpy(x.astype(np.float32) / 255.0)
    return torch.from_numpy(np.frombuffer(raw, np.uint8, offset=8).astype(np.int64))


def load_fashion_mnist():
    return (read_idx("train-images-idx3-ubyte.gz"), read_idx("train-labels-idx1-ubyte.gz"),
            read_idx("t10k-images-idx3-ubyte.gz"), read_idx("t10k-labels-idx1-ubyte.gz"))


def torch_train(data, model_kind, optimizer, lr, batch, epochs, seed=1):
    """Seconds of each epoch (train pass + test evaluation) and final accuracy."""
    torch.set_num_threads(1)
    torch.manual_seed(seed)
    xtr, ytr, xte, yte = data
    if model_kind == "softmax":
        model = torch.nn.Linear(784, 10)
    else:
        model = torch.nn.Sequential(torch.nn.Linear(784, 128), torch.nn.ReLU(),
                                    torch.nn.Linear(128, 10))
    opt = (torch.optim.SGD if optimizer == "sgd" else torch.optim.Adam)(model.parameters(), lr=lr)
    loss_fn = torch.nn.CrossEntropyLoss()
    gen = torch.Generator().manual_seed(seed)
    times, accuracy = [], float("nan")
    for _ in range(epochs):
        start = time.perf_counter()
        perm = torch.randperm(xtr.shape[0], generator=gen)
        for first in range(0, xtr.shape[0], batch):
            idx = perm[first:first + batch]
            opt.zero_grad(set_to_none=True)
            loss = loss_fn(model(xtr[idx]), ytr[idx])
            loss.backward()
            opt.step()
        with torch.no_grad():
            accuracy = (model(xte).argmax(1) == yte).float().mean().item()
        times.append(time.perf_counter() - start)
    return times, accuracy


def torch_adam_ns(n, steps):
    torch.set_num_threads(1)
    p = torch.nn.Parameter(torch.full((n,), 0.5))
    p.grad = torch.full((n,), 1e-3)
    opt = torch.optim.Adam([p], lr=1e-6)
    opt.step()
    samples = []
    for _ in range(5):
        start = time.perf_counter()
        for _ in range(steps):
            opt.step()
        samples.append((time.perf_counter() - start) / steps / n * 1e9)
    return statistics.median(samples)


_worker_data = None


def _sweep_init():
    global _worker_data
    torch.set_num_threads(1)
    _worker_data = load_fashion_mnist()


def _sweep_trial(lr):
    return torch_train(_worker_data, "softmax", "sgd", lr, 128, 2)[1]


def torch_sweep_seconds():
    start = time.perf_counter()
    with multiprocessing.get_context("fork").Pool(2, initializer=_sweep_init) as pool:
        pool.map(_sweep_trial, SWEEP_LRS, chunksize=1)
    return time.perf_counter() - start


# ---- descent side -------------------------------------------------------------

LINE = re.compile(r"^(?P<figure>.+?)\s{2,}(?P<setup>.*?)\s+median (?P<median>\S+)"
                  r"(?: (?P<unit>\S+))?\s+min (?P<min>\S+)\s+max (?P<max>\S+)"
                  r"(?:\s+ratio (?P<ratio>\S+))?")


def descent_bench(binary, *args):
    cmd = [binary, "bench", *map(str, args)]
    print("$", " ".join(cmd), flush=True)
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    figures = []
    for line in out.splitlines():
        print("  " + line, flush=True)
        m = LINE.match(line)
        if m:
            figures.append({k: m.group(k) for k in ("figure", "setup", "median", "ratio")})
    return figures


def figure(figures, name, setup_part=""):
    for f in figures:
        if f["figure"].strip() == name and setup_part in f["setup"]:
            return float(f["median"]), (float(f["ratio"]) if f["ratio"] else None)
    raise KeyError(name + " " + setup_part)


# ---- the table ----------------------------------------------------------------

def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("descent", help="path to the descent binary")
    parser.add_argument("--quick", action="store_true", help="fewer epochs and repetitions")
    a = parser.parse_args()
    if torch is None:
        print("compare_pytorch: PyTorch is not installed for this python "
              f"({sys.executable}); nothing compared")
        return 0
    if not (DATA / "train-images-idx3-ubyte.gz").exists():
        print(f"compare_pytorch: Fashion-MNIST is not in {DATA}; nothing compared")
        return 0
    torch.set_num_threads(1)
    epochs = 2 if a.quick else 3
    rows = []  # (target, descent, pytorch, ratio text, goal, met)

    # Adam step, 10M float32, 1 thread.
    f = descent_bench(a.descent, "optimizer", "adam", "--params", "1e7", "--dtype", "f32",
                      "--threads", "1", "--reps", "5" if a.quick else "9")
    d_ns, _ = figure(f, "optimizer step")
    frac, _ = figure(f, "bandwidth fraction")
    t_ns = torch_adam_ns(10_000_000, 5 if a.quick else 10)
    rows.append(("Adam 10M f32, ns/element/step", f"{d_ns:.3f}", f"{t_ns:.3f}",
                 f"{t_ns / d_ns:.2f}x faster", ">= 6x", t_ns / d_ns >= 6))
    rows.append(("Adam 10M f32, fraction of a+=s*b bandwidth", f"{frac:.3f}", "-",
                 "-", ">= 0.9", frac >= 0.9))

    # Plugin boundary at 1M.
    f = descent_bench(a.descent, "plugin-call", "--reps", "7" if a.quick else "15")
    _, over = figure(f, "plugin call", "n=1e+06")
    rows.append(("plugin call / direct call, 1M f64", f"{over:.4f}", "-", "-",
                 "<= 1.01", over <= 1.01))

    data = load_fashion_mnist()
    # Softmax regression, SGD, batch 64, 1 thread.
    f = descent_bench(a.descent, "train", SOFTMAX_INI, "--optimizer.name=sgd",
                      "--optimizer.lr=0.1", f"--trainer.epochs={epochs}", "--threads", "1")
    d_epoch, _ = figure(f, "epoch")
    d_init, _ = figure(f, "initial evaluation")
    t_epoch = statistics.median(torch_train(data, "softmax", "sgd", 0.1, 64, epochs)[0])
    rows.append(("softmax SGD b64 1T, s/epoch", f"{d_epoch:.3f}", f"{t_epoch:.3f}",
                 f"{t_epoch / d_epoch:.2f}x faster", ">= 3x", t_epoch / d_epoch >= 3))
    rows.append(("  (descent epoch 0 evaluation, extra)", f"{d_init:.3f}", "-", "-", "-", None))

    # MLP 784-128-10, Adam, batch 64: 1 and 2 threads; accuracy after 5 epochs.
    mlp = [SOFTMAX_INI, "--model.name=mlp", "--model.hidden=128", "--optimizer.name=adam",
           "--optimizer.lr=0.001"]
    f1 = descent_bench(a.descent, "train", *mlp, "--trainer.epochs=5", "--threads", "1")
    f2 = descent_bench(a.descent, "train", *mlp, f"--trainer.epochs={epochs}", "--threads", "2")
    d1, _ = figure(f1, "epoch")
    d2, _ = figure(f2, "epoch")
    d_acc, _ = figure(f1, "test accuracy")
    gflops, _ = figure(f1, "GFLOP/s")
    times, t_acc = torch_train(data, "mlp", "adam", 0.001, 64, 5)
    t1 = statistics.median(times)
    rows.append(("MLP Adam b64 1T, s/epoch", f"{d1:.3f}", f"{t1:.3f}", f"{d1 / t1:.2f}",
                 "<= 0.8", d1 / t1 <= 0.8))
    rows.append(("MLP Adam b64 2T, s/epoch", f"{d2:.3f}", f"{t1:.3f} (1T)", f"{d2 / t1:.2f}",
                 "< 1T ratio", d2 < d1))
    rows.append(("MLP test accuracy after 5 epochs", f"{d_acc:.4f}", f"{t_acc:.4f}", "-",
                 ">= 0.87", d_acc >= 0.87))
    rows.append(("  (descent MLP GFLOP/s, 1T)", f"{gflops:.2f}", "-", "-", "-", None))

    # Sweep: 8 log-spaced rates, softmax SGD batch 128, 2 epochs each.
    f = descent_bench(a.descent, "sweep", GRID_INI, "--sweep.optimizer.lr=grid(1e-3, 0.3, 8, log)",
                      "--optimizer.name=sgd", "--trainer.batch_size=128", "--trainer.epochs=2",
                      "--threads", "2", "--reps", "3" if a.quick else "5")
    d_sweep, _ = figure(f, "sweep wall", "threads=2")
    eff, _ = figure(f, "parallel efficiency")
    t_sweep = torch_sweep_seconds()
    rows.append(("sweep 8 lr softmax SGD b128 2ep, wall s", f"{d_sweep:.2f}",
                 f"{t_sweep:.2f} (2 procs)", f"{t_sweep / d_sweep:.2f}x faster", ">= 4x",
                 t_sweep / d_sweep >= 4))
    rows.append(("sweep parallel efficiency (2 threads)", f"{eff:.3f}", "-", "-", ">= 0.9",
                 eff >= 0.9))

    load = os.getloadavg()
    print(f"\nload average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}; "
          f"torch {torch.__version__}; {time.strftime('%Y-%m-%d')}\n")
    header = ("target", "descent", "PyTorch", "descent vs PyTorch", "goal", "met")
    print("| " + " | ".join(header) + " |")
    print("|" + "---|" * len(header))
    for r in rows:
        met = "-" if r[5] is None else ("yes" if r[5] else "**no**")
        print("| " + " | ".join([*r[:5], met]) + " |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
