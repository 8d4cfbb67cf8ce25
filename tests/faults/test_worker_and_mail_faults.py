"""A worker killed mid-delivery and a mail server that goes away: at least once, never lost.

A row is marked sent only in the transaction that holds its lock, after the mail server accepted
the message; SIGKILL rolls that transaction back, so the row is delivered again later, with the
same Message-ID. A refused connection records the attempt and backs off.
"""

import re
import signal

import pytest

from tests.faults.conftest import WORKERS, poll
from tests.faults.web import WebUser

pytestmark = [pytest.mark.faults, pytest.mark.xdist_group("faults")]


def _unfinished(log: str) -> set[str]:
    """Tasks the worker's log shows as received but not yet finished."""
    received = set(re.findall(r"Task notifications\.\w+\[([0-9a-f-]+)\] received", log))
    finished = re.findall(r"Task notifications\.\w+\[([0-9a-f-]+)\] (?:succeeded|retry)", log)
    return received - set(finished)


def test_a_killed_worker_and_a_restarted_mail_server_lose_no_email(fresh_stack):
    people = fresh_stack.seed(slug="acme", support_people=10)
    # A worker spends nearly all its time inside a delivery, so the one found busy is still
    # busy when the kill lands a few milliseconds later (at 0.15 s a delivery sometimes ended
    # in between, and the test failed for want of a victim, not of an e-mail).
    fresh_stack.smtp.delay = 1.0
    riley = WebUser(fresh_stack.urls["web1"])
    assert riley.login(people["rep"], people["password"]).status_code == 302
    kudos_sent = 4
    for number in range(kudos_sent):
        response = riley.submit(
            "/acme/kudos/new/",
            {
                "recipients": people["helper_ids"],
                "message": f"Thanks for the weekend shift, round {number}",
                "visibility": "organization",
            },
        )
        assert response.status_code == 302
    written = fresh_stack.outbox()
    assert len(written) == kudos_sent * len(people["helper_ids"])

    # Beat's sweep as well as the first dispatches: both workers go through the rows.
    fresh_stack.send_task("notifications.outbox_sweep")
    fresh_stack.send_task("notifications.outbox_sweep")

    def a_worker_in_the_middle_of_a_delivery():
        if len(fresh_stack.smtp.snapshot()) < 5:
            return None
        return next((w for w in WORKERS if _unfinished(fresh_stack.output(w))), None)

    victim = poll(a_worker_in_the_middle_of_a_delivery, timeout=90, what="deliveries to run")
    fresh_stack.kill(victim, signal.SIGKILL)
    assert _unfinished(fresh_stack.output(victim)), f"{victim} was idle when it was killed"

    fresh_stack.smtp.stop()

    def a_refused_delivery_was_recorded():
        return fresh_stack.sql(
            "SELECT count(*) FROM notifications_outboundemail "
            "WHERE status = 'pending' AND last_error <> ''"
        )[0][0]

    poll(a_refused_delivery_was_recorded, timeout=60, what="a delivery to fail without SMTP")
    assert {status for _, status, _ in fresh_stack.outbox()} != {"sent"}

    fresh_stack.smtp.start()
    fresh_stack.smtp.delay = 0.0
    # The backoff after a refused delivery is a minute (retry_delay): let that minute pass for
    # the waiting rows rather than sleeping through it.
    fresh_stack.sql(
        "UPDATE notifications_outboundemail SET next_attempt_at = now() WHERE status = 'pending'"
    )
    fresh_stack.ensure_processes()  # the supervisor restarts the killed worker
    fresh_stack.send_task("notifications.outbox_sweep")
    fresh_stack.send_task("notifications.outbox_sweep")
    fresh_stack.wait_until_every_email_is_sent(what="every e-mail to be delivered after the faults")

    received = fresh_stack.smtp.snapshot()
    assert {item.message_id for item in received} == {message_id for message_id, _, _ in written}
    # A duplicate can only be a resend of one row: same Message-ID, same recipient and subject.
    by_message_id = {}
    for item in received:
        by_message_id.setdefault(item.message_id, set()).add((item.to, item.subject))
    assert all(len(variants) == 1 for variants in by_message_id.values())
    expected = {message_id: (to,) for message_id, _, to in written}
    assert {mid: next(iter(v))[0] for mid, v in by_message_id.items()} == expected
