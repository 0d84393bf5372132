"""What the playground's server and browser tests (and bench/playground.py) share: a server on a
free port of 127.0.0.1 that stops by itself, JSON requests, the engine's own computation to
compare the page against, and how Debian's Chromium is started."""

from __future__ import annotations

import json
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np

from backprop.playground import PlaygroundServer, parse_config
from backprop.playground.datasets import make_data
from backprop.playground.session import build_network

CHROMIUM = "/usr/bin/chromium"
#: No sandbox (root), no GPU, and none of Chromium's own connections, which this closed network
#: refuses: Playwright's own browser download cannot work here, so it drives Debian's Chromium.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def launch_chromium(playwright: Any) -> Any:
    """Debian's Chromium, headless, through ``playwright`` (a ``sync_playwright()`` context)."""
    return playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)


@contextmanager
def running_server() -> Iterator[PlaygroundServer]:
    server = PlaygroundServer("127.0.0.1", 0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


def request(
    server: PlaygroundServer | str, path: str, body: Any = None, raw: bytes | None = None
) -> tuple[int, Any]:
    """(status, parsed JSON or bytes) of a GET, or of a POST when ``body``/``raw`` is given;
    ``server`` is a running server or its address."""
    data = raw if raw is not None else None if body is None else json.dumps(body).encode()
    base = server if isinstance(server, str) else server.url
    req = urllib.request.Request(base.rstrip("/") + path, data=data)
    if data is not None:
        req.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(req, timeout=30) as response:
            status, payload, kind = (
                response.status,
                response.read(),
                response.headers["Content-Type"],
            )
    except urllib.error.HTTPError as exc:
        status, payload, kind = exc.code, exc.read(), exc.headers["Content-Type"]
    return status, json.loads(payload) if kind == "application/json" else payload


def engine_record(config: dict[str, Any], indices: list[int]):
    """The engine's own step record for a fresh network of ``config`` on the given examples:
    what the page must show after the first Forward and Backward."""
    cfg = parse_config(config)
    net = build_network(cfg)
    data = make_data(cfg)
    return net, net.record(data.X_train[indices], data.y_train[indices])


def close(a: Any, b: Any, tol: float = 1e-6) -> bool:
    return np.allclose(np.asarray(a, dtype=float), np.asarray(b, dtype=float), atol=tol, rtol=0)
