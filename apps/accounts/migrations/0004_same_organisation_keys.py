from django.db import migrations

from apps.tenancy.rls import AddTenantForeignKey


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0003_row_level_security"),
        ("tenancy", "0003_same_organisation_keys"),
    ]

    operations = [
        AddTenantForeignKey("invitation", "team"),
        AddTenantForeignKey("invitation", "reports_to"),
        AddTenantForeignKey("invitation", "invited_by"),
        AddTenantForeignKey("apitoken", "membership"),
    ]
