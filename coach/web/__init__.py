"""The trainee web app: sign in, pick a scenario, chat with the customer, see the scorecard.

``create_app(config)`` builds the Flask app; ``serve_web(host, port, rasa_webhook)`` runs
it in the foreground; ``web_server(...)`` returns a server to run in a thread (what
``coach serve`` uses next to the bot). The browser only ever talks to this app; the app
talks to Rasa's REST channel on 127.0.0.1 with the signed-in trainee in the metadata.
See docs/web.md.

Imports are lazy so that ``coach users ...`` (coach.web.accounts) does not load Flask.
"""

from __future__ import annotations

from typing import Any

__all__ = ["create_app", "serve_web", "web_server"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        from coach.web import app

        return getattr(app, name)
    raise AttributeError(f"module 'coach.web' has no attribute {name!r}")
