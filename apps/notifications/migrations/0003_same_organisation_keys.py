from django.db import migrations

from apps.tenancy.rls import AddTenantForeignKey


class Migration(migrations.Migration):
    dependencies = [
        ("notifications", "0002_row_level_security"),
        ("tenancy", "0003_same_organisation_keys"),
    ]

    operations = [
        AddTenantForeignKey("outboundemail", "recipient"),
        AddTenantForeignKey("notification", "recipient"),
        AddTenantForeignKey("emailpreference", "membership"),
    ]
