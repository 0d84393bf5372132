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
    {"data", "layers", "activation", "output_activation", "init", "loss", "optimizer", "lr",
     "momentum", "epochs", "batch_size", "tol", "seed"}
)  # fmt: skip


@dataclass
class Run:
    """A model, its loss and optimizer, and the data and settings ``fit`` trains it with:
    ``sizes`` its layer widths, ``loss_name`` and ``output`` the loss and output activation as
    ``train`` chose them, ``threshold`` how one output becomes a class (the loss's rule)."""

    data: Dataset
    model: Module
    loss: Loss
    optimizer: Any
    epochs: int
    batch_size: int
    tol: float | None
    seed: int
    sizes: list[int]
    loss_name: str
    output: str
    threshold: float


def build_run(options: Mapping[str, Any]) -> Run:
    """Load the data and build the model, loss and optimizer that ``options`` describe: what
    ``backprop train`` trains and each run of ``backprop sweep``.

    A configuration that cannot work raises before any training: the command line's
    ``UsageError`` for layers that do not fit the data, a network too large or a loss and output
    activation that cannot train together, the data's own errors for a dataset that cannot be
    loaded.
    """
    from . import optim
    from .cli import _check_network_size, _load_data
    from .commands.train import _check_width, _network, choose_loss
    from .nn.losses import decision_threshold, loss_function
    from .rng import manual_seed

    layers, seed = options.get("layers"), options["seed"]
    if layers:
        _check_network_size(layers, np.dtype(np.float32).itemsize, "--layers")
    data = _load_data(options["data"], seed)
    n_features = data.X_train.shape[1]
    sizes = layers or [n_features, 30, data.n_classes]
    _check_width(sizes, n_features, data.n_classes, options["data"])
    loss_name, output = choose_loss(
        options.get("loss"), options.get("output_activation"), sizes[-1]
    )
    manual_seed(seed)
    model = _network(sizes, options["activation"], output, init=options.get("init"), seed=seed)
    loss = loss_function(loss_name)
    if options["optimizer"] == "sgd":
        optimizer = optim.SGD(model.parameters(), lr=options["lr"], momentum=options["momentum"])
    else:
        optimizer = optim.Adam(model.parameters(), lr=options["lr"])
    return Run(
        data=data,
        model=model,
        loss=loss,
        optimizer=optimizer,
        epochs=options["epochs"],
        batch_size=min(options["batch_size"], len(data.X_train)),
        tol=options.get("tol"),
        seed=seed,
        sizes=sizes,
        loss_name=loss_name,
        output=output,
        threshold=decision_threshold(loss, output),
    )


def fit_run(run: Run, progress: bool | None = None, **options: Any) -> History:
    """Train ``run`` with ``backprop.fit``, validated on its test set after every epoch, its
    accuracies read by the run's threshold; ``options`` go to ``fit`` (callbacks, stop, ...)."""
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
        threshold=run.threshold,
        **options,
    )
