"""Seed one organisation on the private fault-test database, through the app's own code.

Run by tests/faults/conftest.py (`Stack.seed`) as a subprocess with the private servers in its
environment; prints one JSON line with what the tests need (logins, member ids, a link token).
"""

import argparse
import json

import django

django.setup()

from django.contrib.auth.hashers import make_password  # noqa: E402

from apps.accounts.models import User  # noqa: E402
from apps.recognition.nomination_services import link_token, nomination_link_create  # noqa: E402
from apps.tenancy.context import tenant_context  # noqa: E402
from apps.tenancy.models import Membership, Organization, Team  # noqa: E402
from tests.factories import MembershipFactory  # noqa: E402

PASSWORD = "faults-correct-horse-battery"
ANSWER = "seed-answer: "  # marks our lines among anything else printed


def seed(*, slug: str, support_people: int) -> dict:
    organization = Organization.objects.create(name=f"Faults {slug}", slug=slug)
    hashed = make_password(PASSWORD)  # hashed once: the hasher is slow by design

    def person(key: str, name: str, **membership) -> Membership:
        user = User.objects.create(email=f"{key}@{slug}.test", full_name=name, password=hashed)
        return MembershipFactory(user=user, **membership)

    with tenant_context(organization):
        sales = Team.objects.create(name="Field sales", kind=Team.Kind.SALES)
        support = Team.objects.create(name="Customer care", kind=Team.Kind.CUSTOMER_SERVICE)
        admin = person("ada", "Ada Admin", role=Membership.Role.ADMIN)
        sam = person("sam", "Sam Sales-Manager", role=Membership.Role.MANAGER, team=sales)
        riley = person("riley", "Riley Rep", team=sales, reports_to=sam)
        morgan = person("morgan", "Morgan Care-Manager", role=Membership.Role.MANAGER, team=support)
        helpers = [
            person(
                f"helper{i}",
                f"Helper {i:02d}",
                role=Membership.Role.SUPPORT,
                team=support,
                reports_to=morgan,
            )
            for i in range(support_people)
        ]
        link = nomination_link_create(creator=riley, label="Faults customer link")
    outsider = Organization.objects.create(name="Outsider Ltd", slug=f"{slug}-outsider")
    with tenant_context(outsider):
        charlie = person("charlie", "Charlie Outsider", role=Membership.Role.ADMIN)
    return {
        "slug": slug,
        "organization_id": organization.pk,
        "password": PASSWORD,
        "admin": admin.user.email,
        "rep": riley.user.email,
        "rep_id": riley.pk,
        "support_manager": morgan.user.email,
        "helper_ids": [helper.pk for helper in helpers],
        "helper_emails": [helper.user.email for helper in helpers],
        "link_token": link_token(link),
        "outsider_slug": outsider.slug,
        "outsider": charlie.user.email,
    }


def setup() -> None:
    """Migrate as the owner, then grant the application role (README, "Database roles")."""
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)
    call_command("grant_app_role", "app_rw", verbosity=0)


def serve() -> None:
    """One JSON command per input line, one JSON answer per output line: Django starts once
    per test session instead of once per scenario."""
    import sys
    import traceback

    from django.db import connection

    for line in sys.stdin:
        command = json.loads(line)
        connection.close()  # a fresh connection: the database may have been restarted
        try:
            if command.pop("setup", False):
                setup()
                answer = {"ok": True}
            else:
                answer = seed(**command)
        except Exception:
            answer = {"error": traceback.format_exc()}
        print(ANSWER + json.dumps(answer), flush=True)


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--serve", action="store_true")
    parser.add_argument("--slug", default="faults")
    parser.add_argument("--support-people", type=int, default=10)
    options = parser.parse_args()
    if options.serve:
        serve()
    else:
        print(json.dumps(seed(slug=options.slug, support_people=options.support_people)))
