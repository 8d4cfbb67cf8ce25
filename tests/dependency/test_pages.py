"""The escalation pages: log in seconds, lists, detail with history, callbacks due."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from apps.dependency.models import Escalation, Topic
from apps.dependency.services import escalation_log, escalation_record_outcome
from tests.factories import MembershipFactory, TeamFactory
from tests.queries import assert_queries_do_not_grow

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(org):
    manager = MembershipFactory(role="manager", user__full_name="Sam Manager")
    rep = MembershipFactory(role="rep", reports_to=manager, user__full_name="Riley Rep")
    service = TeamFactory(name="Inside Sales", kind="inside_sales")
    quoter = MembershipFactory(role="support", team=service, user__full_name="Grace Quoter")
    pricing = Topic.objects.create(
        name="Pricing", handled_by_team=service, handled_by_member=quoter,
        how_to="Send the part numbers and quantities.",
    )  # fmt: skip
    return {"manager": manager, "rep": rep, "pricing": pricing, "quoter": quoter}


def url(name, org, **kwargs):
    return reverse(name, kwargs={"org_slug": org.slug, **kwargs})


def test_a_rep_logs_their_own_escalation_with_three_choices(people, org, client_for):
    client = client_for(people["rep"])
    form = client.get(url("escalation_new", org))
    assert form.status_code == 200
    response = client.post(
        url("escalation_new", org),
        {"rep": people["rep"].pk, "channel": "text", "topic": people["pricing"].pk,
         "urgency": "routine"},
    )  # fmt: skip
    assert response.status_code == 302
    escalation = Escalation.objects.get()
    assert escalation.rep == people["rep"]
    assert escalation.manager == people["manager"]
    assert escalation.callback_due_at is not None
    detail = client.get(response["Location"]).content.decode()
    assert "Next time, call" in detail
    assert "Grace Quoter" in detail


def test_picking_a_topic_shows_whom_to_call_next_time(people, org, client_for):
    hint = client_for(people["rep"]).get(
        url("escalation_topic_hint", org), {"topic": people["pricing"].pk}
    )
    assert "Next time, call" in hint.content.decode()
    assert "Send the part numbers" in hint.content.decode()
    garbage = client_for(people["rep"]).get(url("escalation_topic_hint", org), {"topic": "x'"})
    assert garbage.status_code == 200


def test_a_rep_cannot_log_for_a_colleague_even_with_a_forged_post(people, org, client_for):
    colleague = MembershipFactory(role="rep", reports_to=people["manager"])
    response = client_for(people["rep"]).post(
        url("escalation_new", org),
        {"rep": colleague.pk, "channel": "call", "urgency": "routine"},
    )
    assert response.status_code == 200  # not a choice for them: a form error
    assert not Escalation.objects.exists()


def test_support_staff_have_no_escalation_pages(org, client_for):
    support = MembershipFactory(role="support")
    client = client_for(support)
    for name in ("escalation_new", "escalations", "escalations_overdue"):
        assert client.get(url(name, org)).status_code == 403


def test_the_list_filters_and_costs_the_same_queries_with_more_rows(people, org, client_for):
    manager, rep = people["manager"], people["rep"]
    client = client_for(manager)

    def count():
        with CaptureQueriesContext(connection) as context:
            assert client.get(url("escalations", org), {"urgency": "routine"}).status_code == 200
        return len(context.captured_queries)

    escalation_log(actor=manager, rep=rep, channel="call", urgency="routine")
    small = count()
    for _ in range(30):
        escalation_log(actor=manager, rep=rep, channel="call", urgency="routine",
                       topic=people["pricing"])  # fmt: skip
    assert count() == small
    bad = client.get(url("escalations", org), {"start": "not-a-date", "rep": "abc"})
    assert bad.status_code == 200


def test_the_detail_shows_the_history_and_offers_kudos_after_a_redirect(people, org, client_for):
    manager, rep = people["manager"], people["rep"]
    escalation = escalation_log(actor=rep, rep=rep, channel="call", urgency="routine")
    escalation_record_outcome(
        escalation=escalation, actor=manager, outcome="redirected",
        redirected_to_member=people["quoter"],
    )  # fmt: skip
    page = client_for(rep).get(url("escalation_detail", org, escalation_id=escalation.pk))
    body = page.content.decode()
    assert "Sam Manager" in body
    assert "redirected" in body
    assert f"?to={people['quoter'].pk}" in body  # send kudos in one click


def test_callbacks_due_lists_only_open_due_ones(people, org, client_for):
    import datetime as dt

    from django.utils import timezone

    manager, rep = people["manager"], people["rep"]
    old = escalation_log(actor=rep, rep=rep, channel="call", urgency="routine",
                         occurred_at=timezone.now() - dt.timedelta(days=3))  # fmt: skip
    page = client_for(manager).get(url("escalations_overdue", org)).content.decode()
    assert f"/escalations/{old.pk}/" in page


def test_the_outsider_gets_404_for_our_escalations(people, org, outsider, client_for):
    escalation = escalation_log(
        actor=people["rep"], rep=people["rep"], channel="call", urgency="routine"
    )
    slug = outsider.organization.slug
    for name in ("escalation_detail", "escalation_callback"):
        path = reverse(name, kwargs={"org_slug": slug, "escalation_id": escalation.pk})
        assert client_for(outsider).get(path).status_code == 404


def test_a_long_list_pages_without_counting_it_all(people, org, client_for):
    manager, rep = people["manager"], people["rep"]
    for _ in range(51):
        escalation_log(actor=manager, rep=rep, channel="call", urgency="routine")
    client = client_for(manager)

    with CaptureQueriesContext(connection) as first_queries:
        first = client.get(url("escalations", org)).content.decode()
    sent = [q["sql"] for q in first_queries.captured_queries]  # before the next request resets
    last = client.get(url("escalations", org), {"page": "2"}).content.decode()
    beyond = client.get(url("escalations", org), {"page": "99999999999"})

    assert "Page 1<" in first
    assert "Page 1 of" not in first
    assert 'rel="next"' in first
    assert "Page 2 of 2" in last
    assert 'rel="next"' not in last
    assert beyond.status_code == 200
    assert "Page 2 of 2" in beyond.content.decode()
    counts = [sql for sql in sent if sql.startswith("SELECT COUNT(")]
    assert counts
    assert all("LIMIT 51" in sql for sql in counts)


def test_the_log_form_names_each_rep_and_still_refuses_one_not_offered(people, org, client_for):
    admin = MembershipFactory(role="admin", user__full_name="Ada Admin")
    MembershipFactory(role="rep", user__full_name="", user__email="quinn@example.com")

    page = client_for(admin).get(url("escalation_new", org)).content.decode()
    forged = client_for(admin).post(
        url("escalation_new", org),
        {"rep": people["quoter"].pk, "channel": "call", "urgency": "routine"},  # support staff
    )

    assert f'<option value="{people["rep"].pk}">Riley Rep</option>' in page
    assert ">quinn</option>" in page  # no name: the address's local part, as everywhere
    assert f'value="{people["quoter"].pk}"' not in page.split('name="manager"')[0]
    assert forged.status_code == 200
    assert 'aria-invalid="true" id="id_rep"' in forged.content.decode()  # the rep is refused
    assert not Escalation.objects.exists()


def test_callbacks_due_page_without_counting_them_all(people, org, client_for):
    manager, rep = people["manager"], people["rep"]
    for _ in range(51):
        escalation_log(actor=manager, rep=rep, channel="call", urgency="routine")
    Escalation.objects.update(callback_due_at=timezone.now() - dt.timedelta(minutes=5))
    client = client_for(manager)

    first = client.get(url("escalations_overdue", org)).content.decode()
    last = client.get(url("escalations_overdue", org), {"page": "2"}).content.decode()

    assert "Page 1<" in first
    assert 'rel="next"' in first
    assert "Page 2 of 2" in last


@pytest.mark.parametrize("page", ["escalation_new", "escalations_overdue", "escalation_callback"])
def test_the_log_form_callbacks_due_and_the_callback_form_cost_the_same_queries_at_any_size(
    people, org, client_for, page
):
    manager = people["manager"]
    first = escalation_log(actor=manager, rep=people["rep"], channel="call", urgency="routine",
                           occurred_at=timezone.now() - dt.timedelta(days=3))  # fmt: skip
    path = url(page, org, **({"escalation_id": first.pk} if page == "escalation_callback" else {}))

    def grow(count: int) -> None:
        service = TeamFactory(kind="customer_service")
        for i in range(count):
            rep = MembershipFactory(role="rep", reports_to=manager)
            MembershipFactory(role="support", team=service)
            Topic.objects.create(name=f"Topic {service.pk}-{i}", handled_by_team=service)
            escalation_log(actor=manager, rep=rep, channel="text", urgency="routine",
                           occurred_at=timezone.now() - dt.timedelta(days=2))  # fmt: skip

    # More reps, helpers, teams, topics and callbacks due than one page shows.
    assert_queries_do_not_grow(client_for(manager), path, grow, more=30)
