from django.db import migrations

from apps.tenancy.rls import EnableTenantRLS


class Migration(migrations.Migration):
    dependencies = [("audit", "0001_initial")]

    operations = [
        EnableTenantRLS("auditevent"),
    ]
