"""The Flask application: configuration, blueprint, error pages, and the server entry point."""

from __future__ import annotations

import logging
import os
from datetime import datetime, timedelta
from typing import Any

from flask import Flask, g, render_template, request
from werkzeug.exceptions import HTTPException

from coach import config as coach_config
from coach.web import security
from coach.web.rasa import RestClient

log = logging.getLogger(__name__)

DEFAULT_PORT = 8000


def _truthy(value: str | None) -> bool:
    return (value or "").strip().lower() in ("1", "true", "yes", "on")


def default_webhook() -> str:
    env = os.environ.get("COACH_RASA_WEBHOOK")
    if env:
        return env
    port = os.environ.get("COACH_RASA_PORT") or "5005"
    return f"http://127.0.0.1:{port}/webhooks/rest/webhook"


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """The web app. ``config`` overrides any setting, e.g. for tests:

    ``DATABASE_URL`` (default COACH_DATABASE_URL), ``RASA_WEBHOOK`` (default
    COACH_RASA_WEBHOOK, else Rasa on 127.0.0.1:COACH_RASA_PORT), ``RASA_CLIENT`` (an
    object with ``send(sender, message, metadata) -> list[dict]``; replaces the HTTP
    client), ``RASA_TIMEOUT`` seconds, ``MAX_MESSAGE_CHARS``, ``SECRET_KEY``,
    ``SESSION_COOKIE_SECURE`` (default COACH_COOKIE_SECURE).
    """
    app = Flask(__name__, instance_path=str(coach_config.PROJECT_ROOT / "instance"))
    config = dict(config or {})
    app.config.update(
        DATABASE_URL=coach_config.database_url(),
        RASA_WEBHOOK=default_webhook(),
        RASA_TIMEOUT=float(os.environ.get("COACH_RASA_TIMEOUT") or 60),
        MAX_MESSAGE_CHARS=coach_config.max_message_chars(),
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=_truthy(os.environ.get("COACH_COOKIE_SECURE")),
        SESSION_COOKIE_NAME="coach_session",
        PERMANENT_SESSION_LIFETIME=timedelta(hours=12),
        MAX_CONTENT_LENGTH=256 * 1024,
        JSON_SORT_KEYS=False,
    )
    app.config.update(config)
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = security.load_secret_key()
    if app.config.get("RASA_CLIENT") is None:
        app.config["RASA_CLIENT"] = RestClient(
            app.config["RASA_WEBHOOK"], timeout=app.config["RASA_TIMEOUT"]
        )
    app.extensions["coach_login_throttle"] = security.LoginThrottle()
    app.extensions["coach_conversation_locks"] = {}

    from coach.web.views import bp

    app.register_blueprint(bp)
    from coach.web.review import bp as review_bp

    app.register_blueprint(review_bp)
    app.before_request(_before_request)
    app.after_request(security.security_headers)
    app.jinja_env.globals["csrf_token"] = security.csrf_token
    app.jinja_env.filters["when"] = _when
    app.jinja_env.filters["short_when"] = _short_when
    app.jinja_env.filters["num"] = _num
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(Exception, _server_error)
    if _truthy(os.environ.get("COACH_BEHIND_PROXY")):
        # Behind the cluster's nginx: the client address (login throttle) and scheme
        # come from the one proxy's X-Forwarded-* headers, never from further hops.
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1)  # type: ignore[method-assign]
    return app


def _before_request():
    g.user = None
    if request.endpoint == "static":
        return None
    security.load_current_user()
    if request.method in security.UNSAFE_METHODS and not security.csrf_valid():
        message = (
            "This page was open too long or from an old sign-in, so it could not be "
            "verified. Reload the page and try again; your text is still in the box."
        )
        if security.wants_json():
            return security.json_error(400, "csrf", message)
        return render_template("error.html", title="Please reload", message=message), 400
    return None


def _when(value: datetime | None) -> str:
    if value is None:
        return ""
    return value.strftime("%d %b %Y, %H:%M UTC")


def _short_when(value: datetime | None) -> str:
    return "" if value is None else value.strftime("%d %b, %H:%M")


def _num(value: float | None, digits: int = 1) -> str:
    return "–" if value is None else f"{float(value):.{digits}f}"


def _http_error(exc: HTTPException):
    if security.wants_json():
        return security.json_error(
            exc.code or 500, exc.name.lower().replace(" ", "_"), exc.description or exc.name
        )
    titles = {404: "Not found", 403: "Not allowed", 405: "Not allowed", 413: "Too large"}
    message = {
        404: "There is nothing here, or it belongs to someone else.",
        413: "That was too large to send.",
    }.get(exc.code or 0, exc.description)
    return (
        render_template("error.html", title=titles.get(exc.code or 0, exc.name), message=message),
        exc.code or 500,
    )


def _server_error(exc: Exception):
    log.exception("unhandled error on %s %s", request.method, request.path)
    from coach.storage.db import StorageUnavailable

    if isinstance(exc, StorageUnavailable):
        message = "The database is not reachable right now. Try again in a moment."
        code = "storage_unavailable"
        status = 503
    else:
        message = "Something went wrong on our side. Try again; if it keeps happening, reload."
        code = "server_error"
        status = 500
    if security.wants_json():
        return security.json_error(status, code, message)
    return render_template("error.html", title="Sorry", message=message), status


def web_server(
    host: str = "127.0.0.1",
    port: int = DEFAULT_PORT,
    rasa_webhook: str | None = None,
    **config: Any,
):
    """A ready-to-run threaded Werkzeug server for the web app (not started).

    Run it with ``server.serve_forever()`` (e.g. in a thread next to the bot) and stop it
    with ``server.shutdown()``. Extra keyword arguments are app settings (see create_app).
    """
    from werkzeug.serving import make_server

    settings: dict[str, Any] = dict(config)
    if rasa_webhook:
        settings["RASA_WEBHOOK"] = rasa_webhook
    app = create_app(settings)
    return make_server(host, int(port), app, threaded=True)


def startup_notes(url: str, database_url: str | None = None) -> list[str]:
    """What to tell whoever started the web app: where it is, and how to get an account."""
    from coach.web import accounts

    notes = [f"Empathy Coach web app: {url}"]
    try:
        if not accounts.list_users(url=database_url):
            notes.append(
                "No accounts yet. Create one with:  .venv/bin/coach users add YOUR-NAME "
                "(add --role trainer for a trainer)"
            )
    except Exception as exc:  # noqa: BLE001 - a hint must never stop the server
        log.warning("could not count accounts: %s", exc)
    return notes


def serve_web(
    host: str = "127.0.0.1",
    port: int = DEFAULT_PORT,
    rasa_webhook: str | None = None,
    **config: Any,
) -> None:
    """Run the web app in the foreground (Werkzeug's threaded server) until Ctrl-C.

    Fine for a training room on one machine or a trusted network; see docs/web.md for a
    TLS proxy in front and COACH_COOKIE_SECURE.
    """
    server = web_server(host, port, rasa_webhook, **config)
    for line in startup_notes(f"http://{host}:{server.server_port}/", config.get("DATABASE_URL")):
        print(line, flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
