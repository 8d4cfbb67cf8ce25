from django.db import migrations

from apps.tenancy.rls import AddTenantForeignKey, AddTenantKey, EnableTenantRLS


class Migration(migrations.Migration):
    dependencies = [
        ("dependency", "0001_initial"),
        ("tenancy", "0006_organization_escalation_retention_months_and_more"),
    ]

    operations = [
        *[EnableTenantRLS(m) for m in ("topic", "escalation", "escalationchange", "servicedetour")],
        AddTenantKey("topic"),
        AddTenantKey("escalation"),
        AddTenantForeignKey("topic", "handled_by_team"),
        AddTenantForeignKey("topic", "handled_by_member"),
        AddTenantForeignKey("escalation", "rep"),
        AddTenantForeignKey("escalation", "manager"),
        AddTenantForeignKey("escalation", "topic"),
        AddTenantForeignKey("escalation", "redirected_to_member"),
        AddTenantForeignKey("escalation", "redirected_to_team"),
        AddTenantForeignKey("escalation", "created_by"),
        AddTenantForeignKey("escalationchange", "escalation"),
        AddTenantForeignKey("escalationchange", "changed_by"),
        AddTenantForeignKey("servicedetour", "rep"),
        AddTenantForeignKey("servicedetour", "team"),
        AddTenantForeignKey("servicedetour", "created_by"),
    ]
