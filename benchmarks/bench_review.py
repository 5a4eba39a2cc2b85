"""How fast the trainer's sessions page answers with 10,000 sessions in the database.

Builds the database once with `coach demo-data` (real scenarios, scorer and customer
model) in a temporary directory, then times the review pages in-process with Flask's
test client (median of several requests each) and writes the figures to a JSON file.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PAGES = {
    "sessions (default)": "/review/sessions",
    "sessions sorted by validation": "/review/sessions?sort=validation&dir=asc",
    "sessions filtered, page 3": "/review/sessions?trainee=dana&outcome=resolved&page=3",
    "sessions page 400": "/review/sessions?page=400",
    "team overview": "/review/team",
    "trainee progress": "/review/trainees/dana",
    "agreement": "/review/agreement",
}


def _session_count(url: str) -> int:
    from sqlalchemy import func, select

    from coach.storage.db import session_scope
    from coach.storage.models import CoachSession

    with session_scope(url, readonly=True) as s:
        return s.execute(select(func.count()).select_from(CoachSession)).scalar_one()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=10_000)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--db", help="reuse (or create) this SQLite file instead of a temp one")
    parser.add_argument("--out", default=str(ROOT / "results" / "bench-review.json"))
    args = parser.parse_args()

    from coach.demo_data import generate
    from coach.storage.db import upgrade
    from coach.web import accounts
    from coach.web.app import create_app

    workdir = Path(tempfile.mkdtemp(prefix="bench-review-"))
    db_path = Path(args.db) if args.db else workdir / "coach.db"
    url = f"sqlite:///{db_path}"
    upgrade(url)
    build_seconds = None
    stored = _session_count(url)
    if stored < args.sessions:
        began = time.perf_counter()
        generate(args.sessions - stored, seed=7, url=url)
        build_seconds = time.perf_counter() - began
    if "bench-trainer" not in {a.username for a in accounts.list_users(url=url)}:
        accounts.create_user("bench-trainer", "bench-password-1", "trainer", url=url)

    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "b" * 48, "TESTING": True})
    client = app.test_client()
    client.get("/login")
    with client.session_transaction() as session:
        token = session.setdefault("csrf", "bench-token")
    client.post(
        "/login",
        data={"username": "bench-trainer", "password": "bench-password-1", "csrf_token": token},
    )
    timings = {}
    for name, path in PAGES.items():
        samples = []
        for _ in range(args.repeats + 1):
            began = time.perf_counter()
            response = client.get(path)
            samples.append((time.perf_counter() - began) * 1000)
            if response.status_code != 200:
                raise SystemExit(f"{path} answered {response.status_code}")
        timings[name] = round(statistics.median(samples[1:]), 1)  # first one warms caches

    figures = {
        "sessions": _session_count(url),
        "build_seconds": build_seconds,
        "median_ms": timings,
        "repeats": args.repeats,
        "database": str(db_path),
    }
    print(f"Trainer pages with {args.sessions} sessions (median of {args.repeats} requests):")
    for name, ms in timings.items():
        print(f"  {name:32s} {ms:8.1f} ms")
    if build_seconds:
        print(f"(database built by coach demo-data in {build_seconds:.0f} s)")
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(figures, indent=2))
    print(f"written to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
