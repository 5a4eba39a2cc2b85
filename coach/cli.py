"""The `coach` command line (contract §1): score, scenarios, export, db, serve."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence


def _cmd_score(args: argparse.Namespace) -> int:
    from coach.scoring.cli import main as score_main

    return score_main(sys.stdin, sys.stdout)


def _cmd_scenarios_list(args: argparse.Namespace) -> int:
    from coach.scenarios import ScenarioError, load_all

    try:
        scenarios = load_all()
    except ScenarioError as exc:
        for problem in exc.problems:
            print(problem, file=sys.stderr)
        return 1
    for scenario_id in scenarios:
        print(scenario_id)
    return 0


def _cmd_scenarios_validate(args: argparse.Namespace) -> int:
    from coach import config
    from coach.scenarios import validate_files

    paths = args.files or sorted(config.scenarios_dir().glob("*.yml"))
    if not paths:
        print(f"no scenario files found in {config.scenarios_dir()}", file=sys.stderr)
        return 1
    problems = validate_files(paths)
    for problem in problems:
        print(problem)
    if problems:
        print(f"{len(problems)} problem(s) in {len(paths)} file(s)", file=sys.stderr)
        return 1
    print(f"{len(paths)} scenario file(s) OK")
    return 0


def _cmd_export(args: argparse.Namespace) -> int:
    from coach.storage.db import StorageUnavailable
    from coach.storage.export import export

    try:
        count = export(args.format, sys.stdout, since=args.since)
    except (ValueError, StorageUnavailable) as exc:
        print(f"coach export: {exc}", file=sys.stderr)
        return 1
    print(f"exported {count} session(s)", file=sys.stderr)
    return 0


def _cmd_db_upgrade(args: argparse.Namespace) -> int:
    from coach import config
    from coach.storage.db import StorageUnavailable, masked, upgrade

    try:
        upgrade()
    except StorageUnavailable as exc:
        print(f"coach db upgrade: {exc}", file=sys.stderr)
        return 1
    print(f"database schema up to date ({masked(config.database_url())})")
    return 0


def _cmd_serve(args: argparse.Namespace) -> int:
    from coach.serve import serve

    return serve(shell=args.shell)


def _cmd_web(args: argparse.Namespace) -> int:
    from coach.web.app import serve_web

    serve_web(args.host, args.port, rasa_webhook=args.rasa_webhook)
    return 0


def _cmd_cluster(args: argparse.Namespace) -> int:
    from coach.cluster import main as cluster_main

    return cluster_main()


def _cmd_demo_data(args: argparse.Namespace) -> int:
    from coach.demo_data import main as demo_main

    argv = ["--sessions", str(args.sessions), "--seed", str(args.seed)]
    return demo_main(argv)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="coach", description="Empathy Coach")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("score", help="score trainee replies: JSON Lines on stdin -> stdout")
    p.set_defaults(func=_cmd_score)

    p = sub.add_parser("scenarios", help="list or validate scenario files")
    ssub = p.add_subparsers(dest="scenarios_command", required=True)
    pl = ssub.add_parser("list", help="one scenario id per line")
    pl.set_defaults(func=_cmd_scenarios_list)
    pv = ssub.add_parser("validate", help="check scenario files; exit 1 on any problem")
    pv.add_argument("files", nargs="*", help="files to check (default: every scenario)")
    pv.set_defaults(func=_cmd_scenarios_validate)

    p = sub.add_parser("export", help="every stored session with its turns")
    p.add_argument("--format", choices=("jsonl", "csv"), default="jsonl")
    p.add_argument("--since", help="only sessions started on or after this ISO date")
    p.set_defaults(func=_cmd_export)

    p = sub.add_parser("db", help="database schema")
    dsub = p.add_subparsers(dest="db_command", required=True)
    pu = dsub.add_parser("upgrade", help="apply Alembic migrations up to head")
    pu.set_defaults(func=_cmd_db_upgrade)

    # Handled in main() before parsing, so `coach score` never pays for importing Flask.
    sub.add_parser(
        "users",
        help="web app accounts: add NAME [--role trainee|trainer] [--password-stdin] "
        "| passwd NAME | list",
    )

    p = sub.add_parser(
        "demo-data", help="fill the database with realistic demo sessions (real scorer)"
    )
    p.add_argument("--sessions", type=int, default=200, help="how many sessions (default 200)")
    p.add_argument("--seed", type=int, default=7, help="random seed (default 7)")
    p.set_defaults(func=_cmd_demo_data)

    p = sub.add_parser(
        "serve", help="start the web app, the action server and Rasa (what `make run` does)"
    )
    p.add_argument("--shell", action="store_true", help="play in the terminal (rasa shell)")
    p.set_defaults(func=_cmd_serve)

    p = sub.add_parser(
        "web", help="only the web app (one process of a cluster, or on a machine of its own)"
    )
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (127.0.0.1)")
    p.add_argument("--port", type=int, default=8000, help="port (8000)")
    p.add_argument("--rasa-webhook", help="Rasa's REST webhook (default COACH_RASA_WEBHOOK)")
    p.set_defaults(func=_cmd_web)

    p = sub.add_parser(
        "cluster",
        help="PostgreSQL + Redis lock store + 2 Rasa, 2 action servers, 2 web apps behind "
        "nginx (what `make run-cluster` does)",
    )
    p.set_defaults(func=_cmd_cluster)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["users"]:
        from coach.web.accounts import add_user_cli

        return add_user_cli(argv[1:])
    args = build_parser().parse_args(argv)
    return int(args.func(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
