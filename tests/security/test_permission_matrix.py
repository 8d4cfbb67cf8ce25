"""The permission table of design.md ("Roles and permissions"), row by row, for pages and API.

Each test below is one row of the table; its parameters are the table's columns (admin, manager
— sales and support, in and out of the reporting tree where it matters —, rep, support). The
expected outcome is one of:

- ALLOWED: 2xx or 3xx;
- FORBIDDEN: 403, the object is visible but the action is not allowed;
- NOT_FOUND: 404, the object is not visible to this member.

`cast` is one organisation with the people every row needs:

    admin                                     (role admin)
    sales_manager ─┬─ rep (Riley)             (sales team)
                   └─ colleague (Rita)
    other_manager ─── other_rep               (another sales team: Riley is outside their tree)
    support_manager ─ support (Casey)         (customer service team)
"""

import csv
import io

import pytest
from django.urls import reverse

from apps.dependency.models import Escalation, Topic
from apps.dependency.services import escalation_log
from apps.recognition.models import Kudos, Letter, LetterSubject, Value
from apps.recognition.nomination_services import nomination_link_create, nomination_submit
from apps.tenancy.models import Membership, Team
from tests.factories import MembershipFactory, TeamFactory, ValueFactory, send_kudos

pytestmark = pytest.mark.django_db

ALLOWED, FORBIDDEN, NOT_FOUND = "allowed", 403, 404
ROLES = ["admin", "sales_manager", "other_manager", "support_manager", "rep", "support"]


def outcome(response) -> str | int:
    if 200 <= response.status_code < 400:
        return ALLOWED
    return response.status_code


def table(**expected):
    """Parametrize over the roles of one row: `table(admin=ALLOWED, …)`; every role is named."""
    assert set(expected) == set(ROLES), set(ROLES) ^ set(expected)
    return pytest.mark.parametrize(("role", "expected"), list(expected.items()))


def everyone(value):
    return table(**dict.fromkeys(ROLES, value))


@pytest.fixture
def cast(org):
    sales = TeamFactory(name="Field sales", kind=Team.Kind.SALES)
    north = TeamFactory(name="North sales", kind=Team.Kind.SALES)
    service = TeamFactory(name="Customer service", kind=Team.Kind.CUSTOMER_SERVICE)
    people = {"admin": MembershipFactory(role="admin", user__full_name="Ada Admin")}
    people["sales_manager"] = MembershipFactory(role="manager", team=sales,
                                                user__full_name="Sam Sales")  # fmt: skip
    people["other_manager"] = MembershipFactory(role="manager", team=north,
                                                user__full_name="Olga Other")  # fmt: skip
    people["support_manager"] = MembershipFactory(role="manager", team=service,
                                                  user__full_name="Sue Support")  # fmt: skip
    people["rep"] = MembershipFactory(role="rep", team=sales, reports_to=people["sales_manager"],
                                      user__full_name="Riley Rep")  # fmt: skip
    people["colleague"] = MembershipFactory(role="rep", team=sales,
                                            reports_to=people["sales_manager"],
                                            user__full_name="Rita Colleague")  # fmt: skip
    people["other_rep"] = MembershipFactory(role="rep", team=north,
                                            reports_to=people["other_manager"],
                                            user__full_name="Otto Other")  # fmt: skip
    people["support"] = MembershipFactory(role="support", team=service,
                                          reports_to=people["support_manager"],
                                          user__full_name="Casey Support")  # fmt: skip
    people["topic"] = Topic.objects.create(name="Pricing", handled_by_team=service)
    people["value"] = ValueFactory()
    people["teams"] = {"sales": sales, "service": service}
    return people


def url(name, org, **kwargs):
    return reverse(name, kwargs={"org_slug": org.slug, **kwargs})


def someone_else(cast, role):
    """A member to thank who is not the actor."""
    return cast["rep"] if role == "support" else cast["support"]


# --- send kudos, react, write letters: everyone ---------------------------------------------------


@everyone(ALLOWED)
def test_send_kudos_page(cast, org, client_for, role, expected):
    response = client_for(cast[role]).post(
        url("kudos_new", org),
        {"recipients": [someone_else(cast, role).pk], "message": "Thanks for the quick fix",
         "visibility": "organization"},
    )  # fmt: skip
    assert outcome(response) == expected
    assert Kudos.objects.filter(sender=cast[role]).exists()


@everyone(ALLOWED)
def test_send_kudos_api(cast, api_client_for, role, expected):
    response = api_client_for(cast[role]).post(
        "/api/v1/kudos/",
        {"recipients": [someone_else(cast, role).pk], "message": "Thanks"},
        format="json",
    )
    assert outcome(response) == expected, response.content


@everyone(ALLOWED)
def test_react_page_and_api(cast, org, client_for, api_client_for, role, expected):
    kudos = send_kudos(cast["colleague"], [cast["other_rep"]])
    page = client_for(cast[role]).post(url("kudos_react", org, kudos_id=kudos.pk), {"emoji": "👏"})
    assert outcome(page) == expected
    api = api_client_for(cast[role]).post(
        f"/api/v1/kudos/{kudos.pk}/reactions/", {"emoji": "🎉"}, format="json"
    )
    assert outcome(api) == expected, api.content


@everyone(ALLOWED)
def test_write_letters_page_and_api(cast, org, client_for, api_client_for, role, expected):
    assert outcome(client_for(cast[role]).get(url("letter_new", org))) == expected
    response = api_client_for(cast[role]).post(
        "/api/v1/letters/",
        {"subjects": [someone_else(cast, role).pk], "body": "They saved our quarter."},
        format="json",
    )
    assert outcome(response) == expected, response.content
    assert Letter.objects.filter(sender=cast[role]).exists()


# --- see the wall (organisation-visible kudos): everyone ----------------------------------------


@everyone(ALLOWED)
def test_see_the_wall(cast, org, client_for, api_client_for, role, expected):
    kudos = send_kudos(cast["colleague"], [cast["support"]], message="Wall-visible thanks")
    page = client_for(cast[role]).get(url("kudos_wall", org))
    assert outcome(page) == expected
    assert "Wall-visible thanks" in page.content.decode()
    api = api_client_for(cast[role]).get("/api/v1/kudos/")
    assert outcome(api) == expected
    assert kudos.pk in [row["id"] for row in api.json()["results"]]


# --- acknowledge a letter: the manager it is addressed to ----------------------------------------
# The letter: Riley thanks Casey, so it goes to Casey's manager Sue. Riley (sender), Casey (thanked)
# and admins can read it but not acknowledge it; managers it is not about cannot even see it.

ACKNOWLEDGE = table(
    admin=FORBIDDEN,
    sales_manager=NOT_FOUND,
    other_manager=NOT_FOUND,
    support_manager=ALLOWED,
    rep=FORBIDDEN,
    support=FORBIDDEN,
)


def _letter(cast) -> Letter:
    letter = Letter.objects.create(
        sender=cast["rep"], addressed_to=cast["support_manager"], body="Casey saved the order"
    )
    LetterSubject.objects.create(
        letter=letter, member=cast["support"], created_at=letter.created_at
    )
    return letter


@ACKNOWLEDGE
def test_acknowledge_a_letter_page(cast, org, client_for, role, expected):
    letter = _letter(cast)
    response = client_for(cast[role]).post(
        url("letter_acknowledge", org, letter_id=letter.pk), {"note": "Well done"}
    )
    assert outcome(response) == expected
    letter.refresh_from_db()
    assert (letter.acknowledged_at is not None) == (expected == ALLOWED)


@ACKNOWLEDGE
def test_acknowledge_a_letter_api(cast, api_client_for, role, expected):
    letter = _letter(cast)
    response = api_client_for(cast[role]).post(
        f"/api/v1/letters/{letter.pk}/acknowledge/", {"note": "Well done"}, format="json"
    )
    assert outcome(response) == expected, response.content
    letter.refresh_from_db()
    assert (letter.acknowledged_at is not None) == (expected == ALLOWED)


# --- own profile, notification preferences, API tokens (/<org-slug>/me/): everyone -----------


@everyone(ALLOWED)
def test_own_profile_preferences_and_tokens(cast, org, client_for, api_client_for, role, expected):
    client = client_for(cast[role])
    for name in ("me_profile", "me_notification_preferences", "me_tokens"):
        assert outcome(client.get(url(name, org))) == expected, name
    assert outcome(client.post(url("me_tokens", org), {"name": "My script"})) == expected
    me = api_client_for(cast[role]).get("/api/v1/me/")
    assert outcome(me) == expected
    assert me.json()["id"] == cast[role].pk


def test_nobody_revokes_another_members_token(cast, org, client_for, api_client_for):
    """The /me/ pages are one's own: another member's token id is not visible (404)."""
    from apps.accounts.models import ApiToken

    api_client_for(cast["rep"])
    token = ApiToken.objects.get(membership=cast["rep"])
    response = client_for(cast["admin"]).post(url("me_token_revoke", org, token_id=token.pk))
    assert response.status_code == NOT_FOUND
    token.refresh_from_db()
    assert token.revoked_at is None


# --- create nomination links: everyone ----------------------------------------------------------


@everyone(ALLOWED)
def test_create_nomination_links(cast, org, client_for, api_client_for, role, expected):
    page = client_for(cast[role]).post(url("nomination_links", org), {"label": "Acme rollout"})
    assert outcome(page) == expected
    api = api_client_for(cast[role]).post(
        "/api/v1/nomination-links/", {"label": "Globex"}, format="json"
    )
    assert outcome(api) == expected, api.content


# --- moderate nominations, see customers' e-mail: admin; managers if allowed; not rep/support ---


def _nomination(cast):
    link = nomination_link_create(creator=cast["rep"], label="Acme")
    return nomination_submit(
        link=link, nominee=cast["support"], helper_description="", story="Fixed it in an hour.",
        customer_role="buyer", customer_email="buyer@customer.test", consent=True,
    )  # fmt: skip


def moderation_table(managers_allowed: bool):
    manager = ALLOWED if managers_allowed else FORBIDDEN
    return [
        pytest.param(role, expected, managers_allowed,
                     id=f"{role}-managers_can_moderate={managers_allowed}")
        for role, expected in {
            "admin": ALLOWED, "sales_manager": manager, "other_manager": manager,
            "support_manager": manager, "rep": FORBIDDEN, "support": FORBIDDEN,
        }.items()
    ]  # fmt: skip


MODERATION = pytest.mark.parametrize(
    ("role", "expected", "managers_allowed"), moderation_table(True) + moderation_table(False)
)


@MODERATION
def test_moderate_nominations_page(cast, org, client_for, role, expected, managers_allowed):
    org.managers_can_moderate = managers_allowed
    org.save(update_fields=["managers_can_moderate"])
    nomination = _nomination(cast)
    client = client_for(cast[role])
    assert outcome(client.get(url("nomination_moderation", org))) == expected
    detail = client.get(url("nomination_detail", org, nomination_id=nomination.pk))
    assert outcome(detail) == expected
    assert ("buyer@customer.test" in detail.content.decode()) == (expected == ALLOWED)
    decided = client.post(
        url("nomination_moderate", org, nomination_id=nomination.pk), {"decision": "rejected"}
    )
    assert outcome(decided) == expected
    nomination.refresh_from_db()
    assert (nomination.status == "rejected") == (expected == ALLOWED)


@MODERATION
def test_moderate_nominations_api(cast, org, api_client_for, role, expected, managers_allowed):
    org.managers_can_moderate = managers_allowed
    org.save(update_fields=["managers_can_moderate"])
    nomination = _nomination(cast)
    client = api_client_for(cast[role])
    queue = client.get("/api/v1/nominations/")
    assert outcome(queue) == expected
    assert ("buyer@customer.test" in queue.content.decode()) == (expected == ALLOWED)
    spam = client.post(f"/api/v1/nominations/{nomination.pk}/spam/", {}, format="json")
    assert outcome(spam) == expected, spam.content
    nomination.refresh_from_db()
    assert (nomination.status == "spam") == (expected == ALLOWED)


# --- log an escalation: admin for anyone; manager for their reporting tree; rep for themself;
# support never. The target is Riley (the rep logs for themself). The page offers only the reps
# one may log for, so a rep outside one's tree is a form error there (nothing is logged); the
# API names the rep by id and answers 403.

LOG_FOR_RILEY = table(
    admin=ALLOWED,
    sales_manager=ALLOWED,
    other_manager=FORBIDDEN,
    support_manager=FORBIDDEN,
    rep=ALLOWED,
    support=FORBIDDEN,
)


@LOG_FOR_RILEY
def test_log_an_escalation_page(cast, org, client_for, role, expected):
    response = client_for(cast[role]).post(
        url("escalation_new", org),
        {"rep": cast["rep"].pk, "channel": "call", "urgency": "routine",
         "topic": cast["topic"].pk},
    )  # fmt: skip
    logged = Escalation.objects.filter(rep=cast["rep"]).exists()
    assert logged == (expected == ALLOWED)
    if expected == ALLOWED:
        assert response.status_code == 302
    elif role == "support":
        assert response.status_code == FORBIDDEN  # support staff don't get the form at all
    else:
        assert response.status_code in (200, FORBIDDEN)  # Riley is not a choice for them


@LOG_FOR_RILEY
def test_log_an_escalation_api(cast, api_client_for, role, expected):
    response = api_client_for(cast[role]).post(
        "/api/v1/escalations/",
        {"rep": cast["rep"].pk, "channel": "call", "urgency": "routine"},
        format="json",
    )
    assert outcome(response) == expected, response.content
    assert Escalation.objects.filter(rep=cast["rep"]).exists() == (expected == ALLOWED)


def test_a_rep_cannot_log_for_a_colleague(cast, org, client_for, api_client_for):
    client_for(cast["colleague"]).post(
        url("escalation_new", org), {"rep": cast["rep"].pk, "channel": "call", "urgency": "routine"}
    )
    api = api_client_for(cast["colleague"]).post(
        "/api/v1/escalations/",
        {"rep": cast["rep"].pk, "channel": "call", "urgency": "routine"},
        format="json",
    )
    assert api.status_code == FORBIDDEN
    assert not Escalation.objects.filter(rep=cast["rep"]).exists()


def test_support_cannot_log_escalations_or_read_them(cast, org, client_for, api_client_for):
    client = client_for(cast["support"])
    for name in ("escalation_new", "escalations", "escalations_overdue", "escalation_import"):
        assert client.get(url(name, org)).status_code == FORBIDDEN, name
    api = api_client_for(cast["support"])
    assert api.get("/api/v1/escalations/").status_code == FORBIDDEN
    assert api.get("/api/v1/service-detours/").status_code == FORBIDDEN


# --- dependency reports: admin everyone; manager their whole reporting tree; rep their own
# numbers; support no. The rep page is Riley's; the CSV and API rows show whose numbers one reads.

RILEYS_NUMBERS = table(
    admin=ALLOWED,
    sales_manager=ALLOWED,
    other_manager=FORBIDDEN,
    support_manager=FORBIDDEN,
    rep=ALLOWED,
    support=FORBIDDEN,
)


@pytest.fixture
def escalated(cast):
    for rep in (cast["rep"], cast["colleague"], cast["other_rep"]):
        escalation_log(actor=cast["admin"], rep=rep, channel="call", urgency="urgent")
    return cast


def _csv_names(response) -> set[str]:
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    return {row[0] for row in rows[1:-1]}  # between the header and the "All reps" line


@RILEYS_NUMBERS
def test_dependency_report_of_one_rep_page(escalated, org, client_for, role, expected):
    response = client_for(escalated[role]).get(
        url("dependency_rep_report", org, member_id=escalated["rep"].pk)
    )
    assert outcome(response) == expected


@table(
    admin={"Riley Rep", "Rita Colleague", "Otto Other"},
    sales_manager={"Riley Rep", "Rita Colleague"},
    other_manager={"Otto Other"},
    support_manager=set(),
    rep={"Riley Rep"},
    support=FORBIDDEN,
)
def test_dependency_report_page_csv_and_api_show_only_ones_scope(
    escalated, org, client_for, api_client_for, role, expected
):
    client = client_for(escalated[role])
    page = client.get(url("dependency_report", org))
    exported = client.get(url("dependency_report_csv", org))
    api = api_client_for(escalated[role]).get("/api/v1/reports/dependency/")
    if expected == FORBIDDEN:
        assert (page.status_code, exported.status_code, api.status_code) == (403, 403, 403)
        return
    assert (page.status_code, exported.status_code, api.status_code) == (200, 200, 200)
    assert _csv_names(exported) == expected
    assert {row["name"] for row in api.json()["reps"]} == expected
    shown = page.content.decode()
    for name in {"Riley Rep", "Rita Colleague", "Otto Other"} - expected:
        assert name not in shown


def test_a_rep_cannot_read_a_colleagues_dependency_numbers(
    escalated, org, client_for, api_client_for
):
    rita, riley = escalated["colleague"], escalated["rep"]
    client = client_for(rita)
    page = client.get(url("dependency_rep_report", org, member_id=riley.pk))
    assert page.status_code == FORBIDDEN
    exported = client.get(url("dependency_report_csv", org))
    assert _csv_names(exported) == {"Rita Colleague"}
    api = api_client_for(rita)
    assert {row["member_id"] for row in api.get("/api/v1/reports/dependency/").json()["reps"]} == {
        rita.pk
    }
    rileys = Escalation.objects.get(rep=riley)
    assert client.get(url("escalation_detail", org, escalation_id=rileys.pk)).status_code == 404
    assert api.get(f"/api/v1/escalations/{rileys.pk}/").status_code == NOT_FOUND
    listed = api.get(f"/api/v1/escalations/?rep={riley.pk}").json()["results"]
    assert listed == []


# --- manage members, teams, values, topics, settings: admin only ----------------------------------

ADMIN_ONLY = table(
    admin=ALLOWED,
    sales_manager=FORBIDDEN,
    other_manager=FORBIDDEN,
    support_manager=FORBIDDEN,
    rep=FORBIDDEN,
    support=FORBIDDEN,
)


def _settings_pages(cast, org) -> list[str]:
    return [
        url("settings_organization", org),
        url("settings_members", org),
        url("settings_member_edit", org, member_id=cast["other_rep"].pk),
        url("settings_invitations", org),
        url("settings_teams", org),
        url("settings_team_edit", org, team_id=cast["teams"]["sales"].pk),
        url("settings_values", org),
        url("settings_value_edit", org, value_id=cast["value"].pk),
        url("settings_topics", org),
        url("settings_topic_edit", org, topic_id=cast["topic"].pk),
    ]


@ADMIN_ONLY
def test_manage_members_teams_values_topics_settings_pages(cast, org, client_for, role, expected):
    client = client_for(cast[role])
    for page in _settings_pages(cast, org):
        assert outcome(client.get(page)) == expected, page
    deactivate = client.post(url("settings_member_deactivate", org, member_id=cast["other_rep"].pk))
    assert outcome(deactivate) == expected
    cast["other_rep"].refresh_from_db()
    assert cast["other_rep"].is_active == (expected != ALLOWED)
    invite = client.post(url("settings_invitations", org),
                         {"email": "new@example.test", "role": "rep"})  # fmt: skip
    assert outcome(invite) == expected


@ADMIN_ONLY
def test_manage_members_teams_values_topics_writes(cast, org, client_for, role, expected):
    """The writes behind those pages: only an admin's change happens."""
    client = client_for(cast[role])
    writes = [
        (url("settings_teams", org), {"name": "Returns desk", "kind": "customer_service"},
         lambda: Team.objects.filter(name="Returns desk").exists()),
        (url("settings_values", org),
         {"name": "Candour", "description": "Say it", "is_active": "on"},
         lambda: Value.objects.filter(name="Candour").exists()),
        (url("settings_topics", org), {"name": "Warranty", "is_active": "on"},
         lambda: Topic.objects.filter(name="Warranty").exists()),
        (url("settings_member_edit", org, member_id=cast["other_rep"].pk),
         {"role": "admin", "reports_to": cast["other_manager"].pk, "team": "", "title": ""},
         lambda: Membership.objects.get(pk=cast["other_rep"].pk).role == "admin"),
    ]  # fmt: skip
    for page, data, happened in writes:
        response = client.post(page, data)
        assert outcome(response) == expected, page
        assert happened() == (expected == ALLOWED), page


@ADMIN_ONLY
def test_manage_topics_api(cast, api_client_for, role, expected):
    response = api_client_for(cast[role]).post(
        "/api/v1/topics/", {"name": "Returns"}, format="json"
    )
    assert outcome(response) == expected, response.content
    assert Topic.objects.filter(name="Returns").exists() == (expected == ALLOWED)


@everyone(405)
def test_the_api_manages_no_members(cast, api_client_for, role, expected):
    """Members, roles and teams are managed on the settings pages only: the API reads them."""
    client = api_client_for(cast[role])
    member = f"/api/v1/members/{cast['other_rep'].pk}/"
    assert client.post("/api/v1/members/", {"role": "admin"}, format="json").status_code == expected
    assert client.patch(member, {"role": "admin"}, format="json").status_code == expected
    assert client.delete(member).status_code == expected
    cast["other_rep"].refresh_from_db()
    assert cast["other_rep"].role == "rep"
    assert cast["other_rep"].is_active


# --- read the audit log: admin only ---------------------------------------------------------------


@ADMIN_ONLY
def test_read_the_audit_log(cast, org, client_for, role, expected):
    assert outcome(client_for(cast[role]).get(url("settings_audit", org))) == expected


@everyone(NOT_FOUND)
def test_the_api_has_no_audit_log(cast, api_client_for, role, expected):
    assert api_client_for(cast[role]).get("/api/v1/audit/").status_code == expected


# --- A private kudos is visible only to its sender, its recipients and the recipients' direct
# managers. Riley privately thanks Casey: Riley, Casey and Sue (Casey's manager) see it; Riley's
# own manager and admins do not.

PRIVATE_KUDOS = table(
    admin=NOT_FOUND,
    sales_manager=NOT_FOUND,
    other_manager=NOT_FOUND,
    support_manager=ALLOWED,
    rep=ALLOWED,
    support=ALLOWED,
)


@PRIVATE_KUDOS
def test_private_kudos_visibility(cast, org, client_for, api_client_for, role, expected):
    kudos = send_kudos(cast["rep"], [cast["support"]], message="Quietly: thank you",
                       visibility=Kudos.Visibility.PRIVATE)  # fmt: skip
    client = client_for(cast[role])
    assert outcome(client.get(url("kudos_detail", org, kudos_id=kudos.pk))) == expected
    assert ("Quietly: thank you" in client.get(url("kudos_wall", org)).content.decode()) == (
        expected == ALLOWED
    )
    api = api_client_for(cast[role])
    assert outcome(api.get(f"/api/v1/kudos/{kudos.pk}/")) == expected
    listed = [row["id"] for row in api.get("/api/v1/kudos/").json()["results"]]
    assert (kudos.pk in listed) == (expected == ALLOWED)
    reacted = api.post(f"/api/v1/kudos/{kudos.pk}/reactions/", {"emoji": "🎉"}, format="json")
    assert outcome(reacted) == expected


# --- Another organisation's objects are a 404, never a 403 ----------------------------------------


def test_an_outsider_sees_nothing_of_the_organisation(escalated, org, outsider, client_for,
                                                      api_client_for):  # fmt: skip
    letter = _letter(escalated)
    kudos = send_kudos(escalated["rep"], [escalated["support"]])
    escalation = Escalation.objects.filter(rep=escalated["rep"]).first()
    client = client_for(outsider)
    for page in [url("kudos_wall", org), url("settings_audit", org),
                 url("dependency_report", org)]:  # fmt: skip
        assert client.get(page).status_code == NOT_FOUND, page
    api = api_client_for(outsider)
    for path in (f"/api/v1/kudos/{kudos.pk}/", f"/api/v1/escalations/{escalation.pk}/",
                 f"/api/v1/members/{escalated['rep'].pk}/"):  # fmt: skip
        assert api.get(path).status_code == NOT_FOUND, path
    acknowledged = api.post(f"/api/v1/letters/{letter.pk}/acknowledge/", {}, format="json")
    assert acknowledged.status_code == NOT_FOUND
