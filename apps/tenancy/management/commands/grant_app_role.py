from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from apps.tenancy.dbroles import ensure_app_role


class Command(BaseCommand):
    help = "Create/refresh the restricted application role (run as the owner after migrate)."

    def add_arguments(self, parser):
        parser.add_argument("role", help="Role name, for example app_rw.")
        parser.add_argument("--password", default=None, help="Set the role's login password.")

    def handle(self, *args, role: str, password: str | None, **options):
        if connection.vendor != "postgresql":
            raise CommandError("Database roles exist only on PostgreSQL.")
        ensure_app_role(role, password=password)
        self.stdout.write(self.style.SUCCESS(f"Role {role} is ready."))
