import re

import pytest
from django.urls import reverse

from apps.notifications.models import EmailPreference, Notification
from apps.notifications.services import notification_create, unsubscribe_token
from apps.tenancy.context import tenant_context
from tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def ann(org):
    return MembershipFactory(user__full_name="Ann Helper")


def test_the_list_shows_my_notifications_and_the_unread_count(ann, org, client_for):
    notification_create(recipient=ann, category="membership", title="Role changed")
    notification_create(recipient=MembershipFactory(), category="membership", title="Not yours")
    response = client_for(ann).get(reverse("notifications", kwargs={"org_slug": org.slug}))
    assert response.status_code == 200
    assert b"Role changed" in response.content
    assert b"Not yours" not in response.content


def test_opening_one_marks_it_read_and_follows_its_link(ann, org, client_for):
    notification = notification_create(
        recipient=ann, category="membership", title="Go", url=f"/{org.slug}/me/"
    )
    url = reverse(
        "notification_open", kwargs={"org_slug": org.slug, "notification_id": notification.pk}
    )
    assert client_for(ann).get(url).status_code == 405  # a link alone never changes data
    response = client_for(ann).post(url)
    assert response.status_code == 302
    assert response["Location"] == f"/{org.slug}/me/"
    notification.refresh_from_db()
    assert notification.read_at is not None


def test_an_external_link_is_not_followed(ann, org, client_for):
    notification = notification_create(
        recipient=ann, category="membership", title="Go", url="https://evil.example/"
    )
    url = reverse(
        "notification_open", kwargs={"org_slug": org.slug, "notification_id": notification.pk}
    )
    response = client_for(ann).post(url)
    assert response["Location"] == reverse("notifications", kwargs={"org_slug": org.slug})


def test_nobody_opens_someone_elses_notification(ann, org, client_for):
    bob = MembershipFactory()
    notification = notification_create(recipient=bob, category="membership", title="Bob's")
    url = reverse(
        "notification_open", kwargs={"org_slug": org.slug, "notification_id": notification.pk}
    )
    assert client_for(ann).post(url).status_code == 404


def test_mark_all_read(ann, org, client_for):
    for n in range(3):
        notification_create(recipient=ann, category="membership", title=f"n{n}")
    client_for(ann).post(reverse("notifications_read_all", kwargs={"org_slug": org.slug}))
    assert not Notification.objects.filter(recipient=ann, read_at__isnull=True).exists()


def test_one_click_unsubscribe_needs_a_post_and_no_login(ann, org, client):
    token = unsubscribe_token(membership=ann, category="membership")
    url = reverse("unsubscribe", kwargs={"token": token})
    page = client.get(url)
    assert page.status_code == 200
    assert not EmailPreference.objects.filter(membership=ann).exists()
    response = client.post(url, {"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200
    assert EmailPreference.objects.get(membership=ann, category="membership").enabled is False


def test_a_forged_unsubscribe_token_is_a_404(client, ann):
    token = unsubscribe_token(membership=ann, category="membership")
    forged = re.sub(r".$", lambda m: "A" if m.group() != "A" else "B", token)
    assert client.get(reverse("unsubscribe", kwargs={"token": forged})).status_code == 404


def test_preferences_page_saves_choices(ann, org, client_for):
    url = reverse("me_notification_preferences", kwargs={"org_slug": org.slug})
    client = client_for(ann)
    assert client.get(url).status_code == 200
    client.post(url, {})  # every optional category unticked
    assert EmailPreference.objects.get(membership=ann, category="membership").enabled is False
    client.post(url, {"enabled": ["membership"]})
    assert EmailPreference.objects.get(membership=ann, category="membership").enabled is True


def test_the_outsider_cannot_unsubscribe_into_our_organisation(ann, outsider, org, client):
    # A token names organisation, member and category, signed: changing any one breaks it.
    token = unsubscribe_token(membership=outsider, category="membership")
    client.post(reverse("unsubscribe", kwargs={"token": token}))
    assert not EmailPreference.objects.filter(membership=ann).exists()
    with tenant_context(outsider.organization_id):
        assert EmailPreference.objects.get(membership=outsider).enabled is False
