from django.db import migrations

from apps.tenancy.rls import EnableTenantRLS


class Migration(migrations.Migration):
    dependencies = [("core", "0001_initial")]

    operations = [
        EnableTenantRLS("idempotencyrecord"),
    ]
