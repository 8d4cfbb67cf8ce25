"""The public nomination form (`/n/<token>/`): customers, no account.

Tokens, expiry, revocation, single use, unknown tokens, rate limits, the honeypot, length limits,
plain text, isolation between organisations, nothing half-written, nothing lost, and the
customer's confirmation e-mail (once a day per address).
"""

import hashlib
import math
import re
from datetime import timedelta

import pytest
from django import forms
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from apps.notifications.models import Notification, OutboundEmail
from apps.recognition import nomination_services
from apps.recognition.nomination_forms import NominationPublicForm
from apps.recognition.nomination_models import (
    STORY_MAX_LENGTH,
    CustomerEmailThrottle,
    Nomination,
    NominationLink,
)
from apps.recognition.nomination_selectors import public_helper_groups
from apps.recognition.nomination_services import (
    CONSENT_REQUIRED,
    HELPER_REQUIRED,
    NOMINEE_NOT_ELIGIBLE,
    link_token,
    nomination_link_create,
    nomination_link_revoke,
)
from apps.tenancy.context import tenant_context
from apps.tenancy.models import GlobalRoute
from tests.browser import conftest as browser_kit
from tests.factories import MembershipFactory, TeamFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def rep(org):
    return MembershipFactory(role="rep", user__full_name="Riley Rep")


@pytest.fixture
def support_team(org):
    return TeamFactory(name="Customer care", kind="customer_service")


@pytest.fixture
def helper(org, support_team):
    return MembershipFactory(
        role="support",
        team=support_team,
        title="Senior escalation engineer",
        phone_mobile="+44 7700 900123",
        user__full_name="Casey Helper",
        user__email="casey.private@example.test",
    )


@pytest.fixture
def link(org, rep):
    return nomination_link_create(creator=rep, label="Acme rollout")


@pytest.fixture
def customer() -> Client:
    """A customer's browser: nobody is logged in."""
    return Client()


def form_url(link: NominationLink) -> str:
    return reverse("nomination_form", kwargs={"token": link_token(link)})


def thanks_url(link: NominationLink) -> str:
    return reverse("nomination_thanks", kwargs={"token": link_token(link)})


def answers(person=None, **overrides) -> dict:
    """A complete, valid submission naming `person` (or "I don't know their name")."""
    data = {
        "nominee": person.pk if person is not None else "unknown",
        "helper_description": "" if person is not None else "The woman on the phone on Tuesday",
        "story": "Our order was stuck at customs. Casey rebooked the truck and we opened on time.",
        "customer_role": "buyer",
        "customer_name": "Pat Customer",
        "customer_company": "Bakery Ltd",
        "customer_email": "",
        "consent": "on",
        "website": "",
    }
    data.update(overrides)
    return data


def written_rows() -> tuple[int, int, int]:
    """Everything a submission writes: nominations, e-mails, notifications."""
    return (Nomination.objects.count(), OutboundEmail.objects.count(), Notification.objects.count())


# --- The form and what it shows ----------------------------------------------------------------


def test_it_opens_without_an_account_in_the_organisations_name(org, link, helper, customer):
    response = customer.get(form_url(link))
    assert response.status_code == 200
    body = response.content.decode()
    assert org.name in body
    assert "Casey Helper" in body
    assert "Customer care" in body
    assert "I don&#x27;t know their name" in body or "I don't know their name" in body
    assert response["X-Robots-Tag"] == "noindex, nofollow"
    assert "no-cache" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]
    # It works without JavaScript: a plain form posting to itself with a CSRF token.
    assert re.search(r'<form method="post" action="' + re.escape(form_url(link)), body)
    assert "csrfmiddlewaretoken" in body


def test_the_public_never_sees_more_than_a_helpers_name_and_team(org, link, helper, customer):
    body = customer.get(form_url(link)).content.decode()
    for secret in (
        "casey.private",
        "example.test",
        "Senior escalation engineer",
        "7700 900123",
        "Riley Rep",  # nor who shared the link
    ):
        assert secret not in body


def test_only_support_people_who_allow_it_are_listed(org, link, helper, support_team, customer):
    MembershipFactory(role="rep", user__full_name="Sam Salesrep")
    MembershipFactory(role="support", accepts_nominations=False, user__full_name="Shy Supporter")
    MembershipFactory(role="support", is_active=False, user__full_name="Gone Supporter")
    MembershipFactory(role="rep", team=support_team, user__full_name="Inside Ivy")
    body = customer.get(form_url(link)).content.decode()
    assert "Casey Helper" in body
    assert "Inside Ivy" in body
    assert "Sam Salesrep" not in body
    assert "Shy Supporter" not in body
    assert "Gone Supporter" not in body


def test_a_member_without_a_name_is_not_listed_by_their_email(org, link, customer):
    MembershipFactory(role="support", user__full_name="", user__email="no.name@example.test")
    body = customer.get(form_url(link)).content.decode()
    assert "no.name" not in body


def test_the_links_preselected_helper_is_picked_already(org, rep, helper, customer):
    link = nomination_link_create(creator=rep, label="For Casey", preselected_member=helper)
    body = customer.get(form_url(link)).content.decode()
    assert re.search(rf'<option value="{helper.pk}" selected>Casey Helper</option>', body)


def test_the_links_preselected_team_comes_first_and_prefills_the_description(
    org, rep, helper, customer
):
    other_team = TeamFactory(name="Accounts team", kind="admin")
    MembershipFactory(role="support", team=other_team, user__full_name="Abe Accounts")
    link = nomination_link_create(creator=rep, label="Care", preselected_team=helper.team)
    body = customer.get(form_url(link)).content.decode()
    assert body.index("Customer care") < body.index("Accounts team")
    assert "Someone in the Customer care team" in body


# --- One blank form for every customer, computed again when what it shows changes ------------
# PostgreSQL bumps the organisation's content version on every write to memberships, teams,
# names and the organisation (migration core/0007); the blank form is kept under it and the
# link's preselection. SQLite keeps no versions: there every form is computed.

versions_kept = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="versions are kept by PostgreSQL triggers"
)


def _form_queries(client: Client, link: NominationLink) -> list[str]:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(form_url(link)).status_code == 200
    return [query["sql"] for query in queries.captured_queries]


def _reads_helpers(queries: list[str]) -> bool:
    return any('FROM "tenancy_membership"' in sql for sql in queries)


def _csrf_token(body: str) -> str:
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', body).group(1)


@versions_kept
def test_the_next_customer_gets_the_kept_form_without_reading_the_helpers(
    org, link, helper, customer
):
    first = _form_queries(customer, link)
    assert _reads_helpers(first)
    again = _form_queries(Client(), link)
    # Route, tenant setting (set and reset), the link with its version: not the helpers.
    assert not _reads_helpers(again)
    assert len(again) == len(first) - 1


def test_without_kept_fragments_every_form_is_computed(org, link, helper, customer, cold_pages):
    # As on SQLite (the demo), which keeps no versions: fragments.enabled() is false there too.
    assert _reads_helpers(_form_queries(customer, link))
    assert _reads_helpers(_form_queries(customer, link))


def test_each_customer_posts_the_kept_form_with_their_own_csrf_token(org, link, helper):
    ann, bob = Client(enforce_csrf_checks=True), Client(enforce_csrf_checks=True)
    ann_token = _csrf_token(ann.get(form_url(link)).content.decode())
    bob_token = _csrf_token(bob.get(form_url(link)).content.decode())
    assert ann_token != bob_token
    assert "csrf-token-of-the-request" not in bob.get(form_url(link)).content.decode()
    response = bob.post(form_url(link), {**answers(helper), "csrfmiddlewaretoken": bob_token})
    assert response.status_code == 302
    assert Nomination.objects.count() == 1


@versions_kept
def test_a_change_to_what_the_form_shows_shows_on_the_next_one(
    org, link, helper, support_team, customer
):
    def body() -> str:
        return customer.get(form_url(link)).content.decode()

    assert "Casey Helper" in body()
    MembershipFactory(role="support", team=support_team, user__full_name="Newt Newcomer")
    assert "Newt Newcomer" in body()
    helper.user.full_name = "Casey Renamed"
    helper.user.save()
    assert "Casey Renamed" in body()
    support_team.name = "Customer happiness"
    support_team.save()
    assert '<optgroup label="Customer happiness">' in body()
    helper.accepts_nominations = False
    helper.save()
    assert "Casey Renamed" not in body()
    org.name = "Renamed Supplies"
    org.save()
    assert "I agree that Renamed Supplies may share what I wrote" in body()
    link.preselected_member = MembershipFactory(role="support", user__full_name="Pia Picked")
    link.save()
    assert re.search(rf'<option value="{link.preselected_member_id}" selected>Pia Picked<', body())


@versions_kept
def test_each_link_keeps_its_own_form_and_each_organisation_its_own_people(
    org, rep, helper, outsider, customer
):
    other_team = TeamFactory(name="Accounts team", kind="admin")
    MembershipFactory(role="support", team=other_team, user__full_name="Abe Accounts")
    care_first = nomination_link_create(creator=rep, label="Care", preselected_team=helper.team)
    accounts_first = nomination_link_create(creator=rep, label="Acc", preselected_team=other_team)
    with tenant_context(outsider.organization_id):
        their_team = TeamFactory(name="Accounts team", kind="admin")
        MembershipFactory(role="support", team=their_team, user__full_name="Olga Otherorg")
        their_link = nomination_link_create(creator=outsider, label="Theirs")
    for _twice in range(2):
        care = customer.get(form_url(care_first)).content.decode()
        accounts = customer.get(form_url(accounts_first)).content.decode()
        theirs = customer.get(form_url(their_link)).content.decode()
        assert care.index("Customer care") < care.index("Accounts team")
        assert accounts.index("Accounts team") < accounts.index("Customer care")
        assert form_url(care_first) in care
        assert form_url(accounts_first) in accounts
        assert "Olga Otherorg" not in care + accounts
        assert "Olga Otherorg" in theirs
        assert "Abe Accounts" not in theirs
        assert "Casey Helper" not in theirs
        assert org.name not in theirs


def test_a_logged_in_member_opening_a_link_sees_the_customer_page(org, link, rep, client_for):
    response = client_for(rep).get(form_url(link))
    assert response.status_code == 200
    assert "Send my nomination" in response.content.decode()


# --- Tokens -----------------------------------------------------------------------------------


def test_tokens_carry_at_least_128_bits_and_are_not_sequential(org, rep):
    first = nomination_link_create(creator=rep, label="One")
    second = nomination_link_create(creator=rep, label="Two")
    token_a, token_b = link_token(first), link_token(second)
    assert re.fullmatch(r"[A-Za-z0-9_-]+", token_a)
    assert len(token_a) * math.log2(64) >= 128
    assert token_a != token_b
    # Consecutive links' tokens are unrelated: about 1 character in 64 matches by chance.
    shared = sum(a == b for a, b in zip(token_a, token_b, strict=True))
    assert shared < len(token_a) // 4
    assert int.from_bytes(token_a.encode()) - int.from_bytes(token_b.encode()) not in (-1, 1)


def test_a_token_is_stored_only_as_its_sha256(org, link):
    token = link_token(link)
    route = GlobalRoute.objects.get(kind=GlobalRoute.Kind.NOMINATION_LINK, object_id=link.pk)
    assert route.digest == hashlib.sha256(token.encode()).hexdigest()
    # Nowhere in the database: scan every text column of every table the application can read.
    with connection.cursor() as cursor:
        if connection.vendor != "postgresql":
            pytest.skip("the scan reads PostgreSQL's catalogue")
        cursor.execute(
            "SELECT table_name, column_name FROM information_schema.columns "
            "WHERE table_schema = 'public' AND data_type IN ('text', 'character varying', 'jsonb')"
        )
        columns = cursor.fetchall()
        hits = []
        for table, column in columns:
            cursor.execute(
                f'SELECT 1 FROM "{table}" WHERE "{column}"::text LIKE %s LIMIT 1',
                [f"%{token}%"],
            )
            if cursor.fetchone():
                hits.append(f"{table}.{column}")
    assert hits == []


def test_an_unknown_token_is_a_plain_404(org, link, customer):
    token = link_token(link)
    altered = token[:-1] + ("A" if token[-1] != "A" else "B")
    for token in ("nope", altered, "x" * 101, "%00"):
        response = customer.get(f"/n/{token}/")
        assert response.status_code == 404
        assert org.name not in response.content.decode()
    assert customer.get(reverse("nomination_thanks", kwargs={"token": "nope"})).status_code == 404
    assert customer.post("/n/nope/", answers()).status_code == 404


# --- Expiry, revocation, single use ------------------------------------------------------------


def test_an_expired_link_is_gone(org, rep, helper, customer):
    link = nomination_link_create(
        creator=rep, label="Short", expires_at=timezone.now() + timedelta(hours=1)
    )
    assert customer.get(form_url(link)).status_code == 200
    NominationLink.objects.filter(pk=link.pk).update(expires_at=timezone.now() - timedelta(1))
    response = customer.get(form_url(link))
    assert response.status_code == 410
    assert "This link no longer works" in response.content.decode()
    assert customer.post(form_url(link), answers(helper)).status_code == 410
    assert Nomination.objects.count() == 0


def test_a_revoked_link_is_gone_at_once(org, link, rep, helper, customer):
    nomination_link_revoke(link=link, actor=rep)
    response = customer.get(form_url(link))
    assert response.status_code == 410
    assert org.name in response.content.decode()  # friendly, in the organisation's name
    assert customer.post(form_url(link), answers(helper)).status_code == 410
    assert Nomination.objects.count() == 0


def test_a_single_use_link_takes_one_nomination(org, rep, helper, customer):
    link = nomination_link_create(creator=rep, label="Once", single_use=True)
    first = customer.post(form_url(link), answers(helper))
    assert first.status_code == 302
    assert first["Location"] == thanks_url(link)
    assert customer.get(first["Location"]).status_code == 200  # the thank-you page still shows
    assert "Thank someone else" not in customer.get(thanks_url(link)).content.decode()
    second = Client().post(form_url(link), answers(helper))
    assert second.status_code == 410
    assert Nomination.objects.count() == 1


# --- A valid submission -----------------------------------------------------------------------


def test_an_accepted_nomination_is_kept_and_moderators_are_told(
    org, admin, link, rep, helper, customer
):
    manager = MembershipFactory(role="manager")
    response = customer.post(form_url(link), answers(helper, customer_email="Pat@Bakery.test"))
    assert response.status_code == 302
    assert response["Location"] == thanks_url(link)
    nomination = Nomination.objects.get()
    assert (nomination.nominee, nomination.link, nomination.collected_by) == (helper, link, rep)
    assert nomination.status == Nomination.Status.PENDING
    assert nomination.customer_role == "buyer"
    assert (nomination.customer_name, nomination.customer_company) == ("Pat Customer", "Bakery Ltd")
    assert nomination.customer_email == "pat@bakery.test"
    assert nomination.consent is True
    told = set(
        Notification.objects.filter(category="nominations").values_list("recipient", flat=True)
    )
    assert told == {admin.pk, manager.pk}

    thanks = customer.get(response["Location"])
    assert thanks.status_code == 200
    body = thanks.content.decode()
    assert "Thank you!" in body
    assert org.name in body
    assert "Thank someone else" in body


def test_i_dont_know_their_name_needs_a_description(org, link, customer):
    response = customer.post(form_url(link), answers(None, helper_description="  "))
    assert response.status_code == 200
    assert HELPER_REQUIRED in response.content.decode()
    assert written_rows() == (0, 0, 0)

    response = customer.post(form_url(link), answers(None))
    assert response.status_code == 302
    nomination = Nomination.objects.get()
    assert nomination.nominee is None
    assert nomination.helper_description == "The woman on the phone on Tuesday"


def test_the_helper_must_be_picked_or_described(org, link, customer):
    response = customer.post(form_url(link), answers(None, nominee=""))
    assert response.status_code == 200
    assert HELPER_REQUIRED in response.content.decode()
    assert written_rows() == (0, 0, 0)


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("consent", "", CONSENT_REQUIRED),
        ("story", "   ", "Please tell us what they did."),
        ("customer_role", "ceo", "Please say who you are."),
        ("customer_role", "", "Please say who you are."),
        ("customer_email", "not-an-email", "valid email"),
        ("nominee", "999999999", NOMINEE_NOT_ELIGIBLE),
        ("nominee", "abc", NOMINEE_NOT_ELIGIBLE),
    ],
)
def test_a_submission_that_fails_validation_writes_nothing(
    org, link, helper, customer, field, value, message
):
    response = customer.post(form_url(link), answers(helper, **{field: value}))
    assert response.status_code == 200
    assert message in response.content.decode().replace("&#x27;", "'")
    assert written_rows() == (0, 0, 0)
    assert CustomerEmailThrottle.objects.count() == 0


def test_what_the_customer_typed_stays_on_the_form_after_an_error(org, link, helper, customer):
    body = customer.post(form_url(link), answers(helper, consent="")).content.decode()
    assert "Our order was stuck at customs." in body
    assert "Bakery Ltd" in body


# --- Length limits and plain text ---------------------------------------------------------------


def test_length_limits(org, link, helper, customer):
    too_long = {
        "story": "x" * (STORY_MAX_LENGTH + 1),
        "helper_description": "y" * 501,
        "customer_name": "n" * 121,
        "customer_company": "c" * 121,
        "customer_email": "e" * 250 + "@example.test",
    }
    for field, value in too_long.items():
        response = customer.post(form_url(link), answers(helper, **{field: value}))
        assert response.status_code == 200, field
        assert "Ensure this value has at most" in response.content.decode(), field
    assert written_rows() == (0, 0, 0)
    # The page says so before anyone types: maxlength, and a counter for the long ones.
    body = customer.get(form_url(link)).content.decode()
    assert f'maxlength="{STORY_MAX_LENGTH}"' in body
    assert re.search(r'<textarea name="story"[^>]*data-counter', body)


def test_exactly_the_limit_is_accepted_with_browser_line_ends(org, link, helper, customer):
    # Browsers send CRLF but count a line end as one character against maxlength.
    story = ("a" * 99 + "\r\n") * (STORY_MAX_LENGTH // 100)
    response = customer.post(form_url(link), answers(helper, story=story))
    assert response.status_code == 302
    assert len(Nomination.objects.get().story) <= STORY_MAX_LENGTH


def test_html_is_kept_as_plain_text(org, link, helper, customer):
    story = '<script>alert("x")</script><b>bold</b> & <img src=x onerror=alert(1)>'
    response = customer.post(
        form_url(link), answers(helper, story=story, customer_name="<i>Pat</i>")
    )
    assert response.status_code == 302
    nomination = Nomination.objects.get()
    assert nomination.story == story  # stored as typed: it is text, not markup
    assert nomination.customer_name == "<i>Pat</i>"
    # On the form again (after an error) it shows as text, never as markup.
    body = customer.post(form_url(link), answers(helper, story=story, consent="")).content.decode()
    assert "<script>alert" not in body
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in body


def test_control_characters_are_dropped_and_nul_is_refused(org, link, helper, customer):
    response = customer.post(form_url(link), answers(helper, story="Fixed\x00 it"))
    assert response.status_code == 200
    assert written_rows() == (0, 0, 0)
    response = customer.post(form_url(link), answers(helper, story="Fixed\x07 it\nfast"))
    assert response.status_code == 302
    assert Nomination.objects.get().story == "Fixed it\nfast"


# --- The honeypot -------------------------------------------------------------------------------


def test_the_honeypot_is_hidden_by_a_class_and_not_by_inline_style(org, link, customer):
    body = customer.get(form_url(link)).content.decode()
    trap = re.search(r'<div class="visually-hidden" aria-hidden="true">.*?</div>', body, re.S)
    assert trap is not None
    assert 'name="website"' in trap.group(0)
    assert 'tabindex="-1"' in trap.group(0)
    assert "style=" not in body


def test_a_filled_honeypot_looks_like_success_and_writes_nothing(org, link, helper, customer):
    response = customer.post(
        form_url(link),
        answers(helper, website="http://spam.example", customer_email="victim@example.test"),
    )
    assert response.status_code == 302
    assert response["Location"] == thanks_url(link)
    assert customer.get(response["Location"]).status_code == 200
    assert written_rows() == (0, 0, 0)
    assert CustomerEmailThrottle.objects.count() == 0


# --- Rate limits --------------------------------------------------------------------------------


def test_a_burst_from_one_client_gets_try_again_later(org, link, helper, monkeypatch):
    monkeypatch.setattr(nomination_services, "CLIENT_SUBMISSIONS_PER_10_MINUTES", 2)
    client = Client(REMOTE_ADDR="203.0.113.7")
    for _ in range(2):
        assert client.post(form_url(link), answers(helper)).status_code == 302
    response = client.post(form_url(link), answers(helper, story="The third story"))
    assert response.status_code == 429
    body = response.content.decode()
    assert "Please try again in a few minutes" in body
    assert "The third story" in body  # nothing the customer wrote is lost
    assert Nomination.objects.count() == 2
    # Another client is not held back by this one.
    other = Client(REMOTE_ADDR="198.51.100.4")
    assert other.post(form_url(link), answers(helper)).status_code == 302


def test_a_burst_on_one_link_gets_try_again_later(org, link, rep, helper, monkeypatch):
    monkeypatch.setattr(nomination_services, "LINK_SUBMISSIONS_PER_HOUR", 3)
    for number in range(3):
        client = Client(REMOTE_ADDR=f"192.0.2.{number + 1}")
        assert client.post(form_url(link), answers(helper)).status_code == 302
    response = Client(REMOTE_ADDR="192.0.2.99").post(form_url(link), answers(helper))
    assert response.status_code == 429
    assert Nomination.objects.count() == 3
    # Another link of the organisation still works.
    fresh = nomination_link_create(creator=rep, label="Fresh")
    assert (
        Client(REMOTE_ADDR="192.0.2.100").post(form_url(fresh), answers(helper)).status_code == 302
    )


def test_correcting_mistakes_does_not_use_up_the_limit(org, link, helper, monkeypatch):
    monkeypatch.setattr(nomination_services, "CLIENT_SUBMISSIONS_PER_10_MINUTES", 1)
    client = Client(REMOTE_ADDR="203.0.113.9")
    for _ in range(4):
        assert client.post(form_url(link), answers(helper, consent="")).status_code == 200
    assert client.post(form_url(link), answers(helper)).status_code == 302
    assert client.post(form_url(link), answers(helper)).status_code == 429
    assert Nomination.objects.count() == 1


def test_a_robot_caught_by_the_trap_is_not_told_about_limits(org, link, helper, monkeypatch):
    monkeypatch.setattr(nomination_services, "CLIENT_SUBMISSIONS_PER_10_MINUTES", 1)
    client = Client(REMOTE_ADDR="203.0.113.10")
    for _ in range(3):
        response = client.post(form_url(link), answers(helper, website="spam"))
        assert response.status_code == 302
    assert written_rows() == (0, 0, 0)


def test_reading_the_form_is_not_rate_limited(org, link, monkeypatch):
    monkeypatch.setattr(nomination_services, "CLIENT_SUBMISSIONS_PER_10_MINUTES", 1)
    client = Client(REMOTE_ADDR="203.0.113.8")
    assert all(client.get(form_url(link)).status_code == 200 for _ in range(5))


# --- The customer's confirmation e-mail ---------------------------------------------------------


def test_the_confirmation_repeats_only_what_the_customer_wrote(org, link, helper, customer):
    customer.post(
        form_url(link),
        answers(helper, customer_email="pat@bakery.test", story="Casey <b>saved</b> our launch."),
    )
    email = OutboundEmail.objects.get(to_address="pat@bakery.test")
    assert email.category == "nomination_confirmation"
    assert "Casey <b>saved</b> our launch." in email.body_text
    assert "Casey &lt;b&gt;saved&lt;/b&gt; our launch." in email.body_html
    assert "Pat Customer" in email.body_text
    assert "Bakery Ltd" in email.body_text
    for other in ("casey.private", "Senior escalation", "Riley Rep", "http"):
        assert other not in email.body_text
        assert other not in email.body_html


def test_the_confirmation_goes_once_a_day_per_address(org, link, helper):
    for number in range(3):
        response = Client(REMOTE_ADDR=f"192.0.2.{number + 1}").post(
            form_url(link), answers(helper, customer_email="PAT@bakery.test")
        )
        assert response.status_code == 302
    assert Nomination.objects.count() == 3  # every nomination is kept
    assert OutboundEmail.objects.filter(to_address="pat@bakery.test").count() == 1
    # The next day, one more.
    CustomerEmailThrottle.objects.update(day=timezone.localdate() - timedelta(days=1))
    Client(REMOTE_ADDR="192.0.2.50").post(
        form_url(link), answers(helper, customer_email="pat@bakery.test")
    )
    assert OutboundEmail.objects.filter(to_address="pat@bakery.test").count() == 2


def test_no_email_given_means_no_email_sent(org, link, helper, customer):
    customer.post(form_url(link), answers(helper))
    assert not OutboundEmail.objects.filter(category="nomination_confirmation").exists()


# --- Isolation between organisations ------------------------------------------------------------


def test_a_link_can_never_name_or_reveal_a_member_of_another_organisation(
    org, link, helper, outsider, customer
):
    with tenant_context(outsider.organization_id):
        other_team = TeamFactory(name="Outsider support", kind="technical_support")
        their_helper = MembershipFactory(
            role="support", team=other_team, user__full_name="Olga Otherorg"
        )
        their_link = nomination_link_create(creator=outsider, label="Theirs")
    body = customer.get(form_url(link)).content.decode()
    assert "Olga Otherorg" not in body
    assert "Outsider support" not in body
    assert "Charlie" not in body
    assert outsider.organization.name not in body

    response = customer.post(form_url(link), answers(their_helper))
    assert response.status_code == 200
    assert NOMINEE_NOT_ELIGIBLE in response.content.decode()
    assert written_rows() == (0, 0, 0)
    with tenant_context(outsider.organization_id):
        assert written_rows() == (0, 0, 0)

    # Their own link lists their people only, and names them fine.
    theirs = customer.get(form_url(their_link)).content.decode()
    assert "Olga Otherorg" in theirs
    assert "Casey Helper" not in theirs
    assert customer.post(form_url(their_link), answers(helper)).status_code == 200
    assert customer.post(form_url(their_link), answers(their_helper)).status_code == 302
    with tenant_context(outsider.organization_id):
        assert Nomination.objects.get().nominee_id == their_helper.pk
    assert Nomination.objects.count() == 0


def test_the_form_issues_a_constant_number_of_queries(org, link, helper, customer):
    from django.test.utils import CaptureQueriesContext

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert customer.get(form_url(link)).status_code == 200
        return len(queries)

    few = count()
    care = helper.team
    for number in range(60):
        MembershipFactory(role="support", team=care, user__full_name=f"Helper {number:02}")
    # Route, organisation, tenant setting (set and reset), link (with its team), the helpers
    # (with user and team): the number of people does not matter.
    assert count() == few


def test_a_submission_issues_a_constant_number_of_queries(
    org, link, helper, django_assert_num_queries
):
    """However many moderators there are: their notices are one INSERT."""

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            response = Client(REMOTE_ADDR=f"203.0.113.{count.calls}").post(
                form_url(link), answers(helper)
            )
            assert response.status_code == 302
        count.calls += 1
        return len(queries)

    count.calls = 10
    MembershipFactory(role="admin")
    few = count()
    MembershipFactory.create_batch(30, role="manager")
    assert count() == few
    assert Notification.objects.filter(category="nominations").count() == 1 + 31


def test_the_helper_list_reads_as_djangos_own_select_would(org, rep, helper, support_team):
    """The form writes its long list of options itself (FastSelect): the same markup."""
    MembershipFactory(role="support", team=support_team, user__full_name='Zoë "Zed" <O\'Hara>')
    MembershipFactory(role="support", team=None, user__full_name="Nora Noteam")
    link = nomination_link_create(creator=rep, label="For Casey", preselected_member=helper)
    helper_groups = public_helper_groups(first_team_id=None)
    field = NominationPublicForm(
        link=link, organization_name=org.name, helper_groups=helper_groups
    )["nominee"]
    ours = str(field)
    django_select = forms.Select(attrs={"required": True}, choices=field.field.choices)
    theirs = field.as_widget(widget=django_select)

    def parts(html: str) -> tuple[set, str]:
        """The select's attributes (in any order) and everything inside it."""
        tag, _sep, inside = re.sub(r">\s+<", "><", html.strip()).partition(">")
        return set(tag.removeprefix("<select ").split()), inside

    assert parts(ours) == parts(theirs)
    assert f'<option value="{helper.pk}" selected>Casey Helper</option>' in ours


# --- In a real browser, on a phone ------------------------------------------------------------
# The fixtures of tests/browser/conftest.py (headless Chromium, live server, problem recording),
# made available to this module under their own names.
browser = browser_kit.browser
viewport = browser_kit.viewport
live_app = browser_kit.live_app
page_problems = browser_kit.page_problems
page = browser_kit.page


def _recording_context(chromium, base_url: str, problems: browser_kit.PageProblems):
    """A fresh browser context (no cookies: nobody logged in) at a phone's size that records
    console errors and CSP violations, like the `page` fixture does."""
    context = chromium.new_context(base_url=base_url, **browser_kit.VIEWPORTS["phone"])
    context.set_default_timeout(15_000)
    context.expose_binding(
        "__reportCspViolation",
        lambda source, violation: problems.csp_violations.append(str(violation)),
    )
    context.add_init_script(browser_kit.CSP_LISTENER)
    new_page = context.new_page()

    def on_console(message):
        if "Content Security Policy" in message.text:
            problems.csp_violations.append(message.text)
        elif message.type == "error":
            problems.console_errors.append(f"{message.text} (on {new_page.url})")

    new_page.on("console", on_console)
    new_page.on("pageerror", lambda error: problems.console_errors.append(f"uncaught {error}"))
    new_page.on(
        "response",
        lambda response: (
            response.status >= 500
            and problems.console_errors.append(f"HTTP {response.status} from {response.url}")
        ),
    )
    new_page.problems = problems
    return context, new_page


def _fits_the_screen(tab) -> bool:
    return tab.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("viewport", ["phone"], indirect=True)
def test_a_rep_shares_a_link_and_a_customer_nominates_on_a_phone(page, browser, live_app):
    from playwright.sync_api import expect

    from tests.factories import DEFAULT_PASSWORD, OrganizationFactory

    organization = OrganizationFactory(name="Northwind Supply", slug="northwind-supply")
    with tenant_context(organization):
        care = TeamFactory(name="Customer care", kind="customer_service")
        helper = MembershipFactory(role="support", team=care, user__full_name="Casey Helper")
        rep = MembershipFactory(role="rep", user__full_name="Riley Rep")
        admin = MembershipFactory(role="admin", user__full_name="Ada Admin")

    # The rep creates a link and finds everything needed to share it.
    page.goto("/accounts/login/")
    page.locator("[name=username]").fill(rep.user.email)
    page.locator("[name=password]").fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url("**/northwind-supply/")
    page.goto("/northwind-supply/nominations/links/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Nomination links")
    assert _fits_the_screen(page)
    browser_kit.snap(page, "01-my-links-empty")
    page.get_by_label("Label").fill("Bakery Ltd — new oven")
    page.get_by_label("Team").select_option(label="Customer care")
    page.get_by_role("button", name="Create link").click()
    page.wait_for_url("**/nominations/links/*/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Bakery Ltd — new oven")
    expect(page.locator("svg.qr-code")).to_be_visible()
    shared = page.locator("#link-url").input_value()
    assert "/n/" in shared
    assert shared in page.locator("#share-message").input_value()
    assert _fits_the_screen(page)
    browser_kit.snap(page, "02-link-to-share")
    browser_kit.assert_clean(page)

    # The customer, on their own phone and with no account, opens it and nominates Casey.
    problems = browser_kit.PageProblems()
    context, customer = _recording_context(browser, live_app.url, problems)
    try:
        customer.goto("/n/" + shared.split("/n/", 1)[1])
        expect(customer.get_by_role("heading", level=1)).to_contain_text("Northwind Supply")
        expect(customer.get_by_role("button", name="Send my nomination")).to_be_visible()
        assert _fits_the_screen(customer)
        browser_kit.snap(customer, "03-customer-form")
        customer.get_by_label("Who helped you?").select_option(label="Casey Helper")
        story = customer.get_by_label("What did they do for you?")
        story.fill("The oven arrived broken. Casey found a spare part and we baked on Monday.")
        expect(customer.locator(".char-counter").first).to_be_visible()
        customer.get_by_label("Buyer").check()
        customer.get_by_label("Your name").fill("Pat Baker")
        customer.get_by_label("Your e-mail").fill("pat@bakery.example")
        customer.locator("[name=consent]").check()
        customer.get_by_role("button", name="Send my nomination").click()
        customer.wait_for_url("**/thanks/")
        expect(customer.get_by_role("heading", level=1)).to_have_text("Thank you!")
        assert _fits_the_screen(customer)
        browser_kit.snap(customer, "04-customer-thanks")
        assert not problems, problems.report()
    finally:
        context.close()

    with tenant_context(organization):
        nomination = Nomination.objects.get()
        assert nomination.status == Nomination.Status.PENDING  # waits for a moderator
        assert (nomination.nominee_id, nomination.collected_by_id) == (helper.pk, rep.pk)
        assert nomination.customer_name == "Pat Baker"
        assert OutboundEmail.objects.filter(to_address="pat@bakery.example").exists()

    # Back on the rep's phone, "My links" counts the nomination.
    page.goto("/northwind-supply/nominations/links/")
    row = page.get_by_role("row", name=re.compile("Bakery Ltd"))
    expect(row.locator("td.num")).to_have_text("1")
    browser_kit.snap(page, "05-my-links-counted")
    browser_kit.assert_clean(page)

    # An admin approves it from the moderation queue, on the phone too…
    def log_in(member):
        page.context.clear_cookies()
        page.goto("/accounts/login/")
        page.locator("[name=username]").fill(member.user.email)
        page.locator("[name=password]").fill(DEFAULT_PASSWORD)
        page.get_by_role("button", name="Log in").click()
        page.wait_for_url("**/northwind-supply/")

    log_in(admin)
    page.goto("/northwind-supply/nominations/moderation/")
    expect(page.get_by_text("Casey found a spare part")).to_be_visible()
    page.get_by_role("button", name=re.compile("^Approve")).first.click()
    expect(page.get_by_text("Nothing waits for moderation")).to_be_visible()
    browser_kit.snap(page, "06-approved")
    browser_kit.assert_clean(page)

    # …and Casey finds it on her recognition page.
    log_in(helper)
    page.goto(f"/northwind-supply/people/{helper.pk}/recognition/")
    expect(page.get_by_text("Casey found a spare part and we baked on Monday.")).to_be_visible()
    assert _fits_the_screen(page)
    browser_kit.snap(page, "07-nominee-sees-it")
    browser_kit.assert_clean(page)


def test_once_approved_the_managers_email_reads_as_a_letter(org, admin, link, helper, customer):
    from apps.recognition.nomination_services import nomination_moderate

    boss = MembershipFactory(role="manager", user__full_name="Morgan Boss")
    helper.reports_to = boss
    helper.save(update_fields=["reports_to"])
    customer.post(
        form_url(link),
        answers(
            helper,
            story="Casey <b>fixed</b> it.\nTwice.",
            customer_email="pat@bakery.test",
            customer_role="site_contact",
        ),
    )
    nomination_moderate(nomination=Nomination.objects.get(), actor=admin, decision="approved")
    email = OutboundEmail.objects.get(recipient=boss)
    text, html = email.body_text, email.body_html
    assert text.startswith("Dear Morgan Boss,")
    assert "wrote to thank Casey Helper, who reports to you" in text
    assert "Casey <b>fixed</b> it.\nTwice." in text
    assert "— Pat Customer, site contact, Bakery Ltd" in text
    assert "/recognition/" in text
    assert "Casey &lt;b&gt;fixed&lt;/b&gt; it.<br>Twice." in html
    assert "Stop these e-mails" in text  # unsubscribe (not a transactional e-mail)
    assert "pat@bakery.test" not in text + html  # the customer's e-mail stays with moderators
