from django.db import migrations

from apps.tenancy.rls import AddTenantKey


class Migration(migrations.Migration):
    dependencies = [("notifications", "0003_same_organisation_keys")]

    operations = [AddTenantKey("outboundemail")]
