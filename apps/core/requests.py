"""Small helpers about the HTTP request."""

import ipaddress

from django.http import HttpRequest


def client_ip(request: HttpRequest) -> str | None:
    """The client's address as the web server saw it.

    X-Forwarded-For is ignored on purpose: trusting it needs a known proxy in front, and an
    attacker could otherwise pick a fresh address for every login attempt.
    """
    raw = request.META.get("REMOTE_ADDR", "")
    try:
        return str(ipaddress.ip_address(raw))
    except ValueError:
        return None
