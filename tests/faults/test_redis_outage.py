"""Redis down: people keep sending kudos, letters and nominations; only the mail waits.

The outbox row is written with the change; the publish after commit fails quietly; once Redis is
back, the periodic sweep (injected here as beat would send it) has the workers deliver it all.
"""

import pytest
import requests

from tests.faults.conftest import poll
from tests.faults.web import WebUser

pytestmark = [pytest.mark.faults, pytest.mark.xdist_group("faults")]


def test_pages_keep_working_without_redis_and_every_email_follows_once_it_is_back(fresh_stack):
    people = fresh_stack.seed(slug="acme", support_people=3)
    web1, web2 = fresh_stack.urls["web1"], fresh_stack.urls["web2"]
    helpers = people["helper_ids"]

    fresh_stack.redis.stop()

    health = requests.get(web1 + "/health/", timeout=30)
    assert health.status_code == 503
    assert health.json()["checks"] == {"database": True, "broker": False}

    riley = WebUser(web1)
    assert riley.login(people["rep"], people["password"]).status_code == 302

    kudos = riley.submit(
        "/acme/kudos/new/",
        {
            "recipients": helpers,
            "message": "You rescued the Acme order",
            "visibility": "organization",
        },
    )
    assert kudos.status_code == 302, kudos.text[:2000]
    detail = riley.get(kudos.headers["Location"])
    assert detail.status_code == 200
    assert "Kudos sent to" in detail.text

    letter = riley.submit(
        "/acme/letters/new/",
        {"subjects": helpers, "body": "They saved the Acme account this week.", "action": "send"},
        base_url=web2,
    )
    assert letter.status_code == 302, letter.text[:2000]
    assert riley.get(letter.headers["Location"], base_url=web2).status_code == 200

    customer = WebUser(web2)  # no account
    nomination = customer.submit(
        f"/n/{people['link_token']}/",
        {
            "nominee": str(helpers[0]),
            "story": "Our delivery was stuck; they found another truck the same day.",
            "customer_role": "buyer",
            "customer_name": "Casey Customer",
            "customer_email": "casey@customer.test",
            "consent": "on",
        },
    )
    assert nomination.status_code == 302, nomination.text[:2000]
    assert nomination.headers["Location"].endswith("/thanks/")
    assert customer.get(nomination.headers["Location"]).status_code == 200

    written = fresh_stack.outbox()
    # Three kudos e-mails, one letter to the helpers' manager, the customer's confirmation.
    assert sorted(to for _, _, to in written) == sorted(
        [*people["helper_emails"], people["support_manager"], "casey@customer.test"]
    )
    assert {status for _, status, _ in written} == {"pending"}
    assert fresh_stack.smtp.snapshot() == []

    fresh_stack.redis.start()  # same port, empty: what was queued before is gone anyway
    poll(
        lambda: requests.get(web2 + "/health/", timeout=30).status_code == 200,
        timeout=60,
        what="/health/ to see the broker again",
    )
    # The workers reconnect by themselves and consume beat's next sweep, which finds the rows
    # whose publish failed (the web processes also pause publishing for a while after a
    # failure, BROKER_BACKOFF_SECONDS, so the sweep is what delivers them).
    fresh_stack.send_task("notifications.outbox_sweep")
    fresh_stack.wait_until_every_email_is_sent(what="every pending e-mail to be delivered")
    received = fresh_stack.smtp.message_ids()
    assert set(received) == {message_id for message_id, _, _ in written}
    assert max(received.values()) == 1
