"""The report as pages, CSV and API: who sees what, and the same numbers everywhere."""

import csv
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from apps.dependency.models import Topic
from apps.dependency.services import escalation_log, escalation_record_outcome
from tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def team(org):
    manager = MembershipFactory(role="manager", user__full_name="Sam Manager")
    riley = MembershipFactory(role="rep", reports_to=manager, user__full_name="=Riley Rep")
    jo = MembershipFactory(role="rep", reports_to=manager, user__full_name="Jo Rep")
    topic = Topic.objects.create(name="Pricing")
    for rep in (riley, riley, jo):
        escalation = escalation_log(actor=manager, rep=rep, channel="call", urgency="routine",
                                    topic=topic)  # fmt: skip
        escalation_record_outcome(escalation=escalation, actor=manager, outcome="solved_alone")
    return {"manager": manager, "riley": riley, "jo": jo, "topic": topic}


def url(name, org, **kwargs):
    return reverse(name, kwargs={"org_slug": org.slug, **kwargs})


def test_a_manager_reads_the_team_report(team, org, client_for):
    page = client_for(team["manager"]).get(url("dependency_report", org))
    assert page.status_code == 200
    body = page.content.decode()
    assert "Jo Rep" in body
    assert "Riley Rep" in body
    assert "Weekly trend" in body


def test_a_rep_sees_their_own_numbers_first(team, org, client_for):
    page = client_for(team["jo"]).get(url("dependency_report", org)).content.decode()
    assert "This month you solved 1 of 1 on your own." in page
    assert "Riley" not in page


def test_a_rep_cannot_read_a_colleagues_numbers(team, org, client_for):
    path = url("dependency_rep_report", org, member_id=team["riley"].pk)
    assert client_for(team["jo"]).get(path).status_code == 403
    assert client_for(team["manager"]).get(path).status_code == 200


def test_support_staff_have_no_report(org, client_for):
    support = MembershipFactory(role="support")
    assert client_for(support).get(url("dependency_report", org)).status_code == 403


def test_the_csv_has_the_same_numbers_and_neutralises_formulas(team, org, client_for):
    response = client_for(team["manager"]).get(url("dependency_report_csv", org))
    assert response.status_code == 200
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    by_rep = {row["rep"]: row for row in rows}
    assert by_rep["'=Riley Rep"]["escalations"] == "2"
    assert by_rep["Jo Rep"]["self_resolution_rate"] == "1.0"
    assert by_rep["All reps"]["escalations"] == "3"


def test_the_api_gives_the_same_numbers(team, api_client_for):
    response = api_client_for(team["manager"]).get("/api/v1/reports/dependency/")
    assert response.status_code == 200
    data = response.json()
    assert data["totals"]["escalations"] == 3
    assert {rep["name"]: rep["figures"]["escalations"] for rep in data["reps"]} == {
        "=Riley Rep": 2,
        "Jo Rep": 1,
    }
    assert "self_resolution_rate" in data["definitions"]
    bad = api_client_for(team["manager"]).get(
        "/api/v1/reports/dependency/", {"start": "2026-12-01", "end": "2026-01-01"}
    )
    assert bad.status_code == 400
    support = MembershipFactory(role="support")
    assert api_client_for(support).get("/api/v1/reports/dependency/").status_code == 403


def test_bad_dates_are_a_clear_message(team, org, client_for):
    page = client_for(team["manager"]).get(
        url("dependency_report", org), {"start": "2026-12-01", "end": "2026-01-01"}
    )
    assert page.status_code == 200
    assert "start must be before the end" in page.content.decode()


def test_the_report_page_costs_the_same_queries_with_more_data(team, org, client_for):
    client = client_for(team["manager"])

    def count():
        with CaptureQueriesContext(connection) as context:
            assert client.get(url("dependency_report", org)).status_code == 200
        return len(context.captured_queries)

    small = count()
    for _ in range(3):
        extra = MembershipFactory(role="rep", reports_to=team["manager"])
        escalation_log(actor=team["manager"], rep=extra, channel="call", urgency="urgent",
                       occurred_at=timezone.now())  # fmt: skip
    assert count() == small


def test_the_outsider_sees_nothing_of_ours(team, outsider, api_client_for):
    data = api_client_for(outsider).get("/api/v1/reports/dependency/").json()
    assert data["reps"] == []
    assert data["totals"]["escalations"] == 0
