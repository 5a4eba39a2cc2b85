"""Sign-in state, role checks, CSRF tokens, the secret key and response headers."""

from __future__ import annotations

import hmac
import secrets
import threading
import time
from collections.abc import Callable
from functools import wraps
from pathlib import Path
from typing import Any

from flask import abort, current_app, g, jsonify, redirect, request, session, url_for

from coach.secrets import instance_secret
from coach.web import accounts

CSRF_SESSION_KEY = "csrf"
CSRF_FORM_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


# --------------------------------------------------------------------------- secret key


def load_secret_key(instance_dir: Path | None = None) -> str:
    """COACH_SECRET_KEY, else a random key generated once in ``instance/secret_key``."""
    return instance_secret("secret_key", "COACH_SECRET_KEY", instance_dir)


# --------------------------------------------------------------------------- CSRF


def csrf_token() -> str:
    token = session.get(CSRF_SESSION_KEY)
    if not token:
        token = secrets.token_urlsafe(32)
        session[CSRF_SESSION_KEY] = token
    return token


def csrf_valid() -> bool:
    expected = session.get(CSRF_SESSION_KEY)
    sent = request.headers.get(CSRF_HEADER) or request.form.get(CSRF_FORM_FIELD) or ""
    return bool(expected) and hmac.compare_digest(str(expected), str(sent))


def wants_json() -> bool:
    return (
        request.is_json
        or request.path.startswith("/api/")
        or (request.accept_mimetypes.best == "application/json")
    )


def json_error(status: int, code: str, message: str, **extra: Any):
    body = {"ok": False, "error": code, "message": message, **extra}
    return jsonify(body), status


# --------------------------------------------------------------------------- sign-in


def login_user(account: accounts.Account) -> None:
    """A fresh session (no fixation): the old one, CSRF token included, is dropped."""
    session.clear()
    session.permanent = True
    session["uid"] = account.id
    session["stamp"] = account.password_stamp
    session[CSRF_SESSION_KEY] = secrets.token_urlsafe(32)


def logout_user() -> None:
    session.clear()


def load_current_user() -> None:
    g.user = None
    uid = session.get("uid")
    if uid is None:
        return
    account = accounts.get_user(uid, url=current_app.config["DATABASE_URL"])
    if account is None or not hmac.compare_digest(session.get("stamp", ""), account.password_stamp):
        session.clear()  # account removed or password changed: sign in again
        return
    g.user = account


def login_required(view: Callable) -> Callable:
    @wraps(view)
    def wrapped(*args: Any, **kwargs: Any):
        if g.get("user") is None:
            if wants_json():
                return json_error(
                    401,
                    "signed_out",
                    "You are signed out (the session expired or the server restarted). "
                    "Sign in again in a new tab; your text is still in the box.",
                )
            return redirect(url_for("web.login", next=request.full_path.rstrip("?")))
        return view(*args, **kwargs)

    return wrapped


def role_required(*roles: str) -> Callable[[Callable], Callable]:
    """Only users with one of ``roles``; others get 404, so trainer pages stay unseen."""

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        @login_required
        def wrapped(*args: Any, **kwargs: Any):
            if g.user.role not in roles:
                abort(404)
            return view(*args, **kwargs)

        return wrapped

    return decorator


trainer_required = role_required("trainer")


# --------------------------------------------------------------------------- throttling


class LoginThrottle:
    """At most ``limit`` failed sign-ins per username and per client in ``window`` seconds."""

    def __init__(self, limit: int = 10, window: float = 300.0) -> None:
        self.limit = limit
        self.window = window
        self._failures: dict[str, list[float]] = {}
        self._lock = threading.Lock()

    def _recent(self, key: str, now: float) -> list[float]:
        times = [t for t in self._failures.get(key, []) if now - t < self.window]
        self._failures[key] = times
        return times

    def blocked(self, *keys: str) -> bool:
        now = time.monotonic()
        with self._lock:
            return any(len(self._recent(k, now)) >= self.limit for k in keys)

    def fail(self, *keys: str) -> None:
        now = time.monotonic()
        with self._lock:
            for k in keys:
                self._recent(k, now).append(now)

    def reset(self, *keys: str) -> None:
        with self._lock:
            for k in keys:
                self._failures.pop(k, None)


# --------------------------------------------------------------------------- headers

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; "
    "object-src 'none'"
)


def security_headers(response):
    response.headers.setdefault("Content-Security-Policy", CSP)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    if request.endpoint != "static":
        response.headers.setdefault("Cache-Control", "no-store")
    return response
