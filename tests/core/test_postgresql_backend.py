"""The health check of a kept connection (apps.core.postgresql): no round trip for a
connection a request used a moment ago and that is quiet; Django's check for any other, so a
connection the server has ended, or one idle long enough to have been dropped, is replaced."""

import time

import pytest
from django.db import connection, connections
from django.db.backends.postgresql import base as django_postgresql

from apps.core.postgresql.base import RECENT_SECONDS, _idle_and_quiet

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's backend"),
]


def _connected():
    """A connection of its own, outside the test's transaction, as a web worker keeps one."""
    wrapper = connections.create_connection("default")
    wrapper.ensure_connection()
    return wrapper


@pytest.fixture
def own_connection():
    wrapper = _connected()
    yield wrapper
    wrapper.close()


@pytest.fixture
def round_trips(monkeypatch) -> list:
    """Each time Django's own check (SELECT 1) runs."""
    calls = []
    original = django_postgresql.DatabaseWrapper.is_usable

    def counted(self):
        calls.append(self)
        return original(self)

    monkeypatch.setattr(django_postgresql.DatabaseWrapper, "is_usable", counted)
    return calls


def _request_used(wrapper) -> None:
    """A request that used the connection ends, as close_old_connections() sees it."""
    with wrapper.cursor() as cursor:
        cursor.execute("SELECT 1")
    wrapper.close_if_unusable_or_obsolete()


def _new_request(wrapper) -> None:
    wrapper.close_if_unusable_or_obsolete()  # as request_started does


def test_a_connection_used_a_moment_ago_and_quiet_needs_no_select_1(own_connection, round_trips):
    _request_used(own_connection)
    round_trips.clear()
    _new_request(own_connection)
    with own_connection.cursor() as cursor:
        cursor.execute("SELECT 2")
        assert cursor.fetchone() == (2,)
    assert round_trips == []
    assert own_connection.health_check_done


def test_a_connection_idle_for_longer_gets_djangos_check(own_connection, round_trips):
    _request_used(own_connection)
    own_connection.used_at -= RECENT_SECONDS  # a firewall may have dropped it meanwhile
    round_trips.clear()
    _new_request(own_connection)
    with own_connection.cursor() as cursor:
        cursor.execute("SELECT 2")
    assert len(round_trips) == 1


def test_a_new_connection_gets_djangos_check(own_connection, round_trips):
    own_connection.health_check_done = False  # never served a request: no used_at
    with own_connection.cursor() as cursor:
        cursor.execute("SELECT 2")
    assert len(round_trips) == 1


def test_a_connection_the_server_ended_is_replaced_before_the_request_uses_it(
    own_connection, round_trips
):
    _request_used(own_connection)
    ended = own_connection.connection.info.backend_pid
    operator = _connected()  # as a restart or an operator would end it
    try:
        with operator.cursor() as cursor:
            cursor.execute("RESET ROLE")  # the tests' owner, not the application's role
            cursor.execute("SELECT pg_terminate_backend(%s)", [ended])
    finally:
        operator.close()
    for _ in range(200):  # the server's farewell arrives within milliseconds
        if not _idle_and_quiet(own_connection.connection):
            break
        time.sleep(0.01)

    round_trips.clear()
    _new_request(own_connection)
    with own_connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        (now,) = cursor.fetchone()
    assert len(round_trips) == 1  # the socket had something to say: Django's check ran
    assert now != ended  # and the request got a new connection instead of an error


def test_inside_a_transaction_django_checks_as_it_always_did(own_connection, round_trips):
    _request_used(own_connection)
    own_connection.set_autocommit(False)
    with own_connection.cursor() as cursor:
        cursor.execute("SELECT 1")  # a transaction is open: not idle, so not judged quiet
    round_trips.clear()
    own_connection.health_check_done = False
    with own_connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    assert len(round_trips) == 1
    own_connection.rollback()
    own_connection.set_autocommit(True)
