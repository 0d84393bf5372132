"""Memory benchmark: the peak resident set size of one epoch of ``fit`` on Fashion-MNIST.

    python bench/memory.py [--layered] [--batches 10,64]

Each measurement runs in a process of its own that imports NumPy and backprop and nothing else
(no torch, jax or scikit-learn: checked), loads the 60,000-image training set
(``backprop.data.fashion_mnist()``, the test set dropped at once), builds a 784-100-10 float32
network and trains it for one epoch of SGD (lr 0.1) with ``fit``, without a validation split,
at each batch size. Printed per run, in MiB (from /proc/self/status):
  baseline     VmRSS of the interpreter with numpy and backprop imported
  dataset      X.nbytes + y.nbytes of the training set; model: the parameters' bytes
  peak         VmHWM: the process's high-water mark. Loading's own peak is taken out first:
               writing 5 to /proc/self/clear_refs resets VmHWM to the current RSS just before
               ``fit`` (where the kernel refuses, the peak includes loading, and it says so)
  trimmed      the heap that loading freed but glibc kept (about 24 MiB of gzip's buffers),
               handed back with malloc_trim(0) before ``fit`` and before the peak is reset: it
               belongs to the loader, not to training, and is printed so that it stays visible
  over         peak - (baseline + dataset + model): what training costs beyond holding the data
               and the weights (the issue's target: within 10 MiB)
  fit added    peak - RSS just before ``fit``: the part of ``over`` that ``fit`` itself adds
               (the rest is what loading left behind)
Without ``--layered`` the network is ``nn.mlp`` (a Sequential, sigmoid hidden layer, softmax
cross-entropy); ``--layered`` trains a ``layered.Network`` with a softmax output layer through
``fit`` instead (its fused BP1-BP4 step, see ``layered_network``).
"""

from __future__ import annotations

import argparse
import ctypes
import ctypes.util
import gc
import json
import os
import subprocess
import sys

MiB = 2**20
LR = 0.1


def _status(key: str) -> int:
    """A /proc/self/status size (VmRSS, VmHWM) in bytes."""
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1]) * 1024
    raise KeyError(key)


def _reset_peak() -> bool:
    """Reset VmHWM to the current RSS (Linux >= 4.0); False where that is not allowed."""
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
    except OSError:
        return False
    return True


def _trim_heap() -> int:
    """glibc's malloc_trim(0): bytes of RSS handed back (0 where there is no glibc)."""
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        trim = libc.malloc_trim
    except (OSError, AttributeError):
        return 0
    before = _status("VmRSS")
    trim(0)
    return before - _status("VmRSS")


def sequential_network():
    """nn.mlp([784, 100, 10]) (Linear, Sigmoid, Linear) with the softmax cross-entropy."""
    from backprop import nn

    return nn.mlp([784, 100, 10], activation="sigmoid", seed=0), "cross_entropy"


def layered_network():
    """The lead's new layered API (assumed, not yet in this branch; adjust here when it lands):
    ``Network`` takes the hidden ``activation=`` and ``output="softmax"`` with
    ``cost="log_likelihood"``, has ``parameters()`` for ``optim.SGD``, and ``fit`` takes the cost
    from the network when ``loss=None``."""
    import numpy as np

    from backprop.layered import Network

    net = Network([784, 100, 10], activation="sigmoid", output="softmax", cost="log_likelihood",
                  init="xavier", seed=0, dtype=np.float32)
    return net, None


def child(kind: str, batch: int) -> None:
    """One measurement; prints it as one JSON line."""
    import numpy as np

    import backprop as bp
    from backprop import data, optim

    gc.collect()
    baseline = _status("VmRSS")
    (X, y), _ = data.fashion_mnist()
    del _
    dataset = X.nbytes + y.nbytes
    model, loss = sequential_network() if kind == "sequential" else layered_network()
    model_bytes = sum(p.data.nbytes for p in model.parameters())
    optimizer = optim.SGD(model.parameters(), lr=LR)
    gc.collect()
    trimmed = _trim_heap()
    reset = _reset_peak()
    start = _status("VmRSS")
    bp.fit(model, X, y, loss=loss, optimizer=optimizer, epochs=1, batch_size=batch, seed=0,
           progress=False)
    peak = _status("VmHWM")
    others = sorted({m.split(".")[0] for m in sys.modules} & {"torch", "jax", "sklearn"})
    assert not others, f"the measured process imported {others}"
    print(json.dumps({
        "kind": kind, "batch": batch, "baseline": baseline, "dataset": dataset,
        "model": model_bytes, "trimmed": trimmed, "start": start, "peak": peak, "reset": reset,
        "numpy": np.__version__,
    }))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--layered", action="store_true",
                        help="fit a layered.Network (softmax output) instead of an nn.mlp")
    parser.add_argument("--batches", default="10,64")
    parser.add_argument("--child", choices=["sequential", "layered"], help=argparse.SUPPRESS)
    parser.add_argument("--batch", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.batch)
        return
    kind = "layered" if args.layered else "sequential"
    what = ("layered.Network 784-100-10, softmax output" if args.layered
            else "nn.mlp 784-100-10 (a Sequential)")
    print(f"peak RSS of one epoch of fit on the 60,000 Fashion-MNIST training images: {what}, "
          f"sigmoid hidden layer, float32, SGD lr {LR}, no validation split; "
          f"one process per run (MiB)")
    for batch in (int(b) for b in args.batches.split(",")):
        run = subprocess.run(
            [sys.executable, os.path.abspath(__file__), "--child", kind, "--batch", str(batch)],
            capture_output=True, text=True,
        )
        if run.returncode:
            sys.exit(f"batch {batch}: the measuring process failed:\n{run.stderr}")
        r = json.loads(run.stdout.strip().splitlines()[-1])
        held = r["baseline"] + r["dataset"] + r["model"]
        over = r["peak"] - held
        print(
            f"  batch {batch:>3}: baseline {r['baseline'] / MiB:6.1f}  "
            f"dataset {r['dataset'] / MiB:6.1f}  model {r['model'] / MiB:5.2f}  "
            f"peak {r['peak'] / MiB:6.1f}  over {over / MiB:+6.1f} (target <= 10)  "
            f"fit added {(r['peak'] - r['start']) / MiB:+6.1f}  "
            f"trimmed {r['trimmed'] / MiB:5.1f}"
            + ("" if r["reset"] else "  [VmHWM not reset: the peak includes loading]")
        )


if __name__ == "__main__":
    main()
