"""Memory benchmark: what each file of the bad-file corpus makes ``load`` and ``read_idx`` use.

    python bench/hostile_files.py [--bomb-mib 1024]

The corpus is the tests' own (``tests/hostile_corpus.py``: truncated, flipped, random, foreign,
pickled, absurd, deeply nested, zip and gzip bombs, huge IDX declarations), written to a
temporary folder, with bombs that inflate to ``--bomb-mib`` MiB (the tests use 128; 1024 makes
files of about 1 MB). Each file goes through ``backprop.load`` and through
``backprop.data.read_idx``, each in a process of its own, one process at a time (never two
at once: each peak is the process's alone). Per run, from /proc/self/status:

  over   VmHWM - VmRSS just before the call (the high-water mark is reset to the current RSS by
         writing 5 to /proc/self/clear_refs) - the bytes of what the call returned: what reading
         the file cost beyond its result (nothing is returned when the file is refused)

The target (issue 10): no file of at most 10 MB makes either reader use more than 100 MiB beyond
what it returns. The last line says whether every file met it.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

from memory import _reset_peak, _status

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

MiB = 2**20
TARGET_MIB = 100
SMALL_FILE = 10 * 10**6


def child(reader: str, path: str) -> None:
    """Run one reader on one file; print {"over", "outcome"} as JSON."""
    import backprop as bp
    from backprop.data import read_idx

    before = _status("VmRSS")
    reset = _reset_peak()
    try:
        if reader == "load":
            model = bp.load(path)
            returned = sum(p.data.nbytes for p in model.parameters())
        else:
            returned = read_idx(path).nbytes
        outcome = "returned"
    except (bp.ModelFileError, bp.DataFileError) as exc:
        returned, outcome = 0, type(exc).__name__
    except BaseException as exc:  # what the benchmark is there to catch
        returned, outcome = 0, f"UNCLEAN {type(exc).__name__}"
    peak = _status("VmHWM")
    print(json.dumps({"over": peak - before - returned, "outcome": outcome, "reset": reset}))


def measure(reader: str, path: Path) -> dict:
    run = subprocess.run(
        [sys.executable, __file__, "--child", reader, str(path)],
        capture_output=True,
        text=True,
        check=False,
    )
    if run.returncode != 0:
        return {"over": 0, "outcome": f"CRASHED (exit {run.returncode})", "reset": True}
    return json.loads(run.stdout.strip().splitlines()[-1])


def main(bomb_mib: int) -> None:
    from hostile_corpus import write_corpus

    print("one child process per file and reader, run one at a time; MiB beyond the result")
    print(f"{'file':<34} {'bytes':>9} {'load':>8}  {'outcome':<16} {'read_idx':>8}  outcome")
    worst, unclean = 0.0, []
    with tempfile.TemporaryDirectory() as folder:
        for name, path in write_corpus(Path(folder), bomb_mib * MiB).items():
            size = path.stat().st_size
            row = [f"{name:<34} {size:>9,}"]
            for reader in ("load", "read_idx"):
                result = measure(reader, path)
                over = result["over"] / MiB
                if size <= SMALL_FILE:
                    worst = max(worst, over)
                if not result["reset"]:
                    result["outcome"] += " (peak includes start-up)"
                if result["outcome"].startswith(("UNCLEAN", "CRASHED")):
                    unclean.append(f"{name} via {reader}")
                row.append(f"{over:>8.1f}  {result['outcome']:<16}")
            print(" ".join(row))
    met = worst <= TARGET_MIB and not unclean
    print(
        f"largest use beyond the result, files <= 10 MB: {worst:.1f} MiB (target {TARGET_MIB}); "
        + ("every file refused cleanly or read" if not unclean else f"UNCLEAN: {unclean}")
        + f" -> target {'met' if met else 'NOT met'}"
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bomb-mib", type=int, default=1024, help="what the bombs inflate to")
    parser.add_argument("--child", nargs=2, metavar=("READER", "PATH"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(*args.child)
    else:
        main(args.bomb_mib)
