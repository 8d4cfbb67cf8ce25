from django.db import migrations

from apps.tenancy.rls import AddTenantForeignKey, EnableTenantRLS


class Migration(migrations.Migration):
    dependencies = [("dependency", "0004_call_import")]

    operations = [
        EnableTenantRLS("callimport"),
        AddTenantForeignKey("callimport", "uploaded_by"),
    ]
