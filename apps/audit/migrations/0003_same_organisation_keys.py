from django.db import migrations

from apps.tenancy.rls import AddTenantForeignKey


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0002_row_level_security"),
        ("tenancy", "0003_same_organisation_keys"),
    ]

    operations = [
        AddTenantForeignKey("auditevent", "actor"),
    ]
