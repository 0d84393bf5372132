"""The playground's local web server: the standard library's ``ThreadingHTTPServer``.

It serves the page (files shipped inside the package, held in memory: a path sent by the page is
never opened) and a small JSON API, one session per browser tab:

    GET  /api/options                          every choice, title and limit the page offers
    POST /api/session  {config}                a new session -> {session, state, view, data}
    POST /api/config   {session, config}       the same session, rebuilt from a new config
    POST /api/reset    {session}               new initial weights from the config's seed
    POST /api/phase    {session, phase}        forward | backward | update | step -> view
    POST /api/play     {session, playing}      start or stop training (``backprop.fit``)
    GET  /api/view?session=ID[&example=i]      what the page draws
    GET  /api/state?session=ID                 configuration, learning rate, weights, biases
    GET  /api/export/model?session=ID          the model as a file ``backprop.load`` reads
    GET  /api/export/example?session=ID&format=markdown|latex[&example=i]   BP1-BP4 worked
                                               through for one example of the mini-batch, with
                                               the network's current weights (``bp.explain``)

A bad request gets a 400 with ``{"error": ..., "field": ...}`` naming the field; the server keeps
serving. Limits: request bodies (``MAX_BODY``), live sessions (``Sessions.limit``: the least
recently used one is closed to make room), and the network and data sizes of ``config``.
"""

from __future__ import annotations

import ipaddress
import json
import math
import secrets
import tempfile
import threading
import time
import webbrowser
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from .. import io
from ..explain import explain
from .config import ConfigError, options, parse_config
from .session import Session, run_phase
from .view import state, view

MAX_BODY = 2_000_000
MAX_SESSIONS = 32
#: A session unused for this long is closed.
IDLE_SECONDS = 3600

_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
}


def page_files() -> dict[str, tuple[bytes, str]]:
    """The page's files by URL path, read once from the package ("/" is index.html)."""
    folder = resources.files("backprop.playground") / "static"
    files = {}
    for item in folder.iterdir():
        suffix = Path(item.name).suffix
        if item.is_file() and suffix in _TYPES:
            files[f"/static/{item.name}"] = (item.read_bytes(), _TYPES[suffix])
    files["/"] = files["/static/index.html"]
    return files


class Sessions:
    """The live sessions by id, at most ``limit``; the least recently used goes first."""

    def __init__(self, limit: int = MAX_SESSIONS, idle: float = IDLE_SECONDS) -> None:
        self.limit, self.idle = limit, idle
        self._items: dict[str, Session] = {}
        self._lock = threading.Lock()

    def create(self, session: Session) -> str:
        key = secrets.token_urlsafe(12)
        closing = []
        with self._lock:
            now = time.monotonic()
            for old, s in list(self._items.items()):
                if now - s.last_used > self.idle:
                    closing.append(self._items.pop(old))
            while len(self._items) >= self.limit:
                oldest = min(self._items, key=lambda k: self._items[k].last_used)
                closing.append(self._items.pop(oldest))
            self._items[key] = session
        for s in closing:
            s.close()
        return key

    def get(self, key: Any) -> Session:
        with self._lock:
            session = self._items.get(key) if isinstance(key, str) else None
        if session is None:
            raise ConfigError("session", "unknown or expired session; reload the page")
        session.touch()
        return session

    def __len__(self) -> int:
        return len(self._items)

    def close(self) -> None:
        with self._lock:
            items, self._items = list(self._items.values()), {}
        for s in items:
            s.close()


class _Handler(BaseHTTPRequestHandler):
    server: PlaygroundServer
    protocol_version = "HTTP/1.1"
    # Headers and body leave in two writes: with Nagle's algorithm the second waits for the
    # client's delayed ACK (40 ms on Linux) on a kept-alive connection.
    disable_nagle_algorithm = True

    def log_message(self, format: str, *args: Any) -> None:
        if self.server.verbose:
            super().log_message(format, *args)

    # --- replies ------------------------------------------------------------------------------

    def _send(self, status: int, body: bytes, content_type: str, extra: dict | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.send_header("X-Content-Type-Options", "nosniff")
        for key, value in (extra or {}).items():
            self.send_header(key, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _json(self, payload: Any, status: int = 200) -> None:
        body = json.dumps(payload).encode()
        if b"NaN" in body or b"Infinity" in body:  # rare (a diverged step): JSON has neither
            body = json.dumps(_finite(payload), allow_nan=False).encode()
        self._send(status, body, "application/json")

    def _error(self, status: int, field: str, message: str) -> None:
        self._json({"error": message, "field": field}, status)

    # --- requests -----------------------------------------------------------------------------

    def do_GET(self) -> None:  # noqa: N802 (the standard library's name)
        url = urlsplit(self.path)
        query = {k: v[-1] for k, v in parse_qs(url.query).items()}
        if url.path in self.server.files:
            body, content_type = self.server.files[url.path]
            self._send(200, body, content_type)
            return
        self._dispatch(self.server.get_routes, url.path, query)

    def do_POST(self) -> None:  # noqa: N802
        length = self.headers.get("Content-Length")
        try:
            size = int(length or 0)
        except ValueError:
            size = -1
        if size < 0:
            self.close_connection = True
            self._error(400, "body", "the request needs a Content-Length")
            return
        if size > MAX_BODY:
            # Read (and drop) a moderately large body so that the client sees the answer rather
            # than a reset connection; anything larger is cut off.
            self.close_connection = True
            if size <= 8 * MAX_BODY:
                remaining = size
                while remaining > 0:
                    chunk = self.rfile.read(min(1 << 16, remaining))
                    if not chunk:
                        break
                    remaining -= len(chunk)
            self._error(413, "body", f"the request body is larger than {MAX_BODY} bytes")
            return
        raw = self.rfile.read(size)
        try:
            body = json.loads(raw or b"{}")
        except (ValueError, UnicodeDecodeError):
            self._error(400, "body", "the request body must be JSON")
            return
        if not isinstance(body, dict):
            self._error(400, "body", "the request body must be a JSON object")
            return
        self._dispatch(self.server.post_routes, urlsplit(self.path).path, body)

    def _dispatch(self, routes: dict, path: str, args: dict[str, Any]) -> None:
        route = routes.get(path)
        if route is None:
            self._error(404, "path", f"no such page or endpoint: {path}")
            return
        try:
            route(self, args)
        except ConfigError as exc:
            status = 404 if exc.field == "session" else 400
            self._error(status, exc.field, str(exc))


def _finite(value: Any) -> Any:
    """``value`` with every NaN or infinity as None."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_finite(v) for v in value]
    return value


def _example(args: dict[str, Any]) -> int:
    try:
        return int(args.get("example", 0))
    except (TypeError, ValueError):
        raise ConfigError("example", "example must be an integer") from None


def _config(args: dict[str, Any]) -> Any:
    config = args.get("config", {})
    if not isinstance(config, dict):
        raise ConfigError("config", "config must be a JSON object of settings")
    return parse_config(config)


# --- the API, one function per endpoint ------------------------------------------------------


def _opened(handler: _Handler, key: str, session: Session) -> None:
    handler._json(
        {
            "session": key,
            "state": state(session),
            "view": view(session),
            "data": session.data_view(),
        }
    )


def api_options(handler: _Handler, args: dict[str, Any]) -> None:
    handler._json(options())


def api_session(handler: _Handler, args: dict[str, Any]) -> None:
    session = Session(_config(args))
    _opened(handler, handler.server.sessions.create(session), session)


def api_config(handler: _Handler, args: dict[str, Any]) -> None:
    session = handler.server.sessions.get(args.get("session"))
    session.configure(_config(args))
    _opened(handler, args["session"], session)


def api_reset(handler: _Handler, args: dict[str, Any]) -> None:
    session = handler.server.sessions.get(args.get("session"))
    session.configure(session.config)
    _opened(handler, args["session"], session)


def api_phase(handler: _Handler, args: dict[str, Any]) -> None:
    session = handler.server.sessions.get(args.get("session"))
    run_phase(session, args.get("phase"))
    handler._json(view(session, _example(args)))


def api_play(handler: _Handler, args: dict[str, Any]) -> None:
    session = handler.server.sessions.get(args.get("session"))
    playing = args.get("playing")
    if not isinstance(playing, bool):
        raise ConfigError("playing", "playing must be true or false")
    if playing:
        session.play()
    else:
        session.pause()
    handler._json(view(session))


def api_view(handler: _Handler, args: dict[str, Any]) -> None:
    session = handler.server.sessions.get(args.get("session"))
    handler._json(view(session, _example(args)))


def api_state(handler: _Handler, args: dict[str, Any]) -> None:
    handler._json(state(handler.server.sessions.get(args.get("session"))))


def api_export_model(handler: _Handler, args: dict[str, Any]) -> None:
    session = handler.server.sessions.get(args.get("session"))
    with session.lock, tempfile.TemporaryDirectory() as folder:
        session.pause()
        path = Path(folder) / "playground-model.npz"
        io.save(session.net, path)
        body = path.read_bytes()
    disposition = 'attachment; filename="playground-model.npz"'
    handler._send(200, body, "application/octet-stream", {"Content-Disposition": disposition})


def api_export_example(handler: _Handler, args: dict[str, Any]) -> None:
    session = handler.server.sessions.get(args.get("session"))
    fmt = args.get("format", "markdown")
    if fmt not in ("markdown", "latex"):
        raise ConfigError("format", "format must be markdown or latex")
    with session.lock:
        session.pause()
        text = explain(session.net, *session.example(_example(args)), format=fmt)
    name = "playground-step." + ("md" if fmt == "markdown" else "tex")
    disposition = f'attachment; filename="{name}"'
    handler._send(
        200, text.encode(), "text/plain; charset=utf-8", {"Content-Disposition": disposition}
    )


class PlaygroundServer(ThreadingHTTPServer):
    """The server; ``sessions`` holds the tabs' sessions and ``url`` the address to open."""

    daemon_threads = True
    get_routes = {
        "/api/options": api_options,
        "/api/view": api_view,
        "/api/state": api_state,
        "/api/export/model": api_export_model,
        "/api/export/example": api_export_example,
    }
    post_routes = {
        "/api/session": api_session,
        "/api/config": api_config,
        "/api/reset": api_reset,
        "/api/phase": api_phase,
        "/api/play": api_play,
    }

    def __init__(self, host: str = "127.0.0.1", port: int = 0, verbose: bool = False) -> None:
        super().__init__((host, port), _Handler)
        self.files = page_files()
        self.sessions = Sessions()
        self.verbose = verbose

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        shown = f"[{host}]" if ":" in host else host
        return f"http://{shown}:{port}/"

    def server_close(self) -> None:
        self.sessions.close()
        super().server_close()


def serve(host: str = "127.0.0.1", port: int = 0, open_browser: bool = True) -> None:
    """Run the playground until Ctrl-C: print the address, open the browser unless asked not to."""
    server = PlaygroundServer(host, port)
    print(f"backprop playground: {server.url}  (Ctrl-C stops it)", flush=True)
    if not ipaddress.ip_address(server.server_address[0]).is_loopback:
        print("backprop playground: other machines can reach this address (--host)", flush=True)
    if open_browser:
        threading.Thread(target=webbrowser.open, args=(server.url,), daemon=True).start()
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        print("\nbackprop playground: stopped", flush=True)
    finally:
        server.server_close()
