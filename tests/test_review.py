"""Trainer review pages: role checks, the sessions table, transcripts, overrides,
agreement (with Cohen's kappa), exports and the demo-data generator.

Sessions for the table are written straight through ``coach.storage.repository`` with
known scores (so filters, sorting and averages can be checked exactly); the transcript
tests play a real session through the fake bot (real scorer, real storage).
"""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from coach.scoring import SCORER_VERSION
from coach.storage import repository
from coach.storage.db import get_engine
from coach.storage.models import CoachSession
from coach.web import accounts, overrides
from coach.web.overrides import cohen_kappa
from tests.browser.fakebot import PASSWORD, csrf, login

SCENARIO = "late-express-delivery"

PAGES = (
    "/review/sessions",
    "/review/team",
    "/review/trainees/ana",
    "/review/agreement",
    "/review/export/sessions.csv",
    "/review/export/turns.csv",
)


# --------------------------------------------------------------------------- fixtures


@pytest.fixture
def ana(app):
    client = app.test_client()
    assert login(client, "ana").status_code == 303
    return client


@pytest.fixture
def tina(app):
    client = app.test_client()
    assert login(client, "tina").status_code == 303
    return client


def add_session(
    url: str,
    trainee: str,
    scores: list[tuple[float, float, float]],
    *,
    scenario: str = SCENARIO,
    mode: str = "practice",
    outcome: str | None = "resolved",
    started: datetime | None = None,
    rewound: tuple[float, float, float] | None = None,
    errored: bool = False,
    texts: list[str] | None = None,
    scorer_version: str = "test-1",
) -> str:
    sid = repository.start_session(
        trainee=trainee,
        scenario_id=scenario,
        scenario_version="v1",
        scenario_title=f"Title of {scenario}",
        scenario_content={"id": scenario},
        scorer_version=scorer_version,
        mode=mode,
        conversation_id=f"conv-{trainee}",
        starting_frustration=8.0,
        url=url,
    )
    mood = 8.0

    def turn(i: int, s: tuple[float, float, float], text: str, after: float) -> None:
        repository.record_turn(
            repository.TurnRecord(
                session_id=sid,
                turn_index=i,
                trainee_text=text,
                customer_text=f"customer line {i}",
                frustration_before=mood,
                frustration_after=after,
                acknowledgment=s[0],
                validation=s[1],
                calm_tone=s[2],
                evidence={"acknowledgment": [{"start": 0, "end": 4, "why": "names it"}]},
                tips=["Name the problem."],
                customer_reply=f"answer {i}",
            ),
            url=url,
        )

    for i, s in enumerate(scores, start=1):
        if i == 1 and rewound is not None:
            turn(1, rewound, "first try, taken back", 9.5)
            repository.mark_rewound(sid, 1, url=url)
        if i == 1 and errored:
            repository.record_turn(
                repository.TurnRecord(
                    session_id=sid,
                    turn_index=1,
                    trainee_text="x" * 10,
                    customer_text="customer line 1",
                    frustration_before=mood,
                    error="too long",
                ),
                url=url,
            )
        text = texts[i - 1] if texts else f"reply {i} of {trainee}"
        turn(i, s, text, mood - 1)
        mood -= 1
    if outcome:
        repository.finish_session(sid, outcome=outcome, final_frustration=mood, url=url)
    if started is not None:
        with get_engine(url).begin() as conn:
            conn.execute(
                sa.update(CoachSession).where(CoachSession.id == sid).values(started_at=started)
            )
    return sid


def rows_of(html: str) -> list[str]:
    body = html.split("<tbody>", 1)[1].split("</tbody>", 1)[0] if "<tbody>" in html else ""
    return re.findall(r"<tr>(.*?)</tr>", body, flags=re.S)


def sessions_ids(html: str) -> list[str]:
    return re.findall(r"/review/sessions/([0-9a-f-]{36})", html)


# --------------------------------------------------------------------------- roles


def test_every_review_page_needs_a_trainer(app, ana, db_url):
    sid = add_session(db_url, "ana", [(0.9, 0.9, 0.9)])
    turn_id = repository.list_turns(sid, url=db_url)[0]["id"]
    anonymous = app.test_client()
    for path in (*PAGES, f"/review/sessions/{sid}"):
        response = anonymous.get(path)
        assert response.status_code == 302 and "/login" in response.headers["Location"], path
        assert ana.get(path).status_code == 403, path
    post = {"acknowledgment": "0", "csrf_token": csrf(ana)}
    assert ana.post(f"/review/turns/{turn_id}/judge", data=post).status_code == 403
    anon_post = anonymous.post(
        f"/review/turns/{turn_id}/judge",
        data={"acknowledgment": "0", "csrf_token": csrf(anonymous)},
    )
    assert anon_post.status_code == 302
    assert overrides.overrides_for_turns([turn_id], url=db_url) == {}


def test_trainer_sees_pages_and_nav_link(tina, ana):
    for path in PAGES:
        assert tina.get(path).status_code == 200, path
    assert 'href="/review/sessions"' in tina.get("/scenarios").get_data(as_text=True)
    assert "/review/" not in ana.get("/scenarios").get_data(as_text=True)


def test_unknown_session_is_404(tina):
    assert tina.get("/review/sessions/not-a-session").status_code == 404


# --------------------------------------------------------------------------- sessions table


def test_table_averages_exclude_rewound_and_errored_turns(tina, db_url):
    add_session(
        db_url, "ana", [(0.8, 0.2, 1.0), (0.6, 0.4, 0.0)], rewound=(0.0, 0.0, 0.0), errored=True
    )
    html = tina.get("/review/sessions").get_data(as_text=True)
    (row,) = rows_of(html)
    cells = re.findall(r'<td class="num[^"]*">(\d+)%', row)
    assert cells == ["70", "30", "50"]  # rewound (0,0,0) and the errored attempt ignored
    assert '<td class="num">2</td>' in row  # two counted replies
    assert "Calming down · 6.0" in row or "· 6.0" in row  # final mood: 8 - 2


def test_filters(tina, db_url):
    now = datetime.now(UTC)
    a = add_session(db_url, "ana", [(0.9, 0.9, 0.9)], started=now - timedelta(days=10))
    b = add_session(
        db_url,
        "ben",
        [(0.1, 0.1, 0.1)],
        scenario="missed-technician",
        mode="assessment",
        outcome="escalated",
    )
    c = add_session(db_url, "ben", [(0.5, 0.5, 0.5)], outcome=None)

    def ids(query: str) -> set[str]:
        return set(sessions_ids(tina.get("/review/sessions" + query).get_data(as_text=True)))

    assert ids("") == {a, b, c}
    assert ids("?trainee=ben") == {b, c}
    assert ids("?scenario=missed-technician") == {b}
    assert ids("?mode=assessment") == {b}
    assert ids("?outcome=escalated") == {b}
    assert ids("?outcome=open") == {c}
    assert ids("?outcome=resolved&trainee=ana") == {a}
    since = (now - timedelta(days=2)).date().isoformat()
    assert ids(f"?date_from={since}") == {b, c}
    until = (now - timedelta(days=5)).date().isoformat()
    assert ids(f"?date_to={until}") == {a}
    bad = tina.get("/review/sessions?date_from=yesterday").get_data(as_text=True)
    assert "is not a date" in bad and set(sessions_ids(bad)) == {a, b, c}


def test_sorting(tina, db_url):
    low = add_session(db_url, "ana", [(0.1, 0.9, 0.9)])
    high = add_session(db_url, "ben", [(0.9, 0.1, 0.9)])
    asc = sessions_ids(tina.get("/review/sessions?sort=acknowledgment&dir=asc").get_data(True))
    desc = sessions_ids(tina.get("/review/sessions?sort=acknowledgment&dir=desc").get_data(True))
    assert asc[0] == low and desc[0] == high
    by_val = sessions_ids(tina.get("/review/sessions?sort=validation&dir=asc").get_data(True))
    assert by_val[0] == high
    assert tina.get("/review/sessions?sort=nonsense&dir=sideways").status_code == 200


def test_pagination(tina, db_url):
    now = datetime.now(UTC)
    made = [
        add_session(db_url, "ana", [(0.5, 0.5, 0.5)], started=now - timedelta(minutes=i))
        for i in range(30)
    ]
    first = tina.get("/review/sessions").get_data(as_text=True)
    second = tina.get("/review/sessions?page=2").get_data(as_text=True)
    assert "30 sessions" in first and "page 1 of 2" in first
    assert sessions_ids(first) == made[:25]  # newest first
    assert sessions_ids(second) == made[25:]
    assert 'rel="next"' in first and 'rel="prev"' in second
    beyond = tina.get("/review/sessions?page=99").get_data(as_text=True)
    assert sessions_ids(beyond) == made[25:]  # clamped to the last page
    assert "page=2" in re.search(r'rel="next" href="([^"]+)"', first).group(1)


def test_sessions_page_uses_a_fixed_number_of_queries(tina, db_url):
    for i in range(30):
        add_session(db_url, "ana" if i % 2 else "ben", [(0.5, 0.5, 0.5), (0.7, 0.2, 0.9)])
    engine = get_engine(db_url)
    statements: list[str] = []

    def count(conn, cursor, statement, *args):
        if statement.lstrip().upper().startswith("SELECT"):
            statements.append(statement)

    sa.event.listen(engine, "before_cursor_execute", count)
    try:
        assert tina.get("/review/sessions").status_code == 200
    finally:
        sa.event.remove(engine, "before_cursor_execute", count)
    turn_queries = [s for s in statements if "FROM turns" in s]
    assert len(turn_queries) == 1 and "GROUP BY" in turn_queries[0]
    assert len(statements) <= 6  # user, count, page, trainees, scenarios (+ schema check)


# --------------------------------------------------------------------------- transcript


def _play(app, client, replies: list[str], rewind_first: bool = False) -> str:
    """Play a real session through the fake bot as ``client``; returns the session id."""
    from coach.web import store

    token = csrf(client)
    started = client.post(
        "/start", data={"scenario": SCENARIO, "mode": "practice", "csrf_token": token}
    )
    conversation = started.headers["Location"].rsplit("/", 1)[1]
    for i, text in enumerate(replies):
        sent = client.post(
            f"/chat/{conversation}/send", json={"text": text}, headers={"X-CSRF-Token": token}
        )
        assert sent.status_code == 200, sent.get_data(as_text=True)
        if rewind_first and i == 0:
            assert (
                client.post(
                    f"/chat/{conversation}/rewind", json={}, headers={"X-CSRF-Token": token}
                ).status_code
                == 200
            )
    client.post(f"/chat/{conversation}/end", data={"csrf_token": token})
    return store.get_conversation(conversation, url=app.config["DATABASE_URL"])["session_id"]


GOOD = (
    "I'm so sorry. You paid for express delivery, the laptop is three days late and you've "
    "had to contact us three times. That's exhausting, and you have every right to be angry."
)


def test_transcript_shows_scores_evidence_branches_and_escapes(app, ana, tina):
    sid = _play(app, ana, ["Calm down <script>alert(1)</script>", GOOD], rewind_first=True)
    response = tina.get(f"/review/sessions/{sid}")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "<script>alert(1)</script>" not in html
    assert "<script" not in html.lower()
    # Evidence marks may split the text; with the marks removed it reads as typed, escaped.
    shown = [
        re.sub(r"<span class=\"ev-tag[^>]*>[^<]*</span>|<[^>]+>", "", p)
        for p in re.findall(r'<p class="reply-text">.*?</p>', html, flags=re.S)
    ]
    assert any("&lt;script&gt;alert(1)&lt;/script&gt;" in p for p in shown)
    assert "Rewound · not counted" in html and "earlier attempt" in html
    assert 'class="ev-tag ev-tag-' in html  # evidence highlighted with a text label
    assert "Why these scores" in html and "Tip" in html
    assert re.search(r"mood \d+\.\d → \d+\.\d / 10", html)
    assert "Formulaic empathy" in html and "Over-apologising" in html
    assert html.count('class="judge-form"') == 2  # both attempts can be judged


# --------------------------------------------------------------------------- overrides


def _agreement_row(html: str, dim: str) -> dict[str, str]:
    row = re.search(rf'<tr data-dim="{dim}"[^>]*>(.*?)</tr>', html, flags=re.S).group(1)
    return {
        "n": re.search(r'class="num n">(\d+)<', row).group(1),
        "accuracy": re.search(r'class="num accuracy">([\d.]+)%<', row).group(1),
        "kappa": re.search(r'class="num kappa">(.*?)</td>', row, flags=re.S).group(1),
    }


def test_override_round_trip_and_agreement(tina, db_url):
    sid = add_session(db_url, "ana", [(0.9, 0.2, 0.7), (0.3, 0.8, 0.6)])
    t1, t2 = (t["id"] for t in repository.list_turns(sid, url=db_url))
    assert "No judgements yet" in tina.get("/review/agreement").get_data(as_text=True)

    # Correct acknowledgment on reply 1 (machine: present) and confirm the others.
    form = {
        "acknowledgment": "0",
        "validation": "0",
        "calm_tone": "1",
        "comment": "Names the delay <b>only</b> vaguely",
        "csrf_token": csrf(tina),
        "session_id": sid,
    }
    saved = tina.post(f"/review/turns/{t1}/judge", data=form)
    assert saved.status_code == 303 and saved.headers["Location"].endswith(f"#turn-{t1}")
    page = tina.get(f"/review/sessions/{sid}").get_data(as_text=True)
    assert "✎ corrected by tina; machine score 90% kept" in page
    assert "✓ confirmed by tina" in page
    assert "Names the delay &lt;b&gt;only&lt;/b&gt; vaguely" in page
    ack = _agreement_row(tina.get("/review/agreement").get_data(as_text=True), "acknowledgment")
    # one pair, scorer 1 vs trainer 0: p_o = 0, p_e = 0, so kappa = 0
    assert ack == {"n": "1", "accuracy": "0.0", "kappa": "0.00"}

    # A later edit updates the same row (unique per turn and dimension) ...
    form["acknowledgment"] = "1"
    tina.post(f"/review/turns/{t1}/judge", data=form)
    # ... and reply 2 is confirmed as the scorer saw it.
    tina.post(
        f"/review/turns/{t2}/judge",
        data={"acknowledgment": "0", "validation": "1", "calm_tone": "1", "csrf_token": csrf(tina)},
    )
    with get_engine(db_url).connect() as conn:
        rows = conn.execute(
            sa.text(
                "SELECT turn_id, dimension, machine_score, trainer_label FROM overrides "
                "ORDER BY turn_id, dimension"
            )
        ).all()
    assert len(rows) == 6
    assert (t1, "acknowledgment", 0.9, 1) in [tuple(r) for r in rows]
    html = tina.get("/review/agreement").get_data(as_text=True)
    ack = _agreement_row(html, "acknowledgment")
    assert ack["n"] == "2" and ack["accuracy"] == "100.0" and ack["kappa"] == "1.00"
    assert "test-1" in html


def test_override_needs_csrf(tina, db_url):
    sid = add_session(db_url, "ana", [(0.9, 0.9, 0.9)])
    turn_id = repository.list_turns(sid, url=db_url)[0]["id"]
    response = tina.post(f"/review/turns/{turn_id}/judge", data={"acknowledgment": "0"})
    assert response.status_code == 400
    bad = tina.post(
        f"/review/turns/{turn_id}/judge", data={"acknowledgment": "0", "csrf_token": "forged"}
    )
    assert bad.status_code == 400
    assert overrides.overrides_for_turns([turn_id], url=db_url) == {}


def test_override_rejects_bad_input(tina, db_url):
    sid = add_session(db_url, "ana", [(0.9, 0.9, 0.9)])
    turn_id = repository.list_turns(sid, url=db_url)[0]["id"]
    token = csrf(tina)
    assert (
        tina.post(
            f"/review/turns/{turn_id}/judge", data={"acknowledgment": "maybe", "csrf_token": token}
        ).status_code
        == 400
    )
    assert (
        tina.post(
            "/review/turns/999999/judge", data={"acknowledgment": "1", "csrf_token": token}
        ).status_code
        == 404
    )
    nothing = tina.post(
        f"/review/turns/{turn_id}/judge", data={"csrf_token": token}, follow_redirects=True
    )
    assert "at least one dimension" in nothing.get_data(as_text=True)


def test_cohen_kappa_known_example():
    # Wikipedia's worked example: 20 yes/yes, 5 yes/no, 10 no/yes, 15 no/no -> 0.4.
    pairs = [(1, 1)] * 20 + [(1, 0)] * 5 + [(0, 1)] * 10 + [(0, 0)] * 15
    assert cohen_kappa(pairs) == pytest.approx(0.4)
    assert cohen_kappa([(1, 1), (0, 0)]) == pytest.approx(1.0)
    assert cohen_kappa([(1, 0), (0, 1)]) == pytest.approx(-1.0)
    assert cohen_kappa([]) is None
    assert cohen_kappa([(1, 1), (1, 1)]) is None  # chance agreement is 1: undefined


def test_agreement_is_split_by_scorer_version(tina, db_url):
    old = add_session(db_url, "ana", [(0.9, 0.9, 0.9)], scorer_version="old-0")
    new = add_session(db_url, "ben", [(0.1, 0.9, 0.9)], scorer_version="new-1")
    for sid in (old, new):
        turn_id = repository.list_turns(sid, url=db_url)[0]["id"]
        overrides.save_judgements(
            turn_id, {"acknowledgment": 1}, comment=None, trainer_id=None, url=db_url
        )
    rows = {(r["scorer_version"], r["dimension"]): r for r in overrides.agreement(url=db_url)}
    assert rows[("old-0", "acknowledgment")]["accuracy"] == 1.0
    assert rows[("new-1", "acknowledgment")]["accuracy"] == 0.0


# --------------------------------------------------------------------------- exports


def test_exports_match_coach_export(tina, db_url):
    from coach.storage.export import export

    add_session(db_url, "ana", [(0.9, 0.2, 0.7), (0.3, 0.8, 0.6)])
    add_session(db_url, "ben", [(0.5, 0.5, 0.5)], outcome=None)
    expected = io.StringIO()
    export("csv", expected, url=db_url)
    turns = tina.get("/review/export/turns.csv")
    assert turns.mimetype == "text/csv" and "attachment" in turns.headers["Content-Disposition"]
    assert turns.get_data(as_text=True) == expected.getvalue()
    sessions = list(
        csv.DictReader(io.StringIO(tina.get("/review/export/sessions.csv").get_data(as_text=True)))
    )
    assert len(sessions) == 2 and {s["trainee"] for s in sessions} == {"ana", "ben"}
    assert {s["outcome"] for s in sessions} == {"resolved", ""}


# --------------------------------------------------------------------------- demo data


def test_demo_data_command_fills_realistic_sessions(db_url, monkeypatch, capsys, tina):
    from coach.cli import main

    monkeypatch.setenv("COACH_DATABASE_URL", db_url)
    assert main(["demo-data", "--sessions", "12", "--seed", "5"]) == 0
    assert "stored 12 demo session(s)" in capsys.readouterr().out
    with get_engine(db_url).connect() as conn:
        sessions = conn.execute(sa.text("SELECT COUNT(*) FROM sessions")).scalar()
        turns = conn.execute(
            sa.text("SELECT trainee_text, acknowledgment, evidence, frustration_after FROM turns")
        ).all()
        scorer = conn.execute(sa.text("SELECT DISTINCT scorer_version FROM sessions")).scalars()
        assert set(scorer) == {SCORER_VERSION}
    assert sessions == 12 and len(turns) >= 12
    assert all(t.acknowledgment is not None and t.evidence for t in turns)  # really scored
    assert len({t.trainee_text for t in turns}) > 5  # varied replies
    page = tina.get("/review/sessions").get_data(as_text=True)
    assert "12 sessions" in page
    sid = sessions_ids(page)[0]
    assert tina.get(f"/review/sessions/{sid}").status_code == 200
    with pytest.raises(SystemExit):
        main(["demo-data", "--sessions", "-1"])


def test_demo_data_has_a_trainee_weak_on_validation(db_url):
    from coach.demo_data import generate

    counts = generate(150, seed=3, url=db_url)
    assert counts["sessions"] == 150 and counts["scored"] <= counts["turns"]
    with get_engine(db_url).connect() as conn:
        rows = conn.execute(
            sa.text(
                "SELECT tr.name, AVG(t.validation) FROM turns t JOIN sessions s ON s.id = "
                "t.session_id JOIN trainees tr ON tr.id = s.trainee_id WHERE t.rewound = 0 "
                "GROUP BY tr.name"
            )
        ).all()
        rewound = conn.execute(sa.text("SELECT COUNT(*) FROM turns WHERE rewound = 1")).scalar()
    averages = dict(rows)
    assert len(averages) >= 5
    assert averages["dana"] < averages["ana"]
    assert rewound > 0


def test_progress_page_calls_out_the_weakest_dimension(app, tina, db_url):
    from coach.demo_data import generate

    generate(150, seed=3, url=db_url)
    html = tina.get("/review/trainees/dana").get_data(as_text=True)
    assert "Weakest: Validation" in html
    assert '<svg class="trend"' in html and '<title id="trend-t">' in html
    assert "By scenario" in html
    worst = re.findall(r'href="/review/sessions/([0-9a-f-]{36})#turn-(\d+)"', html)
    assert 1 <= len(worst) <= 5
    sid, turn_id = worst[0]
    assert f'id="turn-{turn_id}"' in tina.get(f"/review/sessions/{sid}").get_data(as_text=True)
    assert tina.get("/review/trainees/nobody").status_code == 404


def test_progress_examples_are_distinct_replies(tina, db_url):
    for _ in range(3):
        add_session(db_url, "ana", [(0.9, 0.1, 0.9)], texts=["Relax, it's only a delay."])
    add_session(db_url, "ana", [(0.9, 0.2, 0.9)], texts=["These things happen."])
    html = tina.get("/review/trainees/ana").get_data(as_text=True)
    worst = html[html.index("Weakest:") : html.index("By scenario")]
    assert worst.count("only a delay") == 1 and "These things happen." in worst


def test_progress_escapes_replies(tina, db_url):
    add_session(db_url, "ana", [(0.9, 0.1, 0.9)], texts=["<script>alert(1)</script>"])
    html = tina.get("/review/trainees/ana").get_data(as_text=True)
    assert "<script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "Weakest: Validation" in html


def test_team_overview(tina, db_url):
    now = datetime.now(UTC)
    accounts.create_user("cleo", PASSWORD, "trainee", url=db_url)  # has never practised
    add_session(db_url, "ana", [(0.9, 0.9, 0.9)], started=now - timedelta(days=1))
    add_session(
        db_url, "ana", [(0.1, 0.1, 0.1)], outcome="escalated", started=now - timedelta(days=2)
    )
    add_session(
        db_url,
        "ben",
        [(0.5, 0.5, 0.5)],
        scenario="missed-technician",
        started=now - timedelta(days=40),
    )
    html = tina.get("/review/team").get_data(as_text=True)
    rows = re.findall(
        r"<tr>\s*<th scope=\"row\"><a href=\"[^\"]+\">([\w-]+)</a></th>(.*?)</tr>", html, flags=re.S
    )
    by_name = dict(rows)
    assert "not practised recently" in by_name["ben"] and "active" in by_name["ana"]
    assert "tina" not in by_name  # trainers are not listed
    assert "never" in by_name["cleo"] and "not practised recently" in by_name["cleo"]
    late = by_name[SCENARIO]
    cells = re.findall(r'<td class="num[^"]*">(\d+)%', late)
    assert cells[:4] == ["50", "50", "0", "0"]  # resolved, escalated, ended, in progress
    assert cells[4:] == ["50", "50", "50"]  # mean of the sessions' averages (0.9 and 0.1)
