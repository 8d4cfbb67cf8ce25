"""Create the demo: two organisations with members in every role, teams and reporting lines.

`--members N` fills the first organisation with N extra members in bulk, so the same code seeds
realistic volume for benchmarks. Feature apps add their own demo data through `DEMO_SEEDERS`.
"""

import random

from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.test.utils import override_settings
from django.utils.module_loading import import_string

from apps.accounts.models import User
from apps.tenancy.context import tenant_context
from apps.tenancy.models import Membership, Organization, Team, UserOrganization

DEMO_PASSWORD = "salesculture-demo"  # noqa: S105 - printed for the demo on purpose

# Each feature app has a function(organization, people: dict[str, Membership], rng) that adds
# its demo rows inside the organisation's tenant context.
DEMO_SEEDERS = ["apps.recognition.demo.seed", "apps.dependency.demo.seed"]

NORTHWIND = {
    "name": "Northwind Supply",
    "slug": "northwind",
    "time_zone": "America/Chicago",
    "teams": [
        ("Sales — Central", Team.Kind.SALES),
        ("Customer Service", Team.Kind.CUSTOMER_SERVICE),
        ("Technical Support", Team.Kind.TECHNICAL_SUPPORT),
        ("Inside Sales", Team.Kind.INSIDE_SALES),
        ("Leadership", Team.Kind.OTHER),
    ],
    # key, name, e-mail local part, role, team index, manager key, title, executive
    "people": [
        ("admin", "Alex Morgan", "admin", "admin", 4, None, "Operations Director", False),
        ("vp", "Victoria Park", "vp", "manager", 4, None, "VP of Sales", True),
        ("sales_manager", "Sam Rivera", "sam", "manager", 0, "vp", "Regional Sales Manager", False),
        ("rep", "Riley Chen", "riley", "rep", 0, "sales_manager", "Account Executive", False),
        ("rep2", "Jordan Blake", "jordan", "rep", 0, "sales_manager", "Account Executive", False),
        ("rep3", "Priya Natarajan", "priya", "rep", 0, "sales_manager", "Account Manager", False),
        ("rep4", "Marcus Bell", "marcus", "rep", 0, "sales_manager", "Account Executive", False),
        (
            "support_manager",
            "Dana Okafor",
            "dana",
            "manager",
            1,
            "admin",
            "Customer Service Manager",
            False,
        ),
        (
            "support",
            "Casey Nguyen",
            "casey",
            "support",
            1,
            "support_manager",
            "Customer Service Specialist",
            False,
        ),
        (
            "support2",
            "Luis Fernández",
            "luis",
            "support",
            1,
            "support_manager",
            "Order Desk Coordinator",
            False,
        ),
        (
            "tech",
            "Hannah Weiss",
            "hannah",
            "support",
            2,
            "support_manager",
            "Field Technician",
            False,
        ),
        (
            "tech2",
            "Omar Haddad",
            "omar",
            "support",
            2,
            "support_manager",
            "Repair Specialist",
            False,
        ),
        (
            "inside",
            "Grace Liu",
            "grace",
            "support",
            3,
            "support_manager",
            "Inside Sales Specialist",
            False,
        ),
    ],
}

HARBOR = {
    "name": "Harbor Tools",
    "slug": "harbor",
    "time_zone": "Europe/London",
    "teams": [("Field Sales", Team.Kind.SALES), ("Service Desk", Team.Kind.CUSTOMER_SERVICE)],
    "people": [
        ("admin", "Morgan Hale", "harbor-admin", "admin", 0, None, "Managing Director", True),
        ("sales_manager", "Alex Morgan", "admin", "manager", 0, "admin", "Sales Lead", False),
        ("rep", "Tess Walker", "tess", "rep", 0, "sales_manager", "Sales Rep", False),
        ("support", "Ivo Petrov", "ivo", "support", 1, "admin", "Service Desk Agent", False),
    ],
}

EXTRA_FIRST = [
    "Avery",
    "Blair",
    "Cameron",
    "Drew",
    "Emerson",
    "Finley",
    "Harper",
    "Jamie",
    "Kendall",
    "Logan",
    "Quinn",
]
EXTRA_LAST = [
    "Adams",
    "Brooks",
    "Carter",
    "Diaz",
    "Evans",
    "Foster",
    "Garcia",
    "Hughes",
    "Ito",
    "Kim",
    "Lopez",
    "Novak",
]


class Command(BaseCommand):
    help = "Create the demo organisations and members (idempotent: skips what exists)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--members",
            type=int,
            default=0,
            help="Extra members to add in bulk to the first organisation (for benchmarks).",
        )
        parser.add_argument("--seed", type=int, default=2026, help="Random seed.")
        parser.add_argument("--quiet", action="store_true", help="Do not print the logins.")

    def handle(self, *args, members: int, seed: int, quiet: bool, **options):
        if members < 0:
            raise CommandError("--members must be zero or more.")
        rng = random.Random(seed)  # noqa: S311 - demo data, not secrets
        password = make_password(DEMO_PASSWORD)
        logins: list[tuple[str, str, str]] = []
        # The demo's history (callback reminders of the last hours…) writes notifications; its
        # e-mails are kept in memory instead of flooding the console of `make demo`.
        quiet_mail = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
        with override_settings(MAILERS=quiet_mail):
            self._seed(password, logins, members, rng)
        if not quiet:
            self._print_logins(logins)

    def _seed(self, password, logins, members: int, rng: random.Random) -> None:
        for spec in (NORTHWIND, HARBOR):
            with transaction.atomic():
                organization, people = self._organization(spec, password, logins)
                with tenant_context(organization):
                    if spec is NORTHWIND and members:
                        self._bulk_members(members, password, rng)
                    for seeder in DEMO_SEEDERS:
                        import_string(seeder)(organization, people, rng)

    def _organization(self, spec, password, logins):
        organization, _created = Organization.objects.get_or_create(
            slug=spec["slug"], defaults={"name": spec["name"], "time_zone": spec["time_zone"]}
        )
        people: dict[str, Membership] = {}
        with tenant_context(organization):
            teams = [
                Team.objects.get_or_create(name=name, defaults={"kind": kind})[0]
                for name, kind in spec["teams"]
            ]
            for key, name, local, role, team_index, manager_key, title, executive in spec["people"]:
                email = f"{local}@demo.salesculture.test"
                user, _ = User.objects.get_or_create(
                    email=email, defaults={"full_name": name, "password": password}
                )
                membership, _ = Membership.objects.get_or_create(
                    user=user,
                    defaults={
                        "role": role,
                        "team": teams[team_index],
                        "reports_to": people.get(manager_key),
                        "title": title,
                        # Numbers a phone-system export would show (imports match on them).
                        "phone_mobile": f"+1312555{1000 + len(logins):04d}",
                        "is_executive": executive,
                    },
                )
                UserOrganization.objects.update_or_create(
                    user=user,
                    organization=organization,
                    defaults={"membership_id": membership.pk, "role": role, "is_active": True},
                )
                people[key] = membership
                logins.append((organization.name, f"{role} ({title})", email))
        return organization, people

    def _bulk_members(self, count: int, password: str, rng: random.Random) -> None:
        """Add `count` members quickly (bulk inserts), spread over new sales and support teams."""
        sales = Team.objects.create(name=f"Bulk Sales {count}", kind=Team.Kind.SALES)
        support = Team.objects.create(name=f"Bulk Service {count}", kind=Team.Kind.CUSTOMER_SERVICE)
        users = User.objects.bulk_create(
            User(
                email=f"member{i}-{count}@bulk.salesculture.test",
                full_name=f"{rng.choice(EXTRA_FIRST)} {rng.choice(EXTRA_LAST)}",
                password=password,
            )
            for i in range(count)
        )
        managers = Membership.objects.bulk_create(
            Membership(user=user, role=Membership.Role.MANAGER, team=sales, title="Sales Manager")
            for user in users[: max(1, count // 50)]
        )
        rest = users[len(managers) :]
        members = Membership.objects.bulk_create(
            Membership(
                user=user,
                role=Membership.Role.REP if i % 4 else Membership.Role.SUPPORT,
                team=sales if i % 4 else support,
                reports_to=managers[i % len(managers)],
                title="Account Executive" if i % 4 else "Service Specialist",
            )
            for i, user in enumerate(rest)
        )
        UserOrganization.objects.bulk_create(
            UserOrganization(
                user_id=m.user_id, organization_id=m.organization_id, membership_id=m.pk,
                role=m.role,
            )
            for m in [*managers, *members]
        )  # fmt: skip

    def _print_logins(self, logins):
        self.stdout.write(self.style.SUCCESS(f"\nDemo logins (password: {DEMO_PASSWORD})"))
        for organization, role, email in logins:
            self.stdout.write(f"  {organization:<18} {role:<44} {email}")
        self.stdout.write(
            "\nalex is in both organisations: admin of Northwind, manager at Harbor "
            "(switch with the organisation menu)."
        )
