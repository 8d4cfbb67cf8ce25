from django.db import migrations

from apps.tenancy.rls import AddTenantForeignKey


class Migration(migrations.Migration):
    dependencies = [("core", "0003_cache_table"), ("tenancy", "0003_same_organisation_keys")]

    operations = [
        AddTenantForeignKey("idempotencyrecord", "membership"),
    ]
