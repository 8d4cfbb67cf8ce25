"""PostgreSQL restarted while people use the site: a styled 503, recovery by itself, no half rows.

An immediate shutdown kills the connections of requests in flight; until the server is back,
new connections are refused. Either way the page is our "Back in a moment" page with status 503.
Persistent connections are health-checked (CONN_HEALTH_CHECKS), so the web processes reconnect
without a restart. Each kudos and everything it causes is one transaction: all or nothing.
"""

import threading
import time
from dataclasses import dataclass, field

import pytest
import requests

from tests.faults.conftest import WEB_INSTANCES, poll
from tests.faults.web import TIMEOUT, WebUser, hidden_fields

pytestmark = [pytest.mark.faults, pytest.mark.xdist_group("faults")]

STYLED_503 = "Back in a moment"


@dataclass
class Outcome:
    method: str
    status: int
    message: str = ""
    body: str = ""


@dataclass
class LoadClient:
    """One person sending kudos over and over, on one web instance."""

    name: str
    user: WebUser
    recipients: list[int]
    outcomes: list[Outcome] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def run(self, stop: threading.Event) -> None:
        number = 0
        while not stop.is_set():
            number += 1
            message = f"Load test kudos {self.name} #{number}"
            try:
                page = self.user.get("/acme/kudos/new/")
                self._record("GET", page)
                if page.status_code != 200:
                    time.sleep(0.2)
                    continue
                response = self.user.session.post(
                    self.user.base_url + "/acme/kudos/new/",
                    data={
                        **hidden_fields(page.text),
                        "recipients": self.recipients,
                        "message": message,
                        "visibility": "organization",
                    },
                    allow_redirects=False,
                    timeout=TIMEOUT,
                )
                self._record("POST", response, message)
            except requests.RequestException as error:
                self.errors.append(repr(error))
                time.sleep(0.2)

    def _record(self, method: str, response: requests.Response, message: str = "") -> None:
        body = response.text if response.status_code >= 500 else ""
        self.outcomes.append(Outcome(method, response.status_code, message, body))

    def sent(self, since: int = 0) -> list[str]:
        return [o.message for o in self.outcomes[since:] if o.method == "POST" and o.status == 302]


def test_a_database_restart_under_load_shows_503_then_recovers_with_nothing_half_written(
    fresh_stack,
):
    people = fresh_stack.seed(slug="acme", support_people=3)
    web_pids = {name: fresh_stack.processes[name][0].pid for name in WEB_INSTANCES}
    clients = []
    for number, base_url in enumerate(
        [fresh_stack.urls["web1"], fresh_stack.urls["web2"], fresh_stack.urls["web1"]]
    ):
        user = WebUser(base_url)
        login_as = (people["rep"], people["admin"], people["support_manager"])[number]
        assert user.login(login_as, people["password"]).status_code == 302
        clients.append(LoadClient(f"client{number}", user, people["helper_ids"][:2]))
    stop = threading.Event()
    threads = [threading.Thread(target=client.run, args=(stop,), daemon=True) for client in clients]
    for thread in threads:
        thread.start()
    try:
        poll(
            lambda: all(len(client.sent()) >= 2 for client in clients),
            timeout=90,
            what="kudos to flow before the restart",
        )
        fresh_stack.postgres.stop("immediate")

        def unavailable_pages() -> int:
            return sum(o.status == 503 for client in clients for o in client.outcomes)

        poll(lambda: unavailable_pages() >= 3, timeout=60, what="503 pages while it is down")
        fresh_stack.postgres.start()
        marks = [len(client.outcomes) for client in clients]
        poll(
            lambda: all(client.sent(mark) for client, mark in zip(clients, marks, strict=True)),
            timeout=90,
            what="every client to send kudos again after the restart",
        )
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=60)

    outcomes = [o for client in clients for o in client.outcomes]
    assert [error for client in clients for error in client.errors] == []
    assert {o.status for o in outcomes} <= {200, 302, 503}, [
        (o.status, o.body[:1500]) for o in outcomes if o.status not in (200, 302, 503)
    ]
    unavailable = [o for o in outcomes if o.status == 503]
    assert unavailable
    for outcome in unavailable:
        assert STYLED_503 in outcome.body
        assert "Traceback" not in outcome.body
    # Recovered by themselves: the same web processes, still running.
    for name, pid in web_pids.items():
        process = fresh_stack.processes[name][0]
        assert process.pid == pid
        assert process.poll() is None

    # Every kudos the site confirmed is there; nothing is half-written.
    confirmed = {message for client in clients for message in client.sent()}
    stored = {row[0] for row in fresh_stack.sql("SELECT message FROM recognition_kudos")}
    assert confirmed <= stored
    assert (
        fresh_stack.sql(
            "SELECT k.id FROM recognition_kudos k WHERE NOT EXISTS "
            "(SELECT 1 FROM recognition_kudosrecipient r WHERE r.kudos_id = k.id)"
        )
        == []
    )
    [(links, emails, notices)] = fresh_stack.sql(
        "SELECT (SELECT count(*) FROM recognition_kudosrecipient),"
        " (SELECT count(*) FROM notifications_outboundemail WHERE category = 'kudos'),"
        " (SELECT count(*) FROM notifications_notification WHERE category = 'kudos')"
    )
    assert links == emails == notices == 2 * len(stored)
    # All of it in the load's organisation: none in the outsider's.
    assert fresh_stack.sql(
        "SELECT DISTINCT o.slug FROM recognition_kudos k "
        "JOIN tenancy_organization o ON o.id = k.organization_id"
    ) == [("acme",)]
