from unittest import mock

import pytest
from django.contrib import admin
from django.db import OperationalError

from apps.tenancy.managers import TenantOwned

pytestmark = pytest.mark.django_db


def test_health_reports_database_and_broker(client, settings):
    settings.CELERY_TASK_ALWAYS_EAGER = False
    response = client.get("/health/")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "checks": {"database": True, "broker": True}}


def test_health_says_which_part_is_down(client, settings):
    settings.CELERY_TASK_ALWAYS_EAGER = False
    with mock.patch("apps.core.views._broker_answers", return_value=False):
        response = client.get("/health/")
    assert response.status_code == 503
    assert response.json()["checks"] == {"database": True, "broker": False}


def test_a_database_outage_is_a_503_page_not_a_crash(client, org, admin, client_for):
    browser = client_for(admin)
    browser.raise_request_exception = False
    with mock.patch(
        "apps.tenancy.middleware.organization_by_slug",
        side_effect=OperationalError("the server closed the connection"),
    ):
        response = browser.get(f"/{org.slug}/")
    assert response.status_code == 503
    assert "briefly unavailable" in response.content.decode().lower()


def test_unknown_pages_get_the_styled_404(client):
    response = client.get("/accounts/nothing-here/")
    assert response.status_code in (302, 404)
    response = client.get("/health/nothing/")
    assert response.status_code in (302, 404)


def test_the_operators_admin_registers_global_models_only():
    registered = admin.site._registry
    assert registered, "the admin has the organisation and user models"
    assert not [model for model in registered if issubclass(model, TenantOwned)]


def test_password_reset_sends_a_link_and_reveals_nothing(client, org, admin, mailoutbox):
    response = client.post("/accounts/password/reset/", {"email": admin.user.email})
    assert response.status_code == 302
    assert len(mailoutbox) == 1
    assert "/accounts/password/reset/" in mailoutbox[0].body
    unknown = client.post("/accounts/password/reset/", {"email": "nobody@example.test"})
    assert unknown.status_code == 302  # same answer: no account enumeration
    assert len(mailoutbox) == 1


def test_api_errors_outside_a_view_are_problem_json(client):
    response = client.get("/api/v2/anything/")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["status"] == 404
