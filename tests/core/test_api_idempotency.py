"""`Idempotency-Key` on create endpoints: a retry returns the first result and creates nothing."""

from datetime import timedelta

import psycopg
import pytest
from django.db import connection
from django.urls import include, path
from django.utils import timezone
from drf_spectacular.generators import SchemaGenerator
from rest_framework import generics, mixins, serializers, viewsets
from rest_framework.response import Response
from rest_framework.routers import SimpleRouter
from rest_framework.views import APIView

from apps.accounts.models import Invitation
from apps.core.api.idempotency import (
    KEY_IN_FLIGHT,
    KEY_INVALID,
    KEY_REUSED,
    IdempotentCreateMixin,
    idempotency_lock_id,
    idempotency_prune,
    idempotent,
)
from apps.core.api.problems import PROBLEM_CONTENT_TYPE
from apps.core.api.urls import outside_login_required
from apps.core.errors import ApplicationError
from apps.core.models import IdempotencyRecord
from apps.tenancy.context import tenant_context
from tests.factories import MembershipFactory

pytestmark = [pytest.mark.django_db, pytest.mark.urls(__name__)]

# --- Create endpoints in the three shapes feature apps use ---------------------------------------


class InvitationSerializer(serializers.ModelSerializer):
    class Meta:
        model = Invitation
        fields = ["id", "email", "expires_at"]
        read_only_fields = ["id", "expires_at"]


def _invite(*, email: str, invited_by) -> Invitation:
    if email.endswith("@broken.test"):
        Invitation.objects.create(email=email, invited_by=invited_by, expires_at=timezone.now())
        raise ApplicationError("That domain does not take invitations.", field="email")
    return Invitation.objects.create(
        email=email, invited_by=invited_by, expires_at=timezone.now() + timedelta(days=14)
    )


class InvitationCreateApi(APIView):
    class InputSerializer(serializers.Serializer):
        email = serializers.EmailField()

    @idempotent
    def post(self, request):
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        invitation = _invite(invited_by=request.membership, **serializer.validated_data)
        return Response(InvitationSerializer(invitation).data, status=201)


class InvitationListCreateApi(IdempotentCreateMixin, generics.ListCreateAPIView):
    serializer_class = InvitationSerializer

    def get_queryset(self):
        return Invitation.objects.all()

    def perform_create(self, serializer):
        serializer.instance = _invite(
            invited_by=self.request.membership, **serializer.validated_data
        )


class InvitationViewSet(IdempotentCreateMixin, mixins.CreateModelMixin, viewsets.GenericViewSet):
    serializer_class = InvitationSerializer
    queryset = Invitation.objects.all()

    def perform_create(self, serializer):
        serializer.instance = _invite(
            invited_by=self.request.membership, **serializer.validated_data
        )


router = SimpleRouter()
router.register("api/v1/test/viewset-invitations", InvitationViewSet, basename="test-invitation")

urlpatterns = outside_login_required(
    [
        path("api/v1/test/invitations/", InvitationCreateApi.as_view()),
        path("api/v1/test/generic-invitations/", InvitationListCreateApi.as_view()),
        *router.urls,
        path("api/v1/", include("apps.core.api.urls")),
    ]
)

ENDPOINTS = [
    "/api/v1/test/invitations/",
    "/api/v1/test/generic-invitations/",
    "/api/v1/test/viewset-invitations/",
]


@pytest.fixture
def api(admin, api_client_for):
    """Ada's integration."""
    return api_client_for(admin)


def _post(client, url, body, key=None):
    headers = {} if key is None else {"Idempotency-Key": key}
    return client.post(url, body, format="json", headers=headers)


# --- Behaviour ------------------------------------------------------------------------------------


@pytest.mark.parametrize("url", ENDPOINTS)
def test_a_retry_returns_the_first_response_and_creates_nothing(api, url):
    first = _post(api, url, {"email": "ann@example.test"}, key="k-1")
    assert first.status_code == 201
    assert "Idempotent-Replayed" not in first

    retry = _post(api, url, {"email": "ann@example.test"}, key="k-1")
    assert retry.status_code == 201
    assert retry.json() == first.json()
    assert retry["Idempotent-Replayed"] == "true"
    assert Invitation.objects.count() == 1


def test_without_a_key_every_request_creates(api):
    for _ in range(2):
        assert _post(api, ENDPOINTS[0], {"email": "ann@example.test"}).status_code == 201
    assert Invitation.objects.count() == 2
    assert not IdempotencyRecord.objects.exists()


def test_the_same_body_in_another_key_order_is_the_same_request(api):
    body = {"email": "ann@example.test", "note": "ignored"}
    first = _post(api, ENDPOINTS[0], body, key="k-1")
    retry = _post(api, ENDPOINTS[0], dict(reversed(body.items())), key="k-1")
    assert retry["Idempotent-Replayed"] == "true"
    assert retry.json() == first.json()


@pytest.mark.parametrize(
    ("url", "body"),
    [
        (ENDPOINTS[0], {"email": "bob@example.test"}),  # another body
        (ENDPOINTS[1], {"email": "ann@example.test"}),  # another endpoint
    ],
)
def test_reusing_a_key_for_another_request_is_a_422_problem(api, url, body):
    _post(api, ENDPOINTS[0], {"email": "ann@example.test"}, key="k-1")
    response = _post(api, url, body, key="k-1")
    assert response.status_code == 422
    assert response["Content-Type"] == PROBLEM_CONTENT_TYPE
    assert response.json()["detail"] == KEY_REUSED
    assert Invitation.objects.count() == 1


def test_a_failed_request_is_not_stored_and_the_key_can_be_retried(api):
    invalid = _post(api, ENDPOINTS[0], {"email": "not-an-address"}, key="k-1")
    assert invalid.status_code == 400
    fixed = _post(api, ENDPOINTS[0], {"email": "ann@example.test"}, key="k-1")
    assert fixed.status_code == 201
    assert "Idempotent-Replayed" not in fixed


def test_a_request_that_fails_after_writing_leaves_nothing_behind(api):
    response = _post(api, ENDPOINTS[0], {"email": "ann@broken.test"}, key="k-1")
    assert response.status_code == 400
    assert not Invitation.objects.exists()
    assert not IdempotencyRecord.objects.exists()


@pytest.mark.parametrize("key", ["", "x" * 256, "tab\tkey", "nul\x00", "café"])
def test_an_invalid_key_is_a_400_problem(api, key):
    response = _post(api, ENDPOINTS[0], {"email": "ann@example.test"}, key=key)
    assert response.status_code == 400
    assert response["Content-Type"] == PROBLEM_CONTENT_TYPE
    assert response.json()["detail"] == KEY_INVALID
    assert not Invitation.objects.exists()


def test_a_key_of_255_characters_is_fine(api):
    assert _post(api, ENDPOINTS[0], {"email": "a@example.test"}, key="k" * 255).status_code == 201


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL advisory locks")
def test_a_duplicate_of_a_request_still_running_is_a_409_problem(api, admin):
    """Another connection holds the key's lock, as a concurrent request does until it commits."""
    settings = connection.settings_dict
    lock_id = idempotency_lock_id(admin.organization_id, admin.pk, "k-1")
    with psycopg.connect(
        host=settings["HOST"],
        port=settings["PORT"] or 5432,
        user=settings["USER"],
        password=settings["PASSWORD"] or None,
        dbname=settings["NAME"],
        autocommit=True,
    ) as other:
        other.execute("SELECT pg_advisory_lock(%s)", [lock_id])
        response = _post(api, ENDPOINTS[0], {"email": "ann@example.test"}, key="k-1")
        assert response.status_code == 409
        assert response["Content-Type"] == PROBLEM_CONTENT_TYPE
        assert response["Retry-After"] == "1"
        assert response.json()["detail"] == KEY_IN_FLIGHT
        other.execute("SELECT pg_advisory_unlock(%s)", [lock_id])
    assert _post(api, ENDPOINTS[0], {"email": "ann@example.test"}, key="k-1").status_code == 201


def test_keys_belong_to_one_member(api, api_client_for):
    bob = MembershipFactory()
    _post(api, ENDPOINTS[0], {"email": "ann@example.test"}, key="k-1")
    response = _post(api_client_for(bob), ENDPOINTS[0], {"email": "ann@example.test"}, key="k-1")
    assert response.status_code == 201
    assert "Idempotent-Replayed" not in response
    assert Invitation.objects.count() == 2


def test_the_outsider_never_gets_our_response(api, outsider, api_client_for):
    mine = _post(api, ENDPOINTS[0], {"email": "ann@example.test"}, key="k-1")
    theirs = _post(api_client_for(outsider), ENDPOINTS[0], {"email": "ann@example.test"}, key="k-1")
    assert theirs.status_code == 201
    assert "Idempotent-Replayed" not in theirs
    assert theirs.json()["id"] != mine.json()["id"]
    assert Invitation.objects.count() == 1  # ours; Charlie's is in his organisation


def test_prune_deletes_the_organisations_old_records_only(api, outsider, api_client_for):
    _post(api, ENDPOINTS[0], {"email": "old@example.test"}, key="old")
    _post(api, ENDPOINTS[0], {"email": "new@example.test"}, key="new")
    _post(api_client_for(outsider), ENDPOINTS[0], {"email": "c@example.test"}, key="old")
    day_ago = timezone.now() - timedelta(hours=24, seconds=1)
    IdempotencyRecord.objects.filter(key="old").update(created_at=day_ago)
    with tenant_context(outsider.organization_id):
        IdempotencyRecord.objects.update(created_at=day_ago)

    assert idempotency_prune(older_than=timedelta(hours=24)) == 1

    assert list(IdempotencyRecord.objects.values_list("key", flat=True)) == ["new"]
    with tenant_context(outsider.organization_id):
        assert IdempotencyRecord.objects.count() == 1  # pruned in its own organisation's turn


def test_the_header_is_documented_on_every_create_endpoint():
    schema = SchemaGenerator(urlconf=__name__).get_schema(request=None, public=True)
    for url in ENDPOINTS:
        parameters = schema["paths"][url]["post"].get("parameters", [])
        assert {"in": "header", "name": "Idempotency-Key"}.items() <= parameters[0].items(), url
    listing = schema["paths"]["/api/v1/test/generic-invitations/"]["get"]
    assert "Idempotency-Key" not in {parameter["name"] for parameter in listing["parameters"]}
