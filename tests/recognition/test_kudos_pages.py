"""The kudos pages: compose (with and without JavaScript), the wall, detail and reactions."""

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from apps.recognition.models import Kudos, KudosRecipient, KudosValue, Letter, Reaction
from apps.recognition.templatetags.kudos_tags import kudos_age
from apps.tenancy.context import tenant_context
from tests.factories import MembershipFactory, TeamFactory, ValueFactory, send_kudos

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}


def url(name, org, **kwargs):
    return reverse(name, kwargs={"org_slug": org.slug, **kwargs})


@pytest.fixture
def service_team(org):
    return TeamFactory(name="Customer Service", kind="customer_service")


@pytest.fixture
def casey(org, service_team):
    return MembershipFactory(
        role="support", team=service_team, title="Order desk", user__full_name="Casey Support"
    )


@pytest.fixture
def riley(org):
    return MembershipFactory(role="rep", user__full_name="Riley Rep")


def _people(response) -> list[str]:
    """Names offered in a picker fragment, in order."""
    return re.findall(r'data-person-name="([^"]+)"', response.content.decode())


# --- One click from every page -------------------------------------------------------------------


@pytest.mark.parametrize("page", ["home", "notifications", "me_profile", "kudos_wall"])
def test_send_kudos_is_in_the_navigation_of_every_page(org, riley, client_for, page):
    html = client_for(riley).get(url(page, org)).content.decode()
    assert f'<a class="nav-cta" href="{url("kudos_new", org)}"' in html
    assert f'href="{url("kudos_wall", org)}"' in html


def test_the_navigation_marks_where_you_are(org, riley, client_for):
    client = client_for(riley)
    compose = client.get(url("kudos_new", org)).content.decode()
    assert f'href="{url("kudos_new", org)}" aria-current="page"' in compose
    wall = client.get(url("kudos_wall", org)).content.decode()
    assert f'href="{url("kudos_wall", org)}" aria-current="page"' in wall


# --- Compose -------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["admin", "manager", "rep", "support"])
def test_every_role_sends_kudos_and_sees_the_letter_offer(org, casey, client_for, role):
    sender = MembershipFactory(role=role, user__full_name="Sam Sender")
    value = ValueFactory(name="Behind-the-scenes expert")
    client = client_for(sender)
    page = client.get(url("kudos_new", org))
    assert page.status_code == 200
    html = page.content.decode()
    assert "Behind-the-scenes expert" in html
    assert 'maxlength="1000"' in html
    assert "data-counter" in html
    key = re.search(r'name="client_key" value="([0-9a-f]{32})"', html).group(1)

    response = client.post(url("kudos_new", org), {
        "recipients": [casey.pk], "values": [value.pk], "message": "You found the lost pallet",
        "customer_name": "Acme Corp", "visibility": "organization", "client_key": key,
    }, follow=True)  # fmt: skip
    kudos = Kudos.objects.get()
    assert (kudos.sender, kudos.customer_name, kudos.client_key) == (sender, "Acme Corp", key)
    assert [link.value for link in kudos.value_links.all()] == [value]
    assert response.redirect_chain == [(url("kudos_detail", org, kudos_id=kudos.pk), 302)]
    detail = response.content.decode()
    assert "Kudos sent to Casey Support." in detail
    assert "Turn this into a thank-you letter to their manager" in detail
    assert f'href="{url("letter_new", org)}?kudos={kudos.pk}"' in detail


def test_a_colleague_can_be_picked_in_advance(org, riley, casey, client_for):
    client = client_for(riley)
    html = client.get(url("kudos_new", org), {"to": casey.pk}).content.decode()
    chips = html.split('id="chosen-people"', 1)[1].split("</ul>", 1)[0]
    assert f'name="recipients" value="{casey.pk}" checked' in chips
    # Garbage, yourself and unknown ids are left out quietly.
    for bad in ("abc", str(riley.pk), "999999999", "99999999999999999999999", "-1"):
        page = client.get(url("kudos_new", org), {"to": bad})
        assert page.status_code == 200
        chips = page.content.decode().split('id="chosen-people"', 1)[1].split("</ul>", 1)[0]
        assert "recipients" not in chips, bad


def test_the_picker_searches_active_colleagues_by_name_team_and_title(
    org, riley, casey, service_team, client_for
):
    ted = MembershipFactory(role="support", title="Field technician", user__full_name="Ted Tech")
    MembershipFactory(role="support", team=service_team, is_active=False, user__full_name="Gone")
    search = url("kudos_people_search", org)
    client = client_for(riley)
    assert _people(client.get(search, {"q": "casey"})) == ["Casey Support"]
    assert _people(client.get(search, {"q": "customer serv"})) == ["Casey Support"]
    assert _people(client.get(search, {"q": "technician"})) == ["Ted Tech"]
    assert _people(client.get(search, {"q": "nobody-like-this"})) == []
    assert "Nobody active matches" in client.get(search, {"q": "zzz"}).content.decode()
    # Never yourself, never a former member, never someone already chosen.
    assert _people(client.get(search, {"q": "riley"})) == []
    assert _people(client.get(search)) == ["Casey Support", "Ted Tech"]
    chosen = client.get(search, {"q": "", "recipients": [casey.pk, "junk"]})
    assert _people(chosen) == [ted.display_name]
    fragment = client.get(search, {"q": "Order"})
    assert "<html" not in fragment.content.decode()
    assert "Order desk · Customer Service" in fragment.content.decode()


def test_the_picker_shows_at_most_twenty_people(org, riley, client_for):
    MembershipFactory.create_batch(25, role="support", title="Agent")
    response = client_for(riley).get(url("kudos_people_search", org), {"q": "agent"})
    assert len(_people(response)) == 20
    assert "Showing the first 20" in response.content.decode()


def test_without_javascript_searching_keeps_what_was_typed(org, riley, casey, client_for):
    ted = MembershipFactory(role="support", title="Field technician", user__full_name="Ted Tech")
    value = ValueFactory(name="Fast fix")
    response = client_for(riley).post(url("kudos_new", org), {
        "search": "1", "q": "technician", "recipients": [casey.pk], "values": [value.pk],
        "message": "Half-written thanks", "customer_name": "Acme", "visibility": "private",
        "client_key": "abc123",
    })  # fmt: skip
    assert response.status_code == 200
    html = response.content.decode()
    assert not Kudos.objects.exists()
    assert "errorlist" not in html  # a search is not a failed send
    assert _people(response) == ["Casey Support", "Ted Tech"]  # the chip, then the result
    chips = html.split('id="chosen-people"', 1)[1].split("</ul>", 1)[0]
    assert f'value="{casey.pk}" checked' in chips
    assert f'value="{ted.pk}"' not in chips
    assert "Half-written thanks</textarea>" in html
    assert 'value="Acme"' in html
    assert f'value="{value.pk}" checked' in html
    assert 'value="private" id="id_visibility_1" checked' in html or (
        re.search(r'value="private"[^>]*checked', html)
    )
    assert 'name="client_key" value="abc123"' in html


# --- Wall ----------------------------------------------------------------------------------------


def test_the_wall_shows_kudos_newest_first_with_their_details(org, riley, casey, client_for):
    value = ValueFactory(name="Saved the account")
    send_kudos(riley, [casey], message="First thanks")
    send_kudos(riley, [casey], message="Second thanks", values=[value], customer_name="Acme")
    html = client_for(casey).get(url("kudos_wall", org)).content.decode()
    assert html.index("Second thanks") < html.index("First thanks")
    assert 'class="badge badge-info">Saved the account' in html
    assert "<strong>Acme</strong>" in html
    assert f'href="{url("recognition_page", org, member_id=casey.pk)}">Casey Support' in html
    assert f'href="{url("recognition_page", org, member_id=riley.pk)}">Riley Rep' in html
    assert "Private</span>" not in html


def test_the_wall_says_how_old_a_kudos_is_in_one_unit_then_by_date():
    now = timezone.now()
    assert kudos_age(now - timedelta(seconds=20)) == "just now"
    assert kudos_age(now - timedelta(minutes=5, seconds=10)) == "5\xa0minutes ago"
    assert kudos_age(now - timedelta(days=4, hours=19)) == "4\xa0days ago"
    assert kudos_age(now.replace(year=now.year - 1)).endswith(str(now.year - 1))


def test_the_wall_filters_by_person_team_and_value(org, riley, casey, service_team, client_for):
    ted = MembershipFactory(role="support", user__full_name="Ted Tech")
    value = ValueFactory(name="Fast fix")
    send_kudos(riley, [casey], message="For Casey", values=[value])
    send_kudos(riley, [ted], message="For Ted")
    client = client_for(riley)
    wall = url("kudos_wall", org)

    def shown(**params):
        html = client.get(wall, params).content.decode()
        return {m for m in ("For Casey", "For Ted") if m in html}

    assert shown() == {"For Casey", "For Ted"}
    assert shown(person=ted.pk) == {"For Ted"}
    assert shown(team=service_team.pk) == {"For Casey"}
    assert shown(value=value.pk) == {"For Casey"}
    assert shown(person=ted.pk, value=value.pk) == set()
    assert "No kudos match these filters" in client.get(wall, {"person": riley.pk}).content.decode()


@pytest.mark.parametrize("garbage", ["abc", "999999", "99999999999999999999999", "-3", "1.5"])
def test_garbage_filters_are_reported_and_ignored(org, riley, casey, client_for, garbage):
    send_kudos(riley, [casey], message="Still shown")
    response = client_for(riley).get(
        url("kudos_wall", org), {"person": garbage, "team": garbage, "value": garbage}
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "That filter is not valid and was ignored." in html
    assert "Still shown" in html


def test_another_organisations_ids_are_not_filters(org, riley, casey, outsider, client_for):
    send_kudos(riley, [casey], message="Ours")
    response = client_for(riley).get(url("kudos_wall", org), {"person": outsider.pk})
    assert "That filter is not valid and was ignored." in response.content.decode()
    assert "Charlie" not in response.content.decode()


# --- The wall's person filter: typed, not a list of everyone -----------------------------------


def _wall_shows(client, org, **params) -> set[str]:
    html = client.get(url("kudos_wall", org), params).content.decode()
    return {m for m in ("For Casey", "For Ted", "For Cassie") if m in html}


def test_the_person_filter_finds_a_person_by_a_typed_name(org, riley, casey, client_for):
    ted = MembershipFactory(role="support", user__full_name="Ted Tech")
    send_kudos(riley, [casey], message="For Casey")
    send_kudos(riley, [ted], message="For Ted")
    client = client_for(riley)
    assert _wall_shows(client, org, who="casey") == {"For Casey"}
    assert _wall_shows(client, org, who="  TECH ") == {"For Ted"}
    html = client.get(url("kudos_wall", org), {"who": "casey"}).content.decode()
    # The field then holds the person's name, and their id for the next pages.
    assert 'value="Casey Support"' in html
    assert f'<input type="hidden" name="person" value="{casey.pk}">' in html


def test_a_name_that_matches_several_people_offers_them_as_links(org, riley, casey, client_for):
    cassie = MembershipFactory(role="support", user__full_name="Cassie Field")
    send_kudos(riley, [casey], message="For Casey")
    send_kudos(riley, [cassie], message="For Cassie")
    service = TeamFactory(name="Field Service")
    client = client_for(riley)
    response = client.get(url("kudos_wall", org), {"who": "cas", "team": service.pk})
    html = response.content.decode()
    assert "2 people match “cas”: pick one." in html
    # Each is a link to the wall filtered by that person, the team chosen so far kept.
    assert f'href="?person={casey.pk}&amp;team={service.pk}"' in html
    assert f'href="?person={cassie.pk}&amp;team={service.pk}"' in html
    # Nobody is chosen yet, so the kudos are not filtered by a person.
    assert _wall_shows(client, org, who="cas") == {"For Casey", "For Cassie"}
    assert _wall_shows(client, org, person=cassie.pk) == {"For Cassie"}


def test_a_full_name_chooses_that_person_among_several_matches(org, riley, casey, client_for):
    MembershipFactory(role="support", user__full_name="Casey Supportson")
    send_kudos(riley, [casey], message="For Casey")
    assert _wall_shows(client_for(riley), org, who="casey support") == {"For Casey"}


def test_a_name_nobody_has_says_so_and_filters_nothing(org, riley, casey, client_for):
    send_kudos(riley, [casey], message="For Casey")
    response = client_for(riley).get(url("kudos_wall", org), {"who": "Zebedee"})
    assert response.status_code == 200
    html = response.content.decode()
    assert (
        "Person: Nobody in your organisation matches “Zebedee”. Try part of a first or last name."
        in html
    )
    assert "For Casey" in html


def test_an_emptied_name_clears_the_person(org, riley, casey, client_for):
    ted = MembershipFactory(role="support", user__full_name="Ted Tech")
    send_kudos(riley, [casey], message="For Casey")
    send_kudos(riley, [ted], message="For Ted")
    client = client_for(riley)
    # The form sends the name and the id it holds; the name decides.
    assert _wall_shows(client, org, who="", person=casey.pk) == {"For Casey", "For Ted"}
    assert _wall_shows(client, org, who="Ted Tech", person=casey.pk) == {"For Ted"}
    assert _wall_shows(client, org, who="Casey Support", person=casey.pk) == {"For Casey"}


def test_former_members_can_be_found_and_are_marked(org, riley, client_for):
    former = MembershipFactory(role="support", user__full_name="Fran Former", is_active=False)
    MembershipFactory(role="support", user__full_name="Fran Current")
    html = client_for(riley).get(url("kudos_wall_people", org), {"who": "fran"}).content.decode()
    assert "Former member" in html
    assert html.index("Fran Current") < html.index("Fran Former")  # the active first
    assert f'href="?person={former.pk}"' in html


def test_suggestions_come_as_you_type(org, riley, casey, client_for):
    value = ValueFactory(name="Fast fix")
    client = client_for(riley)
    wall = client.get(url("kudos_wall", org)).content.decode()
    assert f'hx-get="{url("kudos_wall_people", org)}"' in wall
    assert 'hx-include="closest form"' in wall
    response = client.get(
        url("kudos_wall_people", org), {"who": "Casey", "value": value.pk, "team": ""},
        headers=HTMX,
    )  # fmt: skip
    html = response.content.decode()
    assert "<html" not in html
    assert response["Cache-Control"] == "private, no-store"
    assert f'href="?person={casey.pk}&amp;value={value.pk}"' in html
    assert "Casey Support" in html
    assert "Order desk" in html
    empty = client.get(url("kudos_wall_people", org), {"who": "Zebedee"}).content.decode()
    assert "Nobody in your organisation matches “Zebedee”." in empty
    assert client.get(url("kudos_wall_people", org), {"who": "  "}).content.decode().strip() == ""


def test_the_wall_no_longer_lists_every_member(org, riley, casey, client_for):
    MembershipFactory.create_batch(30, role="support", user__full_name="Quiet Colleague")
    html = client_for(riley).get(url("kudos_wall", org)).content.decode()
    assert "Quiet Colleague" not in html
    assert '<label for="wall-who" class="visually-hidden">Person (type a name)</label>' in html


def test_another_organisations_people_are_never_suggested(org, riley, outsider, client_for):
    client = client_for(riley)
    fragment = client.get(url("kudos_wall_people", org), {"who": "Charlie"}).content.decode()
    assert "Charlie" not in fragment.replace("“Charlie”", "")
    assert "Nobody in your organisation matches" in fragment
    wall = client.get(url("kudos_wall", org), {"who": "Charlie Outsider"}).content.decode()
    assert "Nobody in your organisation matches" in wall
    assert f'value="{outsider.pk}"' not in wall


@pytest.mark.parametrize(
    "garbage", ["\x00", "a" * 5000, "%", "_", "' OR 1=1 --", "Casey\x00", "x " * 80]
)
def test_any_typed_name_is_answered(org, riley, casey, client_for, garbage):
    client = client_for(riley)
    assert client.get(url("kudos_wall", org), {"who": garbage}).status_code == 200
    assert client.get(url("kudos_wall_people", org), {"who": garbage}).status_code == 200


def test_the_person_filter_costs_the_same_queries_however_many_match(
    org, riley, client_for, cold_pages
):
    client = client_for(riley)
    client.get(url("kudos_wall", org))  # warm the session

    def queries(path, **params) -> int:
        with CaptureQueriesContext(connection) as context:
            response = client.get(path, params)
        assert response.status_code == 200
        return len(context.captured_queries)

    wall, people = url("kudos_wall", org), url("kudos_wall_people", org)
    MembershipFactory(role="support", user__full_name="Sam Single")
    one = queries(wall, who="sam")
    few_suggested = queries(people, who="sam")
    MembershipFactory.create_batch(40, role="support", user__full_name="Sam Many")
    many = queries(wall, who="sam")
    # Unfiltered, no member is read for the filter. A typed name costs one query (the people
    # it matches, however many); an id with its person's name one too (that person).
    assert queries(wall) + 1 == one == many == queries(wall, who="nobody-like-this")
    assert queries(wall, person=riley.pk, who="Riley Rep") == one
    # 1 session, 2 user, 3 organisation, 4 savepoint, 5 set_config, 6 membership, 7 the people
    # matching, 8 set_config restore, 9 release savepoint (a fragment: no navigation bar)
    assert few_suggested == queries(people, who="sam") == 9


def _bulk_kudos(sender, recipients, values, count):
    """`count` kudos with a recipient, a value and a reaction each, written in bulk."""
    batch = Kudos.objects.bulk_create(
        Kudos(sender=sender, message=f"Thanks #{i}") for i in range(count)
    )
    KudosRecipient.objects.bulk_create(
        KudosRecipient.for_kudos(k, recipients[i % len(recipients)]) for i, k in enumerate(batch)
    )
    KudosValue.objects.bulk_create(
        KudosValue(kudos=k, value=values[i % len(values)]) for i, k in enumerate(batch)
    )
    Reaction.objects.bulk_create(
        Reaction(kudos=k, member=recipients[i % len(recipients)], emoji="👏")
        for i, k in enumerate(batch)
    )


def test_the_wall_costs_the_same_queries_with_10_or_200_kudos(org, riley, client_for, cold_pages):
    values = ValueFactory.create_batch(3)
    client = client_for(riley)
    wall = url("kudos_wall", org)

    def queries(headers=None, **params) -> int:
        with CaptureQueriesContext(connection) as context:
            response = client.get(wall, params, headers=headers)
        assert response.status_code == 200
        return len(context.captured_queries)

    _bulk_kudos(riley, MembershipFactory.create_batch(5, role="support"), values, 10)
    client.get(wall)  # warm the session
    small = queries()
    small_page_2 = queries(page=2)
    _bulk_kudos(riley, MembershipFactory.create_batch(40, role="support"), values, 190)
    large = queries()
    # 1 session, 2 user, 3 organisation, 4 savepoint, 5 set_config(app.org_id), 6 membership
    # (+ the nav's unread count and organisations count), 7 count (paginator), 8 the page of
    # kudos (+ sender, team), 9 their recipients (+ user, team), 10 their values, 11 their
    # reactions, 12 customers' latest approved nominations, 13-14 the filter's teams and
    # values (people are typed, not listed), 15 set_config restore, 16 release savepoint
    assert small == large == 16
    assert queries(page=3) == small_page_2 == small  # page 2 of 10 shows page 1: same queries
    assert queries(page=2, headers=HTMX) == queries(page=9, headers=HTMX) <= large


def test_load_more_appends_the_next_page_and_works_as_a_link(org, riley, casey, client_for):
    _bulk_kudos(riley, [casey], ValueFactory.create_batch(1), 45)
    client = client_for(riley)
    wall = url("kudos_wall", org)
    first = client.get(wall).content.decode()
    assert first.count('class="card kudos-card') == 20
    assert "Thanks #44" in first
    more = re.search(r'<a role="button"[^>]*href="([^"]+)"[^>]*hx-get="([^"]+)"', first)
    assert more.group(1) == more.group(2) == "?page=2"
    assert 'hx-swap="outerHTML"' in first

    # htmx asks for the cards of page 2 only (and the next button).
    fragment = client.get(wall, {"page": 2}, headers=HTMX)
    html = fragment.content.decode()
    assert "<html" not in html
    assert html.count('class="card kudos-card') == 20
    assert "Thanks #24" in html
    assert 'href="?page=3"' in html
    assert "HX-Request" in fragment["Vary"]
    assert 'data-page-start="2"' in html

    # Without JavaScript it is a page of its own, with the way back.
    page_2 = client.get(wall, {"page": 2}).content.decode()
    assert "<html" in page_2
    assert "Back to the newest" in page_2
    last = client.get(wall, {"page": 3}, headers=HTMX).content.decode()
    assert last.count('class="card kudos-card') == 5
    assert "Load more" not in last
    assert client.get(wall, {"page": "junk"}).status_code == 200


def test_filters_are_kept_by_load_more(org, riley, casey, client_for):
    _bulk_kudos(riley, [casey], ValueFactory.create_batch(1), 25)
    html = client_for(riley).get(url("kudos_wall", org), {"person": casey.pk}).content.decode()
    assert f'href="?person={casey.pk}&amp;page=2"' in html


# --- Detail --------------------------------------------------------------------------------------


def test_the_detail_shows_the_letters_made_from_the_kudos(org, riley, casey, client_for):
    manager = MembershipFactory(role="manager", user__full_name="Dana Manager")
    kudos = send_kudos(riley, [casey])
    letter = Letter.objects.create(kudos=kudos, sender=riley, addressed_to=manager, body="Thanks")
    html = client_for(riley).get(url("kudos_detail", org, kudos_id=kudos.pk)).content.decode()
    assert f'href="{url("letter_detail", org, letter_id=letter.pk)}"' in html
    assert "Letter to Dana Manager" in html
    # Someone who may not read the letter does not get its link.
    bystander = MembershipFactory(role="rep")
    other = client_for(bystander).get(url("kudos_detail", org, kudos_id=kudos.pk))
    assert other.status_code == 200
    assert "Letter to Dana Manager" not in other.content.decode()
    assert "Turn this into a thank-you letter" not in other.content.decode()


def test_an_unknown_kudos_is_404(org, riley, client_for):
    assert client_for(riley).get(url("kudos_detail", org, kudos_id=987654)).status_code == 404


def test_the_admin_sees_the_hide_form(org, riley, casey, admin, client_for):
    kudos = send_kudos(riley, [casey])
    html = client_for(admin).get(url("kudos_detail", org, kudos_id=kudos.pk)).content.decode()
    assert f'action="{url("kudos_hide", org, kudos_id=kudos.pk)}"' in html
    assert client_for(admin).get(url("kudos_hide", org, kudos_id=kudos.pk)).status_code == 405


# --- Reactions -----------------------------------------------------------------------------------


def test_reactions_toggle_with_htmx_and_say_whether_they_are_pressed(org, riley, casey, client_for):
    kudos = send_kudos(riley, [casey])
    react = url("kudos_react", org, kudos_id=kudos.pk)
    client = client_for(casey)
    wall = client.get(url("kudos_wall", org)).content.decode()
    assert f'hx-post="{react}"' in wall
    assert 'aria-pressed="false"' in wall
    assert '<span class="visually-hidden">Applause</span>' in wall

    on = client.post(react, {"emoji": "👏", "next": "/"}, headers=HTMX)
    assert on.status_code == 200
    html = on.content.decode()
    assert html.lstrip().startswith('<form class="reactions"')
    assert re.search(r'value="👏"[^>]*aria-pressed="true"', html)
    assert '<span class="reaction-count">1</span>' in html
    assert Reaction.objects.filter(kudos=kudos, member=casey, emoji="👏").exists()

    off = client.post(react, {"emoji": "👏"}, headers=HTMX).content.decode()
    assert re.search(r'value="👏"[^>]*aria-pressed="false"', off)
    assert not Reaction.objects.exists()


def test_reactions_work_without_javascript(org, riley, casey, client_for):
    kudos = send_kudos(riley, [casey])
    react = url("kudos_react", org, kudos_id=kudos.pk)
    client = client_for(riley)
    wall = url("kudos_wall", org) + "?page=1"
    back = client.post(react, {"emoji": "🎉", "next": wall})
    assert back["Location"] == f"{wall}#kudos-{kudos.pk}"
    assert Reaction.objects.filter(member=riley, emoji="🎉").exists()
    # Somewhere else is never a destination.
    for outside in ("https://evil.example/", "//evil.example/x", "javascript:alert(1)", ""):
        response = client.post(react, {"emoji": "🎉", "next": outside})
        assert response["Location"] == url("kudos_detail", org, kudos_id=kudos.pk) + (
            f"#kudos-{kudos.pk}"
        ), outside
    assert client.get(react).status_code == 405


def test_the_outsider_sees_only_his_own_wall(org, riley, casey, outsider, client_for):
    send_kudos(riley, [casey], message="Acme's thanks")
    with tenant_context(outsider.organization_id):
        helper = MembershipFactory(role="support", user__full_name="Olive Outsider")
        send_kudos(outsider, [helper], message="Outsider's thanks")
    ours = client_for(riley).get(url("kudos_wall", org)).content.decode()
    assert "Acme&#x27;s thanks" in ours
    assert "Outsider" not in ours
    theirs = client_for(outsider).get(reverse("kudos_wall", kwargs={"org_slug": "outsider"}))
    assert "Outsider&#x27;s thanks" in theirs.content.decode()
    assert "Acme&#x27;s thanks" not in theirs.content.decode()
    assert "Casey" not in theirs.content.decode()


@pytest.mark.parametrize("page", ["9" * 25, "99999999999999999", "-3", "2.5", "last", ""])
def test_any_page_number_shows_a_page_of_the_wall(org, riley, casey, client_for, page):
    """A page number out of range, or not a number, shows the nearest real page (never an
    error), whatever its size: the count behind it must stay a valid SQL LIMIT."""
    kudos = send_kudos(riley, [casey], message="Found the pallet")
    response = client_for(riley).get(url("kudos_wall", org), {"page": page})
    assert response.status_code == 200
    assert f'id="kudos-{kudos.pk}"' in response.content.decode()
