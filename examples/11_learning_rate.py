"""How to pick a good learning rate? (seed 002.) Train the same sigmoid network with a logarithmic
grid of learning rates and two batch sizes, three seeds each, all in parallel with bp.sweep (one
process per core), and read off the rate with the lowest final cost.

    python examples/11_learning_rate.py [FOLDER [EPOCHS]]

writes results.csv, results.md and final_loss.png into FOLDER (default backprop-out/learning-rate).
"""

import sys
from pathlib import Path

import numpy as np

import backprop as bp

# bp.sweep starts fresh Python processes that import this file: the work goes under this guard.
if __name__ == "__main__":
    out = Path(sys.argv[1] if len(sys.argv) > 1 else "backprop-out/learning-rate")
    epochs = int(sys.argv[2]) if len(sys.argv) > 2 else 5

    result = bp.sweep(
        {"batch_size": [10, 100], "lr": [0.01, 0.1, 1.0, 10.0]},
        seeds=[0, 1, 2],
        out=out,
        data="mnist-5k",
        activation="sigmoid",
        epochs=epochs,
    )
    for batch in (10, 100):
        costs = {}
        for record in result.records:
            if record["config"]["batch_size"] == batch and record["status"] == "ok":
                costs.setdefault(record["config"]["lr"], []).append(record["final_loss"])
        best = min(costs, key=lambda lr: np.mean(costs[lr]))
        cost = np.mean(costs[best])
        print(f"batch size {batch:>3}: best learning rate {best:g}, final cost {cost:.4f}")
    print(f"{result.failed} of {len(result.records)} runs failed or diverged")
    print(f"wrote {', '.join(str(path) for path in result.files)}")
