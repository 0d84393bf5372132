"""What the page draws, as JSON: the numbers the engine computed for a session, never recomputed.

After *Forward* the step record's a^l and z^l (and g'(z^l) from the activation table, the factor
BP1 and BP2 multiply by; for the hinge each example's C_x); after *Backward* delta^l, the batch
means dC/dw^l and dC/db^l (BP3, BP4) and each example's terms a^{x,l-1}_k delta^{x,l}_j
(``StepRecord.example_grad_w``; for the hinge grad_a C_x, BP1's first factor); after *Update* the
weights before and after and the optimizer's state (momentum buffer, Adam's moments). Arrays
are nested lists indexed [layer][example][neuron]; index 0 of a per-layer list is the input
layer, which has no z, delta or weights (None).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..activations import activation
from ..layered import StepRecord
from ..nn.losses import hinge, hinge_subgradient
from .config import LOSSES
from .session import Session

#: Batches up to this size show every example's terms; larger ones the selected example's.
ALL_TERMS = 16


def _lists(arrays: list[np.ndarray | None]) -> list[Any]:
    return [None if a is None else np.asarray(a).tolist() for a in arrays]


def _means(arrays: list[np.ndarray | None]) -> list[Any]:
    return [None if a is None else a.mean(axis=0).tolist() for a in arrays]


def _derivatives(session: Session, record: StepRecord) -> list[Any]:
    """g'(z^l) of every layer, from a^l by the table's derivative (None where BP1 needs none:
    the cross-entropy and log-likelihood costs give delta^L = a^L - y directly)."""
    net = session.net
    L = len(net.weights)
    out: list[Any] = [None]
    for l in range(1, L + 1):
        if l == L and net.cost_name in ("cross_entropy", "log_likelihood"):
            out.append(None)
            continue
        row = activation(net.output if l == L else net.activation)
        out.append(row.derivative(record.a[l]).tolist())
    return out


def _batch(session: Session, example: int) -> dict[str, Any]:
    record = session.step.record
    m = len(record.a[0])
    shown = list(range(m)) if m <= ALL_TERMS else [min(max(example, 0), m - 1)]
    batch: dict[str, Any] = {
        "indices": session.indices.tolist(),
        "m": m,
        "cost": session.cost,
        "y": record.y.tolist(),
        "a": _lists(record.a),
        "z": _lists(record.z),
        "a_mean": _means(record.a),
        "z_mean": _means(record.z),
        "derivative": _derivatives(session, record),
    }
    backward = session.phase in ("backward", "update")
    if session.net.cost_name == "hinge":
        batch.update(_hinge(record, backward))
    if backward:
        params = session.totals
        batch.update(
            delta=_lists(record.delta),
            delta_mean=_means(record.delta),
            grad_w=_lists(record.grad_w),
            grad_b=_lists(record.grad_b),
            total_w=[None, *_lists(params[0::2])],
            total_b=[None, *_lists(params[1::2])],
            terms={
                "examples": shown,
                "w": [
                    [None, *(record.example_grad_w(l, x).tolist() for l in range(1, len(record.a)))]
                    for x in shown
                ],
            },
        )
    return batch


def _hinge(record: StepRecord, backward: bool) -> dict[str, Any]:
    """The hinge's pieces of the output layer, by the loss module's own functions on the record's
    a^L and y: each example's C_x = max(0, 1 - y a^L) (whose mean is the batch cost) and, after
    Backward, grad_a C_x = -y where y a^L < 1, else 0 (BP1's first factor)."""
    a_L, y = record.a[-1], record.y
    out: dict[str, Any] = {"cost_x": hinge(a_L, y).tolist()}
    if backward:
        out["grad_a"] = hinge_subgradient(a_L, y).tolist()
    return out


def _update(session: Session) -> dict[str, Any]:
    """The optimizer's rule and its numbers for the last Update."""
    opt, config = session.optimizer, session.config
    before = session.before
    update: dict[str, Any] = {
        "rule": config.optimizer,
        "lr": float(opt.lr),
        "w_before": [None, *_lists(before[0::2])],
        "b_before": [None, *_lists(before[1::2])],
        "regularization": config.regularization,
        "lmbda": config.lmbda,
    }
    if config.optimizer == "momentum":
        buffers = [opt.state[i].get("momentum_buffer") for i in range(len(opt.params))]
        update["momentum"] = opt.momentum
        update["v_w"] = [None, *_lists(buffers[0::2])]
        update["v_b"] = [None, *_lists(buffers[1::2])]
    elif config.optimizer == "adam":
        states = [opt.state[i] for i in range(len(opt.params))]
        update.update(
            beta1=opt.betas[0],
            beta2=opt.betas[1],
            eps=opt.eps,
            t=states[0]["step"],
            m_w=[None, *_lists([s["exp_avg"] for s in states[0::2]])],
            m_b=[None, *_lists([s["exp_avg"] for s in states[1::2]])],
            v_w=[None, *_lists([s["exp_avg_sq"] for s in states[0::2]])],
            v_b=[None, *_lists([s["exp_avg_sq"] for s in states[1::2]])],
        )
    return update


def _notes(session: Session) -> list[str]:
    config, notes = session.config, []
    hidden_step = config.activation == "step" and bool(config.layers)
    if hidden_step or (config.output == "step" and config.loss == "quadratic"):
        notes.append(
            "The threshold unit's derivative is g'(z) = 0 (almost everywhere; the lectures, "
            "seed 000): BP1 and BP2 multiply delta by g'(z), so every delta behind a threshold "
            "unit is 0, every dC/dw = a delta is 0 there, and gradient descent cannot move those "
            "weights."
        )
    if session.phase in ("backward", "update") and not any(np.any(t) for t in session.totals[0::2]):
        notes.append("Every dC/dw of this mini-batch is exactly 0: this step changes no weight.")
    if session.error:
        notes.append(session.error)
    return notes


def view(session: Session, example: int = 0) -> dict[str, Any]:
    """The session as the page draws it; ``example`` selects whose terms a batch of more than
    ``ALL_TERMS`` examples shows."""
    with session.lock:
        live, curves = session.live()
        playing = session.playing
        if playing and live is not None:
            weights, biases = live["weights"], live["biases"]
            boundary, steps, epoch = live["boundary"], live["steps"], live["epoch"]
        else:
            weights = [W.tolist() for W in session.net.weights]
            biases = [b.tolist() for b in session.net.biases]
            boundary, steps, epoch = session.boundary(), session.steps, session.epoch
        net = session.net
        out: dict[str, Any] = {
            "version": session.version if not playing else steps,
            "playing": playing,
            "phase": None if playing else session.phase,
            "epoch": epoch,
            "steps": steps,
            "sizes": net.sizes,
            "activation": net.activation,
            "output": net.output,
            "cost": LOSSES[session.config.loss][1],
            "lr": float(session.optimizer.lr),
            "batch_size": session.batch_size,
            "weights": [None, *weights],
            "biases": [None, *biases],
            "boundary": boundary,
            "curves": curves,
            "notes": _notes(session),
        }
        if not playing and session.phase is not None:
            out["batch"] = _batch(session, example)
        if not playing and session.phase == "update":
            out["update"] = _update(session)
        return out


def state(session: Session) -> dict[str, Any]:
    """``GET /api/state``: the configuration, the learning rate and every weight and bias."""
    with session.lock:
        live, _ = session.live()
        if session.playing and live is not None:
            weights, biases = live["weights"], live["biases"]
        else:
            weights = [W.tolist() for W in session.net.weights]
            biases = [b.tolist() for b in session.net.biases]
        return {
            "config": session.config.as_dict(),
            "query": session.config.query(),
            "lr": float(session.optimizer.lr),
            "sizes": session.net.sizes,
            "weights": weights,
            "biases": biases,
            "epoch": session.epoch,
            "steps": session.steps,
        }
