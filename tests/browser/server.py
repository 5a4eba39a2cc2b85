"""The web app on a free port in a background thread, and headless Chromium settings."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from pathlib import Path

from werkzeug.serving import make_server

from coach.serve import free_port

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@contextlib.contextmanager
def serving(app) -> Iterator[str]:
    """Serve ``app`` with Werkzeug's threaded server (as serve_web does); yields its URL."""
    port = free_port()
    server = make_server("127.0.0.1", port, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="web-app", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)


class SwitchableClient:
    """Wraps the real REST client; ``down = True`` makes the bot unreachable on demand."""

    def __init__(self, client) -> None:
        self.client = client
        self.down = False

    def send(self, sender: str, message: str, metadata: dict) -> list[dict]:
        if self.down:
            from coach.web.rasa import BotUnavailable

            raise BotUnavailable("cannot reach the bot: [Errno 111] Connection refused")
        return self.client.send(sender, message, metadata)


def launch(playwright):
    return playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
