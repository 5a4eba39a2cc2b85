"""`coach export`: every stored session with its turns, as JSON Lines or CSV (contract §1).

Kept separate from the command line so the CLI stays a thin wrapper and the
formats can be tested directly against a database.
"""

from __future__ import annotations

import csv
import json
from datetime import UTC, date, datetime
from typing import Any, TextIO

from coach.storage.repository import SESSION_EXPORT_KEYS, TURN_EXPORT_KEYS, sessions_for_export

FORMATS: tuple[str, ...] = ("jsonl", "csv")
CSV_COLUMNS: tuple[str, ...] = SESSION_EXPORT_KEYS + TURN_EXPORT_KEYS
# Structured turn fields are written into one CSV cell as JSON text.
_JSON_CELLS = frozenset({"evidence", "tips"})


def parse_since(value: str) -> datetime:
    """An ISO 8601 date or date-time as an aware UTC datetime (naive means UTC).

    Accepts "2024-05-01", "2024-05-01T09:30", "2024-05-01T09:30:00Z" and offsets
    like "+02:00"; anything else is a ValueError that says what is expected.
    """
    text = value.strip()
    try:
        if len(text) == 10:
            parsed = datetime.combine(date.fromisoformat(text), datetime.min.time())
        else:
            if text[-1:] in ("Z", "z"):
                text = text[:-1] + "+00:00"
            parsed = datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(
            f"--since {value!r} is not an ISO 8601 date or date-time "
            "(expected e.g. 2024-05-01 or 2024-05-01T09:30:00Z)"
        ) from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def _cell(key: str, value: Any) -> Any:
    if value is None:
        return ""
    if key in _JSON_CELLS:
        return json.dumps(value, ensure_ascii=False)
    return value


def _write_jsonl(sessions: Any, out: TextIO) -> int:
    count = 0
    for session in sessions:
        out.write(json.dumps(session, ensure_ascii=False) + "\n")
        count += 1
    return count


def _write_csv(sessions: Any, out: TextIO) -> int:
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    count = 0
    for session in sessions:
        head = [_cell(k, session[k]) for k in SESSION_EXPORT_KEYS]
        # A session without turns still appears, with its turn columns empty.
        for turn in session["turns"] or [None]:
            tail = ["" if turn is None else _cell(k, turn[k]) for k in TURN_EXPORT_KEYS]
            writer.writerow(head + tail)
        count += 1
    return count


def export(fmt: str, out: TextIO, since: str | None = None, url: str | None = None) -> int:
    """Write every session (started at or after ``since``) to ``out``; return how many.

    ``fmt`` is "jsonl" (one session per line, turns nested) or "csv" (one row per
    turn, the session's columns repeated; evidence and tips as JSON text).
    Arguments are checked before anything is written, so a bad ``since`` or format
    leaves ``out`` empty.
    """
    if fmt not in FORMATS:
        raise ValueError(f"unknown export format {fmt!r}; choose one of {', '.join(FORMATS)}")
    since_dt = None if since is None else parse_since(since)
    sessions = sessions_for_export(since_dt, url=url)
    if fmt == "jsonl":
        return _write_jsonl(sessions, out)
    return _write_csv(sessions, out)
