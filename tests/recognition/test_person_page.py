"""A person's recognition page: totals, 12 months with their table, the kudos with filters, the
letters, who recognised them most, counted as the viewer may see them; and its exports (CSV and
a printable page) for the person, their manager and the admins."""

import csv
import io
import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from apps.recognition import selectors, services
from apps.recognition.models import Kudos, KudosRecipient, Letter, LetterSubject
from apps.tenancy.context import tenant_context
from tests.factories import MembershipFactory, TeamFactory, ValueFactory, send_kudos

pytestmark = pytest.mark.django_db


def url(name, org, member, query=""):
    path = reverse(name, kwargs={"org_slug": org.slug, "member_id": member.pk})
    return f"{path}?{query}" if query else path


@pytest.fixture
def dana(org):
    team = TeamFactory(name="Customer Service", kind="customer_service")
    return MembershipFactory(role="manager", team=team, user__full_name="Dana Lead")


@pytest.fixture
def casey(dana):
    return MembershipFactory(
        role="support", team=dana.team, reports_to=dana, user__full_name="Casey Helper",
        title="Service Specialist",
    )  # fmt: skip


@pytest.fixture
def riley(org):
    return MembershipFactory(role="rep", user__full_name="Riley Rep")


@pytest.fixture
def bob(org):
    """A colleague with no part in any of it."""
    return MembershipFactory(role="rep", user__full_name="Bob Bystander")


def _at(kudos: Kudos, when) -> Kudos:
    Kudos.objects.filter(pk=kudos.pk).update(created_at=when)
    KudosRecipient.objects.filter(kudos=kudos).update(created_at=when)
    return kudos


def _letter(sender, subjects, body="Casey saved the Acme order.") -> Letter:
    (letter,) = services.letters_send(sender=sender, subjects=subjects, body=body)
    return letter


def _months_table(html: str) -> list[tuple[int, int]]:
    table = html.split('id="recognition-months"', 1)[1].split("</table>", 1)[0]
    return [
        (int(k), int(n))
        for k, n in re.findall(r'<td class="num">(\d+)</td><td class="num">(\d+)</td>', table)
    ]


# --- The page ------------------------------------------------------------------------------------


def test_it_shows_totals_the_months_and_who_recognised_them_most(
    org, casey, riley, bob, dana, client_for
):
    send_kudos(riley, [casey], "Fixed the invoice")
    send_kudos(riley, [casey], "Found the lost parcel")
    send_kudos(bob, [casey], "Knew the warranty rules")
    _letter(riley, [casey])

    response = client_for(bob).get(url("recognition_page", org, casey))

    assert response.status_code == 200
    html = response.content.decode()
    assert "Casey Helper" in html
    summary = response.context["summary"]
    # Bob may not read Riley's letter
    assert summary["totals"] == {"kudos": 3, "letters": 0, "nominations": 0}
    assert [(m.pk, n) for m, n in summary["top_recognisers"]] == [(riley.pk, 2), (bob.pk, 1)]
    months = _months_table(html)
    assert len(months) == 12
    assert months[-1] == (3, 0)  # this month, in the table the chart is drawn from
    assert sum(k for k, _n in months) == 3
    assert 'data-chart-table="#recognition-months"' in html
    assert "Fixed the invoice" in html
    assert "Found the lost parcel" in html


def test_the_person_and_their_manager_see_private_kudos_and_letters_others_do_not(
    org, casey, riley, bob, dana, admin, client_for
):
    send_kudos(riley, [casey], "Public thanks")
    send_kudos(riley, [casey], "Quiet thanks", visibility=Kudos.Visibility.PRIVATE)
    _letter(riley, [casey])

    def totals(viewer):
        response = client_for(viewer).get(url("recognition_page", org, casey))
        assert response.status_code == 200
        return response.context["summary"]["totals"], "Quiet thanks" in response.content.decode()

    assert totals(casey) == ({"kudos": 2, "letters": 1, "nominations": 0}, True)
    assert totals(dana) == ({"kudos": 2, "letters": 1, "nominations": 0}, True)  # her direct report
    assert totals(riley) == ({"kudos": 2, "letters": 1, "nominations": 0}, True)  # he sent them
    assert totals(bob) == ({"kudos": 1, "letters": 0, "nominations": 0}, False)
    # An admin reads every letter, but a private kudos stays between the people involved.
    assert totals(admin) == ({"kudos": 1, "letters": 1, "nominations": 0}, False)


def test_hidden_kudos_never_count(org, casey, riley, admin, client_for):
    kudos = send_kudos(riley, [casey], "Something inappropriate")
    services.kudos_hide(kudos=kudos, actor=admin, reason="Off topic")
    for viewer in (casey, admin):
        response = client_for(viewer).get(url("recognition_page", org, casey))
        assert response.context["summary"]["totals"]["kudos"] == 0
        assert "Something inappropriate" not in response.content.decode()


def test_each_kudos_and_letter_counts_in_its_own_month(org, casey, riley, dana):
    now = timezone.now()
    _at(send_kudos(riley, [casey]), now - timedelta(days=95))
    _at(send_kudos(riley, [casey]), now - timedelta(days=400))  # before the 12 months
    send_kudos(riley, [casey])
    letter = _letter(riley, [casey])
    Letter.objects.filter(pk=letter.pk).update(created_at=now - timedelta(days=95))
    LetterSubject.objects.filter(letter=letter).update(created_at=now - timedelta(days=95))

    summary = selectors.recognition_summary(member=casey, viewer=casey)

    by_month = {m.month: (m.kudos, m.letters) for m in summary["series"]}
    three_months_ago = timezone.localtime(now - timedelta(days=95)).date().replace(day=1)
    assert by_month[three_months_ago] == (1, 1)
    assert by_month[timezone.localdate().replace(day=1)] == (1, 0)
    assert summary["totals"] == {"kudos": 3, "letters": 1, "nominations": 0}  # all time
    assert summary["recent"] == {"kudos": 2, "letters": 1, "nominations": 0}  # the 12 months shown


def test_it_filters_the_kudos_by_value_and_date(org, casey, riley, client_for):
    fast = ValueFactory(name="Fast fix")
    _at(send_kudos(riley, [casey], "Old and fast", values=[fast]), timezone.now() - timedelta(60))
    send_kudos(riley, [casey], "New and fast", values=[fast])
    send_kudos(riley, [casey], "New, no value")
    client = client_for(casey)
    since = (timezone.localdate() - timedelta(days=7)).isoformat()

    def messages(query):
        response = client.get(url("recognition_page", org, casey, query))
        assert response.status_code == 200
        return [k.message for k in response.context["page_obj"]]

    assert messages(f"value={fast.pk}") == ["New and fast", "Old and fast"]
    assert messages(f"since={since}") == ["New, no value", "New and fast"]
    assert messages(f"value={fast.pk}&since={since}") == ["New and fast"]


@pytest.mark.parametrize(
    ("query", "error"),
    [
        ("since=yesterday", "Enter a date such as"),
        ("since=2025-02-30", "Enter a date such as"),
        ("since=1999-12-31", "Pick a date from 2000-01-01 on."),
        ("since=2025-01-01%00", "Enter a date such as"),
        ("value=abc", "That filter is not valid and was ignored."),
        ("value=99999999999999999999", "That filter is not valid and was ignored."),
    ],
)
def test_a_bad_filter_is_explained_and_ignored(org, casey, riley, client_for, query, error):
    send_kudos(riley, [casey], "Still listed")
    response = client_for(casey).get(url("recognition_page", org, casey, query))
    assert response.status_code == 200
    html = response.content.decode()
    assert error in html
    assert "Still listed" in html


def test_another_organisations_value_is_not_a_filter(org, casey, riley, outsider, client_for):
    with tenant_context(outsider.organization_id):
        theirs = ValueFactory(name="Their value")
    send_kudos(riley, [casey], "Still listed")
    response = client_for(casey).get(url("recognition_page", org, casey, f"value={theirs.pk}"))
    assert "That filter is not valid and was ignored." in response.content.decode()
    assert "Still listed" in response.content.decode()


def test_the_send_kudos_button_picks_the_person(org, casey, riley, client_for):
    compose = reverse("kudos_new", kwargs={"org_slug": org.slug})
    html = client_for(riley).get(url("recognition_page", org, casey)).content.decode()
    assert f'href="{compose}?to={casey.pk}"' in html
    own = client_for(casey).get(url("recognition_page", org, casey)).content.decode()
    assert f"{compose}?to=" not in own


def test_the_page_keeps_the_content_security_policy(org, casey, riley, client_for):
    send_kudos(riley, [casey], 'Nice <script>alert("x")</script> style="color:red"')
    html = client_for(riley).get(url("recognition_page", org, casey)).content.decode()
    for attributes, body in re.findall(r"<script([^>]*)>(.*?)</script>", html, flags=re.S):
        assert "src=" in attributes
        assert not body.strip()
    assert "<style" not in html
    assert not re.search(r"<[^>]+\sstyle=", html)
    assert not re.search(r"<[^>]+\son\w+=", html)
    assert "&lt;script&gt;" in html  # the message shows as text


def test_a_former_members_page_is_for_those_who_may_export_it(org, casey, dana, admin, bob,
                                                               client_for):  # fmt: skip
    casey.is_active = False
    casey.save()
    assert client_for(bob).get(url("recognition_page", org, casey)).status_code == 404
    for viewer in (dana, admin):
        response = client_for(viewer).get(url("recognition_page", org, casey))
        assert response.status_code == 200
        assert "Former member" in response.content.decode()
        assert "?to=" not in response.content.decode()  # nobody thanks a former member


def test_another_organisations_member_is_not_found(org, riley, outsider, client_for):
    client = client_for(riley)
    for name in ("recognition_page", "recognition_csv", "recognition_print"):
        assert client.get(url(name, org, outsider)).status_code == 404
    # Nor does Charlie reach ours, through his organisation or ours.
    charlie = client_for(outsider)
    assert charlie.get(url("recognition_page", org, riley)).status_code == 404
    outsiders_org = outsider.organization
    assert charlie.get(url("recognition_page", outsiders_org, riley)).status_code == 404


@pytest.mark.parametrize("name", ["recognition_page", "recognition_csv", "recognition_print"])
def test_the_pages_only_read(org, casey, client_for, name):
    assert client_for(casey).post(url(name, org, casey)).status_code == 405


def test_the_page_costs_the_same_queries_with_hundreds_of_kudos_and_letters(
    org, casey, riley, dana, client_for
):
    value = ValueFactory()
    client = client_for(casey)

    def grow(count):
        for i in range(count):
            sender = MembershipFactory(role="rep")
            send_kudos(sender, [casey], f"Thanks {i}", values=[value])
            _letter(sender, [casey], f"Letter {i}")

    def queries(query=""):
        with CaptureQueriesContext(connection) as context:
            response = client.get(url("recognition_page", org, casey, query))
        assert response.status_code == 200
        return len(context.captured_queries)

    grow(3)
    few, few_filtered = queries(), queries(f"value={value.pk}")
    grow(150)
    many, many_filtered = queries(), queries(f"value={value.pk}")
    # 1 session, 2 user, 3 organisation, 4 savepoint, 5 set_config, 6 my membership (+ the
    # nav's unread count and organisations count), 7 the person (+user, team, manager); the
    # summary, each from the person's own rows: 8 kudos per month, 9 letters per month,
    # 10 nominations per month, 11 the five who sent the most kudos, 12 their memberships;
    # 13 approved nominations (latest ten), 14 nominations collected, 15 the values menu of
    # the filter, 16 kudos page (+sender), 17 their values, 18 letters page, 19 their e-mails'
    # status, 20 their people (sender, addressee, acknowledger: joined into the letters'
    # query, they took longer to plan than this query takes), 21 set_config restore,
    # 22 release savepoint. The pages' counts are the summary's totals: no COUNT of their own.
    # Plus, before all of it, the content versions the page is kept under (a new kudos or
    # letter changed them, so each of these pages was computed: tests/core/test_fragments.py).
    assert few == many == 22 + 1
    assert few_filtered == many_filtered == 24 + 1
    # Seen again unchanged: the session, user, organisation, savepoint, set_config, my
    # membership, the content versions, set_config restore, release savepoint.
    assert queries() == 9


# --- Exports -------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["recognition_csv", "recognition_print"])
def test_the_person_their_manager_and_admins_may_export(org, casey, dana, admin, client_for,
                                                         name):  # fmt: skip
    for viewer in (casey, dana, admin):
        assert client_for(viewer).get(url(name, org, casey)).status_code == 200


@pytest.mark.parametrize("name", ["recognition_csv", "recognition_print"])
@pytest.mark.parametrize("role", ["rep", "support", "manager"])
def test_anyone_else_may_not_export(org, casey, dana, client_for, name, role):
    other = MembershipFactory(role=role)
    assert client_for(other).get(url(name, org, casey)).status_code == 403


def test_the_managers_manager_may_not_export(org, casey, dana, client_for):
    director = MembershipFactory(role="manager")
    dana.reports_to = director
    dana.save()
    assert client_for(director).get(url("recognition_csv", org, casey)).status_code == 403


def test_the_export_buttons_show_only_to_those_who_may_export(org, casey, dana, bob, client_for):
    csv_url = url("recognition_csv", org, casey)
    assert csv_url in client_for(dana).get(url("recognition_page", org, casey)).content.decode()
    assert csv_url not in client_for(bob).get(url("recognition_page", org, casey)).content.decode()


def _csv(response) -> list[list[str]]:
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


def test_the_csv_holds_kudos_and_letters_for_a_review(org, casey, riley, dana, client_for):
    fast = ValueFactory(name="Fast fix")
    send_kudos(riley, [casey], "Fixed the invoice", values=[fast], customer_name="Acme")
    letter = _letter(riley, [casey], "Casey saved the Acme order.")
    services.letter_acknowledge(letter=letter, actor=dana, note="Proud of you")

    response = client_for(casey).get(url("recognition_csv", org, casey))

    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    assert "recognition-casey-helper-" in response["Content-Disposition"]
    header, *rows = _csv(response)
    assert header == ["Date", "Type", "From", "Values", "Customer or account", "Message",
                      "Manager's note"]  # fmt: skip
    assert [row[1:] for row in rows] == [
        ["Kudos", "Riley Rep", "Fast fix", "Acme", "Fixed the invoice", ""],
        ["Letter to Dana Lead", "Riley Rep", "", "", "Casey saved the Acme order.",
         "Proud of you"],
    ]  # fmt: skip
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d", rows[0][0])


def test_the_csv_cannot_carry_a_spreadsheet_formula(org, casey, client_for):
    sender = MembershipFactory(role="rep", user__full_name="@Mallory")
    send_kudos(sender, [casey], '=HYPERLINK("http://evil.test","click")', customer_name="+1 555")
    send_kudos(sender, [casey], "-2+3")
    _header, *rows = _csv(client_for(casey).get(url("recognition_csv", org, casey)))
    cells = [cell for row in rows for cell in row[1:]]
    assert "'@Mallory" in cells
    assert "'+1 555" in cells
    assert '\'=HYPERLINK("http://evil.test","click")' in cells
    assert "'-2+3" in cells
    assert not any(cell.startswith(("=", "+", "-", "@")) for cell in cells)


def test_the_csv_counts_only_what_the_exporter_may_see(org, casey, riley, admin, client_for):
    send_kudos(riley, [casey], "Public thanks")
    send_kudos(riley, [casey], "Quiet thanks", visibility=Kudos.Visibility.PRIVATE)
    mine = [row[5] for row in _csv(client_for(casey).get(url("recognition_csv", org, casey)))]
    admins = [row[5] for row in _csv(client_for(admin).get(url("recognition_csv", org, casey)))]
    assert {"Public thanks", "Quiet thanks"} <= set(mine)
    assert "Public thanks" in admins
    assert "Quiet thanks" not in admins


def test_the_csv_follows_the_pages_filters(org, casey, riley, client_for):
    fast = ValueFactory(name="Fast fix")
    send_kudos(riley, [casey], "Fast one", values=[fast])
    send_kudos(riley, [casey], "Other one")
    response = client_for(casey).get(url("recognition_csv", org, casey, f"value={fast.pk}"))
    assert [row[5] for row in _csv(response)[1:]] == ["Fast one"]


def test_the_printable_page_has_the_letters_in_full(org, casey, riley, dana, client_for):
    body = " ".join(f"word{i}" for i in range(200)) + " THE-LAST-WORD"
    letter = _letter(riley, [casey], body)
    services.letter_acknowledge(letter=letter, actor=dana, note="Proud of you")
    send_kudos(riley, [casey], "Fixed the invoice")

    response = client_for(dana).get(url("recognition_print", org, casey))

    html = response.content.decode()
    assert "THE-LAST-WORD" in html  # not cut short as on the page
    assert "Proud of you" in html
    assert "Fixed the invoice" in html
    assert "data-print" in html
    page = client_for(dana).get(url("recognition_page", org, casey)).content.decode()
    assert "THE-LAST-WORD" not in page
