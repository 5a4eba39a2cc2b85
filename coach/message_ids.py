"""The id a trainee message is stored under, so a message delivered twice is stored once.

Rasa gives every message it receives a fresh id, so a client that resends a message
after a timeout or a server failover would get it stored twice. A client may therefore
name its messages (REST metadata ``message_id``); the stored id is derived from that
name and the conversation, so one client can never collide with another's messages.
"""

from __future__ import annotations

import hashlib

CLIENT_PREFIX = "client:"


def client_message_key(sender: str, client_id: str) -> str:
    """The stored ``turns.message_id`` for a client-named message of one conversation."""
    digest = hashlib.sha256(f"{sender}\0{client_id.strip()}".encode()).hexdigest()
    return CLIENT_PREFIX + digest
