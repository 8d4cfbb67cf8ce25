"""Cross-cutting tables: API idempotency records and the shared rate-limit counters."""

from django.db import models

from apps.tenancy.managers import TenantOwned


class IdempotencyRecord(TenantOwned):
    """The first response to a create request carrying an `Idempotency-Key`, replayed on retry."""

    membership = models.ForeignKey(
        "tenancy.Membership", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    key = models.CharField(max_length=255)
    method = models.CharField(max_length=8)
    path = models.CharField(max_length=300)
    request_fingerprint = models.CharField(max_length=64)
    status_code = models.PositiveSmallIntegerField(null=True)
    response_body = models.JSONField(null=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta(TenantOwned.Meta):
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "membership", "key"], name="idempotency_unique_key"
            ),
        ]
        indexes = [models.Index(fields=["organization", "created_at"], name="idempotency_age_idx")]

    def __str__(self) -> str:
        return self.key


class Counter(models.Model):
    """One rate-limit or lockout counter, shared by every process (see apps/core/ratelimit.py).

    Global, not tenant-owned: some counters exist before any organisation is known (failed
    logins, unknown tokens); keys of tenant counters name their organisation. `expires` is Unix
    time, so the one-statement upsert reads the same on PostgreSQL and SQLite.
    """

    key = models.CharField(max_length=250, primary_key=True)
    count = models.PositiveIntegerField()
    expires = models.FloatField()

    class Meta:
        indexes = [models.Index(fields=["expires"], name="counter_expires_idx")]

    def __str__(self) -> str:
        return self.key


class ContentVersion(models.Model):
    """How many times the data behind one area of an organisation's pages has changed.

    Bumped by PostgreSQL itself (triggers of migrations core/0007 and core/0008), at the commit
    of every transaction that wrote a table those pages show, so a cached fragment keyed by
    the version (apps/core/fragments.py) can never outlive what it shows, whichever code wrote
    the rows: views, tasks, imports, the admin or a script. Global, not tenant-owned: a
    version is a bare counter, bumped for every organisation of a renamed user and read before
    any fragment.
    """

    class Area(models.TextChoices):
        RECOGNITION = "recognition"
        DEPENDENCY = "dependency"

    organization = models.ForeignKey(
        "tenancy.Organization", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    area = models.CharField(max_length=16, choices=Area.choices)
    version = models.BigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "area"], name="content_version_unique_area"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.organization_id}/{self.area}: {self.version}"
