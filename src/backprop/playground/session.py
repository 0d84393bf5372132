"""One browser tab's lesson: the network, its data, its optimizer, and the step in phases.

Stepping by hand runs ``layered.LayeredStep`` (BP1-BP4 with ``record=True``) one phase at a time
on the session's current mini-batch: *Forward* fills a^l and z^l, *Backward* delta^l and every
dC/dw, *Update* moves the weights with the chosen optimizer. *Play* runs ``backprop.fit``, the
library's one training loop, in a thread until *Pause* sets its ``stop`` event; a step callback
keeps a snapshot of the weights, the decision boundary and the costs for the page to draw. The
page only ever shows numbers that these objects computed (see ``view.py``).
"""

from __future__ import annotations

import threading
import time
from typing import Any

import numpy as np

from ..demos.xor_hand import SOLUTIONS, layered_network
from ..errors import TrainingDiverged
from ..layered import LayeredStep, Network
from ..nn.regularization import L1, L2, Regularizer
from ..optim import SGD, Adam, Optimizer
from ..train import StepEnd, fit
from .config import LOSSES, Config, ConfigError
from .datasets import make_data

#: Longest loss curve kept; longer ones keep every other point (a curve of the whole run).
MAX_CURVE = 500
#: Snapshots for the page while *Play* runs: at most this many per second.
SNAPSHOTS_PER_SECOND = 60
#: *Play* stops by itself when the page has not asked for anything for this long.
ABANDONED_SECONDS = 10.0
#: Side of the grid on which the decision boundary is evaluated.
GRID = 40


def build_network(config: Config) -> Network:
    """The lesson's network (float64, so the page's full-precision numbers are the engine's):
    the notes' hand-set XOR weights for the preset, else drawn by ``init`` from the seed."""
    if config.preset == "xor-hand":
        return layered_network("first")
    return Network(
        config.sizes(),
        activation=config.activation,
        output=config.output,
        cost=LOSSES[config.loss][1],
        init=config.init,
        seed=config.seed,
        dtype=np.float64,
    )


def build_optimizer(config: Config, net: Network) -> Optimizer:
    if config.optimizer == "adam":
        return Adam(net.parameters(), lr=config.lr)
    momentum = config.momentum if config.optimizer == "momentum" else 0.0
    return SGD(net.parameters(), lr=config.lr, momentum=momentum)


def build_regularization(config: Config) -> Regularizer | None:
    kinds = {"L1": L1, "L2": L2}
    return kinds[config.regularization](config.lmbda) if config.regularization in kinds else None


class PhaseError(ConfigError):
    """A phase asked for out of order (Backward before Forward, Update before Backward)."""


class Session:
    """The state of one tab. Every public method holds ``lock``; the play thread only touches
    the network between its own steps and publishes snapshots under ``_live_lock``."""

    def __init__(self, config: Config) -> None:
        self.lock = threading.RLock()
        self._live_lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()
        self.last_used = time.monotonic()
        self.configure(config)

    # --- building -------------------------------------------------------------------------------

    def configure(self, config: Config) -> None:
        """Start the lesson afresh from ``config`` (also *Reset*: the same seed gives the same
        initial weights and points)."""
        with self.lock:
            self.pause()
            data = make_data(config)
            net = build_network(config)
            self.config, self.data, self.net = config, data, net
            self.optimizer = build_optimizer(config, net)
            self.regularization = build_regularization(config)
            self.step: LayeredStep = net.training_step(
                None, self.optimizer, self.regularization, record=True
            )
            n_out = net.sizes[-1]
            self.Y_train = self.step.prepare_targets(data.y_train, n_out, net.dtype)
            self.Y_test = self.step.prepare_targets(data.y_test, n_out, net.dtype)
            n = len(data.X_train)
            self.batch_size = n if config.batch == 0 else min(config.batch, n)
            self._rng = np.random.default_rng(config.seed)
            self._order = self._permutation()
            self._cursor = 0
            self.batch: np.ndarray | None = None  # the mini-batch of the step under way
            self.indices = np.zeros(0, dtype=np.int64)  # the last Forward's mini-batch
            self.phase: str | None = None
            self.cost = float("nan")
            self.before: list[np.ndarray] | None = None
            self.totals: list[np.ndarray] | None = None
            self.epoch = self.steps = 0
            self.version = 0
            self.error = ""
            self.curves: dict[str, list[float]] = {"epoch": [], "train": [], "test": []}
            self._add_curve_point()
            self._live: dict[str, Any] | None = None

    # --- the step in phases ---------------------------------------------------------------------

    def _permutation(self) -> np.ndarray:
        """An epoch's order: shuffled for mini-batches, as is for gradient descent (as in fit)."""
        n = len(self.data.X_train)
        return np.arange(n) if self.batch_size == n else self._rng.permutation(n)

    def _next_batch(self) -> np.ndarray:
        n = len(self._order)
        if self._cursor >= n:
            self._order = self._permutation()
            self._cursor = 0
        idx = self._order[self._cursor : self._cursor + self.batch_size]
        self._cursor += len(idx)
        return idx

    def forward(self) -> None:
        """a^l, z^l and the cost C on the current mini-batch (the next one after an Update)."""
        with self.lock:
            self.pause()
            if self.batch is None:
                self.batch = self._next_batch()
            self.indices = self.batch
            X, Y = self.data.X_train[self.batch], self.Y_train[self.batch]
            self.cost = self.step.forward(X, Y)
            self.phase, self.before, self.totals = "forward", None, None
            self.version += 1

    def backward(self) -> None:
        """BP1-BP4: delta^l and dC/dw^l, dC/db^l (plus the regularization's term in p.grad)."""
        with self.lock:
            if self.phase != "forward":
                raise PhaseError("phase", "Backward needs a Forward pass first")
            self.step.backward()
            self.totals = [p.grad.copy() for p in self.net.parameters()]
            self.phase = "backward"
            self.version += 1

    def update(self) -> None:
        """The optimizer's step on every weight and bias; an epoch ends with its last batch."""
        with self.lock:
            if self.phase != "backward":
                raise PhaseError("phase", "Update needs a Backward pass first")
            self.before = [p.data.copy() for p in self.net.parameters()]
            self.step.update()
            self.phase, self.batch = "update", None
            self.steps += 1
            if self._cursor >= len(self._order):
                self.epoch += 1
                self._add_curve_point()
            self.version += 1

    def full_step(self) -> None:
        """*Step*: whatever phases of the current step remain, in order."""
        with self.lock:
            if self.phase not in ("forward", "backward"):
                self.forward()
            if self.phase == "forward":
                self.backward()
            self.update()

    # --- playing: the one training loop in a thread ---------------------------------------------

    @property
    def playing(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def play(self) -> None:
        with self.lock:
            if self.playing:
                return
            self.phase, self.batch, self.before, self.totals = None, None, None, None
            self._cursor = len(self._order)  # a hand-stepped epoch in progress is left there
            self._stop = threading.Event()
            self._publish()
            self._thread = threading.Thread(target=self._train, daemon=True, name="playground")
            self._thread.start()

    def pause(self) -> None:
        with self.lock:
            if self._thread is not None:
                self._stop.set()
                self._thread.join()
                self._thread = None
                self.version += 1

    def _train(self) -> None:
        last = [0.0]
        started, first_step, pace = time.perf_counter(), self.steps, 1.0 / self.config.speed

        def on_step(end: StepEnd) -> None:
            self.steps += 1
            now = time.perf_counter()
            if now - last[0] >= 1.0 / SNAPSHOTS_PER_SECOND:
                last[0] = now
                self._publish()
            ahead = started + (self.steps - first_step) * pace - now
            if ahead > 0:  # the configured speed: sleep (and free the core) until it is time
                time.sleep(ahead)
            if time.monotonic() - self.last_used > ABANDONED_SECONDS:
                self._stop.set()  # nobody is watching (the tab was closed): stop training

        def on_epoch(epoch: int, logs: dict[str, float]) -> None:
            self.epoch += 1
            self._add_curve_point()

        n = len(self.data.X_train)
        try:
            fit(
                self.net,
                self.data.X_train,
                self.data.y_train,
                optimizer=self.optimizer,
                epochs=10**9,
                batch_size=None if self.batch_size == n else self.batch_size,
                seed=self._rng,
                callbacks=[on_epoch],
                step_callbacks=[on_step],
                stop=self._stop,
                progress=False,
                regularization=self.regularization,
            )
        except TrainingDiverged as exc:
            self.error = str(exc)
        self._publish()

    # --- what the page draws --------------------------------------------------------------------

    def _add_curve_point(self) -> None:
        """Training and test cost C (without the regularization term) at the end of an epoch,
        to 6 significant digits (the status line shows 4)."""
        train = self.net.cost(self.data.X_train, self.Y_train)
        test = self.net.cost(self.data.X_test, self.Y_test)
        with self._live_lock:
            curves = self.curves
            curves["epoch"].append(self.epoch)
            for key, value in (("train", train), ("test", test)):  # 6 digits: enough to draw
                curves[key].append(float(f"{value:.6g}"))
            if len(curves["epoch"]) > MAX_CURVE:
                for key in curves:
                    curves[key] = curves[key][::2]

    def boundary(self) -> dict[str, Any]:
        """a^L (class 1's output) on a GRID x GRID lattice over the data, rows from the top."""
        X = np.concatenate([self.data.X_train, self.data.X_test])
        lo, hi = X.min(axis=0), X.max(axis=0)
        pad = 0.15 * max(float((hi - lo).max()), 1e-9)
        x0, y0 = lo - pad
        x1, y1 = hi + pad
        xs, ys = np.linspace(x0, x1, GRID), np.linspace(y1, y0, GRID)
        grid = np.stack(np.meshgrid(xs, ys), axis=-1).reshape(-1, 2)
        with np.errstate(over="ignore", invalid="ignore"):
            out = self.net.feedforward(grid)
        values = out[:, -1]
        threshold, sign = self.net.threshold, 1.0
        if self.config.preset == "xor-hand":  # the notes read z3 + z4: blue ~ 0, red ~ -2
            spec = SOLUTIONS["first"]
            threshold = (spec["blue"] + spec["red"]) / 2
            sign = float(np.sign(spec["red"] - spec["blue"]))
        return {
            "size": GRID,
            "extent": [float(x0), float(x1), float(y0), float(y1)],
            "values": np.nan_to_num(values).round(4).tolist(),
            "threshold": threshold,
            "sign": sign,  # +1: class 1 above the threshold; -1: below
        }

    def _publish(self) -> None:
        """A consistent picture of the network between two steps, for the page while it plays."""
        snapshot = {
            "weights": [W.tolist() for W in self.net.weights],
            "biases": [b.tolist() for b in self.net.biases],
            "boundary": self.boundary(),
            "steps": self.steps,
            "epoch": self.epoch,
        }
        with self._live_lock:
            self._live = snapshot

    def live(self) -> tuple[dict[str, Any] | None, dict[str, list[float]]]:
        """The latest snapshot and a copy of the loss curves."""
        with self._live_lock:
            return self._live, {k: list(v) for k, v in self.curves.items()}

    def example(self, position: int) -> tuple[np.ndarray, np.ndarray]:
        """(x, y) as one-row arrays: the example at ``position`` in the current mini-batch (or in
        the last one, or the first of the epoch's order before any Forward)."""
        with self.lock:
            batch = self.indices if len(self.indices) else self._order[:1]
            i = batch[min(max(position, 0), len(batch) - 1)]
            return self.data.X_train[i : i + 1], self.Y_train[i : i + 1]

    def data_view(self) -> dict[str, Any]:
        d = self.data
        return {
            "train": {"x": d.X_train.tolist(), "y": d.y_train.tolist()},
            "test": {"x": d.X_test.tolist(), "y": d.y_test.tolist()},
        }

    def touch(self) -> None:
        self.last_used = time.monotonic()

    def close(self) -> None:
        self.pause()


def run_phase(session: Session, phase: str) -> None:
    """Run the phase the page asked for."""
    actions = {
        "forward": session.forward,
        "backward": session.backward,
        "update": session.update,
        "step": session.full_step,
    }
    if phase not in actions:
        raise ConfigError("phase", f"phase must be one of {', '.join(actions)}; got {phase!r}")
    actions[phase]()


__all__ = ["PhaseError", "Session", "build_network", "run_phase"]
