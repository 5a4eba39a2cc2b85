"""Turn latency over HTTP: N simulated trainees against the embedded and the cluster set-up.

Each simulated trainee plays scripted sessions through the REST channel exactly as a
client of contract §2 does (start a scenario, send replies, end), waiting ``--think``
seconds between messages. A turn's time is the HTTP round trip of one trainee reply.
The floor is a bare Rasa turn measured in the same run: a Rasa server with the same
NLU pipeline and training data whose rules answer every intent with a template
response (no custom action, no scoring, no coach storage) on the same kind of tracker
store.

    make bench-turns        (writes results/bench-turns.json)
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from contextlib import ExitStack
from pathlib import Path

import aiohttp
import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.scripted import script_for  # noqa: E402
from coach.scenarios import load_all  # noqa: E402

BARE_MODEL = ROOT / "models" / "bench-bare.tar.gz"
SCENARIOS = sorted(load_all())


# --------------------------------------------------------------------------- bare model


def _bare_inputs() -> bytes:
    return b"".join((ROOT / p).read_bytes() for p in ("config.yml", "data/nlu.yml", "domain.yml"))


def bare_model() -> Path:
    """The same NLU as the coach model, every intent answered by a template response.

    Trained once and reused until config.yml, data/nlu.yml or domain.yml change.
    """
    stamp = BARE_MODEL.with_suffix(".sha256")
    digest = hashlib.sha256(_bare_inputs()).hexdigest()
    if BARE_MODEL.exists() and stamp.exists() and stamp.read_text().strip() == digest:
        return BARE_MODEL
    domain = yaml.safe_load((ROOT / "domain.yml").read_text())
    intents = [i if isinstance(i, str) else next(iter(i)) for i in domain["intents"]]
    work = Path(tempfile.mkdtemp(prefix="bench-bare-"))
    bare_domain = {
        "version": "3.1",
        "intents": intents,
        "entities": domain.get("entities", []),
        "responses": {"utter_bare": [{"text": "Okay."}]},
        "session_config": domain.get("session_config", {}),
    }
    (work / "domain.yml").write_text(yaml.safe_dump(bare_domain))
    # Same pipeline and policies; only the fallback is Rasa's own instead of ours.
    pipeline_config = yaml.safe_load((ROOT / "config.yml").read_text())
    for policy in pipeline_config.get("policies") or []:
        if policy.get("core_fallback_action_name"):
            policy["core_fallback_action_name"] = "action_default_fallback"
    (work / "config.yml").write_text(yaml.safe_dump(pipeline_config))
    rules = [
        {"rule": f"bare {name}", "steps": [{"intent": name}, {"action": "utter_bare"}]}
        for name in [*intents, "nlu_fallback"]
    ]
    (work / "rules.yml").write_text(yaml.safe_dump({"version": "3.1", "rules": rules}))
    print("training the bare comparison model (once; about two minutes)", flush=True)
    subprocess.run(
        [
            str(Path(sys.executable).parent / "rasa"),
            "train",
            "--config",
            str(work / "config.yml"),
            "--domain",
            str(work / "domain.yml"),
            "--data",
            str(ROOT / "data" / "nlu.yml"),
            str(work / "rules.yml"),
            "--out",
            str(BARE_MODEL.parent),
            "--fixed-model-name",
            "bench-bare",
            "--quiet",
        ],
        check=True,
        cwd=work,
        env={**os.environ, "RASA_TELEMETRY_ENABLED": "false"},
    )
    shutil.rmtree(work, ignore_errors=True)
    stamp.write_text(digest + "\n")
    return BARE_MODEL


def bare_rasa(env: dict, port: int, log_dir: Path) -> subprocess.Popen:
    from coach.serve import _spawn, _wait_for, rasa_command

    command = rasa_command(port)
    command[command.index("-m") + 1] = str(bare_model())
    log = log_dir / f"bare-rasa-{port}.log"
    proc = _spawn(command, env, log)
    _wait_for(f"http://127.0.0.1:{port}/webhooks/rest/", proc, "bare Rasa server", log, 300)
    return proc


# --------------------------------------------------------------------------- load


async def _post(http: aiohttp.ClientSession, url: str, payload: dict) -> tuple[float, list]:
    started = time.perf_counter()
    async with http.post(url, json=payload) as response:
        body = await response.json(content_type=None)
        if response.status != 200:
            raise RuntimeError(f"HTTP {response.status}: {str(body)[:200]}")
    return (time.perf_counter() - started) * 1000.0, body


async def _trainee(
    http: aiohttp.ClientSession,
    url: str,
    who: int,
    sessions: int,
    think: float,
    turns: list[float],
    errors: list[str],
) -> None:
    # Trainees do not act in lockstep: each starts at a random moment within one think
    # time and thinks 0.5-1.5x as long each time (seeded, so runs are comparable).
    pace = random.Random(who)
    await asyncio.sleep(pace.uniform(0, think))
    for n in range(sessions):
        scenario = SCENARIOS[(who + n) % len(SCENARIOS)]
        sender = f"bench-{uuid.uuid4().hex[:10]}"
        meta = {"trainee": f"bench-trainee-{who}"}
        try:
            await _post(
                http,
                url,
                {
                    "sender": sender,
                    "message": "/start_scenario" + json.dumps({"scenario": scenario}),
                    "metadata": meta,
                },
            )
            for i, reply in enumerate(script_for(who + n)):
                await asyncio.sleep(think * pace.uniform(0.5, 1.5))
                ms, body = await _post(
                    http,
                    url,
                    {
                        "sender": sender,
                        "message": reply,
                        "metadata": {**meta, "message_id": f"{n}-{i}"},
                    },
                )
                if not body:
                    errors.append("empty answer")
                    continue
                turns.append(ms)
            await _post(http, url, {"sender": sender, "message": "/end_session", "metadata": meta})
        except (TimeoutError, aiohttp.ClientError, RuntimeError, ValueError) as exc:
            errors.append(f"{type(exc).__name__}: {exc}"[:200])


def _pct(values: list[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))], 1)


async def run_load(url: str, trainees: int, sessions: int, think: float) -> dict:
    turns: list[float] = []
    errors: list[str] = []
    timeout = aiohttp.ClientTimeout(total=120)
    connector = aiohttp.TCPConnector(limit=trainees + 5)
    async with aiohttp.ClientSession(timeout=timeout, connector=connector) as http:
        started = time.perf_counter()
        await asyncio.gather(
            *(_trainee(http, url, who, sessions, think, turns, errors) for who in range(trainees))
        )
        elapsed = time.perf_counter() - started
    return {
        "trainees": trainees,
        "turns": len(turns),
        "errors": len(errors),
        "error_samples": sorted(set(errors))[:5],
        "median_ms": round(statistics.median(turns), 1) if turns else None,
        "p95_ms": _pct(turns, 0.95),
        "p99_ms": _pct(turns, 0.99),
        "turns_per_s": round(len(turns) / elapsed, 2) if elapsed else None,
        "seconds": round(elapsed, 1),
    }


def measure(name: str, url: str, levels: list[int], args: argparse.Namespace) -> dict:
    out = {}
    # One short warm-up session (first requests load lazy parts of both servers).
    asyncio.run(run_load(url, 1, 1, 0.0))
    turns = dict(tuple(int(x) for x in pair.split(":")) for pair in args.turns.split(","))
    for n in levels:
        sessions = max(1, turns.get(n, 6 * n) // (n * 6))
        think = args.think_one if n == 1 else args.think
        result = asyncio.run(run_load(url, n, sessions, think))
        result["think_seconds"] = think
        out[str(n)] = result
        print(
            f"  {name:9s} {n:3d} trainees: {result['turns']:4d} turns, median "
            f"{result['median_ms']} ms, p95 {result['p95_ms']} ms, p99 {result['p99_ms']} ms, "
            f"{result['turns_per_s']} turns/s, errors {result['errors']}",
            flush=True,
        )
    return out


# --------------------------------------------------------------------------- main


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--levels", default="1,10,50", help="trainee counts (1,10,50)")
    parser.add_argument(
        "--think",
        type=float,
        default=5.0,
        help="seconds each of several trainees waits between messages (5: a fast typist)",
    )
    parser.add_argument(
        "--think-one",
        type=float,
        default=0.3,
        help="the same for the single trainee, whose turns measure latency, not load",
    )
    parser.add_argument(
        "--turns", default="1:60,10:120,50:300", help="turns to play per trainee count"
    )
    parser.add_argument("--skip-cluster", action="store_true")
    parser.add_argument("--keep", action="store_true", help="keep the logs (printed path)")
    parser.add_argument(
        "--postgres",
        default=os.environ.get("COACH_TEST_POSTGRES_URL")
        or "postgresql+psycopg2://postgres@127.0.0.1:5432/postgres",
    )
    parser.add_argument("--out", default=str(ROOT / "results" / "bench-turns.json"))
    args = parser.parse_args()
    levels = [int(x) for x in args.levels.split(",")]

    from coach.cluster import ClusterPorts, drop_database, run_database, running_cluster
    from coach.serve import free_port, running_stack, stack_env, stop

    bare_model()
    work = Path(tempfile.mkdtemp(prefix="bench-turns-"))
    results: dict = {"levels": levels, "cpus": os.cpu_count()}
    # Lines are chosen at random per session; a fixed seed makes runs comparable.
    extra = {"COACH_SEED": "11", "COACH_RATE_LIMIT": "0"}

    print("embedded (SQLite, 1 Rasa + 1 action server) and the bare Rasa floor:", flush=True)
    with ExitStack() as stack:
        embedded = stack.enter_context(
            running_stack(
                database_url=f"sqlite:///{work / 'embedded.db'}",
                log_dir=work / "logs",
                extra_env=extra,
            )
        )
        bare_port = free_port()
        env = stack_env(bare_port, embedded.actions_port, f"sqlite:///{work / 'bare.db'}")
        bare = bare_rasa(env, bare_port, work / "logs")
        stack.callback(stop, [bare])
        bare_url = f"http://127.0.0.1:{bare_port}/webhooks/rest/webhook"
        results["bare"] = measure("bare", bare_url, levels, args)
        results["embedded"] = measure("embedded", embedded.webhook, levels, args)

    if not args.skip_cluster:
        print("cluster (PostgreSQL, Redis lock store, 2 Rasa + 2 action servers, nginx):")
        url = run_database(args.postgres, "coach_bench")
        try:
            with running_cluster(
                ports=ClusterPorts.free(),
                database_url=url,
                run_dir=work / "cluster",
                extra_env=extra,
                web=False,
            ) as cluster:
                results["cluster"] = measure("cluster", cluster.webhook, levels, args)
        finally:
            drop_database(url)

    one_bare = results["bare"]["1"]["median_ms"]
    one_embedded = results["embedded"]["1"]["median_ms"]
    ratio = round(one_embedded / one_bare, 2) if one_bare and one_embedded else None
    results["targets"] = {
        "embedded_1_trainee_median_over_bare": ratio,
        "embedded_1_trainee_median_target": "<= 2.0",
    }
    if "cluster" in results and "50" in results["cluster"]:
        c50 = results["cluster"]["50"]
        results["targets"]["cluster_50_p95_ms"] = c50["p95_ms"]
        results["targets"]["cluster_50_errors"] = c50["errors"]
        results["targets"]["cluster_50_target"] = "p95 <= 500 ms, no errors"
    print(json.dumps(results["targets"], indent=2))
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(results, indent=2) + "\n")
    print(f"written to {args.out}")
    if args.keep:
        print(f"logs kept in {work}")
    else:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
