"""How to pick a good learning rate? Ask many trainings at once: a sweep over eta and batch size.

The lecture's question (seed 002: "How to pick good learning rate?"), answered the way it is in
practice: train the same 784-30-10 sigmoid network with every learning rate of a logarithmic grid
and two mini-batch sizes, three seeds each, in parallel (``bp.sweep``, one process per core), and
compare the final training cost. Too small a rate crawls; too large a one oscillates or diverges
(a diverged run is counted and left out, the sweep goes on). The batch size moves the answer:
the step is eta times the mean gradient of the batch, so a larger batch takes fewer steps per
epoch, each less noisy, and tolerates (and needs) a larger eta.

The picture (final_loss.png): the final cost against eta on a log axis, one line per batch size,
mean ± std over the seeds; the tables are results.md and results.csv, each run in runs/.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from ..explain.tables import render_table
from ..sweeps import sweep

TITLE = "how to pick a good learning rate: a parallel sweep over eta and the batch size"

RATES = (0.01, 0.1, 1.0, 3.0, 10.0, 100.0)
BATCH_SIZES = (10, 100)
SEEDS = (0, 1, 2)
EPOCHS = 5


def run(out: Path, data: str | None = None, epochs: int | None = None) -> dict[str, Any]:
    """Sweep the learning rates and batch sizes on ``data`` (mnist-5k); the best rate per batch
    size (lowest mean final cost), the mean final costs and the number of runs that failed."""
    name = data or "mnist-5k"
    n_epochs = epochs or EPOCHS
    runs = len(RATES) * len(BATCH_SIZES) * len(SEEDS)
    print(
        f"{name}: a [inputs]-30-[classes] sigmoid network, cross-entropy, plain SGD, "
        f"{n_epochs} epochs,\ntrained with every learning rate eta in {list(RATES)} and "
        f"mini-batches of {' and '.join(map(str, BATCH_SIZES))}, seeds {list(SEEDS)}: "
        f"{runs} runs in parallel.\n"
    )
    result = sweep(
        {"batch_size": list(BATCH_SIZES), "lr": list(RATES)},
        out=out,
        seeds=SEEDS,
        data=name,
        activation="sigmoid",
        epochs=n_epochs,
    )
    final: dict[tuple[int, float], float] = {}
    best: dict[int, float] = {}
    for batch in BATCH_SIZES:
        rows = []
        for lr in RATES:
            mine = [
                r
                for r in result.records
                if r["config"]["batch_size"] == batch and r["config"]["lr"] == lr
            ]
            ok = [r for r in mine if r["status"] == "ok"]
            if ok:
                final[batch, lr] = float(np.mean([r["final_loss"] for r in ok]))
                accuracy = np.mean([r["final_accuracy"] for r in ok])
                rows.append([lr, f"{final[batch, lr]:.4f}", f"{accuracy:.2%}", len(mine) - len(ok)])
            else:
                rows.append([lr, "diverged", "-", len(mine)])
        best[batch] = min((lr for b, lr in final if b == batch), key=lambda lr: final[batch, lr])
        print(f"mini-batches of {batch}:")
        headers = ["eta", "final cost (mean)", "test accuracy", "diverged"]
        print(render_table(headers, rows, align="rrrr"))
        print()
    for batch, lr in best.items():
        print(
            f"With mini-batches of {batch} the lowest final cost is at eta = {lr:g} "
            f"({final[batch, lr]:.4f})."
        )
    print(
        "Too small an eta crawls, too large a one overshoots and can diverge; start from a "
        "logarithmic grid\nlike this one, then refine around the best value."
    )
    print(f"\nwrote {', '.join(p.name for p in result.files)} and runs/ in {out}")
    return {"best_lr": best, "final_loss": final, "failed": result.failed, "files": result.files}
