import pytest
from django.urls import reverse

from apps.accounts.models import User
from apps.audit.models import AuditEvent
from apps.tenancy.context import tenant_context
from apps.tenancy.models import Membership, Organization, UserOrganization
from tests.factories import DEFAULT_PASSWORD, MembershipFactory

pytestmark = pytest.mark.django_db

SIGNUP = {
    "full_name": "Nora North",
    "email": "Nora@Example.test",
    "password": "a long and unusual passphrase",
    "organization_name": "Nora's Widgets",
    "slug": "noras-widgets",
    "time_zone": "Europe/Paris",
}


def test_anyone_can_sign_up_and_becomes_the_first_admin(client):
    response = client.post(reverse("signup"), SIGNUP)
    assert response.status_code == 302
    assert response["Location"] == "/noras-widgets/"
    organization = Organization.objects.get(slug="noras-widgets")
    assert organization.time_zone == "Europe/Paris"
    user = User.objects.get(email="nora@example.test")
    with tenant_context(organization):
        membership = Membership.objects.get(user=user)
        assert membership.role == Membership.Role.ADMIN
        assert AuditEvent.objects.filter(action="organization.created").count() == 1
    assert UserOrganization.objects.filter(user=user, organization=organization).exists()
    home = client.get("/noras-widgets/")
    assert home.status_code == 200
    assert "Hello, Nora North" in home.content.decode()


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("slug", "admin", "reserved"),
        ("slug", "api", "reserved"),
        ("slug", "Not A Slug!", "Enter a valid"),
        ("email", "not-an-email", "valid email"),
        ("password", "123", "too short"),
        ("time_zone", "Mars/Olympus", "not one of the available choices"),
    ],
)
def test_bad_sign_up_input_gets_a_clear_error_and_writes_nothing(client, field, value, message):
    response = client.post(reverse("signup"), {**SIGNUP, field: value})
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not User.objects.exists()
    assert not Organization.objects.exists()


def test_a_taken_address_or_email_is_refused(client, org, admin):
    taken_slug = client.post(reverse("signup"), {**SIGNUP, "slug": org.slug})
    assert "already taken" in taken_slug.content.decode()
    taken_email = client.post(reverse("signup"), {**SIGNUP, "email": admin.user.email.upper()})
    assert "already exists" in taken_email.content.decode()
    assert Organization.objects.count() == 1


def test_login_lands_on_the_home_of_my_organisation(client, org):
    member = MembershipFactory(role="support", user__full_name="Sue Support")
    response = client.post(
        reverse("login"), {"username": member.user.email.upper(), "password": DEFAULT_PASSWORD}
    )
    assert response.status_code == 302
    landing = client.get(response["Location"], follow=True)
    assert landing.redirect_chain[-1][0] == f"/{org.slug}/"
    assert "Hello, Sue Support" in landing.content.decode()


def test_a_wrong_password_is_a_clear_error(client, org):
    member = MembershipFactory()
    response = client.post(reverse("login"), {"username": member.user.email, "password": "nope"})
    assert response.status_code == 200
    assert "do not match an account" in response.content.decode()


def test_repeated_failures_lock_the_account_out(client, org, settings):
    settings.LOGIN_FAILURE_LIMIT = 3
    member = MembershipFactory()
    for _ in range(3):
        client.post(reverse("login"), {"username": member.user.email, "password": "wrong"})
    response = client.post(
        reverse("login"), {"username": member.user.email, "password": DEFAULT_PASSWORD}
    )
    assert response.status_code == 200
    assert "Too many failed attempts" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_pages_of_an_organisation_need_login(client, org):
    response = client.get(f"/{org.slug}/")
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_a_member_of_two_organisations_can_switch(client_for, org, outsider):
    with tenant_context(outsider.organization_id):
        pass
    member = MembershipFactory(role="rep")
    with tenant_context(outsider.organization_id):
        MembershipFactory(user=member.user, role="manager")
    client = client_for(member)
    page = client.get(f"/{org.slug}/").content.decode()
    assert f'href="/{outsider.organization.slug}/"' in page  # the switcher lists both
    assert client.get(f"/{outsider.organization.slug}/").status_code == 200


def test_a_stranger_to_an_organisation_gets_404_not_403(client_for, org, outsider):
    member = MembershipFactory()
    assert client_for(member).get(f"/{outsider.organization.slug}/").status_code == 404
    assert client_for(member).get("/no-such-org/").status_code == 404


def test_a_deactivated_member_is_locked_out_of_the_organisation(client_for, org, admin):
    member = MembershipFactory(is_active=False)
    assert client_for(member).get(f"/{org.slug}/").status_code == 404


def test_profile_phone_numbers_are_stored_in_international_form(client_for, org):
    member = MembershipFactory()
    url = f"/{org.slug}/me/"
    client = client_for(member)
    client.post(url, {"full_name": "Pat", "phone_mobile": "(312) 555-0142", "phone_office": ""})
    member.refresh_from_db()
    assert member.phone_mobile == "+13125550142"  # the organisation's region is US
    bad = client.post(url, {"full_name": "Pat", "phone_mobile": "call me maybe"})
    assert bad.status_code == 200
    member.refresh_from_db()
    assert member.phone_mobile == "+13125550142"
