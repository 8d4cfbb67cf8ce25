from django.db import migrations

from apps.tenancy.rls import AddTenantForeignKey, AddTenantKey


class Migration(migrations.Migration):
    dependencies = [("tenancy", "0002_row_level_security")]

    operations = [
        AddTenantKey("team"),
        AddTenantKey("membership"),
        AddTenantForeignKey("membership", "team"),
        AddTenantForeignKey("membership", "reports_to"),
    ]
