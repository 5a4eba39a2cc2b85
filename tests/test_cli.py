"""The `coach` command line as other programs use it (contract §1)."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys

import pytest

from coach import cli, service

COACH = [sys.executable, "-m", "coach.cli"]


@pytest.fixture
def db(db_url, monkeypatch):
    monkeypatch.setenv("COACH_DATABASE_URL", db_url)
    monkeypatch.setenv("COACH_SEED", "5")
    return db_url


def run(args, stdin: str = ""):
    proc = subprocess.run(COACH + args, input=stdin, capture_output=True, text=True, timeout=120)
    return proc.returncode, proc.stdout, proc.stderr


def test_scenarios_list_prints_one_id_per_line():
    code, out, _ = run(["scenarios", "list"])
    ids = out.split()
    assert code == 0 and len(ids) >= 8
    assert "late-express-delivery" in ids and ids == sorted(ids)


def test_scenarios_validate_reports_file_and_field(tmp_path):
    good = run(["scenarios", "validate"])
    assert good[0] == 0, good
    broken = tmp_path / "broken.yml"
    broken.write_text("id: broken\ntitle: Broken\ndificulty: hard\n")
    code, out, _ = run(["scenarios", "validate", str(broken)])
    assert code == 1
    assert str(broken) in out and "dificulty" in out


def test_score_answers_every_line_in_order_and_flags_bad_ones():
    lines = [
        json.dumps(
            {
                "customer": "My order is three days late!",
                "reply": "I'm so sorry your order is three days late, that's really frustrating.",
            }
        ),
        "{not json",
        json.dumps({"customer": "I was charged twice.", "reply": "Calm down."}),
    ]
    code, out, _ = run(["score"], "\n".join(lines) + "\n")
    assert code == 1
    results = [json.loads(x) for x in out.splitlines()]
    assert len(results) == 3
    assert results[0]["acknowledgment"] >= 0.5 and results[0]["scorer_version"]
    assert "error" in results[1]
    assert results[2]["calm_tone"] < 0.5
    for span in results[0]["evidence"]["acknowledgment"]:
        assert {"start", "end", "text", "why"} <= set(span)


def test_export_jsonl_and_csv_contain_the_played_session(db, capsys):
    reply = service.start(scenario_id="broken-replacement", trainee="ana", conversation_id="c1")
    state = reply.state
    service.turn(
        state=state,
        text="I'm so sorry the replacement arrived cracked too.",
        move="apologise",
        message_id="m1",
    )
    service.end(state)

    assert cli.main(["export", "--format", "jsonl"]) == 0
    (line,) = capsys.readouterr().out.splitlines()
    session = json.loads(line)
    for key in (
        "session_id",
        "trainee",
        "scenario",
        "scenario_version",
        "mode",
        "started_at",
        "ended_at",
        "outcome",
        "turns",
    ):
        assert key in session
    assert session["trainee"] == "ana" and session["outcome"] == "ended"
    (turn,) = session["turns"]
    for key in (
        "customer_text",
        "trainee_text",
        "acknowledgment",
        "validation",
        "calm_tone",
        "evidence",
        "frustration_before",
        "frustration_after",
    ):
        assert key in turn

    assert cli.main(["export", "--format", "csv"]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert len(rows) == 1 and rows[0]["trainee"] == "ana"
    assert rows[0]["trainee_text"].startswith("I'm so sorry")


def test_export_rejects_a_bad_date(db, capsys):
    assert cli.main(["export", "--since", "last tuesday"]) == 1
    assert "since" in capsys.readouterr().err.lower()
