"""The database cache (login lockouts, API throttles) is shared by every web process."""

from django.core.management import call_command
from django.db import migrations


def create_cache_table(apps, schema_editor):
    call_command("createcachetable", database=schema_editor.connection.alias, verbosity=0)


class Migration(migrations.Migration):
    dependencies = [("core", "0002_row_level_security")]

    operations = [migrations.RunPython(create_cache_table, migrations.RunPython.noop)]
