"""Each recipient row carries copies of its kudos' date, sender, visibility and hidden state, so
that a person's recognition is counted from their own rows (docs/benchmarks.md). The copies
must equal the kudos whichever way the kudos was written or changed: sent from the page, the
API or the service, hidden by an admin, seeded for the demo, or already there before the
columns existed (the migration's backfill)."""

import importlib

import pytest
from django.apps import apps
from django.core.management import call_command
from django.db import connection
from django.urls import reverse

from apps.recognition import selectors, services
from apps.recognition.models import Kudos, KudosRecipient
from apps.tenancy.context import tenant_context
from apps.tenancy.models import Membership, Organization
from tests.factories import MembershipFactory, TeamFactory, send_kudos

pytestmark = pytest.mark.django_db

backfill = importlib.import_module("apps.recognition.migrations.0005_kudosrecipient_kudos_copies")


def copies_that_differ() -> list[int]:
    """The recipient rows (in the current organisation) whose copies differ from their kudos."""
    rows = KudosRecipient.objects.select_related("kudos")
    return [
        row.pk
        for row in rows
        if (row.created_at, row.sender_id, row.visibility, row.hidden_at)
        != (row.kudos.created_at, row.kudos.sender_id, row.kudos.visibility, row.kudos.hidden_at)
    ]


@pytest.fixture
def dana(org):
    team = TeamFactory(name="Customer Service", kind="customer_service")
    return MembershipFactory(role="manager", team=team, user__full_name="Dana Lead")


@pytest.fixture
def casey(dana):
    return MembershipFactory(
        role="support", team=dana.team, reports_to=dana, user__full_name="Casey Helper"
    )


@pytest.fixture
def ed(org):
    """A helper with another manager, Frank."""
    frank = MembershipFactory(role="manager", user__full_name="Frank Lead")
    return MembershipFactory(role="support", reports_to=frank, user__full_name="Ed Helper")


@pytest.fixture
def riley(org):
    return MembershipFactory(role="rep", user__full_name="Riley Rep")


def test_kudos_sent_through_the_service_copy_their_kudos_to_every_recipient(org, riley, casey, ed):
    send_kudos(riley, [casey, ed], "Private thanks", visibility=Kudos.Visibility.PRIVATE)
    send_kudos(casey, [ed], "Public thanks")

    assert KudosRecipient.objects.count() == 3
    assert copies_that_differ() == []
    assert set(KudosRecipient.objects.values_list("sender", "visibility")) == {
        (riley.pk, "private"),
        (casey.pk, "organization"),
    }


def test_kudos_sent_from_the_page_and_the_api_copy_their_kudos(
    org, riley, casey, client_for, api_client_for
):
    page = client_for(riley).post(
        reverse("kudos_new", kwargs={"org_slug": org.slug}),
        {"recipients": [casey.pk], "message": "Saved the day", "visibility": "private"},
    )
    assert page.status_code == 302
    api = api_client_for(riley).post(
        "/api/v1/kudos/", {"recipients": [casey.pk], "message": "Again"}, format="json"
    )
    assert api.status_code == 201, api.content

    assert KudosRecipient.objects.count() == 2
    assert copies_that_differ() == []


def test_an_admin_hiding_a_kudos_hides_every_recipients_copy(org, riley, casey, ed, client_for):
    admin = MembershipFactory(role="admin")
    kudos = send_kudos(riley, [casey, ed], "Something inappropriate")
    kept = send_kudos(riley, [casey], "Fine")

    response = client_for(admin).post(
        reverse("kudos_hide", kwargs={"org_slug": org.slug, "kudos_id": kudos.pk}),
        {"reason": "Off topic"},
    )

    assert response.status_code == 302
    kudos.refresh_from_db()
    assert kudos.hidden_at is not None
    assert copies_that_differ() == []
    assert set(
        KudosRecipient.objects.filter(hidden_at__isnull=False).values_list("kudos", flat=True)
    ) == {kudos.pk}
    assert KudosRecipient.objects.get(kudos=kept).hidden_at is None


def test_a_hide_the_service_refuses_changes_no_copy(org, riley, casey):
    admin = MembershipFactory(role="admin")
    kudos = send_kudos(riley, [casey])
    services.kudos_hide(kudos=kudos, actor=admin, reason="Off topic")
    hidden_at = KudosRecipient.objects.get(kudos=kudos).hidden_at

    with pytest.raises(services.ApplicationError):
        services.kudos_hide(kudos=kudos, actor=admin, reason="Again")

    assert KudosRecipient.objects.get(kudos=kudos).hidden_at == hidden_at
    assert copies_that_differ() == []


def test_the_demo_seeds_rows_that_copy_their_kudos(db):
    call_command("seed_demo", quiet=True)
    for organization in Organization.objects.all():
        with tenant_context(organization):
            assert copies_that_differ() == []
    with tenant_context(Organization.objects.get(slug="northwind")):
        assert KudosRecipient.objects.filter(visibility="private").exists()


def _scramble_copies() -> None:
    """Rows as the migration found them: copies missing or wrong."""
    someone = Membership.objects.order_by("pk").first()
    KudosRecipient.objects.update(sender=someone, visibility="organization", hidden_at=None)


def test_the_migration_fills_in_the_rows_of_every_organisation(org, riley, casey, outsider):
    admin = MembershipFactory(role="admin")
    private = send_kudos(riley, [casey], visibility=Kudos.Visibility.PRIVATE)
    services.kudos_hide(kudos=send_kudos(casey, [riley]), actor=admin, reason="Off topic")
    with tenant_context(outsider.organization):
        theirs = MembershipFactory(role="support")
        send_kudos(outsider, [theirs], visibility=Kudos.Visibility.PRIVATE)
        _scramble_copies()
        assert copies_that_differ() != []
    _scramble_copies()
    assert copies_that_differ() != []

    backfill.copy_from_kudos(apps, connection.schema_editor(atomic=False))

    with tenant_context(org):  # the backfill leaves no organisation set behind it
        assert copies_that_differ() == []
        assert KudosRecipient.objects.get(kudos=private).visibility == "private"
    with tenant_context(outsider.organization):
        assert copies_that_differ() == []
        assert KudosRecipient.objects.get().sender_id == outsider.pk


def test_the_page_counts_from_the_copies_what_the_wall_rule_lets_each_viewer_see(
    org, riley, casey, dana, ed, outsider
):
    """The copies decide who sees what on a person's page; the rule on the kudos themselves
    (the wall's) must give the same answer for every viewer."""
    admin = MembershipFactory(role="admin")
    frank = ed.reports_to
    bob = MembershipFactory(role="rep")
    send_kudos(riley, [casey], "Public")
    send_kudos(riley, [casey], "Private", visibility=Kudos.Visibility.PRIVATE)
    send_kudos(bob, [casey, ed], "Private to two", visibility=Kudos.Visibility.PRIVATE)
    services.kudos_hide(kudos=send_kudos(riley, [casey], "Hidden"), actor=admin, reason="No")

    for viewer in (casey, dana, riley, bob, ed, frank, admin):
        wall_rule = (
            selectors.kudos_visible_to(viewer)
            .filter(hidden_at__isnull=True, recipient_links__recipient=casey)
            .count()
        )
        summary = selectors.recognition_summary(member=casey, viewer=viewer)
        listed = selectors.recognition_kudos(member=casey, viewer=viewer)
        assert summary["totals"]["kudos"] == wall_rule == listed.count(), viewer
    # Frank manages Ed, thanked with Casey in the private kudos: he sees that one too.
    assert selectors.recognition_summary(member=casey, viewer=frank)["totals"]["kudos"] == 2
    assert selectors.recognition_summary(member=casey, viewer=bob)["totals"]["kudos"] == 2
    with tenant_context(outsider.organization):
        assert selectors.recognition_summary(member=casey, viewer=outsider)["totals"] == {
            "kudos": 0,
            "letters": 0,
            "nominations": 0,
        }
