"""Scale-out shape: two web instances and two Celery workers share one PostgreSQL and one Redis.

Web processes keep no state of their own (sessions and lockout counters live in the database),
and the outbox claims each row with SELECT ... FOR UPDATE SKIP LOCKED, so two workers that sweep
at the same time still deliver every message exactly once.
"""

import re

import pytest

from tests.faults.conftest import poll
from tests.faults.web import WebUser

pytestmark = [pytest.mark.faults, pytest.mark.xdist_group("faults")]

LOCKED_OUT = "Too many failed attempts"


def test_a_session_started_on_one_instance_works_on_the_other(fresh_stack):
    people = fresh_stack.seed(slug="acme")
    web1, web2 = fresh_stack.urls["web1"], fresh_stack.urls["web2"]
    riley = WebUser(web1)

    assert riley.login(people["rep"], people["password"]).status_code == 302

    home = riley.get("/acme/", base_url=web2, allow_redirects=False)
    assert home.status_code == 200
    assert "Riley Rep" in home.text
    # The outsider's organisation stays invisible from either instance.
    assert riley.get("/acme-outsider/", base_url=web2).status_code == 404
    # Logging out on the second instance ends the session on the first one too.
    logout = riley.submit("/acme/", {}, base_url=web2, action="/accounts/logout/")
    assert logout.status_code == 302
    after = riley.get("/acme/", base_url=web1, allow_redirects=False)
    assert after.status_code == 302
    assert "/accounts/login/" in after.headers["Location"]


def test_the_login_lockout_holds_across_both_instances(fresh_stack):
    people = fresh_stack.seed(slug="acme")
    web1, web2 = fresh_stack.urls["web1"], fresh_stack.urls["web2"]
    attacker = WebUser(web1)
    # LOGIN_FAILURE_LIMIT=3 in the stack's environment: three failures, alternating instances.
    for base_url in (web1, web2, web1):
        failed = attacker.login(people["rep"], "not-the-password", base_url=base_url)
        assert failed.status_code == 200
        assert LOCKED_OUT not in failed.text

    # Even the right password is refused now, on the instance that saw only one failure.
    refused = WebUser(web2).login(people["rep"], people["password"])
    assert refused.status_code == 200
    assert LOCKED_OUT in refused.text
    # Another account is not locked out by it.
    assert WebUser(web1).login(people["admin"], people["password"]).status_code == 302


def test_both_workers_sweep_yet_each_message_arrives_exactly_once(fresh_stack):
    people = fresh_stack.seed(slug="acme", support_people=10)
    web1, web2 = fresh_stack.urls["web1"], fresh_stack.urls["web2"]
    fresh_stack.smtp.delay = 0.03  # keeps deliveries in flight while the sweeps run
    riley = WebUser(web1)
    assert riley.login(people["rep"], people["password"]).status_code == 302

    kudos_sent = 5
    for number in range(kudos_sent):
        base_url = (web1, web2)[number % 2]
        response = riley.submit(
            "/acme/kudos/new/",
            {
                "recipients": people["helper_ids"],
                "message": f"Thank you all for the Acme rollout, part {number}",
                "visibility": "organization",
            },
            base_url=base_url,
        )
        assert response.status_code == 302, response.text[:2000]
        # Beat's sweep, while the first dispatches are still being delivered: both workers
        # then go through the same pending rows.
        fresh_stack.send_task("notifications.outbox_sweep")

    written = fresh_stack.outbox()
    assert len(written) == kudos_sent * len(people["helper_ids"])

    fresh_stack.wait_until_every_email_is_sent(what="every outbox row to be sent")
    # One more sweep by each worker after everything was sent must send nothing again.
    flushes_before = _flushes(fresh_stack)
    fresh_stack.send_task("notifications.outbox_sweep")
    fresh_stack.send_task("notifications.outbox_sweep")
    # Each sweep fans out one flush per organisation (acme and its outsider).
    poll(
        lambda: _flushes(fresh_stack) >= flushes_before + 4,
        timeout=60,
        what="the last sweeps' flushes",
    )

    received = fresh_stack.smtp.message_ids()
    assert set(received) == {message_id for message_id, _, _ in written}
    assert max(received.values()) == 1, "a message was delivered twice"
    # Both workers really took part.
    for worker in ("worker1", "worker2"):
        assert "notifications.deliver_email" in fresh_stack.output(worker)
        assert "notifications.outbox_flush" in fresh_stack.output(worker)
    # Every helper got each kudos once, and the outsider nothing.
    recipients = sorted(to for item in fresh_stack.smtp.snapshot() for to in item.to)
    assert recipients == sorted(people["helper_emails"] * kudos_sent)


FLUSH_DONE = re.compile(r"Task notifications\.outbox_flush\[[^\]]+\] succeeded")


def _flushes(stack) -> int:
    return sum(len(FLUSH_DONE.findall(stack.output(worker))) for worker in ("worker1", "worker2"))
