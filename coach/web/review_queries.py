"""The trainer's sessions table: filters, sorting and paging in SQL.

One statement returns a page of sessions with their trainee, the three average scores
and the final mood: the turns are aggregated once with GROUP BY (counted replies only:
not rewound, not errored, scored) and joined to the sessions, so the page costs the
same few queries whether it shows 25 sessions or the database holds 10,000.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

import sqlalchemy as sa

from coach.storage.db import ensure_schema, session_scope
from coach.storage.models import CoachSession, ScenarioVersion, Trainee, Turn
from coach.web.models import User

PER_PAGE = 25
OUTCOMES: tuple[str, ...] = ("resolved", "escalated", "ended", "open")
MODES: tuple[str, ...] = ("practice", "assessment")
SORTS: tuple[str, ...] = (
    "started",
    "trainee",
    "scenario",
    "mode",
    "outcome",
    "replies",
    "acknowledgment",
    "validation",
    "calm_tone",
    "final",
)


@dataclass
class Filters:
    trainee: str = ""
    scenario: str = ""
    mode: str = ""
    outcome: str = ""
    date_from: date | None = None
    date_to: date | None = None
    sort: str = "started"
    desc: bool = True
    page: int = 1
    problems: list[str] = field(default_factory=list)

    @classmethod
    def from_args(cls, args: Any) -> Filters:
        f = cls()
        f.trainee = (args.get("trainee") or "").strip()[:200]
        f.scenario = (args.get("scenario") or "").strip()[:100]
        mode = (args.get("mode") or "").strip()
        f.mode = mode if mode in MODES else ""
        outcome = (args.get("outcome") or "").strip()
        f.outcome = outcome if outcome in OUTCOMES else ""
        for key, label in (("date_from", "From"), ("date_to", "To")):
            raw = (args.get(key) or "").strip()
            if raw:
                try:
                    setattr(f, key, date.fromisoformat(raw))
                except ValueError:
                    f.problems.append(f"{label} date {raw!r} is not a date (YYYY-MM-DD); ignored.")
        sort = (args.get("sort") or "started").strip()
        f.sort = sort if sort in SORTS else "started"
        f.desc = (args.get("dir") or "desc") != "asc"
        try:
            f.page = max(1, int(args.get("page") or 1))
        except ValueError:
            f.page = 1
        return f

    def query_args(self, **changes: Any) -> dict[str, Any]:
        """The current filters as URL arguments (for links), with ``changes`` applied."""
        out: dict[str, Any] = {
            "trainee": self.trainee,
            "scenario": self.scenario,
            "mode": self.mode,
            "outcome": self.outcome,
            "date_from": self.date_from.isoformat() if self.date_from else "",
            "date_to": self.date_to.isoformat() if self.date_to else "",
            "sort": self.sort,
            "dir": "desc" if self.desc else "asc",
            "page": self.page,
        }
        out.update(changes)
        return {k: v for k, v in out.items() if v not in ("", None)}


def _day_start(d: date) -> datetime:
    return datetime(d.year, d.month, d.day, tzinfo=UTC)


def _where(f: Filters) -> list[Any]:
    clauses: list[Any] = []
    if f.trainee:
        clauses.append(Trainee.name == f.trainee)
    if f.scenario:
        clauses.append(CoachSession.scenario_id == f.scenario)
    if f.mode:
        clauses.append(CoachSession.mode == f.mode)
    if f.outcome == "open":
        clauses.append(CoachSession.outcome.is_(None))
    elif f.outcome:
        clauses.append(CoachSession.outcome == f.outcome)
    if f.date_from:
        clauses.append(CoachSession.started_at >= _day_start(f.date_from))
    if f.date_to:
        clauses.append(CoachSession.started_at < _day_start(f.date_to + timedelta(days=1)))
    return clauses


def _counted() -> list[Any]:
    return [
        Turn.rewound == sa.false(),
        Turn.error.is_(None),
        Turn.acknowledgment.is_not(None),
    ]


def turn_aggregates() -> Any:
    """Per session: counted replies, the three average scores and the last counted turn."""
    return (
        sa.select(
            Turn.session_id.label("session_id"),
            sa.func.count().label("replies"),
            sa.func.avg(Turn.acknowledgment).label("acknowledgment"),
            sa.func.avg(Turn.validation).label("validation"),
            sa.func.avg(Turn.calm_tone).label("calm_tone"),
            sa.func.max(Turn.turn_index).label("last_turn"),
        )
        .where(*_counted())
        .group_by(Turn.session_id)
        .subquery("agg")
    )


def list_sessions(f: Filters, *, url: str | None = None, per_page: int = PER_PAGE) -> dict:
    """A page of sessions matching ``f``: ``rows``, ``total``, ``pages``, ``page``."""
    ensure_schema(url)
    agg = turn_aggregates()
    last = sa.orm.aliased(Turn, name="last_turn")
    final = sa.func.coalesce(
        CoachSession.final_frustration, last.frustration_after, CoachSession.starting_frustration
    )
    sort_columns = {
        "started": CoachSession.started_at,
        "trainee": Trainee.name,
        "scenario": CoachSession.scenario_id,
        "mode": CoachSession.mode,
        "outcome": sa.func.coalesce(CoachSession.outcome, ""),
        "replies": sa.func.coalesce(agg.c.replies, 0),
        "acknowledgment": agg.c.acknowledgment,
        "validation": agg.c.validation,
        "calm_tone": agg.c.calm_tone,
        "final": final,
    }
    key = sort_columns[f.sort]
    # Sessions without scores sort last either way; the id keeps pages stable.
    order = [
        key.is_(None),
        key.desc() if f.desc else key.asc(),
        CoachSession.started_at.desc(),
        CoachSession.id,
    ]
    where = _where(f)
    with session_scope(url, readonly=True) as s:
        total = s.execute(
            sa.select(sa.func.count())
            .select_from(CoachSession)
            .join(Trainee, Trainee.id == CoachSession.trainee_id)
            .where(*where)
        ).scalar_one()
        pages = max(1, -(-total // per_page))
        page = min(f.page, pages)
        stmt = (
            sa.select(
                CoachSession.id,
                Trainee.name.label("trainee"),
                CoachSession.scenario_id,
                ScenarioVersion.title,
                CoachSession.mode,
                CoachSession.started_at,
                CoachSession.outcome,
                CoachSession.scorer_version,
                agg.c.replies,
                agg.c.acknowledgment,
                agg.c.validation,
                agg.c.calm_tone,
                final.label("final"),
            )
            .select_from(CoachSession)
            .join(Trainee, Trainee.id == CoachSession.trainee_id)
            .join(ScenarioVersion, ScenarioVersion.id == CoachSession.scenario_version_id)
            .outerjoin(agg, agg.c.session_id == CoachSession.id)
            .outerjoin(
                last,
                sa.and_(
                    last.session_id == CoachSession.id,
                    last.turn_index == agg.c.last_turn,
                    last.rewound == sa.false(),
                    last.error.is_(None),
                    last.acknowledgment.is_not(None),
                ),
            )
            .where(*where)
            .order_by(*order)
            .limit(per_page)
            .offset((page - 1) * per_page)
        )
        rows = [dict(r._mapping) for r in s.execute(stmt)]
    return {"rows": rows, "total": total, "pages": pages, "page": page}


def filter_options(*, url: str | None = None) -> dict[str, list[str]]:
    """The trainees and scenarios to offer in the filter drop-downs."""
    ensure_schema(url)
    with session_scope(url, readonly=True) as s:
        trainees = s.execute(sa.select(Trainee.name).order_by(Trainee.name)).scalars().all()
        scenarios = (
            s.execute(
                sa.select(ScenarioVersion.scenario_id)
                .distinct()
                .order_by(ScenarioVersion.scenario_id)
            )
            .scalars()
            .all()
        )
    return {"trainees": list(trainees), "scenarios": list(scenarios)}


# --------------------------------------------------------------------------- progress


def _session_averages(*where: Any) -> Any:
    agg = turn_aggregates()
    return agg, (
        sa.select(
            CoachSession.id,
            CoachSession.scenario_id,
            CoachSession.started_at,
            CoachSession.outcome,
            agg.c.replies,
            agg.c.acknowledgment,
            agg.c.validation,
            agg.c.calm_tone,
        )
        .select_from(CoachSession)
        .join(Trainee, Trainee.id == CoachSession.trainee_id)
        .join(agg, agg.c.session_id == CoachSession.id)
        .where(*where)
    )


DIMS: tuple[str, ...] = ("acknowledgment", "validation", "calm_tone")


def trainee_progress(name: str, *, url: str | None = None, examples: int = 5) -> dict | None:
    """One trainee: weekly and per-scenario averages, the weakest dimension and the
    counted replies that score lowest on it. None when no such trainee exists."""
    ensure_schema(url)
    with session_scope(url, readonly=True) as s:
        exists = s.execute(sa.select(Trainee.id).where(Trainee.name == name)).scalar()
        if exists is None:
            account = s.execute(sa.select(User.id).where(User.username == name)).scalar()
            if account is None:
                return None
            return {
                "name": name,
                "sessions": 0,
                "replies": 0,
                "overall": dict.fromkeys(DIMS),
                "weakest": None,
                "weekly": [],
                "by_scenario": [],
                "worst": [],
            }
        _, stmt = _session_averages(Trainee.name == name)
        rows = [dict(r._mapping) for r in s.execute(stmt.order_by(CoachSession.started_at))]
        totals = s.execute(
            sa.select(*[sa.func.avg(getattr(Turn, d)) for d in DIMS], sa.func.count())
            .select_from(Turn)
            .join(CoachSession, CoachSession.id == Turn.session_id)
            .where(CoachSession.trainee_id == exists, *_counted())
        ).one()
        overall = {d: totals[i] for i, d in enumerate(DIMS)}
        scored = [d for d in DIMS if overall[d] is not None]
        weakest = min(scored, key=lambda d: overall[d]) if scored else None
        worst: list[dict] = []
        if weakest:
            col = getattr(Turn, weakest)
            # Distinct wordings: the same stock reply five times shows a trainer nothing new.
            seen: set[str] = set()
            for r in s.execute(
                sa.select(
                    Turn.id,
                    Turn.session_id,
                    Turn.turn_index,
                    Turn.customer_text,
                    Turn.trainee_text,
                    col.label("score"),
                    CoachSession.scenario_id,
                    CoachSession.started_at,
                )
                .join(CoachSession, CoachSession.id == Turn.session_id)
                .where(CoachSession.trainee_id == exists, *_counted())
                .order_by(col.asc(), Turn.id)
                .limit(examples * 20)
            ):
                text = " ".join(r.trainee_text.lower().split())
                if text not in seen:
                    seen.add(text)
                    worst.append(dict(r._mapping))
                if len(worst) == examples:
                    break
    weeks: dict[date, dict[str, list[float]]] = {}
    scenarios: dict[str, dict[str, list[float]]] = {}
    for r in rows:
        day = r["started_at"].date()
        week = day - timedelta(days=day.weekday())
        for bucket in (weeks.setdefault(week, {}), scenarios.setdefault(r["scenario_id"], {})):
            bucket.setdefault("n", []).append(1.0)
            for d in DIMS:
                if r[d] is not None:
                    bucket.setdefault(d, []).append(float(r[d]))

    def means(b: dict[str, list[float]]) -> dict[str, Any]:
        out: dict[str, Any] = {"sessions": len(b.get("n", []))}
        for d in DIMS:
            values = b.get(d) or []
            out[d] = sum(values) / len(values) if values else None
        return out

    return {
        "name": name,
        "sessions": len(rows),
        "replies": totals[-1],
        "overall": overall,
        "weakest": weakest,
        "weekly": [{"label": w.strftime("%d %b"), **means(b)} for w, b in sorted(weeks.items())],
        "by_scenario": [{"scenario": k, **means(b)} for k, b in sorted(scenarios.items())],
        "worst": worst,
    }


def team_overview(
    *, url: str | None = None, idle_days: int = 14, now: datetime | None = None
) -> dict:
    """Per scenario: sessions, outcome rates and average scores; per trainee: last practice."""
    ensure_schema(url)
    agg = turn_aggregates()
    now = now or datetime.now(UTC)
    with session_scope(url, readonly=True) as s:
        per_scenario = [
            dict(r._mapping)
            for r in s.execute(
                sa.select(
                    CoachSession.scenario_id,
                    sa.func.count().label("sessions"),
                    *[
                        sa.func.sum(sa.case((CoachSession.outcome == o, 1), else_=0)).label(o)
                        for o in ("resolved", "escalated", "ended")
                    ],
                    sa.func.sum(sa.case((CoachSession.outcome.is_(None), 1), else_=0)).label(
                        "open"
                    ),
                    *[sa.func.avg(agg.c[d]).label(d) for d in DIMS],
                )
                .outerjoin(agg, agg.c.session_id == CoachSession.id)
                .group_by(CoachSession.scenario_id)
                .order_by(CoachSession.scenario_id)
            )
        ]
        last = [
            dict(r._mapping)
            for r in s.execute(
                sa.select(
                    Trainee.name,
                    sa.func.max(CoachSession.started_at).label("last"),
                    sa.func.count(CoachSession.id).label("sessions"),
                )
                .outerjoin(CoachSession, CoachSession.trainee_id == Trainee.id)
                .group_by(Trainee.name)
            )
        ]
        known = {r["name"] for r in last}
        for username in s.execute(
            sa.select(User.username).where(User.role == "trainee").order_by(User.username)
        ).scalars():
            if username not in known:  # an account that never practised
                last.append({"name": username, "last": None, "sessions": 0})
    for row in last:
        value = row["last"]
        if isinstance(value, str):  # max() over SQLite can lose the column type
            value = datetime.fromisoformat(value)
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        row["last"] = value
        row["idle_days"] = None if value is None else (now - value).days
        row["idle"] = value is None or (now - value) > timedelta(days=idle_days)
    last.sort(key=lambda r: (r["last"] is not None, r["last"] or now))
    return {"scenarios": per_scenario, "trainees": last, "idle_days": idle_days}
