"""`coach demo-data`: fill the database with realistic practice sessions for demos and tests.

Sessions are played through the real pieces: the real scenarios, the real scorer
(``coach.scoring.score_many``) and the real customer (``coach.session.take_turn``, which
moves the mood, decides the outcome and picks the customer's lines). Trainee replies
come from a bank of varied replies per move; each demo trainee has their own strengths,
and one (``dana``) is clearly weak on validation, so the review pages have something
to find.

It is built to be fast for 10,000 sessions: all sessions advance one turn at a time,
each round scores only the (customer line, reply) pairs not seen before, in one
``score_many`` batch, and reuses the results; session signals are cached per sequence
of replies; rows are written with bulk inserts in a few transactions.
"""

from __future__ import annotations

import os
import random
import sys
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa

from coach import scoring
from coach import session as engine
from coach.scenarios import load_all
from coach.scoring.types import DIMENSIONS, Score
from coach.service import summarise
from coach.session import SessionState
from coach.storage.db import ensure_schema, session_scope
from coach.storage.models import CoachSession, ScenarioVersion, Trainee, Turn

# (move, reply, the qualities its author meant it to show: a/v/c). What a demo trainee
# picks is driven by what the real scorer finds in each reply for each scenario (see
# _traits), not by these tags; they only document the bank.
REPLY_BANK: tuple[tuple[str, str, str], ...] = (
    ("acknowledge_feelings", "I can hear how frustrating this has been for you.", "avc"),
    (
        "acknowledge_feelings",
        "You've been let down and had to chase us, and that's not okay.",
        "avc",
    ),
    (
        "acknowledge_feelings",
        "That sounds really stressful, especially after waiting so long.",
        "avc",
    ),
    ("acknowledge_feelings", "I understand you're upset about what happened.", "ac"),
    ("acknowledge_feelings", "I hear you. This has clearly cost you time you didn't have.", "ac"),
    ("acknowledge_feelings", "Anyone would be annoyed by this, you have every right to be.", "vc"),
    ("acknowledge_feelings", "I understand. I understand. I understand your frustration.", "a"),
    ("apologise", "I'm so sorry you've had to contact us again about this.", "avc"),
    ("apologise", "I'm really sorry, that's not the service you should get from us.", "vc"),
    ("apologise", "Sorry about that.", "c"),
    ("apologise", "I apologise for the trouble this has caused you.", "ac"),
    ("apologise", "Sorry, sorry, I'm so sorry, really sorry about all of this.", ""),
    ("apologise", "I'm sorry it went wrong; it makes sense that you're angry.", "avc"),
    ("ask_details", "Could you tell me your order number so I can look into it right away?", "c"),
    ("ask_details", "So I get this right: what happened when you called last time?", "ac"),
    ("ask_details", "What's the reference? I need it before I can do anything.", ""),
    ("ask_details", "Can you walk me through what happened, so I can fix it properly?", "c"),
    ("explain_policy", "Unfortunately our policy says we can't do anything until day five.", ""),
    (
        "explain_policy",
        "I know it's annoying; the rules say I have to check a few things first.",
        "ac",
    ),
    ("explain_policy", "As per our terms and conditions, delays can happen.", ""),
    (
        "offer_remedy",
        "I'll refund the express fee now and send a replacement by tomorrow noon.",
        "c",
    ),
    (
        "offer_remedy",
        "Here's what I'll do: I'll escalate this today and call you back by 5pm.",
        "c",
    ),
    (
        "offer_remedy",
        "I'm sorry this happened. I'll arrange a refund today and email you the confirmation.",
        "avc",
    ),
    (
        "offer_remedy",
        "You're right to expect better; I'll credit your account and book a "
        "technician for tomorrow morning.",
        "avc",
    ),
    ("offer_remedy", "I can put in a request, maybe someone will look at it.", ""),
    ("dismiss", "These things happen, there's nothing I can do.", ""),
    ("dismiss", "Well, it's not a big deal, it will arrive eventually.", ""),
    ("blame_customer", "You should have read the delivery terms before ordering.", ""),
    ("tell_to_calm_down", "Calm down, please, shouting won't help.", ""),
    ("tell_to_calm_down", "Relax, it's only a delay.", ""),
    ("ask_details", "I can hear how frustrated you are. Could you give me your reference?", "ac"),
    ("ask_details", "I understand you're upset. What happened when you last called?", "ac"),
    ("offer_remedy", "I understand how upsetting this is. I'll arrange a refund today.", "ac"),
    (
        "offer_remedy",
        "I can hear this has been stressful; I'll book a new slot for tomorrow.",
        "ac",
    ),
    ("greet", "Hello, thanks for calling. I'm here to help sort this out.", "c"),
)

GOOD_MOVES = ("acknowledge_feelings", "apologise", "ask_details")
BAD_MOVES = ("dismiss", "blame_customer", "tell_to_calm_down", "explain_policy")


@dataclass(frozen=True)
class Profile:
    """A demo trainee: how likely each quality is in what they say, and how careless."""

    name: str
    skill: dict[str, float]
    careless: float  # chance of a dismissive or defensive move
    rewinds: float  # practice mode: chance of taking a poor reply back


PROFILES: tuple[Profile, ...] = (
    Profile("ana", {"acknowledgment": 0.85, "validation": 0.8, "calm_tone": 0.9}, 0.05, 0.3),
    Profile("ben", {"acknowledgment": 0.6, "validation": 0.6, "calm_tone": 0.5}, 0.25, 0.2),
    Profile("carlos", {"acknowledgment": 0.75, "validation": 0.65, "calm_tone": 0.8}, 0.1, 0.4),
    # dana is clearly weak on validation: she names the problem but rarely says it is fair
    Profile("dana", {"acknowledgment": 0.9, "validation": 0.08, "calm_tone": 0.85}, 0.08, 0.15),
    Profile("eli", {"acknowledgment": 0.45, "validation": 0.5, "calm_tone": 0.35}, 0.35, 0.1),
    Profile("fatima", {"acknowledgment": 0.7, "validation": 0.75, "calm_tone": 0.7}, 0.12, 0.25),
)

MAX_TURNS = 8
INSERT_CHUNK = 2000


@dataclass
class _Play:
    """One session being generated (held in memory until the bulk insert)."""

    sid: str
    profile: Profile
    scenario: Any
    mode: str
    started: datetime
    state: SessionState
    rng: random.Random
    turns: list[dict] = field(default_factory=list)
    open_at_end: bool = False
    pending: tuple[str, str, str] | None = None  # (move, reply, customer line) this round


def _traits(scenarios: list) -> dict[tuple[str, str], frozenset[str]]:
    """Which dimensions the real scorer finds in each bank reply, per scenario.

    Each reply is scored once against the scenario's opening complaint; a dimension is
    "shown" at or above 0.5. A trainee weak on a dimension then tends to pick replies
    that really lack it, so the review pages find the weakness through the real scorer.
    """
    pairs = []
    for sc in scenarios:
        opening = engine.open_session(sc, session_id="demo", trainee="demo").customer_line
        pairs += [(sc.id, opening, text) for _, text, _ in REPLY_BANK]
    scores = scoring.score_many([(c, t) for _, c, t in pairs])
    return {
        (sid, text): frozenset(d for d in DIMENSIONS if getattr(sc_, d) >= 0.5)
        for (sid, _, text), sc_ in zip(pairs, scores, strict=True)
    }


def _pick_reply(
    rng: random.Random,
    profile: Profile,
    turn: int,
    traits: dict[tuple[str, str], frozenset[str]],
    scenario_id: str,
) -> tuple[str, str]:
    if turn >= 2 and rng.random() < 0.25 + 0.15 * turn:
        move = "offer_remedy"
    elif rng.random() < profile.careless:
        move = rng.choice(BAD_MOVES)
    else:
        move = rng.choice(GOOD_MOVES)
    options = [r for r in REPLY_BANK if r[0] == move]
    weights = []
    for _, text, _ in options:
        shown = traits[(scenario_id, text)]
        w = 1.0
        for dim, p in profile.skill.items():
            w *= p if dim in shown else (1 - p)
        weights.append(w + 1e-3)
    _, text, _ = rng.choices(options, weights=weights, k=1)[0]
    return move, text


def _ids(conn: Any, url_rows: dict[str, dict], table: Any, key_cols: tuple[str, ...]) -> dict:
    """Insert the missing rows of a small lookup table; return {key: id}."""
    existing = {
        tuple(r[:-1]) if len(key_cols) > 1 else r[0]: r[-1]
        for r in conn.execute(sa.select(*[table.c[k] for k in key_cols], table.c.id))
    }
    missing = [row for key, row in url_rows.items() if key not in existing]
    if missing:
        conn.execute(sa.insert(table), missing)
        return _ids(conn, {}, table, key_cols)
    return existing


def generate(
    sessions: int = 200,
    *,
    seed: int = 7,
    url: str | None = None,
    days: int = 90,
    now: datetime | None = None,
    progress: Any = None,
) -> dict[str, int]:
    """Play ``sessions`` demo sessions and store them; returns counts written."""
    if sessions < 0:
        raise ValueError("sessions must be >= 0")
    ensure_schema(url)
    rng = random.Random(seed)
    scenarios = list(load_all().values())
    now = now or datetime.now(UTC)
    plays: list[_Play] = []
    for _ in range(sessions):
        profile = rng.choice(PROFILES)
        scenario = rng.choice(scenarios)
        sid = str(uuid.UUID(int=rng.getrandbits(128), version=4))
        state = engine.open_session(scenario, session_id=sid, trainee=profile.name)
        state.mode = "assessment" if rng.random() < 0.25 else "practice"
        started = now - timedelta(seconds=rng.uniform(0, days * 86400))
        plays.append(
            _Play(
                sid=sid,
                profile=profile,
                scenario=scenario,
                mode=state.mode,
                started=started,
                state=state,
                rng=random.Random(rng.getrandbits(64)),
                open_at_end=rng.random() < 0.03,
            )
        )

    # The customer's lines are chosen repeatably, as in demos and tests (COACH_SEED).
    saved_seed = os.environ.get("COACH_SEED")
    os.environ["COACH_SEED"] = saved_seed or str(seed)
    try:
        traits = _traits(scenarios)
        cache = _play_all(plays, traits, progress)
    finally:
        if saved_seed is None:
            os.environ.pop("COACH_SEED", None)
    session_rows = _session_rows(plays, now)
    return _insert(plays, session_rows, scenarios, now, days, cache, url)


def _play_all(
    plays: list[_Play], traits: dict[tuple[str, str], frozenset[str]], progress: Any
) -> dict[tuple[str, str], Score]:
    cache: dict[tuple[str, str], Score] = {}
    active = list(plays)
    while active:
        for p in active:
            move, text = _pick_reply(p.rng, p.profile, p.state.turn + 1, traits, p.scenario.id)
            p.pending = (move, text, p.state.customer_line)
        todo = sorted({(c, t) for p in active for (_, t, c) in [p.pending]} - cache.keys())
        if todo:
            for key, result in zip(todo, scoring.score_many(todo), strict=True):
                cache[key] = result
        still = []
        for p in active:
            move, text, customer = p.pending
            score = cache[(customer, text)]
            snapshot = p.state.to_dict()
            before = p.state.frustration
            result = engine.take_turn(p.state, p.scenario, move=move, score=score)
            attempt = sum(1 for t in p.turns if t["turn_index"] == p.state.turn)
            created = p.started + timedelta(seconds=45 * (len(p.turns) + 1))
            row = {
                "session_id": p.sid,
                "turn_index": p.state.turn,
                "attempt": attempt,
                "move": move,
                "move_confidence": round(p.rng.uniform(0.7, 0.99), 2),
                "customer_text": customer,
                "trainee_text": text,
                "acknowledgment": round(score.acknowledgment, 3),
                "validation": round(score.validation, 3),
                "calm_tone": round(score.calm_tone, 3),
                "evidence": score.to_dict()["evidence"],
                "tips": score.tips,
                "remedy_offered": result.remedy_now,
                "rewound": False,
                "frustration_before": before,
                "frustration_after": p.state.frustration,
                "customer_reply": result.customer_text,
                "latency_ms": round(p.rng.uniform(25, 140), 1),
                "error": None,
                "created_at": created,
            }
            p.turns.append(row)
            poor = min(score.acknowledgment, score.validation, score.calm_tone) < 0.5
            if (
                p.mode == "practice"
                and not p.state.over
                and attempt == 0
                and poor
                and p.rng.random() < p.profile.rewinds
            ):
                row["rewound"] = True
                p.state = SessionState.from_dict(snapshot)
            if p.state.over:
                continue
            if p.state.turn >= MAX_TURNS or (p.open_at_end and p.state.turn >= 2):
                if not p.open_at_end:
                    engine.end_session(p.state, p.scenario)
                continue
            still.append(p)
        active = still
        if progress:
            progress(f"{len(plays) - len(active)}/{len(plays)} sessions played")
    return cache


def _session_rows(plays: list[_Play], now: datetime) -> list[dict]:
    signals_cache: dict[tuple[str, ...], dict] = {}
    session_rows = []
    for p in plays:
        counted = [t for t in p.turns if not t["rewound"]]
        summary = None
        if p.state.over:
            key = tuple(t["trainee_text"] for t in counted)
            if key not in signals_cache:
                signals_cache[key] = scoring.session_signals(list(key)) if key else {}
            summary = summarise(p.state, counted, signals_cache[key])
        session_rows.append(
            {
                "id": p.sid,
                "conversation_id": f"demo-{p.sid[:8]}",
                "scenario": p.scenario,
                "trainee": p.profile.name,
                "scenario_id": p.scenario.id,
                "scenario_version": p.scenario.version,
                "scorer_version": scoring.SCORER_VERSION,
                "mode": p.mode,
                "started_at": p.started,
                "ended_at": (p.turns[-1]["created_at"] + timedelta(seconds=20))
                if summary
                else None,
                "outcome": p.state.outcome if summary else None,
                "starting_frustration": p.scenario.starting_frustration,
                "final_frustration": p.state.frustration if summary else None,
                "summary": summary,
                "signals": summary["signals"] if summary else None,
            }
        )
    return session_rows


def _insert(plays, session_rows, scenarios, now, days, cache, url) -> dict[str, int]:
    with session_scope(url) as s:
        conn = s.connection()
        trainee_ids = _ids(
            conn,
            {p.name: {"name": p.name, "created_at": now - timedelta(days=days)} for p in PROFILES},
            Trainee.__table__,
            ("name",),
        )
        version_ids = _ids(
            conn,
            {
                (sc.id, sc.version): {
                    "scenario_id": sc.id,
                    "version": sc.version,
                    "title": sc.title,
                    "content": sc.raw,
                    "created_at": now - timedelta(days=days),
                }
                for sc in scenarios
            },
            ScenarioVersion.__table__,
            ("scenario_id", "version"),
        )
        rows = []
        for r in session_rows:
            sc = r.pop("scenario")
            r["trainee_id"] = trainee_ids[r.pop("trainee")]
            r["scenario_version_id"] = version_ids[(sc.id, sc.version)]
            rows.append(r)
        for i in range(0, len(rows), INSERT_CHUNK):
            conn.execute(sa.insert(CoachSession.__table__), rows[i : i + INSERT_CHUNK])
        turn_rows = [t for p in plays for t in p.turns]
        for i in range(0, len(turn_rows), INSERT_CHUNK):
            conn.execute(sa.insert(Turn.__table__), turn_rows[i : i + INSERT_CHUNK])
    return {"sessions": len(session_rows), "turns": len(turn_rows), "scored": len(cache)}


def main(argv: list[str] | None = None) -> int:
    import argparse
    import time

    parser = argparse.ArgumentParser(prog="coach demo-data", description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=200, help="how many (default 200)")
    parser.add_argument("--seed", type=int, default=7, help="random seed (default 7)")
    args = parser.parse_args(argv)
    if args.sessions < 0:
        parser.error("--sessions must be 0 or more")
    from coach import config
    from coach.storage.db import StorageUnavailable, masked

    started = time.perf_counter()
    try:
        counts = generate(args.sessions, seed=args.seed)
    except StorageUnavailable as exc:
        print(f"coach demo-data: {exc}", file=sys.stderr)
        return 1
    print(
        f"stored {counts['sessions']} demo session(s) with {counts['turns']} replies "
        f"({counts['scored']} distinct replies scored) in {time.perf_counter() - started:.1f}s "
        f"into {masked(config.database_url())}"
    )
    return 0
