"""Training benchmark: one epoch of 784-100-10 on Fashion-MNIST through five implementations.

    python bench/train.py [--rounds 3] [--examples 60000]

For sigmoid and ReLU hidden units, softmax cross-entropy, plain SGD with learning rate 0.1 in
float32, at batch sizes 10, 64 and 256, one epoch is timed through
  fit             backprop.fit on an nn.mlp (the graph engine)
  layered         backprop.layered.Network.sgd (BP1-BP4 written out; its output layer applies the
                  hidden activation with Nielsen's cross-entropy for sigmoid, quadratic for ReLU)
  numpy           a hand-written NumPy loop of the same equations (the reference)
  pytorch         torch 2.13 CPU, the usual nn.Sequential / optim.SGD loop
  sklearn         scikit-learn's MLPClassifier.partial_fit (one epoch per call)
in interleaved rounds so that machine noise hits all alike, the order rotating from round to
round (whoever runs right after PyTorch finds the caches cold); medians and ratios are printed.
"""

from __future__ import annotations

import argparse
import statistics
import time
import warnings
from collections.abc import Callable

import numpy as np
import torch
from sklearn.neural_network import MLPClassifier

import backprop as bp
from backprop import data, nn, optim
from backprop.layered import Network
from common import limit_threads, rotated, thread_argument

SIZES = (784, 100, 10)
LR = 0.1


def numpy_step(xb, yb, params, activation: str, lr: float = LR) -> None:
    """One SGD step written out and fused: z = xW^T + b, softmax cross-entropy, the learning rate
    folded into delta^L so that w -= (eta/m) sum_x delta^x (a^x)^T needs no separate scaling."""
    W1, b1, W2, b2 = params
    z1 = xb @ W1.T
    z1 += b1
    if activation == "relu":
        a1 = np.maximum(z1, 0)
    else:
        a1 = 1 / (1 + np.exp(-z1))
    z2 = a1 @ W2.T
    z2 += b2
    z2 -= z2.max(axis=1, keepdims=True)
    np.exp(z2, out=z2)
    z2 /= z2.sum(axis=1, keepdims=True)
    z2[np.arange(len(yb)), yb] -= 1  # delta^L = softmax - onehot
    z2 *= lr / len(yb)
    d1 = z2 @ W2
    if activation == "relu":
        d1 *= z1 > 0
    else:
        d1 *= a1 * (1 - a1)
    W2 -= z2.T @ a1
    b2 -= z2.sum(axis=0)
    W1 -= d1.T @ xb
    b1 -= d1.sum(axis=0)


def numpy_epoch(X, y, params, batch, activation, rng) -> None:
    """Mini-batch SGD by hand: shuffled batches through ``numpy_step``."""
    order = rng.permutation(len(X))
    for start in range(0, len(X), batch):
        idx = order[start : start + batch]
        numpy_step(X[idx], y[idx], params, activation)


def make_contenders(X, y, activation: str, batch: int) -> dict[str, Callable[[int], None]]:
    bp.manual_seed(0)
    model = nn.mlp(list(SIZES), activation=activation, seed=0)
    loss = nn.CrossEntropyLoss()
    opt = optim.SGD(model.parameters(), lr=LR)
    ref = [p.data.copy() for p in model.parameters()]
    cost = "cross_entropy" if activation == "sigmoid" else "quadratic"
    net = Network(list(SIZES), activation=activation, cost=cost, init="xavier", seed=0)
    y_onehot = data.one_hot(y, 10)
    tmodel = torch.nn.Sequential(
        torch.nn.Linear(784, 100),
        torch.nn.Sigmoid() if activation == "sigmoid" else torch.nn.ReLU(),
        torch.nn.Linear(100, 10),
    )
    topt = torch.optim.SGD(tmodel.parameters(), lr=LR)
    tX, ty = torch.from_numpy(X), torch.from_numpy(y)
    sk = MLPClassifier(
        hidden_layer_sizes=(100,),
        activation="logistic" if activation == "sigmoid" else "relu",
        solver="sgd",
        learning_rate_init=LR,
        momentum=0.0,
        alpha=0.0,
        batch_size=batch,
        shuffle=True,
        random_state=0,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        sk.partial_fit(X[:batch], y[:batch], classes=np.arange(10))

    def run_fit(r: int) -> None:
        bp.fit(model, X, y, loss=loss, optimizer=opt, epochs=1, batch_size=batch, seed=r,
               progress=False)

    def run_layered(r: int) -> None:
        net.sgd(X, y_onehot, epochs=1, mini_batch_size=batch, eta=LR, seed=r)

    def run_numpy(r: int) -> None:
        numpy_epoch(X, y, ref, batch, activation, np.random.default_rng(r))

    def run_torch(r: int) -> None:
        order = torch.randperm(len(tX), generator=torch.Generator().manual_seed(r))
        for start in range(0, len(tX), batch):
            idx = order[start : start + batch]
            topt.zero_grad()
            torch.nn.functional.cross_entropy(tmodel(tX[idx]), ty[idx]).backward()
            topt.step()

    def run_sklearn(r: int) -> None:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            sk.partial_fit(X, y)

    return {
        "fit": run_fit,
        "layered": run_layered,
        "numpy": run_numpy,
        "pytorch": run_torch,
        "sklearn": run_sklearn,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--examples", type=int, default=60000)
    parser.add_argument("--batches", default="10,64,256")
    thread_argument(parser)
    args = parser.parse_args()
    print(limit_threads(args.threads))
    (X, y), _ = data.fashion_mnist()
    X, y = X[: args.examples], y[: args.examples]
    print(f"one epoch of {SIZES} on {len(X)} Fashion-MNIST images, SGD lr {LR}, float32; "
          f"median of {args.rounds} interleaved rounds")
    for activation in ("sigmoid", "relu"):
        for batch in (int(b) for b in args.batches.split(",")):
            contenders = make_contenders(X, y, activation, batch)
            times: dict[str, list[float]] = {name: [] for name in contenders}
            for r in range(args.rounds):
                for name in rotated(list(contenders), r):
                    start = time.perf_counter()
                    contenders[name](r)
                    times[name].append(time.perf_counter() - start)
            med = {name: statistics.median(t) for name, t in times.items()}
            row = "  ".join(f"{name} {t:6.2f}s" for name, t in med.items())
            print(f"\n{activation:>7} batch {batch:>3}: {row}")
            print(
                f"{'':>17}fit/numpy {med['fit'] / med['numpy']:.2f}x (target <= 1.25)  "
                f"layered/numpy {med['layered'] / med['numpy']:.2f}x (target <= 1.1)  "
                f"pytorch/fit {med['pytorch'] / med['fit']:.2f}x  "
                f"sklearn/fit {med['sklearn'] / med['fit']:.2f}x"
            )


if __name__ == "__main__":
    main()
