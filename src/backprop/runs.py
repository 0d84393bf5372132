"""One training run described by the ``train`` command's options: data, model, loss, optimizer.

``build_run(options)`` turns the options (a mapping of ``backprop train``'s argument names, e.g.
``{"data": "moons", "layers": [2, 16, 2], "lr": 0.1, ...}``) into what ``backprop.fit`` needs, and
``fit_run(run)`` trains it with the one training loop. ``backprop sweep`` runs many of these at
once; ``backprop train`` builds the same things from the same options.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from .data import Dataset
from .nn.losses import Loss
from .nn.module import Module
from .train import History

#: The options ``build_run`` reads: every option of ``backprop train`` that describes a run (the
#: tests hold ``backprop sweep``'s options, read off train's parser, to this set).
OPTIONS = frozenset(
    {"data", "layers", "activation", "loss", "optimizer", "lr", "momentum", "epochs",
     "batch_size", "tol", "seed"}
)  # fmt: skip


@dataclass
class Run:
    """A model, its loss and optimizer, and the data and settings ``fit`` trains it with."""

    data: Dataset
    model: Module
    loss: Loss
    optimizer: Any
    epochs: int
    batch_size: int | None
    tol: float | None
    seed: int


def build_run(options: Mapping[str, Any]) -> Run:
    """Load the data and build the model, loss and optimizer that ``options`` describe.

    A configuration that cannot work raises before any training: the command line's
    ``UsageError`` for layers that do not fit the data or a network too large, the data's own
    errors for a dataset that cannot be loaded.
    """
    from . import optim
    from .cli import _check_network_size, _check_width, _load_data
    from .nn import mlp
    from .nn.losses import loss_function
    from .rng import manual_seed

    layers, seed = options.get("layers"), options["seed"]
    if layers:
        _check_network_size(layers, np.dtype(np.float32).itemsize, "--layers")
    data = _load_data(options["data"], seed)
    sizes = layers or [data.X_train.shape[1], 30, data.n_classes]
    _check_width(sizes, data.X_train.shape[1], data.n_classes, options["data"])
    manual_seed(seed)
    model = mlp(sizes, activation=options["activation"], seed=seed)
    if options["optimizer"] == "sgd":
        optimizer = optim.SGD(model.parameters(), lr=options["lr"], momentum=options["momentum"])
    else:
        optimizer = optim.Adam(model.parameters(), lr=options["lr"])
    return Run(
        data=data,
        model=model,
        loss=loss_function(options["loss"]),
        optimizer=optimizer,
        epochs=options["epochs"],
        batch_size=options["batch_size"],
        tol=options.get("tol"),
        seed=seed,
    )


def fit_run(run: Run, progress: bool | None = None) -> History:
    """Train ``run`` with ``backprop.fit``, validated on its test set after every epoch."""
    from .train import fit

    return fit(
        run.model,
        run.data.X_train,
        run.data.y_train,
        loss=run.loss,
        optimizer=run.optimizer,
        epochs=run.epochs,
        batch_size=run.batch_size,
        tol=run.tol,
        validation=(run.data.X_test, run.data.y_test),
        seed=run.seed,
        progress=progress,
    )
