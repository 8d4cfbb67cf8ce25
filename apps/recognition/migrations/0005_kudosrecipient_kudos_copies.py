"""Each recipient row carries its kudos' sender, visibility and hidden state (as it already
carried the date), so a person's recognition is counted from their rows alone.

The existing rows are filled in with one UPDATE ... FROM per organisation, inside it: the
migration's role may be subject to row-level security, and a superuser would otherwise update
every organisation's rows once per organisation.
"""

import django.db.models.deletion
from django.db import migrations, models

from apps.tenancy.rls import AddTenantForeignKey

COPY_FROM_KUDOS = """
    UPDATE recognition_kudosrecipient AS kr
    SET sender_id = k.sender_id, visibility = k.visibility, hidden_at = k.hidden_at
    FROM recognition_kudos AS k
    WHERE k.id = kr.kudos_id AND kr.organization_id = %s
"""


def copy_from_kudos(apps, schema_editor):
    connection = schema_editor.connection
    postgresql = connection.vendor == "postgresql"
    with connection.cursor() as cursor:
        if postgresql:
            # Checked per statement: a deferred check of the new key would leave trigger events
            # pending, and PostgreSQL refuses the ALTER TABLE that follows.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("SELECT id FROM tenancy_organization ORDER BY id")
        for (organization_id,) in cursor.fetchall():
            if postgresql:
                cursor.execute("SELECT set_config('app.org_id', %s, true)", [str(organization_id)])
            cursor.execute(COPY_FROM_KUDOS, [organization_id])
        if postgresql:
            cursor.execute("SELECT set_config('app.org_id', '', true)")
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")  # as they were declared


class Migration(migrations.Migration):
    dependencies = [("recognition", "0004_nominations_row_level_security")]

    operations = [
        migrations.AddField(
            model_name="kudosrecipient",
            name="sender",
            field=models.ForeignKey(
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="tenancy.membership",
            ),
        ),
        migrations.AddField(
            model_name="kudosrecipient",
            name="visibility",
            field=models.CharField(
                choices=[
                    ("organization", "Everyone in the organisation"),
                    ("private", "Only the recipients and their managers"),
                ],
                default="organization",
                max_length=16,
            ),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="kudosrecipient",
            name="hidden_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        # The old index goes first: the UPDATE below then has one index fewer to maintain.
        migrations.RemoveIndex(model_name="kudosrecipient", name="kudosrecipient_idx"),
        migrations.RunPython(copy_from_kudos, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="kudosrecipient",
            name="sender",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="tenancy.membership",
            ),
        ),
        migrations.AddIndex(
            model_name="kudosrecipient",
            index=models.Index(
                fields=["organization", "recipient", "-created_at"],
                include=("kudos", "sender", "visibility", "hidden_at"),
                name="kudosrecipient_idx",
            ),
        ),
        AddTenantForeignKey("kudosrecipient", "sender"),
    ]
