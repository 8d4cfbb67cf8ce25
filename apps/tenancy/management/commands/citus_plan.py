from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from apps.tenancy.citus import citus_plan


class Command(BaseCommand):
    help = "Print the SQL that distributes this schema on Citus by organization_id."

    def handle(self, *args, **options):
        if connection.vendor != "postgresql":
            raise CommandError("The Citus plan is read from a PostgreSQL catalogue.")
        plan = citus_plan()
        for problem in plan.problems:
            self.stderr.write(f"-- PROBLEM: {problem}")
        self.stdout.write("BEGIN;")
        for statement in plan.statements:
            self.stdout.write(statement)
        self.stdout.write("COMMIT;")
        if plan.problems:
            raise CommandError(f"{len(plan.problems)} table(s) cannot be distributed yet.")
