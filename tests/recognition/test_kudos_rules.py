"""The rules users expect of kudos, proven through the pages (issue #4, "Kudos")."""

import re

import pytest
from django.urls import reverse

from apps.audit.models import AuditEvent
from apps.notifications.models import Notification, OutboundEmail
from apps.recognition.models import Kudos, Reaction
from apps.tenancy.context import tenant_context
from tests.factories import MembershipFactory, TeamFactory, ValueFactory, send_kudos

pytestmark = pytest.mark.django_db

HTML_MESSAGE = '<script>alert("x")</script><b>Bold</b> & saved\nthe Acme order'


def url(name, org, **kwargs):
    return reverse(name, kwargs={"org_slug": org.slug, **kwargs})


@pytest.fixture
def dana(org):
    """A support manager."""
    team = TeamFactory(name="Customer Service", kind="customer_service")
    return MembershipFactory(role="manager", team=team, user__full_name="Dana Manager")


@pytest.fixture
def casey(org, dana):
    return MembershipFactory(
        role="support", team=dana.team, reports_to=dana, title="Order desk",
        user__full_name="Casey Support", user__email="casey@example.test",
    )  # fmt: skip


@pytest.fixture
def riley(org):
    return MembershipFactory(role="rep", user__full_name="Riley Rep")


def compose(client, org, **data):
    payload = {"message": "Thanks for the fast fix", "visibility": "organization", **data}
    return client.post(url("kudos_new", org), payload)


def client_key_of(response) -> str:
    match = re.search(r'name="client_key" value="([0-9a-f]{32})"', response.content.decode())
    assert match, "the form carries a client key"
    return match.group(1)


# --- Who can be thanked -----------------------------------------------------------------------


def test_nobody_sends_kudos_to_themself(org, riley, client_for):
    response = compose(client_for(riley), org, recipients=[riley.pk])
    assert response.status_code == 200
    assert "You can&#x27;t send kudos to yourself." in response.content.decode()
    assert not Kudos.objects.exists()


def test_a_double_submitted_form_creates_one_kudos(org, riley, casey, client_for):
    client = client_for(riley)
    key = client_key_of(client.get(url("kudos_new", org)))
    first = compose(client, org, recipients=[casey.pk], client_key=key)
    second = compose(client, org, recipients=[casey.pk], client_key=key)
    kudos = Kudos.objects.get()
    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"] == url("kudos_detail", org, kudos_id=kudos.pk)
    assert Notification.objects.filter(recipient=casey, category="kudos").count() == 1
    # A new form is a new key: the next kudos is a new one.
    fresh_key = client_key_of(client.get(url("kudos_new", org)))
    compose(client, org, recipients=[casey.pk], client_key=fresh_key)
    assert Kudos.objects.count() == 2


def test_a_malformed_client_key_is_a_form_error(org, riley, casey, client_for):
    response = compose(client_for(riley), org, recipients=[casey.pk], client_key="<x>" * 30)
    assert response.status_code == 200
    assert not Kudos.objects.exists()


def test_inactive_members_cannot_be_picked(org, riley, casey, client_for):
    former = MembershipFactory(role="support", is_active=False, user__full_name="Former Helper")
    client = client_for(riley)
    search = client.get(url("kudos_people_search", org), {"q": "Helper"})
    assert "Former Helper" not in search.content.decode()
    preselected = client.get(url("kudos_new", org), {"to": former.pk})
    assert "Former Helper" not in preselected.content.decode()

    forged = compose(client, org, recipients=[casey.pk, former.pk])
    assert forged.status_code == 200
    refused = "Former Helper is no longer a member and can&#x27;t receive kudos."
    assert refused in forged.content.decode()
    assert not Kudos.objects.exists()


def test_people_of_another_organisation_cannot_be_picked(org, riley, outsider, client_for):
    response = compose(client_for(riley), org, recipients=[outsider.pk])
    assert response.status_code == 200
    assert "Pick people from your organisation." in response.content.decode()
    assert "Charlie" not in response.content.decode()
    assert not Kudos.objects.exists()


def test_nobody_to_thank_is_a_form_error(org, riley, client_for):
    response = compose(client_for(riley), org)
    assert "Pick at least one person to thank." in response.content.decode()
    assert not Kudos.objects.exists()


def test_inactive_values_are_refused(org, riley, casey, client_for):
    active = ValueFactory(name="Fast fix")
    retired = ValueFactory(name="Retired value", is_active=False)
    client = client_for(riley)
    page = client.get(url("kudos_new", org)).content.decode()
    assert "Fast fix" in page
    assert "Retired value" not in page

    response = compose(client, org, recipients=[casey.pk], values=[active.pk, retired.pk])
    assert response.status_code == 200
    assert "“Retired value” is no longer one of your organisation&#x27;s values." in (
        response.content.decode()
    )
    assert not Kudos.objects.exists()


def test_a_message_over_1000_characters_is_a_form_error(org, riley, casey, client_for):
    client = client_for(riley)
    too_long = compose(client, org, recipients=[casey.pk], message="x" * 1001)
    assert too_long.status_code == 200
    assert "at most 1000 characters" in too_long.content.decode()
    assert not Kudos.objects.exists()
    # Browsers send line ends as CRLF but count them once, as the counter does.
    exact = "a\r\n" * 499 + "bb"  # 1000 characters as typed, 1499 as sent
    assert compose(client, org, recipients=[casey.pk], message=exact).status_code == 302
    assert len(Kudos.objects.get().message) == 1000


def test_an_empty_message_is_a_form_error(org, riley, casey, client_for):
    response = compose(client_for(riley), org, recipients=[casey.pk], message="   ")
    assert "This field is required." in response.content.decode()
    assert not Kudos.objects.exists()


# --- A message is plain text --------------------------------------------------------------------


def test_html_in_a_message_shows_as_text_on_the_wall_the_detail_and_in_the_email(
    org, riley, casey, client_for
):
    kudos = send_kudos(riley, [casey], message=HTML_MESSAGE)
    client = client_for(casey)
    escaped = (
        "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&lt;b&gt;Bold&lt;/b&gt; &amp; saved"
        "<br>the Acme order"
    )
    for page in (url("kudos_wall", org), url("kudos_detail", org, kudos_id=kudos.pk)):
        html = client.get(page).content.decode()
        assert escaped in html, page
        assert '<script>alert("x")' not in html
        assert "<b>Bold</b>" not in html

    email = OutboundEmail.objects.get(recipient=casey, category="kudos")
    assert escaped in email.body_html
    assert "<b>Bold</b>" not in email.body_html
    assert HTML_MESSAGE in email.body_text  # plain text: shown as typed, nothing interprets it


# --- Private kudos ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("viewer", "sees_it"),
    [("riley", True), ("casey", True), ("dana", True), ("admin", False), ("bystander", False),
     ("managers_manager", False)],
)  # fmt: skip
def test_a_private_kudos_is_seen_by_sender_recipients_and_their_direct_managers_only(
    org, riley, casey, dana, admin, client_for, viewer, sees_it
):
    people = {
        "riley": riley, "casey": casey, "dana": dana, "admin": admin,
        "bystander": MembershipFactory(role="rep"),
        "managers_manager": MembershipFactory(role="manager"),
    }  # fmt: skip
    dana.reports_to = people["managers_manager"]
    dana.save()
    kudos = send_kudos(riley, [casey], message="Private thanks", visibility="private")
    client = client_for(people[viewer])
    detail = client.get(url("kudos_detail", org, kudos_id=kudos.pk))
    wall = client.get(url("kudos_wall", org)).content.decode()
    react = client.post(url("kudos_react", org, kudos_id=kudos.pk), {"emoji": "👏"})
    if sees_it:
        assert detail.status_code == 200
        assert "Private thanks" in wall
        assert 'class="badge badge-warning"' in wall  # the "Private" badge
        assert react.status_code == 302
    else:
        assert detail.status_code == 404
        assert "Private thanks" not in wall
        assert react.status_code == 404
        assert not Reaction.objects.exists()
    if viewer == "admin":  # admins moderate, but a private kudos is not theirs to read
        hide = client.post(url("kudos_hide", org, kudos_id=kudos.pk), {"reason": "x"})
        assert hide.status_code == 404


# --- Notifications ----------------------------------------------------------------------------


def test_recipients_are_notified_in_the_app_and_by_email(
    org, riley, casey, dana, client_for, mailoutbox, django_capture_on_commit_callbacks
):
    value = ValueFactory(name="Saved the account")
    with django_capture_on_commit_callbacks(execute=True):
        response = compose(
            client_for(riley), org, recipients=[casey.pk, dana.pk], values=[value.pk],
            customer_name="Acme Corp", message="You saved the Acme order",
        )  # fmt: skip
    kudos = Kudos.objects.get()
    detail = url("kudos_detail", org, kudos_id=kudos.pk)
    assert response["Location"] == detail
    for member in (casey, dana):
        notice = Notification.objects.get(recipient=member, category="kudos")
        assert notice.title == "Riley Rep sent you kudos"
        assert notice.url == detail
    assert sorted(m.to[0] for m in mailoutbox) == sorted([casey.user.email, dana.user.email])
    mail = next(m for m in mailoutbox if m.to == [casey.user.email])
    assert mail.subject == "Riley Rep sent you kudos"
    assert "You saved the Acme order" in mail.body
    assert "Saved the account" in mail.body
    assert "Acme Corp" in mail.body
    assert detail in mail.body
    assert "List-Unsubscribe" in mail.extra_headers
    html = mail.alternatives[0][0]
    assert "You saved the Acme order" in html
    assert detail in html
    assert not Notification.objects.filter(recipient=riley).exists()


def test_a_recipient_who_turned_kudos_emails_off_gets_only_the_in_app_notice(
    org, riley, casey, dana, client_for, mailoutbox, django_capture_on_commit_callbacks
):
    preferences = url("me_notification_preferences", org)
    response = client_for(casey).post(preferences, {"enabled": ["membership", "letters"]})
    assert response.status_code == 302
    with django_capture_on_commit_callbacks(execute=True):
        compose(client_for(riley), org, recipients=[casey.pk, dana.pk])
    assert Notification.objects.filter(recipient=casey, category="kudos").count() == 1
    assert not OutboundEmail.objects.filter(recipient=casey).exists()
    assert [m.to for m in mailoutbox] == [[dana.user.email]]


# --- Reactions ----------------------------------------------------------------------------------


def test_a_bogus_emoji_is_refused_and_nothing_is_written(org, riley, casey, client_for):
    kudos = send_kudos(riley, [casey])
    client = client_for(casey)
    react = url("kudos_react", org, kudos_id=kudos.pk)
    plain = client.post(react, {"emoji": "💩"}, follow=True)
    assert "That reaction is not available." in plain.content.decode()
    htmx = client.post(react, {"emoji": "<b>"}, headers={"HX-Request": "true"})
    assert htmx.status_code == 400
    assert htmx.content.decode() == "That reaction is not available."
    missing = client.post(react, {}, headers={"HX-Request": "true"})
    assert missing.status_code == 400
    assert not Reaction.objects.exists()


def test_one_reaction_per_person_per_emoji(org, riley, casey, client_for):
    kudos = send_kudos(riley, [casey])
    react = url("kudos_react", org, kudos_id=kudos.pk)
    client_for(casey).post(react, {"emoji": "👏"})
    client_for(riley).post(react, {"emoji": "👏"})
    client_for(casey).post(react, {"emoji": "🎉"})
    assert Reaction.objects.filter(kudos=kudos).count() == 3
    client_for(casey).post(react, {"emoji": "👏"})  # pressed again: taken back
    assert sorted(Reaction.objects.values_list("member_id", "emoji")) == sorted(
        [(riley.pk, "👏"), (casey.pk, "🎉")]
    )


# --- Hiding -------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["manager", "rep", "support"])
def test_only_admins_can_hide(org, riley, casey, client_for, role):
    kudos = send_kudos(riley, [casey])
    member = MembershipFactory(role=role)
    response = client_for(member).post(url("kudos_hide", org, kudos_id=kudos.pk), {"reason": "x"})
    assert response.status_code == 403
    detail = client_for(member).get(url("kudos_detail", org, kudos_id=kudos.pk))
    assert "Hide this kudos" not in detail.content.decode()
    kudos.refresh_from_db()
    assert not kudos.is_hidden


def test_an_admin_hides_a_kudos_with_a_reason_and_it_is_audited(
    org, riley, casey, admin, client_for
):
    kudos = send_kudos(riley, [casey], message="Something inappropriate")
    client = client_for(admin)
    hide = url("kudos_hide", org, kudos_id=kudos.pk)
    detail = url("kudos_detail", org, kudos_id=kudos.pk)

    no_reason = client.post(hide, {"reason": "  "})
    assert no_reason.status_code == 200
    assert "Say why it is hidden" in no_reason.content.decode()
    kudos.refresh_from_db()
    assert not kudos.is_hidden

    assert client.post(hide, {"reason": "Names a customer's private details"})["Location"] == detail
    kudos.refresh_from_db()
    assert (kudos.hidden_by, kudos.hidden_reason) == (admin, "Names a customer's private details")
    event = AuditEvent.objects.get(action="kudos.hidden")
    assert event.actor == admin
    assert event.changes == {"reason": "Names a customer's private details"}

    # Admins still see it, marked hidden with who and why; everyone else gets a 404.
    page = client.get(detail).content.decode()
    assert "by Ada Admin" in page
    assert "Hidden from the wall" in page
    assert "Names a customer&#x27;s private details" in page
    assert "Something inappropriate" not in client.get(url("kudos_wall", org)).content.decode()
    for member in (riley, casey):
        assert client_for(member).get(detail).status_code == 404
        wall = client_for(member).get(url("kudos_wall", org)).content.decode()
        assert "Something inappropriate" not in wall
        react = client_for(member).post(url("kudos_react", org, kudos_id=kudos.pk), {"emoji": "👏"})
        assert react.status_code == 404

    again = client.post(hide, {"reason": "twice"}, follow=True)
    assert "This kudos is already hidden." in again.content.decode()
    assert AuditEvent.objects.filter(action="kudos.hidden").count() == 1


# --- The outsider -------------------------------------------------------------------------------


def test_the_outsider_never_reaches_our_kudos(org, riley, casey, outsider, client_for):
    kudos = send_kudos(riley, [casey], message="Only for Acme eyes")
    charlie = client_for(outsider)
    # Through his own organisation's address: our kudos id is simply not there.
    with tenant_context(outsider.organization_id):
        theirs = outsider.organization.slug
    for name in ("kudos_detail", "kudos_react", "kudos_hide"):
        path = reverse(name, kwargs={"org_slug": theirs, "kudos_id": kudos.pk})
        method = charlie.get if name == "kudos_detail" else charlie.post
        assert method(path, {"emoji": "👏", "reason": "spam"}).status_code == 404, name
    wall = charlie.get(reverse("kudos_wall", kwargs={"org_slug": theirs}))
    assert wall.status_code == 200
    assert "Only for Acme eyes" not in wall.content.decode()
    search_path = reverse("kudos_people_search", kwargs={"org_slug": theirs})
    search = charlie.get(search_path, {"q": "Casey"})
    assert "Casey Support" not in search.content.decode()
    assert 'name="recipients"' not in search.content.decode()
    # Through ours: he is not a member, so nothing of it exists for him.
    assert charlie.get(url("kudos_detail", org, kudos_id=kudos.pk)).status_code == 404
    react = charlie.post(url("kudos_react", org, kudos_id=kudos.pk), {"emoji": "👏"})
    assert react.status_code == 404
    assert charlie.get(url("kudos_wall", org)).status_code == 404
    assert not Reaction.objects.exists()
    kudos.refresh_from_db()
    assert not kudos.is_hidden
