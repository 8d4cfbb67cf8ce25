"""Rate-limit and lockout counters: fixed windows, counted in one statement, shared by processes."""

import pytest
from django.db import connections, router

from apps.core import ratelimit
from apps.core.models import Counter

pytestmark = pytest.mark.django_db


@pytest.fixture
def clock(monkeypatch):
    """The counters' notion of now, moved by hand."""
    now = {"t": 1_800_000_000.0}
    monkeypatch.setattr(ratelimit.time, "time", lambda: now["t"])
    return now


def test_it_counts_hits_within_a_window(clock):
    assert [ratelimit.hit("test:a", window=60) for _ in range(3)] == [1, 2, 3]
    assert ratelimit.count("test:a") == 3


def test_the_window_runs_from_its_first_hit_and_more_hits_do_not_stretch_it(clock):
    ratelimit.hit("test:a", window=60)
    clock["t"] += 59
    assert ratelimit.hit_window("test:a", window=60) == (2, 1.0)
    clock["t"] += 1
    assert ratelimit.count("test:a") == 0  # the window is over
    assert ratelimit.hit_window("test:a", window=60) == (1, 60.0)  # a new one starts


def test_counters_are_independent_and_can_be_reset(clock):
    ratelimit.hit("test:a", window=60)
    ratelimit.hit("test:b", window=60)
    ratelimit.reset("test:a")
    assert (ratelimit.count("test:a"), ratelimit.count("test:b")) == (0, 1)


def test_many_keys_never_push_a_live_counter_out(clock, monkeypatch):
    """The database cache culled a third of its keys past 300, counters included: a flood of
    addresses could erase a lockout. Only expired rows are ever deleted."""
    ratelimit.hit("test:victim", window=3600)
    for i in range(400):
        ratelimit.hit(f"test:flood:{i}", window=1)
    clock["t"] += 2
    monkeypatch.setattr(ratelimit.random, "randrange", lambda n: 0)  # this hit purges
    ratelimit.hit("test:other", window=60)
    assert ratelimit.count("test:victim") == 1
    alias = router.db_for_read(Counter)
    assert not Counter.objects.using(alias).filter(key__startswith="test:flood:").exists()


def test_a_hit_is_one_statement(clock, monkeypatch):
    from django.test.utils import CaptureQueriesContext

    monkeypatch.setattr(ratelimit.random, "randrange", lambda n: 1)  # no purge this time
    alias = router.db_for_write(Counter)
    ratelimit.hit("test:a", window=60)  # the connection is open
    with CaptureQueriesContext(connections[alias]) as context:
        ratelimit.hit("test:a", window=60)
    assert len([q for q in context.captured_queries if "core_counter" in q["sql"]]) == 1
