"""Random and hostile input to the public nomination form (and the members' link form).

Whatever a stranger sends (NUL bytes, huge strings, any unicode, HTML, wrong types, repeated or
unknown fields, broken encodings, odd tokens) the answer is a form error (200), a redirect (302)
or a 4xx, never a 500; and a submission is written whole or not at all.
"""

from urllib.parse import quote

import pytest
from django.test import Client
from django.urls import reverse
from hypothesis import given, settings
from hypothesis import strategies as st

from apps.notifications.models import Notification, OutboundEmail
from apps.recognition import nomination_services
from apps.recognition.nomination_models import (
    DESCRIPTION_MAX_LENGTH,
    STORY_MAX_LENGTH,
    CustomerEmailThrottle,
    Nomination,
    NominationLink,
)
from apps.recognition.nomination_services import link_token, nomination_link_create
from apps.tenancy.context import tenant_context
from tests.factories import MembershipFactory, OrganizationFactory, TeamFactory
from tests.proof.hypothesis_profiles import examples

pytestmark = [pytest.mark.django_db, pytest.mark.fuzz]

FUZZ = settings(max_examples=examples(30))  # deadline and health checks: the active profile
ALLOWED = {200, 302, 400, 403, 404, 405, 410, 413, 429}

HOSTILE_TEXT = st.one_of(
    st.text(max_size=50),
    st.text(alphabet=st.characters(codec="utf-8"), min_size=1, max_size=300),
    st.sampled_from(
        [
            "\x00",
            "a\x00b",
            "\u202e\u200b\ufeff",
            "<script>alert(1)</script>",
            '"><img src=x onerror=alert(1)>',
            "{{ settings.SECRET_KEY }}",
            "{% debug %}",
            "' OR 1=1 --",
            "🙂" * 600,
            "x" * (STORY_MAX_LENGTH + 1),
            "y" * 100_000,
            "\r\n" * 3000,
            "-1",
            "0",
            "9" * 40,
            "1.5",
            "unknown",
            "on",
            "true",
        ]
    ),
)
# A field's value: absent, one value, or several (a list sends the field repeatedly).
FIELD_VALUE = st.one_of(
    st.none(),
    HOSTILE_TEXT,
    st.integers(min_value=-(2**70), max_value=2**70),
    st.lists(HOSTILE_TEXT, min_size=2, max_size=3),
)
FIELDS = (
    "nominee",
    "helper_description",
    "story",
    "customer_role",
    "customer_name",
    "customer_company",
    "customer_email",
    "consent",
    "website",
)


@pytest.fixture
def setting(org):
    """A link, a helper, another organisation's helper, and limits high enough to fuzz."""
    team = TeamFactory(name="Customer care", kind="customer_service")
    helper = MembershipFactory(role="support", team=team, user__full_name="Casey Helper")
    rep = MembershipFactory(role="rep")
    MembershipFactory(role="admin")  # a moderator, told of each nomination
    link = nomination_link_create(creator=rep, label="Fuzz")
    other = _other_organisation_helper()
    return {"link": link, "helper": helper, "rep": rep, "other_helper": other}


def _other_organisation_helper():
    other = OrganizationFactory()
    with tenant_context(other):
        return MembershipFactory(role="support", user__full_name="Olga Otherorg")


@pytest.fixture(autouse=True)
def generous_limits(monkeypatch):
    monkeypatch.setattr(nomination_services, "LINK_SUBMISSIONS_PER_HOUR", 10**6)
    monkeypatch.setattr(nomination_services, "CLIENT_SUBMISSIONS_PER_10_MINUTES", 10**6)


def snapshot() -> tuple[int, int, int, int]:
    return (
        Nomination.objects.count(),
        OutboundEmail.objects.count(),
        Notification.objects.count(),
        CustomerEmailThrottle.objects.count(),
    )


def form_url(link: NominationLink) -> str:
    return reverse("nomination_form", kwargs={"token": link_token(link)})


def assert_whole_or_nothing(before, response, data) -> None:
    """A redirect wrote one complete nomination (none if the trap was sprung); else nothing."""
    after = snapshot()
    assert response.status_code in ALLOWED, response.status_code
    trap = data.get("website")
    accepted = response.status_code == 302 and not (
        trap if not isinstance(trap, list) else trap[-1]
    )
    if not accepted:
        assert after == before
        if response.status_code == 200:  # the form again, saying what to correct
            assert 'class="form-errors" role="alert"' in response.content.decode()
        return
    assert after[0] == before[0] + 1
    nomination = Nomination.objects.order_by("-id").first()
    assert nomination.story.strip()
    assert len(nomination.story) <= STORY_MAX_LENGTH
    assert len(nomination.helper_description) <= DESCRIPTION_MAX_LENGTH
    assert "\x00" not in nomination.story + nomination.customer_name + nomination.customer_company
    assert nomination.consent is True
    assert nomination.customer_role in Nomination.CustomerRole.values
    assert nomination.nominee_id is not None or nomination.helper_description.strip()
    assert nomination.status == Nomination.Status.PENDING
    assert after[2] > before[2]  # the moderators were told


def _post_data(values: dict) -> dict:
    data = {}
    for name, value in values.items():
        if value is None:
            continue
        data[name] = [str(v) for v in value] if isinstance(value, list) else str(value)
    return data


@FUZZ
@given(values=st.fixed_dictionaries(dict.fromkeys(FIELDS, FIELD_VALUE)))
def test_any_input_to_the_public_form_is_answered_and_never_half_written(setting, values):
    data = _post_data(values)
    before = snapshot()
    response = Client(REMOTE_ADDR="203.0.113.1").post(form_url(setting["link"]), data)
    assert_whole_or_nothing(before, response, data)


@FUZZ
@given(
    nominee=st.sampled_from(["helper", "other_helper", "rep", "unknown", "garbage"]),
    story=HOSTILE_TEXT,
    description=HOSTILE_TEXT,
    email=st.one_of(st.just(""), st.emails(), HOSTILE_TEXT),
    role=st.one_of(st.sampled_from(Nomination.CustomerRole.values), HOSTILE_TEXT),
    extra=st.dictionaries(st.text(min_size=1, max_size=20), HOSTILE_TEXT, max_size=3),
)
def test_plausible_submissions_with_hostile_parts(
    setting, nominee, story, description, email, role, extra
):
    """Mostly well-formed submissions, so that many pass validation and reach the service."""
    chosen = {
        "helper": setting["helper"].pk,
        "other_helper": setting["other_helper"].pk,  # another organisation's: never accepted
        "rep": setting["rep"].pk,  # not someone customers may name
        "unknown": "unknown",
        "garbage": "<b>1</b>",
    }[nominee]
    data = {
        **{key: value for key, value in extra.items() if key not in FIELDS},
        "nominee": str(chosen),
        "helper_description": description,
        "story": story,
        "customer_role": role,
        "customer_email": email,
        "consent": "on",
    }
    before = snapshot()
    response = Client(REMOTE_ADDR="203.0.113.2").post(form_url(setting["link"]), data)
    assert_whole_or_nothing(before, response, data)
    if nominee in {"other_helper", "rep", "garbage"}:
        assert snapshot() == before
    if response.status_code == 200:
        body = response.content.decode()
        assert "Olga Otherorg" not in body
        assert "<script>alert(1)</script>" not in body


@FUZZ
@given(
    body=st.one_of(
        st.binary(max_size=2000),
        st.text(max_size=500).map(str.encode),
        st.just(b"story=%ff%fe%00&nominee=%c0%af&consent=on&customer_role=buyer"),
        st.just(b"&".join([b"a=b"] * 1200)),
        st.just(b'{"story": "json", "consent": true}'),
    ),
    content_type=st.sampled_from(
        [
            "application/x-www-form-urlencoded",
            "multipart/form-data; boundary=xyz",
            "multipart/form-data",
            "application/json",
            "text/plain",
        ]
    ),
)
def test_raw_and_broken_bodies(setting, body, content_type):
    before = snapshot()
    response = Client(REMOTE_ADDR="203.0.113.3").generic(
        "POST", form_url(setting["link"]), data=body, content_type=content_type
    )
    assert response.status_code in ALLOWED
    assert snapshot() == before


@FUZZ
@given(token=st.text(min_size=1, max_size=300))
def test_any_token_is_a_404_never_an_error(setting, token):
    path = "/n/" + quote(token, safe="") + "/"
    client = Client(REMOTE_ADDR="203.0.113.4")
    before = snapshot()
    for response in (client.get(path), client.post(path, {"story": "x"})):
        assert response.status_code in {404, 301, 302}, path
    assert snapshot() == before


@FUZZ
@given(
    values=st.fixed_dictionaries(
        dict.fromkeys(
            ("label", "preselected_member", "preselected_team", "expires_on"), FIELD_VALUE
        )
        | {"single_use": st.one_of(st.none(), HOSTILE_TEXT)}
    )
)
def test_any_input_to_the_members_link_form_is_answered(org, setting, client_for, values):
    data = _post_data(values)
    links = NominationLink.objects.count()
    response = client_for(setting["rep"]).post(
        reverse("nomination_links", kwargs={"org_slug": org.slug}), data
    )
    assert response.status_code in {200, 302}
    assert NominationLink.objects.count() == links + (response.status_code == 302)
