"""A sweep's files in its ``--out`` folder: one file per finished run, the tables and the picture.

``runs/KEY.json`` is written (atomically) as soon as run KEY ends, whether it trained, diverged
or failed; it is what a resumed sweep finds and does not run again. From those files come
``results.csv`` (one row per run), ``results.md`` (one row per configuration: mean ± std over its
seeds of the runs that trained; the failed ones counted and listed) and ``final_loss.png`` (the
final training cost against the learning rate, both on log axes, one line per batch size, or per
combination of the other swept options).
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from ..explain.tables import render_table
from ..io import write_text
from .grid import RunSpec

METRICS = ("final_loss", "best_loss", "final_accuracy", "best_accuracy", "epochs", "seconds")
RUNS = "runs"


def write_run(out: Path, spec: RunSpec, outcome: Mapping[str, Any]) -> dict[str, Any]:
    """Record one finished run in ``out/runs/KEY.json``; the record (config, seed and outcome)."""
    record = {"key": spec.key, "config": dict(spec.config), "seed": spec.seed, **outcome}
    folder = out / RUNS
    folder.mkdir(parents=True, exist_ok=True)
    write_text(folder / f"{spec.key}.json", json.dumps(record, indent=1))
    return record


def read_runs(out: Path) -> dict[str, dict[str, Any]]:
    """The records of the runs already finished in ``out``, by key (unreadable ones skipped:
    those runs run again)."""
    records = {}
    for path in sorted((out / RUNS).glob("*.json")):
        try:
            record = json.loads(path.read_text())
        except (OSError, ValueError):
            continue
        if isinstance(record, dict) and record.get("key") == path.stem:
            records[path.stem] = record
    return records


def _cell(value: Any) -> str:
    if isinstance(value, list):
        return ",".join(map(str, value))
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.6g}"
    return str(value)


def _mean_std(values: Sequence[float], digits: int = 4) -> str:
    if not values:
        return "-"
    if len(values) == 1:
        return f"{values[0]:.{digits}g}"
    return f"{np.mean(values):.{digits}g} ± {np.std(values, ddof=1):.2g}"


def group(records: Sequence[Mapping[str, Any]]) -> list[list[Mapping[str, Any]]]:
    """The records by configuration (everything but the seed), in the order first seen."""
    groups: dict[str, list[Mapping[str, Any]]] = {}
    for record in records:
        groups.setdefault(json.dumps(record["config"], sort_keys=True), []).append(record)
    return list(groups.values())


def write_csv(path: Path, records: Sequence[Mapping[str, Any]], swept: Sequence[str]) -> None:
    """One row per run: the swept options, the seed, how it went, its numbers, its key."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow([*swept, "seed", "status", *METRICS, "error", "key"])
    for r in records:
        writer.writerow(
            [
                *(_cell(r["config"][name]) for name in swept),
                r["seed"],
                r["status"],
                *(_cell(r.get(m)) for m in METRICS),
                r["error"],
                r["key"],
            ]
        )
    write_text(path, buffer.getvalue())


def markdown(records: Sequence[Mapping[str, Any]], swept: Sequence[str]) -> str:
    """The results table: one row per configuration, mean ± std over the seeds that trained."""
    failed = [r for r in records if r["status"] != "ok"]
    fixed = {k: v for k, v in records[0]["config"].items() if k not in swept} if records else {}
    lines = [
        f"# Sweep: {len(records)} runs, {len(records) - len(failed)} trained, "
        f"{len(failed)} failed or diverged",
        "",
        "Fixed options: "
        + ", ".join(f"{k}={_cell(v)}" for k, v in sorted(fixed.items()) if v is not None),
        "",
        "Mean ± standard deviation over the seeds of the runs that trained; loss is the training "
        "cost, accuracy the test accuracy.",
        "",
    ]
    headers = [*swept, "runs", "failed", *(m.replace("_", " ") for m in METRICS)]
    rows = []
    for runs in group(records):
        ok = [r for r in runs if r["status"] == "ok"]
        cells = [_cell(runs[0]["config"][name]) for name in swept]
        cells += [str(len(runs)), str(len(runs) - len(ok))]
        cells += [_mean_std([r[m] for r in ok if r.get(m) is not None]) for m in METRICS]
        rows.append(cells)
    lines.append(render_table(headers, rows, format="markdown", align="l" * len(headers)))
    if failed:
        lines += ["", "## Runs that failed or diverged", ""]
        for r in failed:
            where = ", ".join(f"{name}={_cell(r['config'][name])}" for name in swept)
            lines.append(f"- {where}, seed {r['seed']}: {r['status']}: {r['error']}")
    return "\n".join(lines) + "\n"


def plot_final_loss(path: Path, records: Sequence[Mapping[str, Any]], swept: Sequence[str]) -> bool:
    """Final training cost against the learning rate (log axes), mean and std over the seeds,
    one line per combination of the other swept options; False (nothing drawn) without a swept
    learning rate or a run that trained."""
    ok = [r for r in records if r["status"] == "ok"]
    if "lr" not in swept or not ok:
        return False
    from ..viz._figure import new_figure, save

    others = [name for name in swept if name != "lr"]
    lines: dict[str, dict[float, list[float]]] = {}
    for r in ok:
        label = ", ".join(f"{name} {_cell(r['config'][name])}" for name in others) or "all runs"
        lines.setdefault(label, {}).setdefault(r["config"]["lr"], []).append(r["final_loss"])
    fig = new_figure((6.4, 4.4))
    ax = fig.add_subplot()
    for label, by_lr in lines.items():
        lrs = sorted(by_lr)
        means = [float(np.mean(by_lr[lr])) for lr in lrs]
        stds = [float(np.std(by_lr[lr])) for lr in lrs]
        ax.errorbar(lrs, means, yerr=stds, marker="o", capsize=3, label=label)
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("learning rate η (log scale)")
    ax.set_ylabel("final training cost (log scale)")
    ax.set_title("Final cost against the learning rate (mean ± std over seeds)")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize="small")
    save(fig, path)
    return True


def write_results(
    out: Path, records: Sequence[Mapping[str, Any]], swept: Sequence[str]
) -> list[Path]:
    """``results.csv``, ``results.md`` and (with a swept learning rate) ``final_loss.png``."""
    written = [out / "results.csv", out / "results.md"]
    write_csv(written[0], records, swept)
    write_text(written[1], markdown(records, swept))
    if plot_final_loss(out / "final_loss.png", records, swept):
        written.append(out / "final_loss.png")
    return written
