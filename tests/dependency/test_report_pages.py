"""The report as pages, CSV and API: who sees what, and the same numbers everywhere."""

import csv
import datetime as dt
import io
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from apps.accounts.models import User
from apps.dependency.apis import (
    DependencyReportApi,
    FiguresSerializer,
    ReportRepSerializer,
    ReportTopicSerializer,
    ReportWeekSerializer,
)
from apps.dependency.models import Escalation, Topic
from apps.dependency.report_views import sorted_reps
from apps.dependency.reports import Figures, RepRow
from apps.dependency.services import escalation_log, escalation_record_outcome
from apps.tenancy.models import Membership
from tests.factories import MembershipFactory, TeamFactory

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


def test_each_row_is_escaped_and_labels_its_cells_for_phones(team, org, client_for):
    team["jo"].user.full_name = "Jo <b>&</b> Co"
    team["jo"].user.save()
    team["jo"].team = TeamFactory(name="R&D <East>")
    team["jo"].save()
    body = client_for(team["manager"]).get(url("dependency_report", org)).content.decode()
    path = url("dependency_rep_report", org, member_id=team["jo"].pk)
    assert (
        f'<th scope="row"><a href="{path}">Jo &lt;b&gt;&amp;&lt;/b&gt; Co</a>'
        '<br><small class="muted">R&amp;D &lt;East&gt;</small></th>'
    ) in body
    jo_row = body[body.index(f'<a href="{path}">') : body.index("</tr>", body.index(path))]
    cells = re.findall(r'<td class="num" data-label="([^"]+)">(.*?)</td>', jo_row)
    assert cells == [
        ("Escalations", "1"), ("Per week", "0.1"), ("Urgent", "0%"),
        ("Solved alone", '100% <small class="muted">(1/1)</small>'), ("Repeats", "0"),
        ("Could go to support", "0%"), ("Detours", "0"), (f"Cost ({org.currency})", "0.00"),
    ]  # fmt: skip


def test_the_outsider_sees_nothing_of_ours(team, outsider, api_client_for):
    data = api_client_for(outsider).get("/api/v1/reports/dependency/").json()
    assert data["reps"] == []
    assert data["totals"]["escalations"] == 0


# --- A large team's table: one page of reps, in the order asked for, totals over everyone ------


@pytest.fixture
def crowd(org):
    """A manager with 53 reps; rep number i escalated i times, so the order is known."""
    manager = MembershipFactory(role="manager", user__full_name="Mona Manager")
    reps = [
        MembershipFactory(role="rep", reports_to=manager, user__full_name=f"Rep {i:02d}")
        for i in range(1, 54)
    ]
    now = timezone.now()
    Escalation.objects.bulk_create(
        Escalation(rep=rep, manager=manager, occurred_at=now - dt.timedelta(minutes=j),
                   channel="call", urgency="urgent")
        for i, rep in enumerate(reps, start=1)
        for j in range(i)
    )  # fmt: skip
    return {"manager": manager, "reps": reps}


ROW = re.compile(r'<th scope="row"><a href="([^"]+)">([^<]+)</a>')


def _rows(response) -> list[tuple[str, str]]:
    assert response.status_code == 200
    return ROW.findall(response.content.decode())


def _names(response) -> list[str]:
    return [name for _href, name in _rows(response)]


def test_the_table_shows_fifty_reps_a_page_and_the_totals_count_everyone(crowd, org, client_for):
    client = client_for(crowd["manager"])
    first = client.get(url("dependency_report", org))
    assert _names(first) == [f"Rep {i:02d}" for i in range(53, 3, -1)]
    body = first.content.decode()
    assert "Reps 1\N{EN DASH}50 of 53" in body
    assert '<span class="stat-value">1,431</span>' in body  # 1 + 2 + … + 53 escalations
    second = client.get(url("dependency_report", org), {"page": 2})
    assert _names(second) == ["Rep 03", "Rep 02", "Rep 01"]
    body = second.content.decode()
    assert "Reps 51\N{EN DASH}53 of 53" in body
    assert '<span class="stat-value">1,431</span>' in body
    assert "Weekly trend" in body
    assert "Top topics" in body


def test_the_pager_is_plain_links_that_keep_the_filters_and_the_order(crowd, org, client_for):
    today = timezone.localdate()
    filters = {"start": str(today - dt.timedelta(days=30)), "end": str(today), "sort": "repeats"}
    body = client_for(crowd["manager"]).get(url("dependency_report", org), filters)
    body = body.content.decode()
    assert '<nav class="pagination reps-pager" aria-label="Pages of reps">' in body
    assert 'aria-current="page">1<' in body
    next_link = re.search(r'rel="next" href="([^"]+)"', body).group(1)
    assert next_link == (
        f"?start={filters['start']}&amp;end={filters['end']}&amp;sort=repeats&amp;page=2#reps"
    )
    # Changing the period keeps the order and starts again at page 1.
    assert '<input type="hidden" name="sort" value="repeats">' in body
    # On phones, where the column headers are hidden, a small form orders the table.
    assert '<option value="repeats" selected>Repeats, lowest first</option>' in body
    assert f'<input type="hidden" name="start" value="{filters["start"]}">' in body


def test_any_page_or_order_in_the_address_shows_a_page(crowd, org, client_for):
    client = client_for(crowd["manager"])
    report = url("dependency_report", org)
    assert _names(client.get(report, {"page": "9" * 40}))[0] == "Rep 03"  # the last page
    assert _names(client.get(report, {"page": "-1"}))[0] == "Rep 03"
    assert _names(client.get(report, {"page": "two"}))[0] == "Rep 53"
    assert _names(client.get(report, {"sort": "password\x00"}))[0] == "Rep 53"


def test_a_column_header_orders_the_table_and_a_second_click_reverses_it(crowd, org, client_for):
    client = client_for(crowd["manager"])
    report = url("dependency_report", org)
    body = client.get(report).content.decode()
    assert 'aria-sort="descending"><a href="?sort=escalations#reps">Escalations' in body
    assert f'<a href="?sort=-cost#reps">Cost ({org.currency})</a>' in body
    assert _names(client.get(report, {"sort": "escalations"}))[:2] == ["Rep 01", "Rep 02"]
    body = client.get(report, {"sort": "escalations", "page": 2}).content.decode()
    assert 'aria-sort="ascending"><a href="?sort=-escalations#reps">Escalations' in body


def test_each_rep_links_to_their_page_for_the_same_period(crowd, org, client_for):
    client = client_for(crowd["manager"])
    today = timezone.localdate()
    period = {"start": str(today - dt.timedelta(days=7)), "end": str(today)}
    href, name = _rows(client.get(url("dependency_report", org), {**period, "page": 2}))[0]
    rep = next(member for member in crowd["reps"] if member.display_name == name)
    path = url("dependency_rep_report", org, member_id=rep.pk)
    assert href == f"{path}?start={period['start']}&amp;end={period['end']}"
    assert client.get(href.replace("&amp;", "&")).status_code == 200


def test_the_csv_has_every_rep_not_one_page(crowd, org, client_for):
    response = client_for(crowd["manager"]).get(url("dependency_report_csv", org), {"page": 2})
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert [row["rep"] for row in rows[:2]] == ["Rep 53", "Rep 52"]
    assert len(rows) == 53 + 1  # every rep and the "All reps" line


def test_a_page_of_reps_costs_the_same_queries_whatever_the_number_of_reps(crowd, org, client_for):
    client = client_for(crowd["manager"])

    def count(**params):
        with CaptureQueriesContext(connection) as context:
            assert client.get(url("dependency_report", org), params).status_code == 200
        return len(context.captured_queries)

    first_page = count()
    assert count(page=2) == first_page
    assert count(sort="cost") == first_page
    for _ in range(60):
        MembershipFactory(role="rep", reports_to=crowd["manager"])
    Escalation.objects.bulk_create(
        Escalation(rep=rep, manager=crowd["manager"], occurred_at=timezone.now(),
                   channel="call", urgency="routine")
        for rep in Membership.objects.filter(reports_to=crowd["manager"])
    )  # fmt: skip
    assert count(page=3) == first_page


def test_the_api_lists_every_rep_in_the_documented_shape(crowd, api_client_for):
    data = api_client_for(crowd["manager"]).get("/api/v1/reports/dependency/").json()
    assert len(data["reps"]) == 53
    assert data["reps"][0]["name"] == "Rep 53"
    assert set(data) == set(DependencyReportApi.OutputSerializer().fields)
    assert set(data["reps"][0]) == set(ReportRepSerializer().fields)
    assert set(data["reps"][0]["figures"]) == set(FiguresSerializer().fields)
    assert set(data["totals"]) == set(FiguresSerializer().fields)
    assert set(data["trend"][0]) == set(ReportWeekSerializer().fields)


def test_the_api_topics_have_the_documented_shape(team, api_client_for):
    data = api_client_for(team["manager"]).get("/api/v1/reports/dependency/").json()
    assert set(data["top_topics"][0]) == set(ReportTopicSerializer().fields)
    assert data["top_topics"][0]["name"] == "Pricing"


# --- The order of the table, without a database ---------------------------------------------


def _row(name: str, **figures) -> RepRow:
    return RepRow(member=Membership(user=User(full_name=name)), figures=Figures(**figures))


def test_reps_without_a_rate_come_last_in_either_direction_and_ties_go_by_name():
    reps = [
        _row("Cy", routine_answered=0),
        _row("Bo", routine_answered=4, solved_alone=1),
        _row("Al", routine_answered=2, solved_alone=1),
        _row("Di", routine_answered=4, solved_alone=2),
    ]
    highest = [row.member.display_name for row in sorted_reps(reps, "-solved_alone")]
    lowest = [row.member.display_name for row in sorted_reps(reps, "solved_alone")]
    assert highest == ["Al", "Di", "Bo", "Cy"]  # 50 %, 50 % (by name), 25 %, no rate
    assert lowest == ["Bo", "Al", "Di", "Cy"]


def test_the_team_filter_lists_the_teams_and_keeps_the_choice(org, client_for):
    sales, service = TeamFactory(name="Sales"), TeamFactory(name="Service & <Repairs>")
    admin = MembershipFactory(role="admin")
    client = client_for(admin)
    body = client.get(url("dependency_report", org), {"team": sales.pk}).content.decode()
    assert '<select name="team" id="id_team">' in body
    assert '<option value="">All teams</option>' in body
    assert f'<option value="{sales.pk}" selected>Sales</option>' in body
    assert f'<option value="{service.pk}">Service &amp; &lt;Repairs&gt;</option>' in body
    refused = client.get(url("dependency_report", org), {"team": "999999999"}).content.decode()
    assert (
        '<select name="team" aria-describedby="id_team_error" aria-invalid="true" id="id_team">'
        in refused
    )


def test_a_manager_is_offered_only_their_own_peoples_teams(org, client_for):
    north, south, elsewhere = (TeamFactory(name=n) for n in ("North", "South", "Elsewhere"))
    manager = MembershipFactory(role="manager", team=north, user__full_name="Sam Manager")
    lead = MembershipFactory(role="manager", reports_to=manager, team=north)
    MembershipFactory(role="rep", reports_to=lead, team=south)  # two levels down
    MembershipFactory(role="rep", reports_to=MembershipFactory(role="manager"), team=elsewhere)
    client = client_for(manager)

    with CaptureQueriesContext(connection) as sent:
        body = client.get(url("dependency_report", org)).content.decode()
    team_queries = [q["sql"] for q in sent.captured_queries if 'FROM "tenancy_team"' in q["sql"]]
    other = client.get(url("dependency_report", org), {"team": elsewhere.pk}).content.decode()

    options = re.findall(
        r'<option value="(\d*)"[^>]*>([^<]*)</option>', body.split('name="team"')[1]
    )
    assert [name for _value, name in options][:3] == ["All teams", "North", "South"]
    assert "Elsewhere" not in body.split('name="team"')[1].split("</select>")[0]
    assert team_queries == []  # the teams come with the reporting tree, in its round trip
    assert 'aria-invalid="true" id="id_team"' in other  # another team: a clear error
