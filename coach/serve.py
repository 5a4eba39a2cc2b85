"""Start the action server and the Rasa server together, and stop them together.

Used by `make run` / `make shell` and by the end-to-end tests (which need the same
stack on free ports with their own database), so there is one way to bring the bot up.
Both servers bind to 127.0.0.1 only: the browser never talks to Rasa directly.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from coach import config
from coach.secrets import rasa_token
from coach.storage.db import StorageUnavailable, masked, upgrade

BIN = Path(sys.executable).parent
MODEL = config.PROJECT_ROOT / "models" / "coach.tar.gz"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Stack:
    rasa_port: int
    actions_port: int
    processes: list[subprocess.Popen]
    log_dir: Path

    @property
    def webhook(self) -> str:
        return f"http://127.0.0.1:{self.rasa_port}/webhooks/rest/webhook"


def stack_env(
    rasa_port: int,
    actions_port: int,
    database_url: str | None = None,
    actions_url: str | None = None,
) -> dict:
    """The environment every server process gets (endpoints.yml reads it).

    ``actions_url`` replaces the single action server on ``actions_port`` (the cluster
    points Rasa at the load balancer in front of several).
    """
    env = dict(os.environ)
    env.update(
        config.endpoint_env(
            actions_url or f"http://127.0.0.1:{actions_port}/webhook",
            database_url or config.database_url(),
        )
    )
    env.update(
        RASA_TELEMETRY_ENABLED="false",
        COACH_RASA_PORT=str(rasa_port),
        COACH_ACTIONS_PORT=str(actions_port),
        SANIC_HOST="127.0.0.1",  # rasa_sdk's action server binds here instead of 0.0.0.0
        SQLALCHEMY_SILENCE_UBER_WARNING="1",
        # Rasa 3.6's old pins print pages of deprecation warnings that only bury the
        # instructions; real errors still reach the logs.
        PYTHONWARNINGS="ignore",
        TF_CPP_MIN_LOG_LEVEL="2",
    )
    return env


def actions_command(port: int) -> list[str]:
    return [str(BIN / "rasa"), "run", "actions", "--actions", "actions", "-p", str(port)]


def rasa_command(port: int) -> list[str]:
    """Rasa on 127.0.0.1 only; its HTTP API (trackers, model) demands the token.

    The REST channel (contract §2) stays open to whoever can reach 127.0.0.1 or the
    load balancer: that is the conversation protocol, not the admin API.
    """
    return [
        str(BIN / "rasa"),
        "run",
        "-i",
        "127.0.0.1",
        "-p",
        str(port),
        "-m",
        str(MODEL),
        "--credentials",
        "credentials.yml",
        "--endpoints",
        "endpoints.yml",
        "--enable-api",
        "--auth-token",
        rasa_token(),
    ]


def rasa_ready_url(port: int) -> str:
    return f"http://127.0.0.1:{port}/webhooks/rest/"


def _wait_for(
    url: str,
    proc: subprocess.Popen,
    name: str,
    log: Path,
    timeout: float,
    ok_statuses: tuple[int, ...] = (200,),
) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            tail = log.read_text(errors="replace")[-3000:] if log.exists() else ""
            raise RuntimeError(f"{name} exited with status {proc.returncode}:\n{tail}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status in ok_statuses:
                    return
        except urllib.error.HTTPError as exc:
            if exc.code in ok_statuses:
                return
        except OSError:
            pass
        time.sleep(0.5)
    raise RuntimeError(f"{name} did not become ready within {timeout:.0f}s (log: {log})")


@contextlib.contextmanager
def running_stack(
    *,
    rasa_port: int | None = None,
    actions_port: int | None = None,
    database_url: str | None = None,
    log_dir: Path | None = None,
    extra_env: dict | None = None,
    start_rasa: bool = True,
    timeout: float = 300.0,
) -> Iterator[Stack]:
    """Both servers up and answering, torn down on exit (even on errors)."""
    rasa_port = rasa_port or free_port()
    actions_port = actions_port or free_port()
    env = stack_env(rasa_port, actions_port, database_url)
    env.update(extra_env or {})
    log_dir = log_dir or config.PROJECT_ROOT / "results" / "logs"
    log_dir.mkdir(parents=True, exist_ok=True)
    # Schema first, so neither server races to create tables.
    upgrade(env["COACH_DATABASE_URL"])

    processes: list[subprocess.Popen] = []
    stack = Stack(rasa_port, actions_port, processes, log_dir)
    try:
        actions_log = log_dir / f"actions-{actions_port}.log"
        actions = _spawn(actions_command(actions_port), env, actions_log)
        processes.append(actions)
        _wait_for(
            f"http://127.0.0.1:{actions_port}/health",
            actions,
            "action server",
            actions_log,
            timeout,
        )
        if start_rasa:
            if not MODEL.exists():
                raise RuntimeError(f"no trained model at {MODEL}: run `make train` first")
            rasa_log = log_dir / f"rasa-{rasa_port}.log"
            rasa = _spawn(rasa_command(rasa_port), env, rasa_log)
            processes.append(rasa)
            _wait_for(rasa_ready_url(rasa_port), rasa, "Rasa server", rasa_log, timeout)
        yield stack
    finally:
        stop(processes)


def _spawn(cmd: list[str], env: dict, log: Path) -> subprocess.Popen:
    handle = log.open("ab")
    return subprocess.Popen(
        cmd,
        cwd=config.PROJECT_ROOT,
        env=env,
        stdout=handle,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def stop(processes: list[subprocess.Popen], grace: float = 10.0) -> None:
    """SIGTERM every process group, then SIGKILL whatever is still there."""
    for proc in reversed(processes):
        if proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGTERM)
    deadline = time.monotonic() + grace
    for proc in processes:
        remaining = max(0.1, deadline - time.monotonic())
        try:
            proc.wait(remaining)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def interrupt_on_sigterm() -> None:
    """`kill` (SIGTERM) stops like Ctrl-C, so the servers in their own process groups
    are stopped too instead of being left running without their parent."""

    def handler(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, handler)


def serve(shell: bool = False) -> int:
    """Foreground entry point: start everything, print where to go, stop on Ctrl-C.

    The web app starts first, so trainees can sign in while Rasa loads its model and
    are told the bot is starting rather than meeting a dead page.
    """
    rasa_port = int(os.environ.get("COACH_RASA_PORT") or 5005)
    actions_port = int(os.environ.get("COACH_ACTIONS_PORT") or 5055)
    web_port = int(os.environ.get("COACH_WEB_PORT") or 8000)
    webhook = os.environ.get("COACH_RASA_WEBHOOK") or (
        f"http://127.0.0.1:{rasa_port}/webhooks/rest/webhook"
    )
    web = None
    interrupt_on_sigterm()
    try:
        upgrade()
        if not shell:
            from coach.web.app import startup_notes, web_server

            try:
                web = web_server("127.0.0.1", web_port, rasa_webhook=webhook)
            except OSError as exc:
                print(f"coach serve: cannot listen on 127.0.0.1:{web_port}: {exc}", file=sys.stderr)
                return 1
            threading.Thread(target=web.serve_forever, daemon=True).start()
        print("Starting Empathy Coach (action server, then Rasa; loading the model takes a while)")
        with running_stack(
            rasa_port=rasa_port, actions_port=actions_port, start_rasa=not shell
        ) as stack:
            if shell:
                return _shell(rasa_port, actions_port)
            print("\nEmpathy Coach is ready.")
            for line in startup_notes(f"http://127.0.0.1:{web_port}/"):
                print(f"  {line}")
            print(
                f"  Conversation endpoint (REST): {stack.webhook}\n"
                f"  Database:                     {masked(config.database_url())}\n"
                f"  Logs:                         {stack.log_dir}\n"
                "Play in a terminal instead with `make shell`. Press Ctrl-C to stop."
            )
            _wait_until_interrupted(stack)
    except (StorageUnavailable, RuntimeError) as exc:
        print(f"coach serve: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        pass
    finally:
        if web is not None:
            web.shutdown()
    print("Stopped.")
    return 0


def _shell(rasa_port: int, actions_port: int) -> int:
    print(
        "\nType your replies as the agent. Start with, for example:\n"
        '  /start_scenario{"scenario": "late-express-delivery"}\n'
        "Take a reply back with /rewind, end with /end_session, leave with /stop.\n"
    )
    return subprocess.call(
        [
            str(BIN / "rasa"),
            "shell",
            "-m",
            str(MODEL),
            "-i",
            "127.0.0.1",
            "-p",
            str(rasa_port),
            "--quiet",
            "--endpoints",
            "endpoints.yml",
            "--credentials",
            "credentials.yml",
        ],
        cwd=config.PROJECT_ROOT,
        env=stack_env(rasa_port, actions_port),
    )


def _wait_until_interrupted(stack: Stack) -> None:
    while True:
        for proc in stack.processes:
            if proc.poll() is not None:
                raise RuntimeError(
                    f"a server exited unexpectedly (status {proc.returncode}); see {stack.log_dir}"
                )
        time.sleep(1)
