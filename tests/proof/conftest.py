"""Shared by the proof tests: the API served in-process, and an organisation with one row of
everything next to an outsider's organisation with the same."""

from dataclasses import dataclass

import pytest
from django.core.signals import request_finished, request_started
from django.db import close_old_connections

from apps.accounts.tokens import api_token_create
from apps.core.api.throttling import MembershipRateThrottle
from apps.tenancy.context import tenant_context
from tests.factories import make_tenant_rows

# Path parameters that name a row, and the row of `make_tenant_rows` each one names.
ID_PARAMETERS = {
    "escalation_id": "dependency.escalation",
    "import_id": "dependency.callimport",
    "kudos_id": "recognition.kudos",
    "letter_id": "recognition.letter",
    "member_id": "tenancy.membership",
    "link_id": "recognition.nominationlink",
    "nomination_id": "recognition.nomination",
}


@pytest.fixture
def in_process(db, monkeypatch):
    """Requests through Django's real WSGI handler inside the test's transaction.

    The handler closes "old" database connections at the start and end of each request, which
    inside a test transaction would end it; Django's test client switches that off the same
    way. The rate limit is lifted: thousands of generated requests a minute are the point.
    """
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    monkeypatch.setattr(MembershipRateThrottle, "THROTTLE_RATES", {"membership": "1000000/min"})
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@dataclass
class World:
    ours: dict  # one row of every tenant model, keyed by model label
    theirs: dict  # the outsider organisation's rows (empty when a test needs none)
    admin_token: str
    rep_token: str

    def ids(self, rows: dict) -> dict[str, int]:
        return {name: rows[label].pk for name, label in ID_PARAMETERS.items()}


@pytest.fixture
def our_world(org, admin, in_process) -> World:
    ours = make_tenant_rows()
    rep = ours["dependency.escalation"].rep  # a rep with a manager and an escalation
    return World(
        ours=ours,
        theirs={},
        admin_token=api_token_create(membership=admin, name="Contract").secret,
        rep_token=api_token_create(membership=rep, name="Contract").secret,
    )


@pytest.fixture
def world(our_world, outsider) -> World:
    with tenant_context(outsider.organization_id):
        our_world.theirs = make_tenant_rows()
    return our_world
