"""Brute-force counters survive the rollback of the request that counted them.

A request's writes run inside its tenant transaction, and a 5xx rolls it back. The lockout and
rate-limit counters live in the database (table `core_counter`); on the request's own connection
they were rolled back too, so a client that made its requests fail was never limited. They now go
through a connection of their own (apps/core/routers.py): still the database, so they keep
working when Redis is down.
"""

import pytest
from django.conf import settings
from django.db import connection, connections, router, transaction
from django.test import Client
from django.urls import reverse

from apps.accounts.apis import MeApi
from apps.core import ratelimit
from apps.core.api.throttling import MembershipRateThrottle
from apps.core.models import Counter
from apps.core.routers import COUNTERS
from apps.recognition.nomination_services import link_token, nomination_link_create
from apps.recognition.views import nomination_public
from apps.tenancy.models import Team
from salesculture.celery import app as celery_app
from tests.factories import MembershipFactory, TeamFactory

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(
        COUNTERS not in settings.DATABASES, reason="PostgreSQL only (SQLite keeps one connection)"
    ),
]


def test_a_counter_survives_the_rollback_of_the_transaction_that_counted_it(org):
    with transaction.atomic():
        assert ratelimit.hit("test:rollback", window=60) == 1
        transaction.set_rollback(True)
    assert ratelimit.count("test:rollback") == 1
    assert ratelimit.hit("test:rollback", window=60) == 2


def test_the_counters_connection_is_the_same_database_as_the_restricted_role(org):
    counters = connections[COUNTERS]
    assert counters.settings_dict["NAME"] == connection.settings_dict["NAME"]
    with counters.cursor() as cursor:
        cursor.execute("SELECT current_user")
        assert cursor.fetchone()[0] == "app_rw"  # no more rights than the application
    assert router.db_for_write(Counter) == COUNTERS


def test_counters_work_with_the_broker_down(org, monkeypatch):
    monkeypatch.setattr(celery_app.conf, "broker_url", "redis://127.0.0.1:1/0")
    ratelimit.hit("test:no-redis", window=60)
    assert ratelimit.count("test:no-redis") == 1


@pytest.fixture
def failing_api(monkeypatch):
    """/api/v1/me/ writes a row, then fails: the tenant middleware rolls the request back."""

    def get(self, request):
        TeamFactory(name="Written by the failed request")
        raise RuntimeError("the view failed")

    monkeypatch.setattr(MeApi, "get", get)


def test_an_api_call_that_fails_still_counts_against_the_rate_limit(
    org, outsider, api_client_for, failing_api, monkeypatch
):
    monkeypatch.setattr(MembershipRateThrottle, "THROTTLE_RATES", {"membership": "2/min"})
    member = MembershipFactory()
    client = api_client_for(member)
    client.raise_request_exception = False
    assert [client.get("/api/v1/me/").status_code for _ in range(3)] == [500, 500, 429]
    assert not Team.objects.filter(name="Written by the failed request").exists()  # rolled back
    # Another organisation's member with the same limit is not held back by it.
    other = api_client_for(outsider)
    other.raise_request_exception = False
    assert other.get("/api/v1/me/").status_code == 500


def test_a_public_nomination_that_fails_still_counts_against_its_limits(org, monkeypatch):
    link = nomination_link_create(creator=MembershipFactory(), label="Acme")
    helper = MembershipFactory(role="support")

    def submit(**kwargs):
        TeamFactory(name="Written by the failed submission")
        raise RuntimeError("the submission failed")

    monkeypatch.setattr(nomination_public, "nomination_submit", submit)
    client = Client(REMOTE_ADDR="203.0.113.50", raise_request_exception=False)
    response = client.post(
        reverse("nomination_form", kwargs={"token": link_token(link)}),
        {"nominee": helper.pk, "helper_description": "", "story": "Casey rebooked the truck.",
         "customer_role": "buyer", "consent": "on", "website": ""},
    )  # fmt: skip
    assert response.status_code == 500
    assert not Team.objects.filter(name="Written by the failed submission").exists()
    assert ratelimit.count(f"nominate:org{org.pk}:link{link.pk}") == 1
    client_keys = [key for key in _keys() if key.startswith("nominate:client:")]
    assert len(client_keys) == 1
    assert ratelimit.count(client_keys[0]) == 1


def _keys() -> list[str]:
    with connections[COUNTERS].cursor() as cursor:
        cursor.execute("SELECT key FROM core_counter")
        return [key for (key,) in cursor.fetchall()]
