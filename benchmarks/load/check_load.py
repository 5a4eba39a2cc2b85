"""Every trainee reply a load run sent, checked against the database.

Reads the JSON Lines message log that benchmarks/load/locustfile.py writes and the
coach's tables. For every trainee reply sent (commands such as /start_scenario and
/end_session make no turn), there must be exactly one stored turn under the message's
hashed client id (coach.message_ids), in the session of that sender
(sessions.conversation_id is the Rasa sender; the session id is also the one the start
answer named), with three scores, unless the stored turn is a refusal with its error
recorded (rate limit, session over, ...), which is reported by kind. A session's turns
must follow the order the replies were sent in (turn_index, attempt increasing).

    .venv/bin/python benchmarks/load/check_load.py --log results/load/<run>/messages.jsonl \
        --database-url postgresql+psycopg2://postgres@127.0.0.1:5432/coach_load_<run>

Exit status 1 if any reply was lost, stored twice, stored out of order, stored in
another session or stored without scores and without an error; the figures go to
stdout (and to --out as JSON).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.pool import NullPool

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from coach.message_ids import client_message_key  # noqa: E402

SAMPLES = 10  # examples kept per kind of problem
TURNS_QUERY = sa.text(
    """
    SELECT t.id, t.session_id, t.turn_index, t.attempt, t.message_id, t.trainee_text,
           t.acknowledgment, t.validation, t.calm_tone, t.error, t.created_at,
           s.conversation_id, tr.name AS trainee
    FROM turns t
    JOIN sessions s ON s.id = t.session_id
    JOIN trainees tr ON tr.id = s.trainee_id
    """
)
SESSIONS_QUERY = sa.text(
    """
    SELECT s.id, s.conversation_id, s.outcome, s.ended_at,
           (SELECT count(*) FROM turns t WHERE t.session_id = s.id) AS turns
    FROM sessions s
    """
)


def read_log(path: Path) -> tuple[dict[tuple[str, str], dict], list[dict], int]:
    """Messages by (sender, client id), every attempt, and unreadable lines."""
    messages: dict[tuple[str, str], dict] = {}
    attempts: list[dict] = []
    bad_lines = 0
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            try:
                record = json.loads(line)
            except ValueError:
                bad_lines += 1  # a line cut short by a crash
                continue
            key = (record.get("sender"), record.get("message_id"))
            kind = record.get("type")
            if kind == "send":
                messages.setdefault(key, {**record, "status": "unfinished"})
            elif kind == "message":
                messages.setdefault(key, {}).update(record)
            elif kind == "attempt":
                attempts.append(record)
    return messages, attempts, bad_lines


def refusal_kind(error: str) -> str:
    """A short name for a stored refusal's error ("rate limited (21 messages ...)")."""
    head = re.split(r"[(:;]", error, maxsplit=1)[0].strip()
    return head or "error"


def load_rows(database_url: str) -> tuple[list[dict], list[dict]]:
    """Every stored turn (with its session's sender and trainee) and every session."""
    engine = sa.create_engine(database_url, future=True, poolclass=NullPool)
    try:
        with engine.connect() as conn:
            turns = [dict(row._mapping) for row in conn.execute(TURNS_QUERY)]
            sessions = [dict(row._mapping) for row in conn.execute(SESSIONS_QUERY)]
            return turns, sessions
    finally:
        engine.dispose()


def _percentile(values: list[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    rank = q * (len(ordered) - 1)
    low = int(rank)
    high = min(low + 1, len(ordered) - 1)
    return round(ordered[low] + (ordered[high] - ordered[low]) * (rank - low), 1)


def latency(values: list[float]) -> dict[str, Any]:
    return {
        "count": len(values),
        "median_ms": _percentile(values, 0.5),
        "p95_ms": _percentile(values, 0.95),
        "p99_ms": _percentile(values, 0.99),
        "max_ms": round(max(values), 1) if values else None,
    }


def check(log_path: Path, database_url: str) -> dict[str, Any]:
    messages, attempts, bad_lines = read_log(log_path)
    turns, sessions = load_rows(database_url)

    replies = [m for m in messages.values() if m.get("kind") == "reply"]
    by_id: dict[str, list[dict]] = defaultdict(list)
    by_text: dict[tuple[str, str], list[dict]] = defaultdict(list)
    for row in turns:
        if row["message_id"]:
            by_id[row["message_id"]].append(row)
        by_text[(row["conversation_id"], row["trainee_text"])].append(row)

    problems: dict[str, list[dict]] = defaultdict(list)
    counts: Counter = Counter()
    refused: Counter = Counter()
    matched_rows: set[int] = set()
    stored_of: dict[tuple[str, str], dict] = {}

    def problem(kind: str, message: dict, **extra: Any) -> None:
        counts[kind] += 1
        if len(problems[kind]) < SAMPLES:
            problems[kind].append(
                {
                    "sender": message.get("sender"),
                    "message_id": message.get("message_id"),
                    "index": message.get("index"),
                    "text": message.get("text"),
                    "client_status": message.get("status"),
                    **extra,
                }
            )

    for m in replies:
        key = client_message_key(m["sender"], m["message_id"])
        rows = by_id.get(key, [])
        same_text = by_text.get((m["sender"], m["text"]), [])
        matched_rows.update(r["id"] for r in rows)
        matched_rows.update(r["id"] for r in same_text)
        if not rows:
            if same_text:  # stored, but not under the id the client gave
                problem("stored_without_client_id", m, turn_ids=[r["id"] for r in same_text])
            else:
                problem("lost", m)
                status = m.get("status")
                seen = (
                    "ok" if status == "ok" else "unfinished" if status == "unfinished" else "error"
                )
                counts[f"lost_client_{seen}"] += 1
            continue
        copies = {r["id"] for r in rows} | {r["id"] for r in same_text}
        if len(copies) > 1:
            problem("duplicated", m, turn_ids=sorted(copies))
        row = rows[0]
        stored_of[(m["sender"], m["message_id"])] = row
        expected_session = m.get("session_id")
        if row["conversation_id"] != m["sender"] or (
            expected_session and row["session_id"] != expected_session
        ):
            problem(
                "wrong_session",
                m,
                stored_session=row["session_id"],
                stored_conversation=row["conversation_id"],
                expected_session=expected_session,
            )
        if row["trainee_text"] != m["text"]:
            problem("wrong_text", m, stored_text=row["trainee_text"])
        scores = (row["acknowledgment"], row["validation"], row["calm_tone"])
        if any(s is None for s in scores):
            if row["error"]:
                refused[refusal_kind(row["error"])] += 1
                if len(problems["refused"]) < SAMPLES:
                    problems["refused"].append(
                        {"sender": m["sender"], "index": m["index"], "error": row["error"]}
                    )
            else:
                problem("unscored", m, turn_id=row["id"])
        elif row["error"]:  # scored, but something else failed (the customer's answer)
            refused[f"scored with error: {refusal_kind(row['error'])}"] += 1

    # Order: per sender, the stored (turn_index, attempt) must rise with the send order.
    by_sender: dict[str, list[dict]] = defaultdict(list)
    for m in replies:
        by_sender[m["sender"]].append(m)
    for sender, sent in by_sender.items():
        previous: tuple[int, int] | None = None
        for m in sorted(sent, key=lambda x: x["index"]):
            row = stored_of.get((sender, m["message_id"]))
            if row is None:
                continue
            position = (row["turn_index"], row["attempt"])
            if previous is not None and position <= previous:
                problem("out_of_order", m, position=list(position), after=list(previous))
            # Not failures, but signs that the session's state counted a message twice
            # (a resend answered as a new reply): turn numbers skipped, or the answer
            # naming another turn than the one stored.
            expected_index = 1 if previous is None else previous[0] + 1
            if row["turn_index"] > expected_index:
                problem("turn_index_gap", m, stored=row["turn_index"], expected=expected_index)
            if (
                m.get("status") == "ok"
                and not m.get("system")
                and m.get("turn") is not None
                and m["turn"] != row["turn_index"]
            ):
                problem("answer_turn_mismatch", m, answered=m["turn"], stored=row["turn_index"])
            previous = position

    unexpected = [r for r in turns if r["id"] not in matched_rows]
    for row in unexpected[:SAMPLES]:
        problems["unexpected_turns"].append(
            {
                "turn_id": row["id"],
                "conversation_id": row["conversation_id"],
                "text": row["trainee_text"],
                "error": row["error"],
            }
        )

    # Sessions: one per sender, the one the start answer named; a resent /start_scenario
    # whose first try was processed leaves an extra session behind.
    known_sessions = {
        m.get(field) for m in messages.values() for field in ("session_id", "answer_session_id")
    } - {None}
    senders = {m["sender"] for m in messages.values()}
    per_sender = Counter(row["conversation_id"] for row in sessions)
    orphans = [
        row
        for row in sessions
        if row["id"] not in known_sessions and row["conversation_id"] in senders
    ]
    for row in orphans[:SAMPLES]:
        problems["orphan_sessions"].append(
            {"session_id": row["id"], "sender": row["conversation_id"], "turns": row["turns"]}
        )

    # What the clients saw: every failed try (resent or not) and every final answer.
    attempt_errors = Counter(a["status"] for a in attempts if a.get("status") != "ok")
    final_status = Counter(m.get("status", "unfinished") for m in messages.values())
    notices = Counter(m["notice"] for m in messages.values() if m.get("notice"))
    resent = sum(1 for m in messages.values() if (m.get("tries") or 1) > 1)
    reply_unscored_answers = sum(
        1 for m in replies if m.get("status") == "ok" and not m.get("scored")
    )
    ok_replies = [m for m in replies if m.get("status") == "ok"]

    sent_ts = [m["ts"] for m in messages.values() if isinstance(m.get("ts"), (int, float))]
    result = {
        "log": str(log_path),
        "messages_sent": len(messages),
        "replies_sent": len(replies),
        "commands_sent": len(messages) - len(replies),
        "sessions": len({m["sender"] for m in messages.values()}),
        "turns_stored": len(turns),
        "replies_stored": len(stored_of),
        "lost": counts["lost"],
        "lost_after_ok_answer": counts["lost_client_ok"],
        "lost_after_client_error": counts["lost_client_error"],
        "lost_without_client_outcome": counts["lost_client_unfinished"],
        "stored_without_client_id": counts["stored_without_client_id"],
        "duplicated": counts["duplicated"],
        "out_of_order": counts["out_of_order"],
        "wrong_session": counts["wrong_session"],
        "wrong_text": counts["wrong_text"],
        "unscored": counts["unscored"],
        "unexpected_turns": len(unexpected),
        "refused_with_error": dict(refused),
        "sessions_stored": len(sessions),
        "senders_with_several_sessions": sum(1 for n in per_sender.values() if n > 1),
        "orphan_sessions": len(orphans),
        "orphan_sessions_with_turns": sum(1 for row in orphans if row["turns"]),
        "turn_index_gaps": counts["turn_index_gap"],
        "answer_turn_mismatches": counts["answer_turn_mismatch"],
        "client_errors": {
            "failed_tries_by_kind": dict(attempt_errors),
            "final_status_by_kind": dict(final_status),
            "system_notices_by_kind": dict(notices),
            "messages_resent": resent,
            "replies_answered_without_scores": reply_unscored_answers,
        },
        "latency": {
            "reply": latency([m["latency_ms"] for m in ok_replies if m.get("latency_ms")]),
            "reply_with_resends": latency([m["total_ms"] for m in ok_replies if m.get("total_ms")]),
            "all_ok_requests": latency(
                [a["latency_ms"] for a in attempts if a.get("status") == "ok"]
            ),
        },
        "log_span_s": round(max(sent_ts) - min(sent_ts), 1) if sent_ts else 0.0,
        "unreadable_log_lines": bad_lines,
        "examples": {k: v for k, v in problems.items() if v},
    }
    failures = [
        k
        for k in (
            "lost",
            "stored_without_client_id",
            "duplicated",
            "out_of_order",
            "wrong_session",
            "wrong_text",
            "unscored",
            "unexpected_turns",
        )
        if result[k]
    ]
    result["failures"] = failures
    result["passed"] = not failures and len(replies) > 0
    return result


def summary(result: dict[str, Any]) -> str:
    lat = result["latency"]["reply"]
    errors = result["client_errors"]
    lines = [
        f"messages sent      {result['messages_sent']} ({result['replies_sent']} trainee replies, "
        f"{result['commands_sent']} commands, {result['sessions']} sessions)",
        f"turns stored       {result['turns_stored']} "
        f"({result['replies_stored']} matched to replies)",
        f"lost               {result['lost']} (answered ok: {result['lost_after_ok_answer']}, "
        f"client saw an error: {result['lost_after_client_error']}, client stopped before "
        f"the answer: {result['lost_without_client_outcome']})",
        f"duplicated         {result['duplicated']}",
        f"out of order       {result['out_of_order']}",
        f"wrong session      {result['wrong_session']}",
        f"unscored           {result['unscored']}  (refusals with an error: "
        f"{result['refused_with_error'] or 'none'})",
        f"unexpected turns   {result['unexpected_turns']}",
        f"sessions           {result['sessions_stored']} stored; orphaned by a resent start: "
        f"{result['orphan_sessions']} ({result['orphan_sessions_with_turns']} with turns)",
        f"state counted twice? turn_index gaps {result['turn_index_gaps']}, answers naming "
        f"another turn {result['answer_turn_mismatches']}",
        f"client errors      failed tries {errors['failed_tries_by_kind'] or 'none'}; "
        f"final {errors['final_status_by_kind']}; "
        f"notices {errors['system_notices_by_kind'] or 'none'}; "
        f"resent {errors['messages_resent']}",
        f"reply latency      median {lat['median_ms']} ms, p95 {lat['p95_ms']} ms, "
        f"p99 {lat['p99_ms']} ms, max {lat['max_ms']} ms",
        "PASSED" if result["passed"] else f"FAILED: {', '.join(result['failures']) or 'no reply'}",
    ]
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--log", required=True, type=Path, help="the locustfile's JSONL log")
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--out", type=Path, help="also write the figures here as JSON")
    args = parser.parse_args()
    result = check(args.log, args.database_url)
    print(summary(result))
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(result, indent=2, default=str) + "\n")
    return 0 if result["passed"] else 1


if __name__ == "__main__":
    sys.exit(main())
