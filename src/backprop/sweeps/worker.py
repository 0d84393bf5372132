"""What a worker process does with one run: build it, train it, and summarise how it went.

A run that fails is an outcome like any other: ``TrainingDiverged`` is "diverged", anything else
(layers that do not fit the data, an unknown dataset) is "failed" with the error's first line, so
one bad configuration never stops the sweep.
"""

from __future__ import annotations

import time
from typing import Any

#: The environment a worker trains in: one BLAS thread, so that parallel runs share the cores
#: instead of fighting over them (read by OpenBLAS, MKL and OpenMP when NumPy loads).
ONE_BLAS_THREAD = {
    "OMP_NUM_THREADS": "1",
    "OPENBLAS_NUM_THREADS": "1",
    "MKL_NUM_THREADS": "1",
}


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def run_one(options: dict[str, Any]) -> dict[str, Any]:
    """Train the run ``options`` describe (``backprop.runs``); its outcome as a JSON-able dict."""
    from ..errors import TrainingDiverged
    from ..runs import build_run, fit_run

    start = time.perf_counter()
    outcome: dict[str, Any] = {"status": "ok", "error": ""}
    try:
        history = fit_run(build_run(options), progress=False)
    except TrainingDiverged as exc:
        outcome.update(status="diverged", error=_first_line(exc))
    except Exception as exc:  # a bad configuration: reported in its row, the sweep goes on
        outcome.update(status="failed", error=f"{type(exc).__name__}: {_first_line(exc)}")
    else:
        outcome.update(
            final_loss=history.loss[-1],
            best_loss=min(history.loss),
            final_accuracy=history.val_accuracy[-1] if history.val_accuracy else None,
            best_accuracy=max(history.val_accuracy) if history.val_accuracy else None,
            epochs=history.epochs_run,
            history=history.to_dict(),
        )
    outcome["seconds"] = time.perf_counter() - start
    return outcome
