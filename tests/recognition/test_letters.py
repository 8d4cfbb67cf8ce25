"""Thank-you letters to the helper's manager: compose and preview, one letter per manager,
copies to executives, delivery status, acknowledgement by the addressee only, the lists, and
the handover when a manager leaves."""

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from apps.notifications.models import Notification, OutboundEmail
from apps.recognition import services
from apps.recognition.models import Kudos, Letter, LetterCopy, LetterSubject
from apps.tenancy.context import tenant_context
from apps.tenancy.services import membership_deactivate
from tests.factories import MembershipFactory, TeamFactory, send_kudos
from tests.queries import assert_queries_do_not_grow

pytestmark = pytest.mark.django_db


def url(name, org, **kwargs):
    return reverse(name, kwargs={"org_slug": org.slug, **kwargs})


@pytest.fixture
def dana(org):
    """Manages customer service."""
    team = TeamFactory(name="Customer Service", kind="customer_service")
    return MembershipFactory(role="manager", team=team, user__full_name="Dana Support-Lead")


@pytest.fixture
def sam(org):
    """Manages sales (and Lee, who does inside sales)."""
    return MembershipFactory(role="manager", user__full_name="Sam Sales-Lead")


@pytest.fixture
def casey(dana):
    return MembershipFactory(
        role="support",
        reports_to=dana,
        team=dana.team,
        user__full_name="Casey Helper",
        title="Service Specialist",
    )


@pytest.fixture
def lee(sam):
    return MembershipFactory(role="support", reports_to=sam, user__full_name="Lee Quoter")


@pytest.fixture
def riley(sam):
    return MembershipFactory(role="rep", reports_to=sam, user__full_name="Riley Rep")


@pytest.fixture
def erin(org):
    return MembershipFactory(role="manager", is_executive=True, user__full_name="Erin Exec")


def compose(
    client,
    org,
    *,
    subjects,
    body="Casey fixed the Acme invoice in an hour.",
    executives=(),
    action="send",
    key="key-1",
    kudos=None,
):
    path = url("letter_new", org) + (f"?kudos={kudos.pk}" if kudos else "")
    return client.post(
        path,
        {
            "subjects": [m.pk for m in subjects],
            "executives": [m.pk for m in executives],
            "body": body,
            "client_key": key,
            "action": action,
        },
    )


# --- Compose ----------------------------------------------------------------------------------


def test_a_kudos_prefills_the_letter_with_its_people_and_message(
    org, riley, casey, lee, client_for
):
    kudos = send_kudos(riley, [casey, lee], message="Saved the Acme renewal overnight")
    response = client_for(riley).get(url("letter_new", org) + f"?kudos={kudos.pk}")
    assert response.status_code == 200
    form = response.context["form"]
    assert set(form.initial["subjects"]) == {casey.pk, lee.pk}
    assert "Saved the Acme renewal overnight" in form.initial["body"]
    assert "Casey Helper and Lee Quoter" in form.initial["body"]
    assert form.initial["client_key"]


def test_a_kudos_to_two_people_with_two_managers_gives_two_letters_acknowledged_separately(
    org, riley, casey, lee, dana, sam, client_for
):
    kudos = send_kudos(riley, [casey, lee])
    response = compose(client_for(riley), org, subjects=[casey, lee], kudos=kudos)
    assert response.status_code == 302
    assert response["Location"] == url("letters", org) + "?tab=sent"
    letters = {letter.addressed_to: letter for letter in Letter.objects.all()}
    assert set(letters) == {dana, sam}
    assert [s.member for s in letters[dana].subject_links.all()] == [casey]
    assert [s.member for s in letters[sam].subject_links.all()] == [lee]
    assert all(letter.kudos == kudos for letter in letters.values())
    # Each manager finds theirs in the in-app inbox too.
    assert Notification.objects.filter(recipient=dana, category="letters").count() == 1
    assert Notification.objects.filter(recipient=sam, category="letters").count() == 1

    ack = url("letter_acknowledge", org, letter_id=letters[dana].pk)
    assert client_for(dana).post(ack, {"note": "Proud of Casey"}).status_code == 302
    letters[dana].refresh_from_db()
    letters[sam].refresh_from_db()
    assert letters[dana].status == Letter.Status.ACKNOWLEDGED
    assert letters[sam].status != Letter.Status.ACKNOWLEDGED
    ack = url("letter_acknowledge", org, letter_id=letters[sam].pk)
    assert client_for(sam).post(ack, {"note": "Thanks, Lee"}).status_code == 302
    letters[sam].refresh_from_db()
    assert letters[sam].acknowledgement_note == "Thanks, Lee"


def test_without_a_manager_the_letter_goes_to_the_organisations_first_admin(
    org, admin, riley, client_for
):
    MembershipFactory(role="admin", user__full_name="Later Admin")  # joined after Ada
    loner = MembershipFactory(role="support", user__full_name="Lone Helper")
    response = compose(client_for(riley), org, subjects=[loner], action="preview")
    assert "Lone Helper has no active manager" in response.content.decode()
    response = compose(client_for(riley), org, subjects=[loner])
    letter = Letter.objects.get()
    assert letter.addressed_to == admin
    assert response["Location"] == url("letter_detail", org, letter_id=letter.pk)


def test_copied_executives_receive_an_email_copy(
    org, riley, casey, dana, erin, client_for, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        compose(client_for(riley), org, subjects=[casey], executives=[erin])
    letter = Letter.objects.get()
    assert [c.member for c in letter.copy_links.all()] == [erin]
    sent = {m.to[0]: m for m in mail.outbox}
    assert set(sent) == {dana.user.email, erin.user.email}
    assert sent[erin.user.email].subject.startswith("Copy: ")
    assert "Riley Rep copied you on this thank-you letter to Dana Support-Lead" in (
        sent[erin.user.email].body
    )
    # The executive may read the letter, but only the addressee acknowledges it.
    assert client_for(erin).get(url("letter_detail", org, letter_id=letter.pk)).status_code == 200
    ack = url("letter_acknowledge", org, letter_id=letter.pk)
    assert client_for(erin).post(ack, {"note": "Nice"}).status_code == 403


def test_a_non_executive_cannot_be_copied(org, riley, casey, sam, client_for):
    response = compose(client_for(riley), org, subjects=[casey], executives=[sam])
    assert response.status_code == 200
    assert "Sam Sales-Lead is not an executive of the organisation." in response.content.decode()
    assert not Letter.objects.exists()
    assert not OutboundEmail.objects.exists()


def test_the_executive_checkboxes_offer_executives_only(org, riley, casey, sam, erin, client_for):
    form = client_for(riley).get(url("letter_new", org)).context["form"]
    assert [pk for pk, _label in form.fields["executives"].choices] == [erin.pk]


def test_the_people_to_thank_are_named_with_title_and_team_and_a_kudos_picks_its_own(
    org, riley, casey, lee, client_for
):
    kudos = send_kudos(riley, [casey, lee])
    client, path = client_for(riley), url("letter_new", org) + f"?kudos={kudos.pk}"

    def queries() -> int:
        with CaptureQueriesContext(connection) as sent:
            client.get(path)
        return len(sent)

    few = queries()
    MembershipFactory.create_batch(20, team=casey.team, title="Agent")
    many = queries()
    html = client.get(path).content.decode()
    people = html.split('name="subjects"', 1)[1].split("</select>", 1)[0]

    assert " multiple" in people.split(">", 1)[0]  # several can be picked
    assert (
        f'<option value="{casey.pk}" selected>Casey Helper (Service Specialist, Customer '
        "Service)</option>"
    ) in people
    assert f'<option value="{lee.pk}" selected>Lee Quoter</option>' in people
    assert f'value="{riley.pk}"' not in people  # not oneself
    assert many == few  # the list is one query, however many people it offers


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"body": "   "}, "The letter can&#x27;t be empty."),
        ({"subjects": []}, "Pick at least one person to thank."),
        ({"body": "x" * 4001}, "Keep the letter under 4000 characters."),
    ],
)
def test_bad_input_is_a_clear_form_error_and_nothing_is_sent(
    org, riley, casey, client_for, data, message
):
    response = compose(client_for(riley), org, **{"subjects": [casey], **data})
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Letter.objects.exists()


def test_the_preview_is_exactly_what_is_sent(
    org, riley, casey, lee, dana, sam, erin, client_for, django_capture_on_commit_callbacks
):
    client = client_for(riley)
    body = "Casey and Lee turned a lost order around.\n\nThe customer stayed."
    response = compose(
        client, org, subjects=[casey, lee], executives=[erin], body=body, action="preview"
    )
    assert response.status_code == 200
    previews = {p.draft.addressed_to: p for p in response.context["previews"]}
    assert set(previews) == {dana, sam}
    assert [m.display_name for m in previews[dana].draft.subjects] == ["Casey Helper"]
    assert previews[dana].draft.copies == [erin]
    page = response.content.decode()
    assert "Dear Dana Support-Lead," in page
    assert "Dear Sam Sales-Lead," in page
    assert not Letter.objects.exists()  # a preview sends nothing
    assert not OutboundEmail.objects.exists()

    with django_capture_on_commit_callbacks(execute=True):
        compose(client, org, subjects=[casey, lee], executives=[erin], body=body)
    for manager, preview in previews.items():
        email = OutboundEmail.objects.get(recipient=manager)
        assert email.body_text.startswith(preview.text.rstrip("\n"))
        letter = Letter.objects.get(addressed_to=manager)
        draft = services.LetterDraft(
            addressed_to=manager,
            subjects=[s.member for s in letter.subject_links.all()],
            copies=[c.member for c in letter.copy_links.all()],
            body=letter.body,
        )
        sent = services.letter_render_text(letter=letter, draft=draft, organization=org)
        assert sent.startswith(preview.text.rstrip("\n"))


def test_html_in_the_body_is_shown_as_text(org, riley, casey, dana, client_for):
    body = '<script>alert("x")</script><b>bold</b> help'
    preview = compose(client_for(riley), org, subjects=[casey], body=body, action="preview")
    assert "<script>alert" not in preview.content.decode()
    assert "&lt;script&gt;" in preview.content.decode()
    compose(client_for(riley), org, subjects=[casey], body=body)
    letter = Letter.objects.get()
    for viewer in (riley, dana, casey):
        page = client_for(viewer).get(url("letter_detail", org, letter_id=letter.pk))
        assert "<script>alert" not in page.content.decode()
        assert "&lt;b&gt;bold&lt;/b&gt;" in page.content.decode()
    email = OutboundEmail.objects.get(recipient=dana)
    assert "<script>" not in email.body_html
    assert "&lt;script&gt;" in email.body_html
    assert body in email.body_text  # the text part is plain text: shown as written


def test_a_double_submit_sends_once(org, riley, casey, lee, client_for):
    client = client_for(riley)
    first = compose(client, org, subjects=[casey, lee], key="same-key")
    second = compose(client, org, subjects=[casey, lee], key="same-key")
    assert first["Location"] == second["Location"]
    assert Letter.objects.count() == 2  # one per manager, once
    assert OutboundEmail.objects.filter(category="letters").count() == 2


def test_letters_from_a_kudos_need_a_visible_kudos_sent_by_me(
    org, riley, casey, lee, dana, client_for
):
    others = send_kudos(lee, [casey], message="Lee thanks Casey")
    private = send_kudos(lee, [casey], visibility=Kudos.Visibility.PRIVATE)
    new = url("letter_new", org)
    assert client_for(riley).get(f"{new}?kudos={others.pk}").status_code == 403
    assert client_for(riley).post(f"{new}?kudos={others.pk}").status_code == 403
    assert client_for(riley).get(f"{new}?kudos={private.pk}").status_code == 404
    assert client_for(riley).get(f"{new}?kudos=abc").status_code == 404
    assert client_for(riley).get(f"{new}?kudos=99999999999999999999").status_code == 404
    # The sender of a private kudos may still turn it into a letter.
    assert client_for(lee).get(f"{new}?kudos={private.pk}").status_code == 200


# --- Status and acknowledgement ----------------------------------------------------------------


def test_status_goes_queued_then_delivered_then_acknowledged(
    org, riley, casey, dana, client_for, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        compose(client_for(riley), org, subjects=[casey])
    letter = Letter.objects.get()
    assert letter.status == Letter.Status.QUEUED
    sent_tab = url("letters", org) + "?tab=sent"
    assert "Queued" in client_for(riley).get(sent_tab).content.decode()

    for callback in callbacks:  # the commit happens: the outbox hands the mail to the server
        callback()
    assert [m.to for m in mail.outbox] == [[dana.user.email]]
    letter.refresh_from_db()
    assert letter.status == Letter.Status.DELIVERED
    assert "Delivered" in client_for(riley).get(sent_tab).content.decode()

    ack = url("letter_acknowledge", org, letter_id=letter.pk)
    client_for(dana).post(ack, {"note": "Thank you for telling me"})
    letter.refresh_from_db()
    assert letter.status == Letter.Status.ACKNOWLEDGED
    assert "Acknowledged" in client_for(riley).get(sent_tab).content.decode()


def test_only_the_addressee_acknowledges(org, admin, riley, casey, dana, sam, outsider, client_for):
    compose(client_for(riley), org, subjects=[casey])
    letter = Letter.objects.get()
    ack = url("letter_acknowledge", org, letter_id=letter.pk)
    for someone_else in (riley, casey, admin):  # they see the letter, but it is not theirs
        assert client_for(someone_else).post(ack, {"note": "Me!"}).status_code == 403
    assert client_for(sam).post(ack, {"note": "Me!"}).status_code == 404  # not involved
    assert client_for(outsider).post(ack, {"note": "Me!"}).status_code == 404
    letter.refresh_from_db()
    assert letter.acknowledged_at is None

    detail = url("letter_detail", org, letter_id=letter.pk)
    assert 'id="acknowledge"' in client_for(dana).get(detail).content.decode()
    assert 'id="acknowledge"' not in client_for(riley).get(detail).content.decode()
    assert client_for(dana).post(ack, {"note": "Well done"}).status_code == 302
    again = client_for(dana).post(ack, {"note": "Changed my mind"}, follow=True)
    assert "This letter has already been acknowledged." in again.content.decode()
    letter.refresh_from_db()
    assert letter.acknowledgement_note == "Well done"
    assert letter.acknowledged_by == dana


def test_a_note_too_long_is_a_form_error(org, riley, casey, dana, client_for):
    compose(client_for(riley), org, subjects=[casey])
    letter = Letter.objects.get()
    ack = url("letter_acknowledge", org, letter_id=letter.pk)
    response = client_for(dana).post(ack, {"note": "x" * 1001})
    assert response.status_code == 200
    assert "Keep the note under 1000 characters." in response.content.decode()
    assert 'maxlength="1000"' in response.content.decode()
    letter.refresh_from_db()
    assert letter.acknowledged_at is None


def test_the_people_thanked_see_the_letter_and_the_managers_note(
    org, riley, casey, dana, client_for
):
    compose(client_for(riley), org, subjects=[casey], body="Casey saved the day.")
    letter = Letter.objects.get()
    client_for(dana).post(
        url("letter_acknowledge", org, letter_id=letter.pk), {"note": "Casey, this is <great>"}
    )
    page = client_for(casey).get(url("letter_detail", org, letter_id=letter.pk)).content.decode()
    assert "Casey saved the day." in page
    assert "Casey, this is &lt;great&gt;" in page
    about = client_for(casey).get(url("letters", org) + "?tab=about").content.decode()
    assert "Casey, this is &lt;great&gt;" in about
    notice = Notification.objects.filter(recipient=casey, body="Casey, this is <great>")
    assert notice.exists()


def test_letters_are_visible_to_the_people_involved_only(
    org, admin, riley, casey, lee, dana, sam, erin, outsider, client_for
):
    compose(client_for(riley), org, subjects=[casey])
    letter = Letter.objects.get()
    detail = url("letter_detail", org, letter_id=letter.pk)
    for allowed in (riley, casey, dana, admin):
        assert client_for(allowed).get(detail).status_code == 200
    for stranger in (lee, sam, erin):
        assert client_for(stranger).get(detail).status_code == 404
    assert client_for(outsider).get(detail).status_code == 404
    their_page = reverse(
        "letter_detail",
        kwargs={"org_slug": outsider.organization.slug, "letter_id": letter.pk},
    )
    assert client_for(outsider).get(their_page).status_code == 404


# --- Lists -------------------------------------------------------------------------------------


def test_the_inbox_lists_waiting_letters_first(org, riley, casey, dana, client_for):
    for key in ("a", "b", "c"):
        compose(client_for(riley), org, subjects=[casey], key=key, body=f"Letter {key}")
    oldest, middle, newest = Letter.objects.order_by("created_at", "id")
    client_for(dana).post(url("letter_acknowledge", org, letter_id=newest.pk), {"note": ""})
    response = client_for(dana).get(url("letters", org))
    assert response.context["tab"] == "inbox"  # a manager lands on their inbox
    assert list(response.context["page_obj"]) == [middle, oldest, newest]
    assert response.context["waiting"] == 2
    page = response.content.decode()
    assert page.count("#acknowledge") == 2


def test_each_tab_lists_its_own_letters(org, riley, casey, dana, client_for):
    compose(client_for(riley), org, subjects=[casey])
    letter = Letter.objects.get()
    tabs = {
        (riley, "sent"): [letter],
        (riley, "inbox"): [],
        (riley, "about"): [],
        (casey, "about"): [letter],
        (casey, "sent"): [],
        (dana, "inbox"): [letter],
        (dana, "about"): [],
    }
    for (member, tab), expected in tabs.items():
        response = client_for(member).get(url("letters", org) + f"?tab={tab}")
        assert list(response.context["page_obj"]) == expected, (member, tab)
    assert client_for(casey).get(url("letters", org)).context["tab"] == "about"
    assert client_for(riley).get(url("letters", org)).context["tab"] == "sent"
    assert client_for(riley).post(url("letters", org)).status_code == 405


def test_the_outsider_never_sees_our_letters(org, riley, casey, outsider, client_for):
    compose(client_for(riley), org, subjects=[casey])
    client = client_for(outsider)
    assert client.get(url("letters", org)).status_code == 404
    for tab in ("inbox", "sent", "about"):
        theirs = reverse("letters", kwargs={"org_slug": outsider.organization.slug})
        response = client.get(f"{theirs}?tab={tab}")
        assert response.status_code == 200
        assert list(response.context["page_obj"]) == []
        assert "Casey Helper" not in response.content.decode()


def _bulk_letters(sender, manager, subject, copy, count):
    """Rows as letters_send writes them, without rendering hundreds of e-mails."""
    letters = Letter.objects.bulk_create(
        Letter(sender=sender, addressed_to=manager, body=f"Letter {i}") for i in range(count)
    )
    LetterSubject.objects.bulk_create(
        LetterSubject(letter=letter, member=subject, created_at=letter.created_at)
        for letter in letters
    )
    LetterCopy.objects.bulk_create(LetterCopy(letter=letter, member=copy) for letter in letters)


@pytest.mark.parametrize(
    ("viewer", "tab"), [("dana", "inbox"), ("riley", "sent"), ("casey", "about")]
)
def test_the_lists_cost_the_same_queries_with_hundreds_of_letters(
    org, riley, casey, dana, erin, client_for, viewer, tab
):
    members = {"dana": dana, "riley": riley, "casey": casey}
    client = client_for(members[viewer])
    path = url("letters", org) + f"?tab={tab}"

    def queries():
        with CaptureQueriesContext(connection) as context:
            response = client.get(path)
        assert response.status_code == 200
        return len(context.captured_queries), len(response.context["page_obj"])

    _bulk_letters(riley, dana, casey, erin, 3)
    few, shown = queries()
    assert shown == 3
    _bulk_letters(riley, dana, casey, erin, 300)
    many, shown = queries()
    assert shown == 25
    # session, user, organisation, savepoint, set_config, membership; then the count of the
    # tab, its page of letters (sender, addressee, acknowledger, e-mail joined), their people,
    # their copies, the waiting count; the nav's unread count and organisations; set_config
    # restore, release savepoint. None of it grows with the letters.
    assert few == many


# --- Handover ----------------------------------------------------------------------------------


def test_letters_waiting_on_a_deactivated_manager_move_to_their_successor(
    org, admin, riley, casey, dana, client_for
):
    director = MembershipFactory(role="manager", user__full_name="Dee Director")
    dana.reports_to = director
    dana.save()
    compose(client_for(riley), org, subjects=[casey], key="answered")
    compose(client_for(riley), org, subjects=[casey], key="waiting")
    answered, waiting = Letter.objects.order_by("id")
    services.letter_acknowledge(letter=answered, actor=dana, note="Done")

    membership_deactivate(membership=dana, actor=admin)

    answered.refresh_from_db()
    waiting.refresh_from_db()
    assert waiting.addressed_to == director
    assert answered.addressed_to == dana  # history stays as it was
    ack = url("letter_acknowledge", org, letter_id=waiting.pk)
    assert client_for(director).post(ack, {"note": "Taking over"}).status_code == 302
    waiting.refresh_from_db()
    assert waiting.acknowledged_by == director


def test_the_outsiders_letters_stay_theirs(org, outsider, riley, casey, client_for):
    """Charlie's own letters work in his organisation and never show up in ours."""
    with tenant_context(outsider.organization_id):
        helper = MembershipFactory(role="support", reports_to=outsider)
        services.letters_send(sender=outsider, subjects=[helper], body="Thanks from Outsider")
    compose(client_for(riley), org, subjects=[casey])
    assert list(Letter.objects.values_list("body", flat=True)) == [
        "Casey fixed the Acme invoice in an hour."
    ]
    page = client_for(riley).get(url("letters", org) + "?tab=sent").content.decode()
    assert "Thanks from Outsider" not in page


def test_the_compose_page_costs_the_same_queries_with_hundreds_of_people(
    org, riley, casey, client_for
):
    def grow(count: int) -> None:
        team = TeamFactory(kind="customer_service")
        for _ in range(count):
            MembershipFactory(role="support", team=team, title="Specialist")
            MembershipFactory(role="manager", is_executive=True, team=team)

    # People to thank and executives to copy: every one an option.
    assert_queries_do_not_grow(client_for(riley), url("letter_new", org), grow, more=60)
