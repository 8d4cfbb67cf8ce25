from django.db import migrations

from apps.tenancy.rls import AddTenantForeignKey, AddTenantKey, EnableTenantRLS


class Migration(migrations.Migration):
    dependencies = [("recognition", "0003_nominations")]

    operations = [
        EnableTenantRLS("nominationlink"),
        EnableTenantRLS("nomination"),
        AddTenantKey("nominationlink"),
        AddTenantForeignKey("nominationlink", "created_by"),
        AddTenantForeignKey("nominationlink", "preselected_member"),
        AddTenantForeignKey("nominationlink", "preselected_team"),
        AddTenantForeignKey("nomination", "link"),
        AddTenantForeignKey("nomination", "collected_by"),
        AddTenantForeignKey("nomination", "nominee"),
        AddTenantForeignKey("nomination", "moderated_by"),
    ]
