"""Accounts: who may sign in to the web app, with which role.

Passwords are stored only as werkzeug hashes (scrypt). Usernames are case-insensitive
(stored lower case) and are also the trainee name the bot stores sessions under, so
they are kept to a plain, printable alphabet.

``coach users add USERNAME --role trainee|trainer`` is :func:`add_user_cli`.
"""

from __future__ import annotations

import argparse
import getpass
import re
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from coach.storage.db import StorageUnavailable, ensure_schema, session_scope
from coach.web.models import ROLES, User

USERNAME_RE = re.compile(r"^[a-z0-9][a-z0-9._-]{1,39}$")
MIN_PASSWORD = 8
MAX_PASSWORD = 200
# Checked against when a username is unknown, so a wrong name costs the same time as a
# wrong password (no telling which usernames exist from the response time).
_DUMMY_HASH = generate_password_hash("not-a-real-password-0123456789")

__all__ = [
    "ROLES",
    "AccountError",
    "Account",
    "DuplicateUser",
    "add_user_cli",
    "authenticate",
    "create_user",
    "get_user",
    "get_user_by_name",
    "list_users",
    "normalise_username",
    "set_password",
]


class AccountError(ValueError):
    """A username, password or role that cannot be used; the message says why."""


class DuplicateUser(AccountError):
    """The username is taken."""


@dataclass(frozen=True)
class Account:
    """A user as the rest of the app sees it (never carries the password hash out)."""

    id: int
    username: str
    role: str
    created_at: datetime
    password_stamp: str  # changes when the password does; signs the session cookie's login

    @property
    def is_trainer(self) -> bool:
        return self.role == "trainer"


def _account(row: User) -> Account:
    return Account(
        id=row.id,
        username=row.username,
        role=row.role,
        created_at=row.created_at,
        password_stamp=row.password_hash[-16:],
    )


def normalise_username(username: str) -> str:
    return (username or "").strip().lower()


def _check_username(username: str) -> str:
    name = normalise_username(username)
    if not USERNAME_RE.match(name):
        raise AccountError(
            "username must be 2-40 characters: letters, digits, '.', '_' or '-', "
            "starting with a letter or digit"
        )
    return name


def _check_password(password: str) -> None:
    if not isinstance(password, str) or len(password) < MIN_PASSWORD:
        raise AccountError(f"password must be at least {MIN_PASSWORD} characters")
    if len(password) > MAX_PASSWORD:
        raise AccountError(f"password must be at most {MAX_PASSWORD} characters")


def _check_role(role: str) -> str:
    if role not in ROLES:
        raise AccountError(f"role must be one of {', '.join(ROLES)}, got {role!r}")
    return role


def create_user(
    username: str, password: str, role: str = "trainee", *, url: str | None = None
) -> Account:
    """Store a new account; raises :class:`AccountError` / :class:`DuplicateUser`."""
    name = _check_username(username)
    _check_password(password)
    _check_role(role)
    ensure_schema(url)
    try:
        with session_scope(url) as s:
            row = User(username=name, password_hash=generate_password_hash(password), role=role)
            s.add(row)
            s.flush()
            return _account(row)
    except IntegrityError as e:
        raise DuplicateUser(f"user {name!r} already exists") from e


def _user_named(s: Session, name: str) -> User | None:
    return s.execute(select(User).where(User.username == name)).scalar_one_or_none()


def _existing_user(s: Session, name: str) -> User:
    row = _user_named(s, name)
    if row is None:
        raise AccountError(f"no user {name!r}")
    return row


def set_password(username: str, password: str, *, url: str | None = None) -> Account:
    name = normalise_username(username)
    _check_password(password)
    ensure_schema(url)
    with session_scope(url) as s:
        row = _existing_user(s, name)
        row.password_hash = generate_password_hash(password)
        s.flush()
        return _account(row)


def set_role(username: str, role: str, *, url: str | None = None) -> Account:
    name = normalise_username(username)
    _check_role(role)
    ensure_schema(url)
    with session_scope(url) as s:
        row = _existing_user(s, name)
        row.role = role
        s.flush()
        return _account(row)


def authenticate(username: str, password: str, *, url: str | None = None) -> Account | None:
    """The account if the password matches, else None (same cost either way)."""
    name = normalise_username(username)
    ensure_schema(url)
    with session_scope(url, readonly=True) as s:
        row = _user_named(s, name)
        stored = row.password_hash if row is not None else _DUMMY_HASH
        ok = check_password_hash(stored, password or "")
        return _account(row) if (row is not None and ok) else None


def get_user(user_id: int, *, url: str | None = None) -> Account | None:
    ensure_schema(url)
    with session_scope(url, readonly=True) as s:
        row = s.get(User, user_id)
        return None if row is None else _account(row)


def get_user_by_name(username: str, *, url: str | None = None) -> Account | None:
    ensure_schema(url)
    with session_scope(url, readonly=True) as s:
        row = s.execute(
            select(User).where(User.username == normalise_username(username))
        ).scalar_one_or_none()
        return None if row is None else _account(row)


def list_users(*, url: str | None = None) -> list[Account]:
    ensure_schema(url)
    with session_scope(url, readonly=True) as s:
        return [_account(r) for r in s.execute(select(User).order_by(User.username)).scalars()]


# --------------------------------------------------------------------------- CLI


def _read_password(from_stdin: bool, stdin=None) -> str:
    if from_stdin:
        line = (stdin or sys.stdin).readline()
        return line.rstrip("\r\n")
    first = getpass.getpass("Password: ")
    second = getpass.getpass("Repeat password: ")
    if first != second:
        raise AccountError("the two passwords differ")
    return first


def build_users_parser(parser: argparse.ArgumentParser | None = None) -> argparse.ArgumentParser:
    """`coach users add ...` (also usable as a subparser of the `coach` command)."""
    parser = parser or argparse.ArgumentParser(prog="coach users", description="Web app accounts")
    sub = parser.add_subparsers(dest="users_command", required=True)
    add = sub.add_parser("add", help="create an account (asks for the password)")
    add.add_argument("username")
    add.add_argument("--role", choices=ROLES, default="trainee")
    add.add_argument(
        "--password-stdin",
        action="store_true",
        help="read the password from the first line of stdin instead of prompting",
    )
    add.set_defaults(users_func=_cmd_add)
    passwd = sub.add_parser("passwd", help="set a new password for an account")
    passwd.add_argument("username")
    passwd.add_argument("--password-stdin", action="store_true")
    passwd.set_defaults(users_func=_cmd_passwd)
    lst = sub.add_parser("list", help="one account per line: username and role")
    lst.set_defaults(users_func=_cmd_list)
    return parser


def _cmd_add(args: argparse.Namespace) -> int:
    password = _read_password(args.password_stdin)
    account = create_user(args.username, password, args.role)
    print(f"created {account.role} {account.username!r}")
    return 0


def _cmd_passwd(args: argparse.Namespace) -> int:
    password = _read_password(args.password_stdin)
    account = set_password(args.username, password)
    print(f"password changed for {account.username!r}")
    return 0


def _cmd_list(args: argparse.Namespace) -> int:
    for account in list_users():
        print(f"{account.username}\t{account.role}")
    return 0


def run_users_command(args: argparse.Namespace) -> int:
    """Run a parsed `users` command; errors are printed, not raised."""
    try:
        return int(args.users_func(args) or 0)
    except AccountError as exc:
        print(f"coach users: {exc}", file=sys.stderr)
        return 1
    except StorageUnavailable as exc:
        print(f"coach users: {exc}", file=sys.stderr)
        return 1
    except (EOFError, KeyboardInterrupt):
        print("coach users: cancelled", file=sys.stderr)
        return 1


def add_user_cli(argv: Sequence[str] | None = None) -> int:
    """`coach users ARGS...`: e.g. ``add ana --role trainee [--password-stdin]``.

    ``argv`` is what follows ``users`` on the command line. For convenience a bare
    ``USERNAME --role ...`` (without ``add``) is taken as ``add``.
    """
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] not in ("add", "passwd", "list", "-h", "--help"):
        argv = ["add", *argv]
    try:
        args = build_users_parser().parse_args(argv)
    except SystemExit as exc:  # --help, or a usage error argparse already printed
        return int(exc.code or 0) if not isinstance(exc.code, str) else 2
    return run_users_command(args)


if __name__ == "__main__":
    sys.exit(add_user_cli())
