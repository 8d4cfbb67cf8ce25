"""Settings → Values: admins list, add, rename and retire the values people recognise each other
for; a retired value can't be picked for new kudos, and old kudos keep it."""

import pytest
from django.urls import reverse

from apps.audit.models import AuditEvent
from apps.core.errors import ApplicationError
from apps.recognition.models import KudosValue, Value
from apps.tenancy.context import tenant_context
from tests.factories import MembershipFactory, ValueFactory, send_kudos

pytestmark = pytest.mark.django_db


def url(name, org, **kwargs):
    return reverse(name, kwargs={"org_slug": org.slug, **kwargs})


@pytest.fixture
def fast(org):
    return ValueFactory(name="Fast fix", description="Solved it quickly")


@pytest.mark.parametrize("role", ["manager", "rep", "support"])
def test_only_admins_reach_the_values(org, fast, client_for, role):
    member = MembershipFactory(role=role)
    client = client_for(member)
    edit = url("settings_value_edit", org, value_id=fast.pk)
    assert client.get(url("settings_values", org)).status_code == 403
    assert client.post(url("settings_values", org), {"name": "Mine"}).status_code == 403
    assert client.get(edit).status_code == 403
    assert client.post(edit, {"name": "Renamed", "is_active": "on"}).status_code == 403
    fast.refresh_from_db()
    assert fast.name == "Fast fix"
    assert not Value.objects.filter(name="Mine").exists()


def test_an_admin_sees_every_value_with_its_status(org, admin, fast, client_for):
    ValueFactory(name="Old habit", is_active=False)
    response = client_for(admin).get(url("settings_values", org))
    assert response.status_code == 200
    html = response.content.decode()
    for text in ("Fast fix", "Solved it quickly", "Old habit", "Retired"):
        assert text in html
    assert url("settings_value_edit", org, value_id=fast.pk) in html
    assert 'href="{}" aria-current="page"'.format(url("settings_values", org)) in html


def test_an_admin_adds_a_value_and_it_is_audited(org, admin, client_for):
    response = client_for(admin).post(
        url("settings_values", org),
        {"name": "  Saved the account ", "description": "Kept a customer", "is_active": "on"},
    )
    assert response.status_code == 302
    value = Value.objects.get(name="Saved the account")
    assert (value.description, value.is_active) == ("Kept a customer", True)
    event = AuditEvent.objects.get(action="value.created")
    assert event.actor == admin


def test_an_admin_renames_and_retires_a_value_and_it_is_audited(org, admin, fast, client_for):
    response = client_for(admin).post(
        url("settings_value_edit", org, value_id=fast.pk),
        {"name": "Quick fix", "description": "Solved fast"},  # the box unticked: retired
    )
    assert response.status_code == 302
    fast.refresh_from_db()
    assert (fast.name, fast.description, fast.is_active) == ("Quick fix", "Solved fast", False)
    event = AuditEvent.objects.get(action="value.updated")
    assert event.changes == {"name": "Quick fix", "is_active": False}


def test_the_edit_form_starts_from_the_value(org, admin, fast, client_for):
    html = client_for(admin).get(url("settings_value_edit", org, value_id=fast.pk)).content
    assert b'value="Fast fix"' in html
    assert b'value="Solved it quickly"' in html
    assert b"checked" in html


@pytest.mark.parametrize(
    ("data", "error"),
    [
        ({"name": "fast FIX"}, "A value with that name already exists."),
        ({"name": ""}, "This field is required."),
        ({"name": "x" * 61}, "Ensure this value has at most 60 characters"),
        ({"name": "Null\x00byte"}, "Null characters are not allowed."),
        ({"name": "Fine", "description": "y" * 201}, "at most 200 characters"),
    ],
)
def test_a_bad_value_is_explained_and_nothing_is_saved(org, admin, fast, client_for, data, error):
    response = client_for(admin).post(url("settings_values", org), data)
    assert response.status_code == 200
    assert error in response.content.decode()
    assert list(Value.objects.values_list("name", flat=True)) == ["Fast fix"]
    assert not AuditEvent.objects.filter(action="value.created").exists()


def test_renaming_onto_another_value_is_refused(org, admin, fast, client_for):
    other = ValueFactory(name="Customer first")
    response = client_for(admin).post(
        url("settings_value_edit", org, value_id=other.pk), {"name": "Fast Fix", "is_active": "on"}
    )
    assert "A value with that name already exists." in response.content.decode()
    other.refresh_from_db()
    assert other.name == "Customer first"


def test_a_retired_value_cant_be_picked_for_new_kudos_and_old_kudos_keep_it(
    org, admin, fast, client_for
):
    ann, bob = MembershipFactory.create_batch(2)
    old = send_kudos(ann, [bob], values=[fast])
    client_for(admin).post(url("settings_value_edit", org, value_id=fast.pk), {"name": "Fast fix"})
    fast.refresh_from_db()
    assert fast.is_active is False
    with pytest.raises(ApplicationError, match="no longer one of your organisation's values"):
        send_kudos(ann, [bob], values=[fast])
    assert KudosValue.objects.filter(kudos=old, value=fast).exists()


def test_another_organisations_values_are_out_of_reach(org, admin, outsider, client_for):
    with tenant_context(outsider.organization_id):
        theirs = ValueFactory(name="Their secret value")
    client = client_for(admin)
    edit = url("settings_value_edit", org, value_id=theirs.pk)
    assert client.get(edit).status_code == 404
    assert client.post(edit, {"name": "Taken over", "is_active": "on"}).status_code == 404
    assert "Their secret value" not in client.get(url("settings_values", org)).content.decode()
    with tenant_context(outsider.organization_id):
        theirs.refresh_from_db()
        assert theirs.name == "Their secret value"
    # Charlie, an admin over there, can't reach our settings either.
    assert client_for(outsider).get(url("settings_values", org)).status_code == 404
