"""Recount the dependency report's weekly sums from the escalations, one organisation at a
time (inside it, so row-level security applies as always)."""

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from apps.dependency.reports import rebuild_report_weeks
from apps.tenancy.context import tenant_context
from apps.tenancy.models import Organization


class Command(BaseCommand):
    help = "Recount the dependency report's weekly sums (all organisations, or --org SLUG)."

    def add_arguments(self, parser):
        parser.add_argument("--org", help="only this organisation (its slug)")

    def handle(self, *args, org: str | None = None, **options):
        organizations = Organization.objects.order_by("pk")
        if org:
            organizations = organizations.filter(slug=org)
            if not organizations.exists():
                raise CommandError(f"No organisation has the slug {org!r}.")
        for organization in organizations:
            with transaction.atomic(), tenant_context(organization.pk):
                rebuild_report_weeks()
            self.stdout.write(f"{organization.slug}: weekly sums recounted")
