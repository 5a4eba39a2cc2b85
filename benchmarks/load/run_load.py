"""Load and soak test: N trainees for M minutes against the cluster, then every turn checked.

Starts the cluster (coach.cluster: 2 Rasa servers on PostgreSQL and a Redis lock store,
2 action servers, 2 web app processes, nginx) on free ports with a fresh database of its
own, runs locust headless against the load balancer on 127.0.0.1 only (bounded by
``-t``), lets in-flight messages finish, stops the cluster, then compares every message
the simulated trainees sent with the stored turns (benchmarks/load/check_load.py).

    make load    (= .venv/bin/python benchmarks/load/run_load.py --locust .venv-load/bin/locust
                    --users 100 --minutes 5 --out results/load.json)

Everything of one run (message log, locust's CSV and log, the cluster's logs) stays in
results/load/<run>/. The database is dropped after a passing check and kept after a
failing one (or with --keep-db) so the turns can be looked at. Exit status 1 when the
check fails.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import re
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.pool import NullPool

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from benchmarks.load.check_load import check, summary  # noqa: E402
from coach.cluster import drop_database  # noqa: E402

LOCUSTFILE = Path(__file__).resolve().parent / "locustfile.py"
DEFAULT_POSTGRES = "postgresql+psycopg2://postgres@127.0.0.1:5432/postgres"
# How long users may take to finish the message they are sending when time is up: a
# message can take up to 5 tries of LOAD_TIMEOUT seconds plus the backoff between them.
STOP_TIMEOUT_S = 180
LOG_PROBLEM = re.compile(r"\b(ERROR|CRITICAL|Traceback|\[error\]|\[crit\]|\[alert\])")


def fresh_database(base: str, name: str) -> str:
    from coach.cluster import database_for_cluster

    url = sa.engine.make_url(base).set(database=name).render_as_string(hide_password=False)
    return database_for_cluster(url)  # created when missing


def turn_count(url: str) -> int:
    engine = sa.create_engine(url, future=True, poolclass=NullPool)
    try:
        with engine.connect() as conn:
            return int(conn.execute(sa.text("SELECT count(*) FROM turns")).scalar_one())
    finally:
        engine.dispose()


def wait_until_quiet(url: str, quiet_s: float = 5.0, limit_s: float = 120.0) -> float:
    """Wait until no new turn has been stored for ``quiet_s`` (a message a client gave up
    on may still be running on a server); returns the seconds waited."""
    started = time.monotonic()
    last, last_change = turn_count(url), time.monotonic()
    while time.monotonic() - last_change < quiet_s and time.monotonic() - started < limit_s:
        time.sleep(1.0)
        now = turn_count(url)
        if now != last:
            last, last_change = now, time.monotonic()
    return round(time.monotonic() - started, 1)


def read_locust_csv(prefix: Path) -> dict[str, Any]:
    """locust's own figures: the _stats.csv rows by name and the _failures.csv rows."""
    out: dict[str, Any] = {"requests": {}, "failures": []}
    stats = prefix.with_name(prefix.name + "_stats.csv")
    if stats.exists():
        with stats.open(newline="") as handle:
            for row in csv.DictReader(handle):
                out["requests"][row.get("Name") or "?"] = {
                    "requests": int(row["Request Count"]),
                    "failures": int(row["Failure Count"]),
                    "median_ms": _num(row.get("Median Response Time")),
                    "average_ms": _num(row.get("Average Response Time")),
                    "p95_ms": _num(row.get("95%")),
                    "p99_ms": _num(row.get("99%")),
                    "max_ms": _num(row.get("Max Response Time")),
                    "requests_per_s": _num(row.get("Requests/s")),
                }
    failures = prefix.with_name(prefix.name + "_failures.csv")
    if failures.exists():
        with failures.open(newline="") as handle:
            out["failures"] = [
                {"name": r.get("Name"), "error": r.get("Error"), "count": int(r["Occurrences"])}
                for r in csv.DictReader(handle)
            ]
    return out


def _num(value: str | None) -> float | None:
    try:
        return round(float(value), 1) if value not in (None, "", "N/A") else None
    except ValueError:
        return None


def log_problems(log_dir: Path, samples: int = 5) -> dict[str, Any]:
    """Lines that look like errors in each cluster log: count and the first few."""
    out: dict[str, Any] = {}
    for path in sorted(log_dir.glob("*.log")):
        if path.name == "nginx-access.log":
            continue
        hits: list[str] = []
        count = 0
        with path.open(errors="replace") as handle:
            for line in handle:
                if LOG_PROBLEM.search(line):
                    count += 1
                    if len(hits) < samples:
                        hits.append(line.rstrip()[:400])
        if count:
            out[path.name] = {"lines": count, "first": hits}
    access = log_dir / "nginx-access.log"
    if access.exists():
        statuses: Counter = Counter()
        with access.open(errors="replace") as handle:
            for line in handle:
                match = re.search(r'" (\d{3}) ', line)
                if match:
                    statuses[match.group(1)] += 1
        out["nginx-access.log statuses"] = dict(statuses)
    return out


def run_locust(args: argparse.Namespace, host: str, work: Path, env: dict[str, str]) -> int:
    prefix = work / "locust"
    command = [
        args.locust,
        "-f",
        str(LOCUSTFILE),
        "--headless",
        "-u",
        str(args.users),
        "-r",
        str(args.spawn_rate),
        "-t",
        f"{round(args.minutes * 60)}s",
        "--host",
        host,
        "--csv",
        str(prefix),
        "--stop-timeout",
        str(STOP_TIMEOUT_S),
        "--only-summary",
        "--message-log",
        str(work / "messages.jsonl"),
        "--logfile",
        str(work / "locust.log"),
    ]
    (work / "locust-command.txt").write_text(" ".join(command) + "\n")
    limit = args.minutes * 60 + STOP_TIMEOUT_S + 120  # locust stops itself long before
    with (work / "locust-output.txt").open("wb") as output:
        proc = subprocess.Popen(command, cwd=ROOT, env=env, stdout=output, stderr=subprocess.STDOUT)
        try:
            return proc.wait(limit)
        except subprocess.TimeoutExpired:
            proc.send_signal(signal.SIGINT)
            try:
                return proc.wait(30)
            except subprocess.TimeoutExpired:
                proc.kill()
                return proc.wait()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--locust", default=str(ROOT / ".venv-load" / "bin" / "locust"))
    parser.add_argument("--users", type=int, default=100)
    parser.add_argument("--minutes", type=float, default=5.0)
    parser.add_argument(
        "--spawn-rate", type=float, help="users started per second (default users/20)"
    )
    parser.add_argument("--out", type=Path, default=ROOT / "results" / "load.json")
    parser.add_argument("--postgres", default=DEFAULT_POSTGRES, help="server to create the DB on")
    parser.add_argument("--keep-db", action="store_true", help="keep the run's database")
    parser.add_argument("--no-web", action="store_true", help="leave out the web app processes")
    args = parser.parse_args()
    if args.spawn_rate is None:
        args.spawn_rate = max(1.0, args.users / 20)
    if not Path(args.locust).exists():
        print(f"no locust at {args.locust}: run `make .venv-load/.installed`", file=sys.stderr)
        return 2

    from coach.cluster import ClusterError, ClusterPorts, running_cluster
    from coach.scenarios import load_all

    run = time.strftime("%Y%m%d-%H%M%S")
    work = (ROOT / "results" / "load" / run).resolve()
    work.mkdir(parents=True, exist_ok=True)
    database = f"coach_load_{run.replace('-', '_')}"
    url = fresh_database(args.postgres, database)
    print(f"load run {run}: {args.users} trainees for {args.minutes} min; files in {work}")

    env = {
        **os.environ,
        "LOAD_RUN": run,
        "LOAD_SCENARIOS": ",".join(sorted(load_all())),
        "PYTHONUNBUFFERED": "1",
    }
    ports = ClusterPorts.free()
    cluster_notes: dict[str, Any] = {}
    locust_status: int | None = None
    started = finished = 0.0
    try:
        with running_cluster(
            ports=ports, database_url=url, run_dir=work / "cluster", web=not args.no_web
        ) as cluster:
            host = f"http://127.0.0.1:{cluster.ports.lb}"
            print(f"cluster up: {host} (database {database}); running locust", flush=True)
            started = time.time()
            locust_status = run_locust(args, host, work, env)
            finished = time.time()
            cluster_notes["waited_for_in_flight_s"] = wait_until_quiet(url)
            cluster_notes["servers_dead_at_end"] = cluster.dead()
            print(f"locust exited ({locust_status}); stopping the cluster", flush=True)
    except ClusterError as exc:
        print(f"run_load: {exc}", file=sys.stderr)
        return 2
    cluster_notes["log_problems"] = log_problems(work / "cluster" / "logs")
    if not (work / "messages.jsonl").exists():
        output = (work / "locust-output.txt").read_text(errors="replace")
        print(f"locust sent nothing (status {locust_status}):\n{output[-2000:]}", file=sys.stderr)
        return 2

    result = check(work / "messages.jsonl", url)
    (work / "check.json").write_text(json.dumps(result, indent=2, default=str) + "\n")
    duration = round(finished - started, 1)
    locust_stats = read_locust_csv(work / "locust")
    report = {
        "run": run,
        "users": args.users,
        "minutes": args.minutes,
        "spawn_rate": args.spawn_rate,
        "duration_s": duration,
        "think_time_s": [2, 5],
        "cpus": os.cpu_count(),
        "database": database,
        "messages_sent": result["messages_sent"],
        "replies_sent": result["replies_sent"],
        "turns_stored": result["turns_stored"],
        "lost": result["lost"],
        "duplicated": result["duplicated"],
        "out_of_order": result["out_of_order"],
        "wrong_session": result["wrong_session"],
        "unscored": result["unscored"],
        "refused_with_error": result["refused_with_error"],
        "client_errors": result["client_errors"],
        "latency": result["latency"],
        "turns_per_s": round(result["turns_stored"] / duration, 2) if duration else None,
        "passed": result["passed"],
        "failures": result["failures"],
        "check": result,
        "locust": {"exit_status": locust_status, **locust_stats},
        "cluster": cluster_notes,
        "files": str(work),
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2, default=str) + "\n")

    if result["passed"] and not args.keep_db:
        drop_database(url)
        report_db = "dropped"
    else:
        report_db = f"kept: {database}"
    print()
    print(f"{args.users} trainees, {duration} s, {report['turns_per_s']} turns/s stored")
    print(summary(result))
    if cluster_notes["servers_dead_at_end"]:
        print(f"servers that died during the run: {cluster_notes['servers_dead_at_end']}")
    noisy = {k: v["lines"] for k, v in cluster_notes["log_problems"].items() if "lines" in v}
    print(f"error lines in cluster logs: {noisy or 'none'}")
    print(f"database {report_db}; figures in {args.out}; run files in {work}")
    return 0 if result["passed"] else 1


if __name__ == "__main__":
    sys.exit(main())
