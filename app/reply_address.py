"""Per-ticket reply addresses: support+<number>-<HMAC>@… that only we can mint.

Replies reach the right ticket even when a client or another system drops
In-Reply-To and References (pain point: ServiceNow, Jira). The HMAC keeps
strangers from guessing another ticket's address; it is keyed on SECRET_KEY,
so rotating the key retires old addresses (threading then falls back to
Message-IDs and the subject reference).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re

from flask import current_app

_TOKEN = re.compile(r"(\d{1,9})-([a-z2-7]{12})")


def _mac(ticket_id: int) -> str:
    key = str(current_app.config["SECRET_KEY"]).encode()
    digest = hmac.new(key, f"reply-address:{ticket_id}".encode(), hashlib.sha256).digest()
    return base64.b32encode(digest).decode().lower()[:12]


def token_for(ticket_id: int) -> str:
    return f"{ticket_id}-{_mac(ticket_id)}"


def address_for(ticket_id: int) -> str:
    """Return the reply address of a ticket on our primary intake address."""
    local, _, domain = current_app.config["INTAKE_ADDRESSES"][0].partition("@")
    return f"{local}+{token_for(ticket_id)}@{domain}"


def ticket_ids_in(recipients: list[str]) -> list[int]:
    """Return the ticket numbers of valid reply addresses among the recipients."""
    ours = {a.split("@")[0]: a.split("@")[1] for a in current_app.config["INTAKE_ADDRESSES"]}
    found = []
    for address in recipients:
        local, _, domain = address.lower().strip("<> ").partition("@")
        base, _, token = local.partition("+")
        match = _TOKEN.fullmatch(token)
        if match and ours.get(base) == domain and hmac.compare_digest(
                match.group(2), _mac(int(match.group(1)))):
            found.append(int(match.group(1)))
    return found
