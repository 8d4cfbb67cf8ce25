from django.db import migrations

from apps.tenancy.rls import EnableTenantRLS


class Migration(migrations.Migration):
    dependencies = [("notifications", "0001_initial")]

    operations = [
        EnableTenantRLS("outboundemail"),
        EnableTenantRLS("notification"),
        EnableTenantRLS("emailpreference"),
    ]
