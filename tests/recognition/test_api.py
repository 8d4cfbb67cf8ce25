"""The recognition API: kudos (list with filters, send, retrieve), reactions, letters (list,
write, acknowledge), values and a member's recognition. The same rules as the pages; bad input is
a 400 problem that writes nothing; creates honour Idempotency-Key; another organisation's ids
are 404s in a path and 400s in a body, and never show up in a list."""

from datetime import timedelta
from urllib.parse import quote

import pytest
import yaml
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from apps.core.api.problems import PROBLEM_CONTENT_TYPE
from apps.core.models import IdempotencyRecord
from apps.notifications.models import Notification, OutboundEmail
from apps.recognition import selectors, services
from apps.recognition.apis import (
    KUDOS_NOT_YOURS,
    LETTER_ABOUT_YOURSELF,
    REACTIONS_CLOSED,
    SINCE_INVALID,
    UNKNOWN_KUDOS,
)
from apps.recognition.models import (
    Kudos,
    KudosRecipient,
    KudosValue,
    Letter,
    LetterSubject,
    Reaction,
)
from apps.tenancy.context import tenant_context
from tests.factories import MembershipFactory, TeamFactory, ValueFactory, send_kudos

pytestmark = pytest.mark.django_db

KUDOS = "/api/v1/kudos/"
LETTERS = "/api/v1/letters/"
VALUES = "/api/v1/values/"


def kudos_url(kudos_id, suffix=""):
    return f"{KUDOS}{kudos_id}/{suffix}"


def recognition_url(member_id):
    return f"/api/v1/members/{member_id}/recognition/"


def acknowledge_url(letter_id):
    return f"{LETTERS}{letter_id}/acknowledge/"


@pytest.fixture
def dana(org):
    team = TeamFactory(name="Customer Service", kind="customer_service")
    return MembershipFactory(role="manager", team=team, user__full_name="Dana Lead")


@pytest.fixture
def sam(org):
    return MembershipFactory(role="manager", user__full_name="Sam Sales")


@pytest.fixture
def casey(dana):
    return MembershipFactory(role="support", reports_to=dana, user__full_name="Casey Helper")


@pytest.fixture
def lee(sam):
    return MembershipFactory(role="support", reports_to=sam, user__full_name="Lee Quoter")


@pytest.fixture
def riley(sam):
    return MembershipFactory(role="rep", reports_to=sam, user__full_name="Riley Rep")


@pytest.fixture
def bob(org):
    """A colleague with no part in any of it."""
    return MembershipFactory(role="rep", user__full_name="Bob Bystander")


@pytest.fixture
def theirs(outsider):
    """Charlie's organisation's rows: a member, a value, a kudos and a letter."""
    with tenant_context(outsider.organization_id):
        member = MembershipFactory(role="support", reports_to=outsider)
        value = ValueFactory(name="Their value")
        kudos = send_kudos(outsider, [member], "Their kudos", values=[value])
        (letter,) = services.letters_send(sender=outsider, subjects=[member], body="Theirs")
    return {"member": member, "value": value, "kudos": kudos, "letter": letter}


def _ids(response) -> list[int]:
    assert response.status_code == 200, response.content
    return [item["id"] for item in response.json()["results"]]


def _problem(response, status=400) -> dict:
    assert response.status_code == status, response.content
    assert response["Content-Type"] == PROBLEM_CONTENT_TYPE
    return response.json()


# --- Kudos: list ---------------------------------------------------------------------------------


def test_it_lists_the_kudos_i_may_see_newest_first_with_their_details(
    org, casey, riley, bob, api_client_for
):
    fast = ValueFactory(name="Fast fix")
    first = send_kudos(riley, [casey], "Fixed the invoice", values=[fast], customer_name="Acme")
    second = send_kudos(bob, [casey, riley], "Found the parcel")
    services.reaction_add(kudos=first, member=bob, emoji="👏")
    services.reaction_add(kudos=first, member=casey, emoji="👏")

    response = api_client_for(bob).get(KUDOS)

    assert _ids(response) == [second.pk, first.pk]
    assert response.json()["results"][1] == {
        "id": first.pk,
        "sender": {"id": riley.pk, "name": "Riley Rep"},
        "recipients": [{"id": casey.pk, "name": "Casey Helper"}],
        "values": [{"id": fast.pk, "name": "Fast fix"}],
        "message": "Fixed the invoice",
        "customer_name": "Acme",
        "visibility": "organization",
        "reactions": [{"emoji": "👏", "count": 2, "mine": True}],
        "hidden": False,
        "created_at": response.json()["results"][1]["created_at"],
    }


def test_private_and_hidden_kudos_are_left_out(org, casey, dana, riley, bob, admin,
                                               api_client_for):  # fmt: skip
    public = send_kudos(riley, [casey], "Public")
    private = send_kudos(riley, [casey], "Quiet", visibility=Kudos.Visibility.PRIVATE)
    hidden = send_kudos(riley, [casey], "Rude")
    services.kudos_hide(kudos=hidden, actor=admin, reason="Rude")

    assert _ids(api_client_for(bob).get(KUDOS)) == [public.pk]
    assert _ids(api_client_for(casey).get(KUDOS)) == [private.pk, public.pk]
    assert _ids(api_client_for(dana).get(KUDOS)) == [private.pk, public.pk]  # her report's
    assert _ids(api_client_for(admin).get(KUDOS)) == [public.pk]


def test_it_filters_by_recipient_sender_value_and_date(org, casey, lee, riley, bob,
                                                        api_client_for):  # fmt: skip
    fast = ValueFactory(name="Fast fix")
    old = send_kudos(riley, [casey], "Old", values=[fast])
    Kudos.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=30))
    to_lee = send_kudos(riley, [lee], "To Lee", values=[fast])
    from_bob = send_kudos(bob, [casey], "From Bob")
    client = api_client_for(bob)
    week_ago = timezone.now() - timedelta(days=7)

    assert _ids(client.get(KUDOS, {"recipient": casey.pk})) == [from_bob.pk, old.pk]
    assert _ids(client.get(KUDOS, {"sender": riley.pk})) == [to_lee.pk, old.pk]
    assert _ids(client.get(KUDOS, {"value": fast.pk})) == [to_lee.pk, old.pk]
    assert _ids(client.get(KUDOS, {"since": week_ago.date().isoformat()})) == [
        from_bob.pk, to_lee.pk,
    ]  # fmt: skip
    assert _ids(client.get(KUDOS, {"since": week_ago.isoformat()})) == [from_bob.pk, to_lee.pk]
    naive = week_ago.replace(tzinfo=None).isoformat(timespec="seconds")
    assert _ids(client.get(KUDOS, {"since": naive})) == [from_bob.pk, to_lee.pk]
    both = {"recipient": casey.pk, "sender": riley.pk, "value": fast.pk}
    assert _ids(client.get(KUDOS, both)) == [old.pk]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"recipient": "casey"}, "recipient"),
        ({"sender": "0"}, "sender"),
        ({"value": "9" * 30}, "value"),
        ({"recipient": "1\x00"}, "recipient"),
        ({"since": "yesterday"}, "since"),
        ({"since": "2025-02-30"}, "since"),
        ({"since": "2025-01-01T10:00:00+25:00"}, "since"),
        ({"since": "1999-12-31"}, "since"),
        ({"since": "0001-01-01T00:00:00+14:00"}, "since"),
        ({"since": "2025-01-01\x00"}, "since"),
        ({"since": "2" * 500}, "since"),
    ],
)
def test_a_bad_filter_is_a_400_problem(org, bob, api_client_for, params, field):
    problem = _problem(api_client_for(bob).get(KUDOS, params))
    assert field in problem["errors"]


def test_the_date_filter_explains_itself(org, bob, api_client_for):
    problem = _problem(api_client_for(bob).get(KUDOS, {"since": "last week"}))
    assert problem["errors"]["since"] == [SINCE_INVALID]


def test_the_list_pages_with_a_cursor(org, casey, riley, api_client_for):
    sent = [send_kudos(riley, [casey], f"Thanks {i}") for i in range(5)]
    client = api_client_for(riley)
    first = client.get(KUDOS, {"page_size": 2})
    assert _ids(first) == [sent[4].pk, sent[3].pk]
    second = client.get(first.json()["next"])
    assert _ids(second) == [sent[2].pk, sent[1].pk]


# --- Kudos: send ---------------------------------------------------------------------------------


def test_it_sends_kudos_and_tells_the_recipients(org, casey, lee, riley, api_client_for):
    fast = ValueFactory(name="Fast fix")
    response = api_client_for(riley).post(
        KUDOS,
        {"recipients": [casey.pk, lee.pk], "message": " Saved the Acme order ",
         "values": [fast.pk], "customer_name": "Acme", "visibility": "private"},
        format="json",
    )  # fmt: skip
    assert response.status_code == 201, response.content
    body = response.json()
    kudos = Kudos.objects.get()
    assert body["id"] == kudos.pk
    assert body["message"] == "Saved the Acme order"
    assert body["recipients"] == [
        {"id": casey.pk, "name": "Casey Helper"}, {"id": lee.pk, "name": "Lee Quoter"},
    ]  # fmt: skip
    assert body["values"] == [{"id": fast.pk, "name": "Fast fix"}]
    assert (body["visibility"], body["customer_name"]) == ("private", "Acme")
    assert set(Notification.objects.filter(category="kudos").values_list("recipient", flat=True)) \
        == {casey.pk, lee.pk}  # fmt: skip


def test_a_retried_send_with_the_same_key_creates_one_kudos(org, casey, riley, api_client_for):
    client = api_client_for(riley)
    body = {"recipients": [casey.pk], "message": "Thanks"}
    first = client.post(KUDOS, body, format="json", headers={"Idempotency-Key": "k-1"})
    retry = client.post(KUDOS, body, format="json", headers={"Idempotency-Key": "k-1"})
    assert (first.status_code, retry.status_code) == (201, 201)
    assert retry["Idempotent-Replayed"] == "true"
    assert retry.json() == first.json()
    assert Kudos.objects.count() == 1
    assert Notification.objects.filter(recipient=casey).count() == 1
    other = client.post(KUDOS, body, format="json", headers={"Idempotency-Key": "k-2"})
    assert other.status_code == 201
    assert Kudos.objects.count() == 2


def _bad_kudos_bodies(casey, riley, outsider_member, outsider_value, inactive, retired):
    ok = {"recipients": [casey.pk], "message": "Thanks"}
    return [
        ({}, "recipients"),
        ({**ok, "recipients": "casey"}, "recipients"),
        ({**ok, "recipients": []}, "recipients"),
        ({**ok, "recipients": ["x"]}, "recipients"),
        ({**ok, "recipients": [10**30]}, "recipients"),
        ({**ok, "recipients": list(range(1, 12))}, "recipients"),
        ({**ok, "recipients": [riley.pk]}, "recipients"),  # yourself
        ({**ok, "recipients": [outsider_member.pk]}, "recipients"),
        ({**ok, "recipients": [inactive.pk]}, "recipients"),
        ({**ok, "message": ""}, "message"),
        ({**ok, "message": "   "}, "message"),
        ({**ok, "message": ["Thanks"]}, "message"),
        ({**ok, "message": "x" * 1001}, "message"),
        ({**ok, "message": "x" * 100_000}, "message"),
        ({**ok, "message": "Nul\x00byte"}, "message"),
        ({**ok, "values": [outsider_value.pk]}, "values"),
        ({**ok, "values": [retired.pk]}, "values"),
        ({**ok, "values": "fast"}, "values"),
        ({**ok, "customer_name": "x" * 121}, "customer_name"),
        ({**ok, "visibility": "secret"}, "visibility"),
    ]


def test_bad_kudos_are_400_problems_and_write_nothing(org, casey, riley, theirs, api_client_for):
    inactive = MembershipFactory(is_active=False)
    retired = ValueFactory(is_active=False)
    client = api_client_for(riley)
    cases = _bad_kudos_bodies(casey, riley, theirs["member"], theirs["value"], inactive, retired)
    for index, (body, field) in enumerate(cases):
        response = client.post(KUDOS, body, format="json", headers={"Idempotency-Key": f"k{index}"})
        problem = _problem(response)
        assert field in problem["errors"], (body, problem)
    assert not Kudos.objects.exists()
    assert not KudosRecipient.objects.exists()
    assert not Notification.objects.filter(category="kudos").exists()
    assert not IdempotencyRecord.objects.exists()


def test_a_body_that_is_not_json_is_a_400_problem(org, riley, api_client_for):
    response = api_client_for(riley).post(KUDOS, "{not json", content_type="application/json")
    _problem(response)
    assert not Kudos.objects.exists()


def test_an_unknown_id_reads_the_same_whether_it_exists_elsewhere_or_not(
    org, riley, theirs, api_client_for
):
    client = api_client_for(riley)
    elsewhere = theirs["member"].pk
    nowhere = elsewhere + 10_000
    answers = [
        _problem(client.post(KUDOS, {"recipients": [pk], "message": "Hi"}, format="json"))
        for pk in (elsewhere, nowhere)
    ]
    assert [a["errors"]["recipients"] for a in answers] == [
        [f"No member of your organisation has the id {elsewhere}."],
        [f"No member of your organisation has the id {nowhere}."],
    ]


# --- Kudos: retrieve -----------------------------------------------------------------------------


def test_it_retrieves_a_kudos_i_may_see(org, casey, riley, bob, api_client_for):
    kudos = send_kudos(riley, [casey], "Thanks")
    response = api_client_for(bob).get(kudos_url(kudos.pk))
    assert response.status_code == 200
    assert response.json()["message"] == "Thanks"


def test_a_kudos_i_may_not_see_is_not_found(org, casey, riley, bob, admin, api_client_for):
    private = send_kudos(riley, [casey], "Quiet", visibility=Kudos.Visibility.PRIVATE)
    hidden = send_kudos(riley, [casey], "Rude")
    services.kudos_hide(kudos=hidden, actor=admin, reason="Rude")
    client = api_client_for(bob)
    _problem(client.get(kudos_url(private.pk)), 404)
    _problem(client.get(kudos_url(hidden.pk)), 404)
    _problem(client.get(kudos_url(10**30)), 404)
    assert api_client_for(casey).get(kudos_url(private.pk)).status_code == 200
    shown = api_client_for(admin).get(kudos_url(hidden.pk))  # admins see what they hid
    assert shown.json()["hidden"] is True


# --- Reactions -----------------------------------------------------------------------------------


def test_a_reaction_is_added_once(org, casey, riley, bob, api_client_for):
    kudos = send_kudos(riley, [casey], "Thanks")
    client = api_client_for(bob)
    first = client.post(kudos_url(kudos.pk, "reactions/"), {"emoji": "👏"}, format="json")
    again = client.post(kudos_url(kudos.pk, "reactions/"), {"emoji": "👏"}, format="json")
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json() == again.json() == {"kudos": kudos.pk, "emoji": "👏"}
    assert Reaction.objects.filter(kudos=kudos, member=bob).count() == 1


def test_a_reaction_is_taken_back_by_its_percent_encoded_emoji(org, casey, riley, bob,
                                                               api_client_for):  # fmt: skip
    kudos = send_kudos(riley, [casey], "Thanks")
    client = api_client_for(bob)
    for emoji in ("👏", "❤️"):
        client.post(kudos_url(kudos.pk, "reactions/"), {"emoji": emoji}, format="json")
    services.reaction_add(kudos=kudos, member=casey, emoji="👏")  # someone else's stays
    path = kudos_url(kudos.pk, f"reactions/{quote('❤️')}/")
    assert client.delete(path).status_code == 204
    assert client.delete(path).status_code == 204  # already gone: nothing changes
    assert client.delete(kudos_url(kudos.pk, f"reactions/{quote('👏')}/")).status_code == 204
    assert list(Reaction.objects.values_list("member", "emoji")) == [(casey.pk, "👏")]


@pytest.mark.parametrize("body", [{}, {"emoji": "💩"}, {"emoji": "👏" * 500}, {"emoji": ["👏"]}])
def test_a_bad_reaction_is_a_400_problem(org, casey, riley, bob, api_client_for, body):
    kudos = send_kudos(riley, [casey], "Thanks")
    _problem(api_client_for(bob).post(kudos_url(kudos.pk, "reactions/"), body, format="json"))
    assert not Reaction.objects.exists()


def test_taking_back_an_unknown_emoji_is_a_400_problem(org, casey, riley, bob, api_client_for):
    kudos = send_kudos(riley, [casey], "Thanks")
    _problem(api_client_for(bob).delete(kudos_url(kudos.pk, "reactions/nope/")))


def test_reactions_need_a_kudos_i_may_see_and_that_is_not_hidden(org, casey, riley, bob, admin,
                                                                 api_client_for):  # fmt: skip
    private = send_kudos(riley, [casey], "Quiet", visibility=Kudos.Visibility.PRIVATE)
    hidden = send_kudos(riley, [casey], "Rude")
    services.kudos_hide(kudos=hidden, actor=admin, reason="Rude")
    client = api_client_for(bob)
    _problem(client.post(kudos_url(private.pk, "reactions/"), {"emoji": "👏"}, format="json"), 404)
    _problem(client.delete(kudos_url(private.pk, f"reactions/{quote('👏')}/")), 404)
    closed = api_client_for(admin).post(
        kudos_url(hidden.pk, "reactions/"), {"emoji": "👏"}, format="json"
    )
    assert _problem(closed)["detail"] == REACTIONS_CLOSED
    assert not Reaction.objects.exists()


# --- Letters -------------------------------------------------------------------------------------


def test_it_writes_one_letter_per_manager(org, casey, lee, dana, sam, riley, api_client_for):
    exec_ = MembershipFactory(role="manager", is_executive=True, user__full_name="Erin Exec")
    response = api_client_for(riley).post(
        LETTERS,
        {"subjects": [casey.pk, lee.pk], "body": "They saved the Acme order.",
         "executives": [exec_.pk]},
        format="json",
    )  # fmt: skip
    assert response.status_code == 201, response.content
    letters = response.json()
    assert [(x["addressed_to"]["id"], [s["id"] for s in x["subjects"]]) for x in letters] == [
        (dana.pk, [casey.pk]), (sam.pk, [lee.pk]),
    ]  # fmt: skip
    assert letters[0]["copies"] == [{"id": exec_.pk, "name": "Erin Exec"}]
    assert letters[0]["status"] in ("queued", "delivered")
    assert (letters[0]["acknowledged_at"], letters[0]["acknowledged_by"]) == (None, None)
    assert Letter.objects.count() == 2


def test_a_letter_can_grow_from_my_own_kudos_only(org, casey, riley, bob, theirs,
                                                  api_client_for):  # fmt: skip
    mine = send_kudos(riley, [casey], "Thanks")
    bobs = send_kudos(bob, [casey], "Thanks too")
    private = send_kudos(bob, [casey], "Quiet", visibility=Kudos.Visibility.PRIVATE)
    client = api_client_for(riley)
    body = {"subjects": [casey.pk], "body": "Casey helped."}

    response = client.post(LETTERS, {**body, "kudos": mine.pk}, format="json")
    assert response.status_code == 201
    assert response.json()[0]["kudos"] == mine.pk

    not_mine = client.post(LETTERS, {**body, "kudos": bobs.pk}, format="json")
    assert _problem(not_mine)["errors"]["kudos"] == [KUDOS_NOT_YOURS]
    for invisible in (private.pk, theirs["kudos"].pk):
        answer = client.post(LETTERS, {**body, "kudos": invisible}, format="json")
        assert _problem(answer)["errors"]["kudos"] == [UNKNOWN_KUDOS]
    assert Letter.objects.count() == 1


def test_bad_letters_are_400_problems_and_write_nothing(org, casey, riley, bob, theirs,
                                                        api_client_for):  # fmt: skip
    ok = {"subjects": [casey.pk], "body": "Casey helped."}
    cases = [
        ({}, "subjects"),
        ({**ok, "subjects": []}, "subjects"),
        ({**ok, "subjects": [riley.pk]}, "subjects"),  # yourself
        ({**ok, "subjects": [theirs["member"].pk]}, "subjects"),
        ({**ok, "subjects": "casey"}, "subjects"),
        ({**ok, "body": ""}, "body"),
        ({**ok, "body": "x" * 4001}, "body"),
        ({**ok, "body": "x" * 200_000}, "body"),
        ({**ok, "body": "Nul\x00"}, "body"),
        ({**ok, "executives": [bob.pk]}, "executives"),  # not an executive
        ({**ok, "executives": [theirs["member"].pk]}, "executives"),
        ({**ok, "kudos": "first"}, "kudos"),
    ]
    client = api_client_for(riley)
    for index, (body, field) in enumerate(cases):
        response = client.post(
            LETTERS, body, format="json", headers={"Idempotency-Key": f"k{index}"}
        )
        assert field in _problem(response)["errors"], body
    assert _problem(client.post(LETTERS, {**ok, "subjects": [riley.pk]}, format="json"))["errors"][
        "subjects"
    ] == [LETTER_ABOUT_YOURSELF]
    assert not Letter.objects.exists()
    assert not Notification.objects.filter(category="letters").exists()
    assert not IdempotencyRecord.objects.exists()


def test_a_retried_letter_with_the_same_key_is_sent_once(org, casey, riley, api_client_for):
    client = api_client_for(riley)
    body = {"subjects": [casey.pk], "body": "Casey helped."}
    first = client.post(LETTERS, body, format="json", headers={"Idempotency-Key": "l-1"})
    retry = client.post(LETTERS, body, format="json", headers={"Idempotency-Key": "l-1"})
    assert retry["Idempotent-Replayed"] == "true"
    assert retry.json() == first.json()
    assert Letter.objects.count() == 1


def test_it_lists_the_letters_i_may_read(org, casey, dana, riley, bob, admin, theirs,
                                         api_client_for):  # fmt: skip
    (letter,) = services.letters_send(sender=riley, subjects=[casey], body="Casey helped.")
    for reader in (riley, dana, casey, admin):
        assert _ids(api_client_for(reader).get(LETTERS)) == [letter.pk]
    assert _ids(api_client_for(bob).get(LETTERS)) == []


def test_the_addressee_acknowledges_and_the_note_is_shown(org, casey, dana, riley,
                                                          api_client_for):  # fmt: skip
    (letter,) = services.letters_send(sender=riley, subjects=[casey], body="Casey helped.")
    response = api_client_for(dana).post(
        acknowledge_url(letter.pk), {"note": "Proud of you, Casey"}, format="json"
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["status"], body["acknowledgement_note"]) == ("acknowledged", "Proud of you, Casey")
    assert body["acknowledged_by"] == {"id": dana.pk, "name": "Dana Lead"}
    assert Notification.objects.filter(recipient=casey, body="Proud of you, Casey").exists()
    again = api_client_for(dana).post(acknowledge_url(letter.pk), {"note": "x"}, format="json")
    assert "already been acknowledged" in _problem(again)["detail"]


def test_only_the_addressee_may_acknowledge(org, casey, dana, riley, bob, admin, api_client_for):
    (letter,) = services.letters_send(sender=riley, subjects=[casey], body="Casey helped.")
    for reader in (riley, casey, admin):  # they may read it, not answer it
        problem = _problem(
            api_client_for(reader).post(acknowledge_url(letter.pk), {"note": "Hi"}, format="json"),
            403,
        )
        assert problem["detail"] == services.LETTER_NOT_ADDRESSEE
    _problem(api_client_for(bob).post(acknowledge_url(letter.pk), {}, format="json"), 404)
    letter.refresh_from_db()
    assert letter.acknowledged_at is None


@pytest.mark.parametrize("body", [{"note": "x" * 1001}, {"note": "a\x00b"}, {"note": ["x"]}])
def test_a_bad_note_is_a_400_problem(org, casey, dana, riley, api_client_for, body):
    (letter,) = services.letters_send(sender=riley, subjects=[casey], body="Casey helped.")
    _problem(api_client_for(dana).post(acknowledge_url(letter.pk), body, format="json"))
    letter.refresh_from_db()
    assert letter.acknowledged_at is None


# --- Values --------------------------------------------------------------------------------------


def test_it_lists_the_values(org, bob, api_client_for):
    fast = ValueFactory(name="Fast fix", position=1)
    old = ValueFactory(name="Old habit", position=2, is_active=False)
    client = api_client_for(bob)
    response = client.get(VALUES)
    assert response.status_code == 200
    assert response.json() == [
        {"id": fast.pk, "name": "Fast fix", "description": "What we admire", "is_active": True},
        {"id": old.pk, "name": "Old habit", "description": "What we admire", "is_active": False},
    ]
    assert [v["id"] for v in client.get(VALUES, {"active": "true"}).json()] == [fast.pk]
    assert [v["id"] for v in client.get(VALUES, {"active": "false"}).json()] == [old.pk]
    _problem(client.get(VALUES, {"active": "maybe"}))


# --- A member's recognition ----------------------------------------------------------------------


def test_it_gives_the_numbers_of_the_recognition_page(org, casey, riley, bob, client_for,
                                                      api_client_for):  # fmt: skip
    send_kudos(riley, [casey], "One")
    send_kudos(riley, [casey], "Two")
    send_kudos(bob, [casey], "Three")
    services.letters_send(sender=riley, subjects=[casey], body="Casey helped.")

    response = api_client_for(casey).get(recognition_url(casey.pk))

    assert response.status_code == 200
    body = response.json()
    summary = selectors.recognition_summary(member=casey, viewer=casey)
    page = client_for(casey).get(
        reverse("recognition_page", kwargs={"org_slug": org.slug, "member_id": casey.pk})
    )
    assert body["member"] == {"id": casey.pk, "name": "Casey Helper"}
    assert body["totals"] == summary["totals"] == page.context["summary"]["totals"]
    assert body["totals"] == {"kudos": 3, "letters": 1, "nominations": 0}
    assert body["last_12_months"] == {"kudos": 3, "letters": 1, "nominations": 0}
    assert len(body["months"]) == 12
    assert body["months"][-1] == {
        "month": timezone.localdate().replace(day=1).isoformat(),
        "kudos": 3,
        "letters": 1,
        "nominations": 0,
    }
    assert [(m.kudos, m.letters) for m in page.context["summary"]["series"]] == [
        (m["kudos"], m["letters"]) for m in body["months"]
    ]
    assert body["top_recognisers"] == [
        {"member": {"id": riley.pk, "name": "Riley Rep"}, "kudos": 2},
        {"member": {"id": bob.pk, "name": "Bob Bystander"}, "kudos": 1},
    ]


def test_it_counts_only_what_the_token_may_see(org, casey, dana, riley, bob, api_client_for):
    send_kudos(riley, [casey], "Public")
    send_kudos(riley, [casey], "Quiet", visibility=Kudos.Visibility.PRIVATE)
    services.letters_send(sender=riley, subjects=[casey], body="Casey helped.")
    totals = {
        who.user.full_name: api_client_for(who).get(recognition_url(casey.pk)).json()["totals"]
        for who in (casey, dana, bob)
    }
    assert totals == {
        "Casey Helper": {"kudos": 2, "letters": 1, "nominations": 0},
        "Dana Lead": {"kudos": 2, "letters": 1, "nominations": 0},
        "Bob Bystander": {"kudos": 1, "letters": 0, "nominations": 0},
    }


def test_a_former_members_numbers_are_for_those_who_may_export_them(org, casey, dana, bob,
                                                                    api_client_for):  # fmt: skip
    casey.is_active = False
    casey.save()
    _problem(api_client_for(bob).get(recognition_url(casey.pk)), 404)
    assert api_client_for(dana).get(recognition_url(casey.pk)).status_code == 200


# --- Isolation -----------------------------------------------------------------------------------


def test_the_outsiders_token_finds_none_of_our_ids(org, casey, dana, riley, outsider,
                                                   api_client_for):  # fmt: skip
    value = ValueFactory(name="Our value")
    kudos = send_kudos(riley, [casey], "Ours", values=[value])
    (letter,) = services.letters_send(sender=riley, subjects=[casey], body="Ours")
    charlie = api_client_for(outsider)

    _problem(charlie.get(kudos_url(kudos.pk)), 404)
    _problem(charlie.post(kudos_url(kudos.pk, "reactions/"), {"emoji": "👏"}, format="json"), 404)
    _problem(charlie.delete(kudos_url(kudos.pk, f"reactions/{quote('👏')}/")), 404)
    _problem(charlie.post(acknowledge_url(letter.pk), {"note": "Hi"}, format="json"), 404)
    _problem(charlie.get(recognition_url(casey.pk)), 404)
    # His lists never hold our rows, whatever he filters on.
    assert kudos.pk not in _ids(charlie.get(KUDOS))
    assert _ids(charlie.get(KUDOS, {"recipient": casey.pk})) == []
    assert _ids(charlie.get(KUDOS, {"value": value.pk})) == []
    assert letter.pk not in _ids(charlie.get(LETTERS))
    assert value.pk not in [v["id"] for v in charlie.get(VALUES).json()]
    # And our ids in his bodies are unknown to him.
    send = charlie.post(KUDOS, {"recipients": [casey.pk], "message": "Hi"}, format="json")
    assert "recipients" in _problem(send)["errors"]
    write = charlie.post(LETTERS, {"subjects": [casey.pk], "body": "Hi"}, format="json")
    assert "subjects" in _problem(write)["errors"]
    assert Kudos.objects.count() == 1
    assert Letter.objects.count() == 1
    assert Reaction.objects.count() == 0


def test_our_token_finds_none_of_the_outsiders_ids(org, riley, theirs, api_client_for):
    client = api_client_for(riley)
    _problem(client.get(kudos_url(theirs["kudos"].pk)), 404)
    _problem(client.post(acknowledge_url(theirs["letter"].pk), {}, format="json"), 404)
    _problem(client.get(recognition_url(theirs["member"].pk)), 404)
    assert _ids(client.get(KUDOS)) == []
    assert _ids(client.get(LETTERS)) == []


# --- Query counts --------------------------------------------------------------------------------


def _grow(sender, recipient, value, count: int) -> None:
    """`count` kudos with a value and a reaction, and `count` letters, written in bulk."""
    now = timezone.now()
    kudos = Kudos.objects.bulk_create(Kudos(sender=sender, message=f"K{i}") for i in range(count))
    KudosRecipient.objects.bulk_create(KudosRecipient.for_kudos(k, recipient) for k in kudos)
    KudosValue.objects.bulk_create(KudosValue(kudos=k, value=value) for k in kudos)
    Reaction.objects.bulk_create(Reaction(kudos=k, member=recipient, emoji="👏") for k in kudos)
    letters = Letter.objects.bulk_create(
        Letter(sender=sender, addressed_to=recipient.reports_to, body=f"L{i}") for i in range(count)
    )
    LetterSubject.objects.bulk_create(
        LetterSubject(letter=letter, member=recipient, created_at=now) for letter in letters
    )


def _queries(client, path) -> int:
    with CaptureQueriesContext(connection) as context:
        response = client.get(path)
    assert response.status_code == 200, response.content
    return len(context.captured_queries)


# Every request after a token's first: 1 savepoint, 2 set_config(app.org_id), 3 the token
# (+membership, user, team), 4 the organisation; and at the end set_config restore and release
# savepoint (a test's context is nested). The token's route is kept per process after the first
# request; the rate limit's counter goes through the counters' own connection
# (apps/core/routers.py): neither is counted here.
@pytest.mark.parametrize(
    ("path", "expected"),
    [
        # 5 page of kudos (+sender), 6 recipients, 7 values, 8 reactions
        (f"{KUDOS}?page_size=200", 10),
        # 5 page of letters (+sender, addressee, acknowledger, e-mail, kudos), 6 people
        # thanked, 7 copies
        (f"{LETTERS}?page_size=200", 9),
        # 5 values
        (VALUES, 7),
        # 5 the member, 6 kudos per month, 7 letters per month, 8 nominations per month,
        # 9 the five who sent the most kudos, 10 their memberships
        ("recognition", 12),
    ],
)
def test_the_lists_cost_the_same_queries_with_hundreds_of_rows(org, casey, riley, api_client_for,
                                                               path, expected):  # fmt: skip
    value = ValueFactory()
    client = api_client_for(casey)
    if path == "recognition":
        path = recognition_url(casey.pk)
    client.get(VALUES)  # the first request of a token also records when it was last used
    _grow(riley, casey, value, 3)
    few = _queries(client, path)
    _grow(riley, casey, value, 300)
    many = _queries(client, path)
    assert few == many == expected


# --- The document --------------------------------------------------------------------------------


def test_every_recognition_operation_is_in_the_schema(tmp_path):
    call_command("spectacular", "--file", str(tmp_path / "s.yml"))
    paths = yaml.safe_load((tmp_path / "s.yml").read_text())["paths"]
    expected = {
        "/api/v1/kudos/": {"get", "post"},
        "/api/v1/kudos/{kudos_id}/": {"get"},
        "/api/v1/kudos/{kudos_id}/reactions/": {"post"},
        "/api/v1/kudos/{kudos_id}/reactions/{emoji}/": {"delete"},
        "/api/v1/letters/": {"get", "post"},
        "/api/v1/letters/{letter_id}/acknowledge/": {"post"},
        "/api/v1/values/": {"get"},
        "/api/v1/members/{member_id}/recognition/": {"get"},
    }
    for path, methods in expected.items():
        assert set(paths[path]) == methods, path
        for method in methods:
            parameters = {p["name"] for p in paths[path][method].get("parameters", [])}
            if method == "post":
                assert "Idempotency-Key" in parameters, path
    assert {"cursor", "recipient", "sender", "value", "since"} <= {
        p["name"] for p in paths["/api/v1/kudos/"]["get"]["parameters"]
    }
    assert reverse("api_kudos_list") == KUDOS


def test_sending_kudos_costs_a_fixed_number_of_queries(
    riley, casey, api_client_for, django_assert_num_queries
):
    value = ValueFactory()
    client = api_client_for(riley)
    client.get(VALUES)  # the token's first request: its route is looked up and its use recorded
    body = {"recipients": [casey.pk], "message": "Saved the Acme order", "values": [value.pk]}
    with django_assert_num_queries(16):
        # 1 savepoint, 2 set_config(app.org_id), 3 the token (+member, user, team), 4 the
        # organisation, 5 the recipients (+user), 6 the values, 7 savepoint of the service,
        # 8 INSERT the kudos, 9 its recipients, 10 its values; 11 the notices, 12 the
        # recipients' e-mail opt-outs, 13 the e-mails in the outbox; 14 release; 15 set_config
        # back and 16 release (a test's context is nested). The organisation read with the
        # token serves the notices' links, and the answer comes from the rows in hand. The
        # rate limit's counter is on its own connection, not counted here.
        response = client.post(KUDOS, body, format="json")
    assert response.status_code == 201, response.content
    assert response.json()["recipients"] == [{"id": casey.pk, "name": "Casey Helper"}]
    assert response.json()["values"] == [{"id": value.pk, "name": value.name}]
    assert response.json()["reactions"] == []


def test_sending_kudos_to_more_people_costs_no_more_queries(
    riley, casey, dana, sam, api_client_for
):
    client = api_client_for(riley)
    client.get(VALUES)  # the token's first request: its route is looked up and its use recorded

    def count(recipients) -> int:
        body = {"recipients": [member.pk for member in recipients], "message": "Thanks!"}
        with CaptureQueriesContext(connection) as context:
            assert client.post(KUDOS, body, format="json").status_code == 201
        return len(context.captured_queries)

    assert count([casey]) == count([casey, dana, sam])  # notices, opt-outs, e-mails: one each
    assert OutboundEmail.objects.filter(recipient=sam, category="kudos").count() == 1
