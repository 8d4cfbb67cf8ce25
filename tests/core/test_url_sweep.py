"""Sweeps over every URL pattern: deny by default, and another organisation's objects are 404.

A new URL fails these tests until it is classified here: public, or how to build the path to
another organisation's object. That is the point: nobody adds a page without deciding.
"""

import re

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from apps.accounts.tokens import api_token_create
from apps.notifications.services import notification_create
from apps.tenancy.context import tenant_context
from tests.factories import make_tenant_rows

pytestmark = pytest.mark.django_db

# Views anyone may open without logging in (design.md, security issue).
PUBLIC = {
    "root",  # redirects strangers to the login page
    "health",
    "signup",
    "login",
    "password_reset",
    "password_reset_done",
    "password_reset_confirm",
    "password_reset_complete",
    "invitation_accept",
    "unsubscribe",
    "api_schema",
    "api_docs",
    "api_not_found",  # answers a problem-details 404 for unknown API paths
    "nomination_form",  # customers nominate without an account, through a link's secret
    "nomination_thanks",
}

# How to reach another organisation's object through each URL that names one.
OBJECT_URLS = {
    "escalation_callback": lambda rows: {"escalation_id": rows["dependency.escalation"].pk},
    "escalation_detail": lambda rows: {"escalation_id": rows["dependency.escalation"].pk},
    "settings_topic_edit": lambda rows: {"topic_id": rows["dependency.topic"].pk},
    "dependency_rep_report": lambda rows: {"member_id": rows["tenancy.membership"].pk},
    "escalation_import_detail": lambda rows: {"import_id": rows["dependency.callimport"].pk},
    "escalation_import_progress": lambda rows: {"import_id": rows["dependency.callimport"].pk},
    "api_call_import_detail": lambda rows: {"import_id": rows["dependency.callimport"].pk},
    "api_escalation_detail": lambda rows: {"escalation_id": rows["dependency.escalation"].pk},
    "api_escalation_outcome": lambda rows: {"escalation_id": rows["dependency.escalation"].pk},
    "me_token_revoke": lambda rows: {"token_id": rows["accounts.apitoken"].pk},
    "notification_open": lambda rows: {"notification_id": rows["notifications.notification"].pk},
    "settings_member_edit": lambda rows: {"member_id": rows["tenancy.membership"].pk},
    "settings_member_deactivate": lambda rows: {"member_id": rows["tenancy.membership"].pk},
    "settings_member_reactivate": lambda rows: {"member_id": rows["tenancy.membership"].pk},
    "settings_invitation_revoke": lambda rows: {"invitation_id": rows["accounts.invitation"].pk},
    "settings_team_edit": lambda rows: {"team_id": rows["tenancy.team"].pk},
    "api_member_detail": lambda rows: {"member_id": rows["tenancy.membership"].pk},
    # Recognition: kudos, letters, a person's page and its exports, values, and their API.
    "kudos_detail": lambda rows: {"kudos_id": rows["recognition.kudos"].pk},
    "kudos_react": lambda rows: {"kudos_id": rows["recognition.kudos"].pk},
    "kudos_hide": lambda rows: {"kudos_id": rows["recognition.kudos"].pk},
    "letter_detail": lambda rows: {"letter_id": rows["recognition.letter"].pk},
    "letter_acknowledge": lambda rows: {"letter_id": rows["recognition.letter"].pk},
    "recognition_page": lambda rows: {"member_id": rows["tenancy.membership"].pk},
    "recognition_csv": lambda rows: {"member_id": rows["tenancy.membership"].pk},
    "recognition_print": lambda rows: {"member_id": rows["tenancy.membership"].pk},
    "settings_value_edit": lambda rows: {"value_id": rows["recognition.value"].pk},
    "api_kudos_detail": lambda rows: {"kudos_id": rows["recognition.kudos"].pk},
    "api_kudos_reactions": lambda rows: {"kudos_id": rows["recognition.kudos"].pk},
    "api_kudos_reaction_delete": lambda rows: {
        "kudos_id": rows["recognition.kudos"].pk,
        "emoji": "👏",
    },
    "api_letter_acknowledge": lambda rows: {"letter_id": rows["recognition.letter"].pk},
    "api_member_recognition": lambda rows: {"member_id": rows["tenancy.membership"].pk},
    "nomination_link_detail": lambda rows: {"link_id": rows["recognition.nominationlink"].pk},
    "nomination_link_revoke": lambda rows: {"link_id": rows["recognition.nominationlink"].pk},
    "nomination_detail": lambda rows: {"nomination_id": rows["recognition.nomination"].pk},
    "nomination_moderate": lambda rows: {"nomination_id": rows["recognition.nomination"].pk},
    "nomination_erase": lambda rows: {"nomination_id": rows["recognition.nomination"].pk},
    "nomination_delete": lambda rows: {"nomination_id": rows["recognition.nomination"].pk},
    "api_nomination_link_detail": lambda rows: {"link_id": rows["recognition.nominationlink"].pk},
    "api_nomination_link_revoke": lambda rows: {"link_id": rows["recognition.nominationlink"].pk},
    "api_nomination_approve": lambda rows: {"nomination_id": rows["recognition.nomination"].pk},
    "api_nomination_reject": lambda rows: {"nomination_id": rows["recognition.nomination"].pk},
    "api_nomination_spam": lambda rows: {"nomination_id": rows["recognition.nomination"].pk},
}

# What the sweep asks of every object URL; each route answers some of them, 405 to the rest.
METHODS = ("get", "post", "delete")

# Public URLs that carry a secret rather than an object id (tested in their own modules).
TOKEN_URLS = {
    "password_reset_confirm",
    "invitation_accept",
    "unsubscribe",
    "nomination_form",
    "nomination_thanks",
}


def _walk(patterns, prefix=""):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from _walk(pattern.url_patterns, prefix + str(pattern.pattern))
        elif isinstance(pattern, URLPattern):
            yield prefix + str(pattern.pattern), pattern.name


ROUTES = [
    (route, name) for route, name in _walk(get_resolver().url_patterns)
    if not route.startswith("admin/")  # Django's admin: operators only, global models only
]  # fmt: skip
PARAM = re.compile(r"<(?:(\w+):)?(\w+)>")


def _fill(route: str, values: dict) -> str:
    def value(match):
        default = 1 if match.group(1) == "int" else "x"
        return str(values.get(match.group(2), default))

    path = PARAM.sub(value, route)
    return "/" + path.replace("^.*$", "anything/")


def _object_params(route: str) -> set[str]:
    return {m.group(2) for m in PARAM.finditer(route)} - {"org_slug"}


def test_every_route_is_classified():
    unclassified = [
        name
        for route, name in ROUTES
        if _object_params(route) and name not in OBJECT_URLS and name not in TOKEN_URLS
    ]
    assert unclassified == []
    assert all(name for _route, name in ROUTES), "every route needs a name"


PRIVATE_ROUTES = [(route, name) for route, name in ROUTES if name not in PUBLIC]


@pytest.mark.parametrize(("route", "name"), PRIVATE_ROUTES, ids=[n for _r, n in PRIVATE_ROUTES])
def test_every_non_public_route_needs_login(client, org, route, name):
    path = _fill(route, {"org_slug": org.slug})
    for method in ("get", "post"):
        response = getattr(client, method)(path)
        if route.startswith("api/"):
            assert response.status_code == 401, (method, path)
        else:
            assert response.status_code == 302, (method, path)
            assert response["Location"].startswith("/accounts/login/")


@pytest.fixture
def other_rows(org, outsider):
    with tenant_context(outsider.organization_id):
        rows = make_tenant_rows()
        notification_create(recipient=rows["tenancy.membership"], category="membership", title="x")
        rows["notifications.notification"] = rows["notifications.notification"]
    return rows


@pytest.mark.parametrize("name", sorted(OBJECT_URLS))
def test_another_organisations_objects_are_404(name, org, admin, other_rows, client_for):
    route = next(r for r, n in ROUTES if n == name)
    kwargs = OBJECT_URLS[name](other_rows)
    if route.startswith("api/"):
        from rest_framework.test import APIClient

        client = APIClient()
        client.credentials(
            HTTP_AUTHORIZATION=f"Bearer {api_token_create(membership=admin, name='t').secret}"
        )
    else:
        client = client_for(admin)
    path = _fill(route, {"org_slug": org.slug, **kwargs})
    # Every method the route answers (not 405) finds nothing; at least one does (a DELETE-only
    # API route answers neither GET nor POST).
    answers = {method: getattr(client, method)(path).status_code for method in METHODS}
    assert set(answers.values()) <= {404, 405}, (answers, path)
    assert 404 in answers.values(), (answers, path)


@pytest.mark.parametrize(
    ("route", "name"),
    [(r, n) for r, n in ROUTES if r.startswith("<slug:org_slug>")],
    ids=[n for r, n in ROUTES if r.startswith("<slug:org_slug>")],
)
def test_a_member_cannot_open_another_organisations_pages(route, name, org, admin, outsider,
                                                          other_rows, client_for):  # fmt: skip
    kwargs = OBJECT_URLS[name](other_rows) if name in OBJECT_URLS else {}
    path = _fill(route, {"org_slug": outsider.organization.slug, **kwargs})
    client = client_for(admin)
    assert client.get(path).status_code == 404
    assert client.post(path).status_code == 404
