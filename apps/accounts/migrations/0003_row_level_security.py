from django.db import migrations

from apps.tenancy.rls import EnableTenantRLS


class Migration(migrations.Migration):
    dependencies = [("accounts", "0002_initial")]

    operations = [
        EnableTenantRLS("invitation"),
        EnableTenantRLS("apitoken"),
    ]
