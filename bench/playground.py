"""The playground's speed: a *Step* round trip, and *Play*'s redraws and steps per second.

Processes and cores: the server runs in its own process (``python -m backprop playground``: one
Python process whose HTTP threads and training thread share the GIL, so about one core), and
Chromium in its own (Playwright drives Debian's /usr/bin/chromium: a browser process and a
renderer); this script only waits on them. Nothing is pinned: on the 2-core development machine the
server and the browser share both cores, as they do for a learner. The one-core rule of the library
benchmarks does not apply, since the point is the whole page.

Measured on a 2-8-8-1 tanh network on the spirals (200 points, batch 10):

* *Step* round trip, from the page: ``fetch`` of ``POST /api/phase {phase: "step"}`` until its JSON
  (Forward, Backward and Update, and the view with every number) is parsed; target median < 20 ms.
* *Play*: redraws per second counted in the page (each one shows a view whose step count, and so
  weights, changed; target >= 15) and SGD steps per second behind them (target >= 200).

Play runs at the page's default pace (at most 1000 steps/s); ``--speed 100000`` shows how fast it
can go. Run: ``python bench/playground.py [--seconds 5] [--steps 200] [--speed 1000]``.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlencode

from playwright.sync_api import sync_playwright

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from _playground import launch_chromium  # noqa: E402  (the tests' one way to start Chromium)

CONFIG = {"dataset": "spirals", "points": 200, "layers": "8,8", "activation": "tanh", "batch": 10}
TARGETS = {"step_ms": 20.0, "redraws": 15.0, "steps": 200.0}

STEPS_JS = """async (n) => {
  const body = JSON.stringify({session: window.playground.session, phase: "step"});
  const headers = {"Content-Type": "application/json"};
  const times = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    await (await fetch("/api/phase", {method: "POST", headers, body})).json();
    times.push(performance.now() - t0);
  }
  return times;
}"""


def start_server() -> tuple[subprocess.Popen, str]:
    src = Path(__file__).resolve().parents[1] / "src"
    proc = subprocess.Popen(
        [sys.executable, "-m", "backprop", "playground", "--no-browser"],
        stdout=subprocess.PIPE,
        text=True,
        env={"PYTHONPATH": str(src), "PATH": "/usr/bin:/bin"},
    )
    line = proc.stdout.readline()
    if not line.startswith("backprop playground: http"):
        proc.kill()
        raise SystemExit(f"the server did not start: {line!r}")
    return proc, line.split()[2]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=5.0, help="how long Play runs")
    parser.add_argument("--steps", type=int, default=200, help="Step round trips timed")
    parser.add_argument(
        "--speed", type=int, default=1000, help="Play's cap in steps/s (the page's default)"
    )
    args = parser.parse_args()
    proc, url = start_server()
    try:
        with sync_playwright() as p:
            browser = launch_chromium(p)
            page = browser.new_page(viewport={"width": 1280, "height": 1000})
            page.goto(f"{url}?{urlencode({**CONFIG, 'speed': args.speed})}")
            page.wait_for_function("window.playground && window.playground.ready")
            page.evaluate(STEPS_JS, 20)  # warm-up
            times = page.evaluate(STEPS_JS, args.steps)
            page.get_by_role("button", name="Play", exact=True).click()
            page.wait_for_timeout(200)
            start = page.evaluate("[window.playground.redraws, window.playground.view.steps]")
            page.wait_for_timeout(1000 * args.seconds)
            end = page.evaluate("[window.playground.redraws, window.playground.view.steps]")
            page.get_by_role("button", name="Pause", exact=True).click()
            browser.close()
    finally:
        proc.terminate()
        proc.wait(timeout=20)
    median = statistics.median(times)
    p90 = statistics.quantiles(times, n=10)[-1]
    redraws = (end[0] - start[0]) / args.seconds
    steps = (end[1] - start[1]) / args.seconds
    print(
        f"backprop playground, 2-8-8-1 tanh on spirals (200 points, batch 10), Play capped at "
        f"{args.speed} steps/s"
    )
    print("server: its own process; browser: Chromium's own processes; no pinning (2 cores)")
    print(
        f"Step round trip (fetch from the page, {args.steps} steps): median {median:.2f} ms, "
        f"90th percentile {p90:.2f} ms; target < {TARGETS['step_ms']:g} ms: "
        f"median is {median / TARGETS['step_ms']:.2f}x the target"
    )
    print(
        f"Play over {args.seconds:g} s: {redraws:.1f} redraws/s (target >= {TARGETS['redraws']:g}: "
        f"{redraws / TARGETS['redraws']:.2f}x), {steps:.0f} SGD steps/s "
        f"(target >= {TARGETS['steps']:g}: {steps / TARGETS['steps']:.2f}x)"
    )


if __name__ == "__main__":
    main()
