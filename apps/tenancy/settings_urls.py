from django.urls import path

from apps.audit import views as audit_views
from apps.tenancy import settings_views as views

urlpatterns = [
    path("", views.organization_settings, name="settings_organization"),
    path("members/", views.member_list, name="settings_members"),
    path("members/<int:member_id>/", views.member_edit, name="settings_member_edit"),
    path(
        "members/<int:member_id>/deactivate/",
        views.member_deactivate,
        name="settings_member_deactivate",
    ),
    path(
        "members/<int:member_id>/reactivate/",
        views.member_reactivate,
        name="settings_member_reactivate",
    ),
    path("invitations/", views.invitation_list, name="settings_invitations"),
    path(
        "invitations/<int:invitation_id>/revoke/",
        views.invitation_revoke_view,
        name="settings_invitation_revoke",
    ),
    path("teams/", views.team_list, name="settings_teams"),
    path("teams/<int:team_id>/", views.team_edit, name="settings_team_edit"),
    path("audit/", audit_views.audit_log, name="settings_audit"),
]
