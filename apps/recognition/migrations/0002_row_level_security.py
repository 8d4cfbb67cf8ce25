from django.db import migrations

from apps.tenancy.rls import AddTenantForeignKey, AddTenantKey, EnableTenantRLS

MODELS = ["value", "kudos", "kudosrecipient", "kudosvalue", "reaction", "letter",
          "lettersubject", "lettercopy"]  # fmt: skip


class Migration(migrations.Migration):
    dependencies = [
        ("recognition", "0001_initial"),
        ("tenancy", "0003_same_organisation_keys"),
        ("notifications", "0004_outboundemail_tenant_key"),
    ]

    operations = [
        *[EnableTenantRLS(model) for model in MODELS],
        AddTenantKey("value"),
        AddTenantKey("kudos"),
        AddTenantKey("letter"),
        AddTenantForeignKey("kudos", "sender"),
        AddTenantForeignKey("kudos", "hidden_by"),
        AddTenantForeignKey("kudosrecipient", "kudos"),
        AddTenantForeignKey("kudosrecipient", "recipient"),
        AddTenantForeignKey("kudosvalue", "kudos"),
        AddTenantForeignKey("kudosvalue", "value"),
        AddTenantForeignKey("reaction", "kudos"),
        AddTenantForeignKey("reaction", "member"),
        AddTenantForeignKey("letter", "kudos"),
        AddTenantForeignKey("letter", "sender"),
        AddTenantForeignKey("letter", "addressed_to"),
        AddTenantForeignKey("letter", "email"),
        AddTenantForeignKey("letter", "acknowledged_by"),
        AddTenantForeignKey("lettersubject", "letter"),
        AddTenantForeignKey("lettersubject", "member"),
        AddTenantForeignKey("lettercopy", "letter"),
        AddTenantForeignKey("lettercopy", "member"),
    ]
