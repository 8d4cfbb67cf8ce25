# The report's weekly sums (the triggers that keep them are in 0008).

import django.db.models.deletion
from django.db import migrations, models

from apps.tenancy.rls import AddTenantForeignKey, EnableTenantRLS


class Migration(migrations.Migration):
    dependencies = [
        ("dependency", "0006_escalation_report_index"),
        ("tenancy", "0006_organization_escalation_retention_months_and_more"),
    ]

    operations = [
        migrations.CreateModel(
            name="EscalationWeek",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("week_start", models.DateField()),
                ("escalations", models.IntegerField(default=0)),
                ("urgent", models.IntegerField(default=0)),
                ("routine_answered", models.IntegerField(default=0)),
                ("routine_solved_alone", models.IntegerField(default=0)),
                ("solved_alone", models.IntegerField(default=0)),
                ("repeats", models.IntegerField(default=0)),
                ("supportable", models.IntegerField(default=0)),
                ("manager_minutes", models.BigIntegerField(default=0)),
                ("rep_minutes", models.BigIntegerField(default=0)),
                (
                    "organization",
                    models.ForeignKey(
                        db_index=False,
                        editable=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="tenancy.organization",
                    ),
                ),
                (
                    "rep",
                    models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="tenancy.membership",
                    ),
                ),
            ],
            options={
                "abstract": False,
                "base_manager_name": "objects",
                "constraints": [
                    models.UniqueConstraint(
                        fields=("organization", "week_start", "rep"), name="escweek_unique"
                    )
                ],
            },
        ),
        migrations.CreateModel(
            name="TopicWeek",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("week_start", models.DateField()),
                ("topic_key", models.BigIntegerField()),
                ("escalations", models.IntegerField(default=0)),
                (
                    "organization",
                    models.ForeignKey(
                        db_index=False,
                        editable=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="tenancy.organization",
                    ),
                ),
            ],
            options={
                "abstract": False,
                "base_manager_name": "objects",
                "constraints": [
                    models.UniqueConstraint(
                        fields=("organization", "week_start", "topic_key"), name="topicweek_unique"
                    )
                ],
            },
        ),
        EnableTenantRLS("escalationweek"),
        AddTenantForeignKey("escalationweek", "rep"),
        EnableTenantRLS("topicweek"),
    ]
