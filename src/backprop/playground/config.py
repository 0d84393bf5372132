"""A lesson's configuration: every choice the page offers, its default, its limits and its check.

The page's address holds the configuration as query parameters (``?dataset=xor&layers=4,4&...``)
so that a shared link opens the same lesson with the same initial weights. The page sends the
parameters as it found them; :func:`parse_config` is the one place that reads, checks and fills
them in, and :meth:`Config.query` writes the canonical address back. A bad value raises
:class:`ConfigError` naming the field, which the server turns into a 400 response.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any
from urllib.parse import urlencode

from ..activations import LECTURE_ACTIVATIONS, activation
from ..nn.init import INITIALIZERS

#: Limits that protect the server (the page's controls stop at the same numbers).
MAX_HIDDEN_LAYERS = 8
MAX_NEURONS = 16
MAX_POINTS = 1000
MAX_CSV_BYTES = 1_000_000
MAX_SEED = 2**32 - 1
#: Play's pace: at most this many training steps per second (the setting ``speed``).
MAX_SPEED = 100_000

#: dataset name -> (title, has noise, has a point count)
DATASETS: dict[str, tuple[str, bool, bool]] = {
    "xor": ("XOR truth table (0/1 inputs)", False, False),
    "xor-corners": ("XOR at the corners (+-1, +-1) of the notes", False, False),
    "xor-quadrants": ("XOR: noisy quadrants", True, True),
    "and": ("AND gate", False, False),
    "or": ("OR gate", False, False),
    "nand": ("NAND gate", False, False),
    "nor": ("NOR gate", False, False),
    "circles": ("circles", True, True),
    "moons": ("moons", True, True),
    "spirals": ("spirals", True, True),
    "blobs": ("Gaussian blobs", True, True),
    "csv": ("your CSV file (x1, x2, label)", False, False),
}

#: loss name -> (title, the layered network's cost, the output layer it needs or None)
LOSSES: dict[str, tuple[str, str, str | None]] = {
    "quadratic": ("quadratic C = 1/2 ||y - a^L||^2", "quadratic", None),
    "cross_entropy": ("binary cross-entropy (sigmoid output)", "cross_entropy", "sigmoid"),
    "softmax": ("softmax cross-entropy (log-likelihood)", "log_likelihood", "softmax"),
    "hinge": ("hinge C = max(0, 1 - y a^L) (linear output, y = +-1)", "hinge", "identity"),
}

#: How the page names the initializers of ``nn.init`` (the lectures' and Nielsen's words).
INIT_TITLES = {
    "uniform": "Unif[-1, 1] (seed 001)",
    "normal": "N(0, 1) (network.py)",
    "normal_scaled": "N(0, 1/n_in) (network2.py)",
    "xavier": "Xavier (Glorot) uniform",
    "he": "He normal",
    "zeros": "zeros (every neuron alike)",
}
OPTIMIZERS = {"sgd": "SGD", "momentum": "SGD with momentum", "adam": "Adam"}
REGULARIZATION = {"none": "none", "L1": "L1: lambda sum |w|", "L2": "L2: lambda/2 sum w^2"}
PRESETS = {"none": "none", "xor-hand": "the notes' hand-set tanh XOR network"}
OUTPUTS = ("sigmoid", "tanh", "identity", "relu", "step")


class ConfigError(ValueError):
    """A value the page sent that cannot be used; ``field`` names it."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class Config:
    """One lesson. ``layers`` are the hidden widths; ``batch`` 0 means all examples (gradient
    descent), 1 online SGD; ``speed`` caps *Play* at that many steps per second (it leaves the
    browser a core to draw with, and lets a learner slow training down)."""

    dataset: str = "xor-quadrants"
    points: int = 200
    noise: float = 0.3
    test: float = 0.3
    layers: tuple[int, ...] = (4, 4)
    activation: str = "tanh"
    output: str = "sigmoid"
    loss: str = "cross_entropy"
    init: str = "xavier"
    seed: int = 1
    lr: float = 0.3
    batch: int = 10
    optimizer: str = "sgd"
    momentum: float = 0.9
    regularization: str = "none"
    lmbda: float = 0.001
    preset: str = "none"
    speed: int = 1000
    csv: str = field(default="", compare=False, repr=False)

    @property
    def n_outputs(self) -> int:
        return 2 if self.loss == "softmax" else 1

    def sizes(self) -> list[int]:
        return [2, *self.layers, self.n_outputs]

    def as_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out.pop("csv")
        out["layers"] = list(self.layers)
        return out

    def query(self) -> str:
        """The canonical query string of the page's address (the CSV data is never in it)."""
        d = self.as_dict()
        d["layers"] = ",".join(map(str, self.layers))
        return urlencode(d)


_DEFAULT = Config()


def _text(params: Mapping[str, Any], name: str, choices: Mapping[str, Any] | tuple) -> str:
    value = params.get(name, getattr(_DEFAULT, name))
    if not isinstance(value, str) or value not in choices:
        raise ConfigError(name, f"{name} must be one of {', '.join(choices)}; got {value!r}")
    return value


def _number(params: Mapping[str, Any], name: str, kind: type, low: float, high: float) -> Any:
    raw = params.get(name, getattr(_DEFAULT, name))
    try:
        if isinstance(raw, bool):
            raise ValueError
        value = kind(raw) if kind is float else int(str(raw))
    except (TypeError, ValueError):
        raise ConfigError(name, f"{name} must be a number; got {raw!r}") from None
    if not (isinstance(value, int) or math.isfinite(value)) or not low <= value <= high:
        raise ConfigError(name, f"{name} must be between {low:g} and {high:g}; got {raw!r}")
    return value


def _layers(params: Mapping[str, Any]) -> tuple[int, ...]:
    raw = params.get("layers", _DEFAULT.layers)
    if isinstance(raw, str):
        raw = [] if raw.strip() == "" else raw.split(",")
    try:
        widths = tuple(int(str(n).strip()) for n in raw)
    except (TypeError, ValueError):
        raise ConfigError(
            "layers", f"layers must list hidden widths, e.g. 4,4; got {raw!r}"
        ) from None
    if len(widths) > MAX_HIDDEN_LAYERS or not all(1 <= n <= MAX_NEURONS for n in widths):
        raise ConfigError(
            "layers",
            f"at most {MAX_HIDDEN_LAYERS} hidden layers of 1 to {MAX_NEURONS} neurons; "
            f"got {list(widths)}",
        )
    return widths


def parse_config(params: Mapping[str, Any]) -> Config:
    """A checked ``Config`` from the page's parameters (strings from the address, or JSON
    values); missing ones take their defaults. Raises ``ConfigError`` naming the bad field."""
    unknown = set(params) - set(Config.__dataclass_fields__)
    if unknown:
        name = sorted(unknown)[0]
        raise ConfigError(name, f"unknown setting {name!r}")
    preset = _text(params, "preset", PRESETS)
    dataset = _text(params, "dataset", DATASETS)
    loss = _text(params, "loss", LOSSES)
    needs = LOSSES[loss][2]
    output = needs or _text(params, "output", OUTPUTS)
    hidden = _text(params, "activation", LECTURE_ACTIVATIONS + ("threshold", "linear"))
    csv = params.get("csv", "")
    if not isinstance(csv, str) or len(csv.encode()) > MAX_CSV_BYTES:
        raise ConfigError("csv", f"the CSV file must be text of at most {MAX_CSV_BYTES} bytes")
    if dataset == "csv" and not csv:
        raise ConfigError("csv", "dataset=csv needs the file's contents (choose a file)")
    values: dict[str, Any] = {
        "dataset": dataset,
        "points": _number(params, "points", int, 4, MAX_POINTS),
        "noise": _number(params, "noise", float, 0.0, 2.0),
        "test": _number(params, "test", float, 0.0, 0.9),
        "layers": _layers(params),
        "activation": activation(hidden).name,
        "output": activation(output).name if output != "softmax" else output,
        "loss": loss,
        "init": _text(params, "init", tuple(INITIALIZERS)),
        "seed": _number(params, "seed", int, 0, MAX_SEED),
        "lr": _number(params, "lr", float, 1e-6, 100.0),
        "batch": _number(params, "batch", int, 0, MAX_POINTS),
        "optimizer": _text(params, "optimizer", OPTIMIZERS),
        "momentum": _number(params, "momentum", float, 0.0, 0.999),
        "regularization": _text(params, "regularization", REGULARIZATION),
        "lmbda": _number(params, "lmbda", float, 0.0, 10.0),
        "preset": preset,
        "speed": _number(params, "speed", int, 1, MAX_SPEED),
        "csv": csv,
    }
    if preset == "xor-hand":
        # The notes' network: z1, z2 = tanh(10 x), two tanh neurons, a linear output z3 + z4.
        values.update(
            dataset="xor-corners",
            layers=(2, 2),
            activation="tanh",
            output="identity",
            loss="quadratic",
        )
    return Config(**values)


def options() -> dict[str, Any]:
    """Every choice the page offers, with the titles it shows and the limits it enforces."""
    rows = [activation(name) for name in LECTURE_ACTIVATIONS]
    return {
        "datasets": {k: {"title": t, "noise": n, "points": p} for k, (t, n, p) in DATASETS.items()},
        "activations": {r.name: {"title": r.title, "derivative": r.derivative_text} for r in rows},
        "outputs": {name: activation(name).title for name in OUTPUTS},
        "losses": {k: v[0] for k, v in LOSSES.items()},
        "inits": {name: INIT_TITLES.get(name, name) for name in INITIALIZERS},
        "optimizers": OPTIMIZERS,
        "regularization": REGULARIZATION,
        "presets": PRESETS,
        "limits": {
            "hidden_layers": MAX_HIDDEN_LAYERS,
            "neurons": MAX_NEURONS,
            "points": MAX_POINTS,
            "csv_bytes": MAX_CSV_BYTES,
            "speed": MAX_SPEED,
        },
        "defaults": _DEFAULT.as_dict(),
    }
