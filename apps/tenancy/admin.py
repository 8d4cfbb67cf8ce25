"""Operators' admin: global models only. Tenant data is managed in the app, by its admins."""

from django.contrib import admin

from apps.tenancy.models import Organization


@admin.register(Organization)
class OrganizationAdmin(admin.ModelAdmin):
    list_display = ("name", "slug", "time_zone", "currency", "created_at")
    search_fields = ("name", "slug")
    readonly_fields = ("created_at",)
