"""The embedded demo (SQLite, no server): migrate, seed, then open every organisation page.

`make test` runs this module on its own against a fresh SQLite file (`-m smoke`), the database
`make demo` uses; the main PostgreSQL run deselects it (`-m "not smoke"`), and it skips itself
on any other database.

Every route under `/<org-slug>/` that needs no other parameter is found by walking the URL
resolver, so new pages are covered as soon as they are routed. Each demo role must get 200,
except on the pages of `RESTRICTED` (the settings pages and the pages the design reserves to
some roles), which are 403 for the other roles. A route that only accepts POST (an action
behind a button) must answer a GET with 405 and an `Allow` header without GET.
"""

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from apps.accounts.models import User

ORG_SLUG = "northwind"
ORG_PREFIX = "<slug:org_slug>/"

# the demo login of each role (seed_demo)
DEMO_ROLES = {
    "admin": "admin@demo.salesculture.test",
    "sales-manager": "sam@demo.salesculture.test",
    "rep": "riley@demo.salesculture.test",
    "support": "casey@demo.salesculture.test",
    "support-manager": "dana@demo.salesculture.test",
}
MANAGERS = {"admin", "sales-manager", "support-manager"}
NOT_SUPPORT = set(DEMO_ROLES) - {"support"}
# Pages (path prefixes under /northwind/) that only some roles may open; everyone else gets 403.
# A new role-restricted page is added here, following the design's permission table.
RESTRICTED = {
    "settings/": {"admin"},  # organisation settings and member management: admins
    "team-recognition/": MANAGERS,  # a manager's view of their people (admins see any team)
    "nominations/moderation/": MANAGERS,  # moderators: admins, managers when allowed (default)
    "escalations/": NOT_SUPPORT,  # support staff neither log escalations nor see them
    "escalations/topic-hint/": set(DEMO_ROLES),  # "who handles this topic": public directory
    "escalations/import/": MANAGERS,  # phone-system imports: admins and managers
    "detours/": NOT_SUPPORT,  # a rep's service detours, seen up the reporting line
    "reports/dependency/": NOT_SUPPORT,  # dependency reports: everyone but support staff
}
PUBLIC_PAGES = ["/accounts/login/", "/signup/", "/accounts/password/reset/", "/health/"]

pytestmark = [
    pytest.mark.smoke,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        settings.DATABASES["default"]["ENGINE"] != "django.db.backends.sqlite3",
        reason="the embedded smoke test runs on SQLite (make test runs it on its own)",
    ),
]


def _walk(resolvers, prefix: str = "", params: frozenset = frozenset()):
    """Yield (route, parameter names) for every URL pattern, prefixes included."""
    for entry in resolvers:
        route = prefix + str(entry.pattern)
        names = params | frozenset(getattr(entry.pattern, "converters", {}))
        if isinstance(entry, URLResolver):
            yield from _walk(entry.url_patterns, route, names)
        elif isinstance(entry, URLPattern):
            yield route, names


def organisation_pages() -> list[str]:
    """Paths of the organisation's pages that take no parameter but the organisation."""
    pages = {
        route.replace("<slug:org_slug>", ORG_SLUG)
        for route, names in _walk(get_resolver().url_patterns)
        if route.startswith(ORG_PREFIX) and names == {"org_slug"}
    }
    return sorted(f"/{path}" for path in pages)


def test_the_walk_finds_the_organisation_pages():
    pages = organisation_pages()
    for expected in ("/northwind/", "/northwind/me/", "/northwind/settings/"):
        assert expected in pages


@pytest.fixture
def demo(transactional_db):
    """The demo, exactly as `make demo` prepares it: cache table, then seed_demo."""
    call_command("createcachetable", verbosity=0)
    call_command("seed_demo", quiet=True)


def expected_status(path: str, role: str) -> int:
    """The longest matching prefix of RESTRICTED decides; a page not listed is for everyone."""
    for prefix in sorted(RESTRICTED, key=len, reverse=True):
        if path.startswith(f"/{ORG_SLUG}/{prefix}"):
            return 200 if role in RESTRICTED[prefix] else 403
    return 200


def answers_as_expected(response, expected: int) -> bool:
    if response.status_code == expected:
        return True
    allowed = {m.strip() for m in response.headers.get("Allow", "").split(",") if m.strip()}
    # An action route (a button's POST target) refuses GET; that is its page working.
    return response.status_code == 405 and bool(allowed) and "GET" not in allowed


@pytest.mark.parametrize("role", list(DEMO_ROLES))
def test_every_organisation_page_answers_for_each_demo_role(demo, role):
    assert connection.vendor == "sqlite"
    email = DEMO_ROLES[role]
    # A page that crashes is reported with the others instead of stopping the sweep.
    client = Client(raise_request_exception=False)
    client.force_login(User.objects.get(email=email))

    pages = organisation_pages()
    wrong = []
    for path in pages:
        response = client.get(path)
        expected = expected_status(path, role)
        if not answers_as_expected(response, expected):
            error = getattr(response, "exc_info", None)
            raised = f" ({error[1]!r})" if error else ""
            wrong.append(f"GET {path}: {response.status_code}, expected {expected}{raised}")
    assert not wrong, f"{role} ({email}) on {len(pages)} pages:\n" + "\n".join(wrong)

    home = client.get(f"/{ORG_SLUG}/")
    assert b"Hello, " in home.content


def test_the_public_pages_answer(demo):
    client = Client(raise_request_exception=False)
    wrong = []
    for path in PUBLIC_PAGES:
        response = client.get(path)
        if response.status_code != 200:
            wrong.append(f"GET {path}: {response.status_code}")
    assert not wrong, "\n".join(wrong)


def test_a_stranger_is_sent_to_the_login_page(demo):
    response = Client().get(f"/{ORG_SLUG}/")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/accounts/login/")
