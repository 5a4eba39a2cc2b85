"""Cluster mode on one machine: Rasa's own way to scale, by configuration only.

Two Rasa servers share the SQL tracker store (PostgreSQL) and a Redis lock store, so
either can take any message of any conversation; two stateless action servers sit
behind nginx, as do two web app processes; nginx is the one door in front. The same
project runs embedded (``coach serve``: SQLite, one process each) or clustered
(``coach cluster``) by settings alone: endpoints.yml reads the lock store, the action
server URL and the database from the environment this module sets.

Used by ``make run-cluster`` (supervised: a server that dies is started again) and by
the fault tests and benchmarks (unsupervised, so a test decides what dies and when).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from string import Template

import sqlalchemy as sa
from sqlalchemy.pool import NullPool

from coach import config
from coach.serve import (
    BIN,
    MODEL,
    _spawn,
    _wait_for,
    actions_command,
    free_port,
    interrupt_on_sigterm,
    rasa_command,
    rasa_ready_url,
    stack_env,
    stop,
)
from coach.storage.db import StorageUnavailable, masked, upgrade

DEFAULT_DATABASE_URL = "postgresql+psycopg2://postgres@127.0.0.1:5432/coach"
NGINX_TEMPLATE = config.PROJECT_ROOT / "deploy" / "nginx.conf.template"
# A Rasa server killed mid-message leaves its ticket in Redis; the other server waits
# for it to expire. Messages take well under a second, so 10 s is plenty and keeps a
# failover short (Rasa's own default is 60 s).
DEFAULT_LOCK_LIFETIME = 10


class ClusterError(RuntimeError):
    """A piece the cluster needs is missing or would not start; the message says which."""


@dataclass(frozen=True)
class ClusterPorts:
    lb: int = 8080
    actions_lb: int = 5056
    rasa: tuple[int, ...] = (5005, 5006)
    actions: tuple[int, ...] = (5055, 5057)
    web: tuple[int, ...] = (8001, 8002)

    @classmethod
    def free(cls, rasa: int = 2, actions: int = 2, web: int = 2) -> ClusterPorts:
        """Unused ports for every piece (tests and benchmarks next to a running bot)."""
        return cls(
            lb=free_port(),
            actions_lb=free_port(),
            rasa=tuple(free_port() for _ in range(rasa)),
            actions=tuple(free_port() for _ in range(actions)),
            web=tuple(free_port() for _ in range(web)),
        )

    @classmethod
    def from_env(cls) -> ClusterPorts:
        lb = int(os.environ.get("COACH_LB_PORT") or 8080)
        return cls(lb=lb)


@dataclass
class Server:
    name: str
    command: list[str]
    ready_url: str
    process: subprocess.Popen | None = None


@dataclass
class Cluster:
    ports: ClusterPorts
    database_url: str
    redis_url: str
    run_dir: Path
    env: dict[str, str]
    servers: dict[str, Server] = field(default_factory=dict)
    helpers: list[subprocess.Popen] = field(default_factory=list)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.ports.lb}/"

    @property
    def webhook(self) -> str:
        return f"http://127.0.0.1:{self.ports.lb}/webhooks/rest/webhook"

    @property
    def log_dir(self) -> Path:
        return self.run_dir / "logs"

    def log_of(self, name: str) -> Path:
        return self.log_dir / f"{name}.log"

    def spawn(self, name: str) -> None:
        """Start one server (or start it again) without waiting for it."""
        server = self.servers[name]
        if server.process is None or server.process.poll() is not None:
            server.process = _spawn(server.command, self.env, self.log_of(name))

    def wait_ready(self, name: str, timeout: float = 300.0) -> None:
        server = self.servers[name]
        assert server.process is not None, f"{name} was never started"
        _wait_for(server.ready_url, server.process, name, self.log_of(name), timeout)

    def start(self, name: str, timeout: float = 300.0) -> None:
        """Start (or start again) one server and wait until it answers."""
        self.spawn(name)
        self.wait_ready(name, timeout)

    def kill(self, name: str, sig: int = signal.SIGKILL) -> None:
        """Kill one server the hard way (a crash, not a shutdown): for fault tests."""
        server = self.servers[name]
        if server.process is not None and server.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(server.process.pid, sig)
            server.process.wait(30)

    def dead(self) -> list[str]:
        return [
            name
            for name, server in self.servers.items()
            if server.process is not None and server.process.poll() is not None
        ]

    def processes(self) -> list[subprocess.Popen]:
        return [s.process for s in self.servers.values() if s.process is not None]


def _admin_engine(target: sa.engine.URL) -> sa.engine.Engine:
    """The server's maintenance database, for CREATE / DROP DATABASE (no transaction)."""
    return sa.create_engine(
        target.set(database="postgres"),
        future=True,
        isolation_level="AUTOCOMMIT",
        poolclass=NullPool,
        connect_args={"connect_timeout": 5},
    )


def database_for_cluster(url: str | None = None) -> str:
    """PostgreSQL: COACH_DATABASE_URL when it names one, else the local server's `coach`.

    The database is created when missing, so `make run-cluster` works on a machine that
    only has the PostgreSQL server running.
    """
    url = url or os.environ.get("COACH_DATABASE_URL") or ""
    if not url.startswith("postgresql"):
        url = os.environ.get("COACH_CLUSTER_DATABASE_URL") or DEFAULT_DATABASE_URL
    target = sa.engine.make_url(url)
    admin = _admin_engine(target)
    try:
        with admin.connect() as conn:
            exists = conn.execute(
                sa.text("SELECT 1 FROM pg_database WHERE datname = :name"),
                {"name": target.database},
            ).scalar()
            if not exists:
                conn.exec_driver_sql(f'CREATE DATABASE "{target.database}"')
    except sa.exc.DBAPIError as exc:
        raise ClusterError(
            f"cluster mode needs PostgreSQL; {masked(url)} is unreachable "
            f"({str(exc.orig).strip()}). Start the server or set COACH_DATABASE_URL."
        ) from exc
    finally:
        admin.dispose()
    return url


def drop_database(url: str) -> None:
    """Drop a PostgreSQL database made for one run (benchmarks, load and fault tests)."""
    from coach.storage.db import dispose_engine

    dispose_engine(url)
    target = sa.engine.make_url(url)
    admin = _admin_engine(target)
    try:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{target.database}" WITH (FORCE)')
    finally:
        admin.dispose()


def run_database(base: str, prefix: str) -> str:
    """A new, empty database on ``base``'s server, named ``prefix`` + a random suffix."""
    import uuid

    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    url = sa.engine.make_url(base).set(database=name).render_as_string(hide_password=False)
    return database_for_cluster(url)


def redis_reachable(url: str) -> bool:
    import redis

    try:
        return bool(redis.Redis.from_url(url, socket_connect_timeout=2).ping())
    except (redis.RedisError, OSError, ValueError):
        return False


def redis_for_cluster(run_dir: Path, url: str | None = None) -> tuple[str, subprocess.Popen | None]:
    """Rasa's lock store: COACH_REDIS_URL (default the local server), else a private one."""
    url = url or config.redis_url()
    if redis_reachable(url):
        return url, None
    binary = shutil.which("redis-server")
    if not binary:
        raise ClusterError(
            f"cluster mode needs Redis for Rasa's lock store; nothing answers at {url} and "
            "redis-server is not installed (apt-get install redis-server, or set COACH_REDIS_URL)."
        )
    port = free_port()
    proc = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        cwd=run_dir,
        stdout=(run_dir / "logs" / "redis.log").open("ab"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    private = f"redis://127.0.0.1:{port}/1"
    deadline = time.monotonic() + 20
    while not redis_reachable(private):
        if proc.poll() is not None or time.monotonic() > deadline:
            stop([proc])
            raise ClusterError(f"could not start a private Redis (see {run_dir}/logs/redis.log)")
        time.sleep(0.2)
    return private, proc


def nginx_binary() -> str:
    binary = shutil.which("nginx") or (
        "/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else ""
    )
    if not binary:
        raise ClusterError(
            "nginx is not installed; `make cluster-deps` installs Debian's package "
            "(as root), or apt-get install nginx-light."
        )
    return binary


def nginx_config(ports: ClusterPorts, run_dir: Path) -> Path:
    """deploy/nginx.conf.template filled in for this machine's ports."""

    def servers(port_list: tuple[int, ...]) -> str:
        # One failure takes a server out for 5 s; the other carries its traffic.
        return "\n".join(
            f"        server 127.0.0.1:{port} max_fails=1 fail_timeout=5s;" for port in port_list
        )

    text = Template(NGINX_TEMPLATE.read_text()).substitute(
        run_dir=run_dir,
        log_dir=run_dir / "logs",
        lb_port=ports.lb,
        actions_lb_port=ports.actions_lb,
        web_servers=servers(ports.web),
        rasa_servers=servers(ports.rasa),
        actions_servers=servers(ports.actions),
    )
    path = run_dir / "nginx.conf"
    path.write_text(text)
    return path


def _redis_env(url: str) -> dict[str, str]:
    from redis.connection import parse_url

    parts = parse_url(url)
    return {
        "COACH_LOCK_STORE": "coach.lock_store.CoachRedisLockStore",
        "COACH_REDIS_HOST": str(parts.get("host") or "127.0.0.1"),
        "COACH_REDIS_PORT": str(parts.get("port") or 6379),
        "COACH_REDIS_DB": str(parts.get("db") or 0),
    }


@contextlib.contextmanager
def running_cluster(
    *,
    ports: ClusterPorts | None = None,
    database_url: str | None = None,
    redis_url: str | None = None,
    run_dir: Path | None = None,
    extra_env: dict[str, str] | None = None,
    web: bool = True,
    timeout: float = 300.0,
) -> Iterator[Cluster]:
    """Every piece up and answering through the load balancer; all stopped on exit."""
    if not MODEL.exists():
        raise ClusterError(f"no trained model at {MODEL}: run `make train` first")
    ports = ports or ClusterPorts.from_env()
    run_dir = (run_dir or config.PROJECT_ROOT / ".cluster").resolve()
    (run_dir / "logs").mkdir(parents=True, exist_ok=True)
    nginx = nginx_binary()
    database_url = database_for_cluster(database_url)
    try:
        upgrade(database_url)  # schema first, so no server races to create tables
    except StorageUnavailable as exc:
        raise ClusterError(str(exc)) from exc

    helpers: list[subprocess.Popen] = []
    cluster: Cluster | None = None
    try:
        redis_url, private_redis = redis_for_cluster(run_dir, redis_url)
        if private_redis is not None:
            helpers.append(private_redis)
        env = stack_env(
            ports.rasa[0],
            ports.actions[0],
            database_url,
            actions_url=f"http://127.0.0.1:{ports.actions_lb}/webhook",
        )
        env.update(_redis_env(redis_url))
        env["COACH_REDIS_URL"] = redis_url
        env["TICKET_LOCK_LIFETIME"] = os.environ.get("COACH_LOCK_LIFETIME") or str(
            DEFAULT_LOCK_LIFETIME
        )
        env["COACH_BEHIND_PROXY"] = "1"
        env.update(extra_env or {})
        cluster = Cluster(ports, database_url, redis_url, run_dir, env, helpers=helpers)
        for i, port in enumerate(ports.actions, 1):
            cluster.servers[f"actions-{i}"] = Server(
                f"actions-{i}", actions_command(port), f"http://127.0.0.1:{port}/health"
            )
        for i, port in enumerate(ports.rasa, 1):
            cluster.servers[f"rasa-{i}"] = Server(
                f"rasa-{i}", rasa_command(port), rasa_ready_url(port)
            )
        if web:
            for i, port in enumerate(ports.web, 1):
                cluster.servers[f"web-{i}"] = Server(
                    f"web-{i}",
                    [
                        str(BIN / "coach"),
                        "web",
                        "--port",
                        str(port),
                        "--rasa-webhook",
                        cluster.webhook,
                    ],
                    f"http://127.0.0.1:{port}/login",
                )
        conf = nginx_config(ports, run_dir)
        check = subprocess.run(
            [nginx, "-t", "-q", "-c", str(conf), "-p", str(run_dir)],
            capture_output=True,
            text=True,
        )
        if check.returncode != 0:
            raise ClusterError(f"nginx rejected {conf}: {check.stderr.strip()}")
        helpers.append(
            _spawn(
                [nginx, "-c", str(conf), "-p", str(run_dir)], env, run_dir / "logs" / "nginx.log"
            )
        )
        # Web first (sign-in works while Rasa loads), action servers in parallel, then
        # the Rasa servers one after the other: the first creates the tracker table.
        others = [name for name in cluster.servers if not name.startswith("rasa-")]
        for name in others:
            cluster.spawn(name)
        for name in others:
            cluster.wait_ready(name, timeout)
        for name in cluster.servers:
            if name.startswith("rasa-"):
                cluster.start(name, timeout)
        # GET on the webhook is refused by nginx itself (POST only): nginx is listening.
        _wait_for(
            cluster.webhook,
            helpers[-1],
            "nginx",
            run_dir / "logs" / "nginx-error.log",
            timeout,
            ok_statuses=(403,),
        )
        yield cluster
    finally:
        stop([*(cluster.processes() if cluster else []), *reversed(helpers)])


def supervise(cluster: Cluster, interval: float = 1.0) -> None:
    """Keep every server running until Ctrl-C: a crashed one is started again."""
    while True:
        for name in cluster.dead():
            code = cluster.servers[name].process.returncode  # type: ignore[union-attr]
            print(f"{name} stopped (status {code}); starting it again", flush=True)
            try:
                cluster.start(name)
            except RuntimeError as exc:
                print(f"{name} did not come back: {exc}", file=sys.stderr, flush=True)
        for helper in cluster.helpers:
            if helper.poll() is not None:
                raise ClusterError(
                    f"{helper.args[0]} exited (status {helper.returncode}); see {cluster.log_dir}"
                )
        time.sleep(interval)


def main() -> int:
    """`coach cluster`: the foreground entry point behind `make run-cluster`."""
    print(
        "Starting Empathy Coach in cluster mode: PostgreSQL, Redis lock store, 2 Rasa "
        "servers, 2 action servers, 2 web app processes, nginx in front."
    )
    interrupt_on_sigterm()
    try:
        with running_cluster() as cluster:
            from coach.web.app import startup_notes

            print("\nEmpathy Coach (cluster) is ready.")
            for line in startup_notes(cluster.url, cluster.database_url):
                print(f"  {line}")
            print(
                f"  Conversation endpoint (REST): {cluster.webhook}\n"
                f"  Database:                     {masked(cluster.database_url)}\n"
                f"  Lock store:                   {cluster.redis_url}\n"
                f"  Logs:                         {cluster.log_dir}\n"
                "A server that crashes is started again. Press Ctrl-C to stop everything.",
                flush=True,
            )
            supervise(cluster)
    except ClusterError as exc:
        print(f"coach cluster: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        pass
    print("Stopped.")
    return 0
