"""Every API error is an RFC 9457 problem document (application/problem+json), never a 500 or an
HTML page, whatever the client sends."""

import json

import pytest
from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.urls import include, path
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.core.api.problems import PROBLEM_CONTENT_TYPE
from apps.core.api.urls import outside_login_required
from apps.core.errors import ApplicationError

pytestmark = [pytest.mark.django_db, pytest.mark.urls(__name__)]


class EchoApi(APIView):
    class InputSerializer(serializers.Serializer):
        name = serializers.CharField(max_length=20)

    def post(self, request):
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        return Response(serializer.validated_data, status=201)


class RaiseApi(APIView):
    ERRORS = {
        "application": lambda: ApplicationError("Pick another name.", field="name"),
        "django-validation": lambda: DjangoValidationError({"name": ["Taken."]}),
        "permission": lambda: PermissionDenied("Admins only."),
        "not-found": lambda: Http404("No Kudos matches the given query."),
    }

    def get(self, request, kind):
        raise self.ERRORS[kind]()


urlpatterns = outside_login_required(
    [
        path("api/v1/test/echo/", EchoApi.as_view()),
        path("api/v1/test/raise/<str:kind>/", RaiseApi.as_view()),
        path("api/v1/", include("apps.core.api.urls")),
    ]
)


@pytest.fixture
def api(admin, api_client_for):
    """Ada's integration."""
    return api_client_for(admin)


def _problem(response, status: int) -> dict:
    assert response.status_code == status, response.content
    assert response["Content-Type"] == PROBLEM_CONTENT_TYPE
    body = response.json()
    assert body["type"] == "about:blank"
    assert body["status"] == status
    return body


@pytest.mark.parametrize("method", ["get", "post", "delete", "options"])
def test_an_unknown_address_is_a_404_problem(api, method):
    body = _problem(getattr(api, method)("/api/v1/nothing/here/"), 404)
    assert body["detail"] == "There is no API endpoint at this address."


def test_an_unknown_address_needs_no_token(api_client):
    _problem(api_client.get("/api/v1/nothing/"), 404)


def test_a_missing_trailing_slash_is_pointed_out(api):
    body = _problem(api.get("/api/v1/members"), 404)
    assert body["detail"].endswith("did you mean /api/v1/members/?")


def test_an_unsupported_method_is_a_405_problem_with_allow(api):
    response = api.get("/api/v1/test/echo/")
    assert _problem(response, 405)["title"] == "Method Not Allowed"
    assert response["Allow"] == "POST, OPTIONS"


def test_an_unsupported_media_type_is_a_415_problem(api):
    response = api.post("/api/v1/test/echo/", "name=Ann", content_type="text/plain")
    body = _problem(response, 415)
    assert body["title"] == "Unsupported Media Type"


def test_an_unacceptable_response_type_is_a_406_problem(api):
    _problem(api.post("/api/v1/test/echo/", {"name": "Ann"}, HTTP_ACCEPT="text/html"), 406)


@pytest.mark.parametrize(
    "payload",
    [b"{", b'{"name": "Ann",}', b"\xff\xfe{}", b'{"name": "' + b"[" * 5 + b'"'],
    ids=["truncated", "trailing-comma", "not-utf8", "unterminated"],
)
def test_malformed_json_is_a_400_problem(api, payload):
    response = api.post("/api/v1/test/echo/", payload, content_type="application/json")
    body = _problem(response, 400)
    assert body["detail"].startswith("JSON parse error")


@pytest.mark.parametrize("name", ["Ann\x00", "x" * 21, ""], ids=["nul", "long", "blank"])
def test_bad_strings_are_a_400_problem_naming_the_field(api, name):
    payload = json.dumps({"name": name})  # escaped (\u0000) as clients send it
    response = api.post("/api/v1/test/echo/", payload, content_type="application/json")
    body = _problem(response, 400)
    assert body["title"] == "Invalid request"
    assert list(body["errors"]) == ["name"]


@pytest.mark.parametrize(
    ("payload", "where"),
    [
        ({"name": "\ud800"}, "name"),
        ({"name": "Ann", "tags": ["ok", "a\udfffb"]}, "tags[1]"),
        ({"outer": {"inner": "\udbff"}}, "outer.inner"),
        ({"\ud800": "Ann"}, "\ufffd"),
        ("\ud800", "the body"),
    ],
    ids=["field", "list-item", "nested", "key", "whole-body"],
)
def test_a_lone_surrogate_is_refused_by_the_parser_saying_where(api, payload, where):
    """JSON can escape half a character ("\\ud800"); no UTF-8 text can hold it. The parser
    refuses it before any serializer runs, and says where it is."""
    raw = json.dumps(payload)  # escaped, as clients send it
    assert "\\ud" in raw.lower()
    response = api.post("/api/v1/test/echo/", raw, content_type="application/json")
    body = _problem(response, 400)
    assert body["title"] == "Bad Request"
    assert body["detail"].startswith("JSON parse error")
    assert f"{where} holds a lone surrogate" in body["detail"]
    json.dumps(body, ensure_ascii=False).encode("utf-8")  # the answer itself is text


def test_a_surrogate_pair_is_one_character_and_welcome(api):
    raw = json.dumps({"name": "Ann 🙂"})  # "\ud83d\ude42": a pair, not a lone half
    response = api.post("/api/v1/test/echo/", raw, content_type="application/json")
    assert response.status_code == 201
    assert response.json() == {"name": "Ann 🙂"}


def test_a_json_body_that_is_not_an_object_is_a_400_problem(api):
    response = api.post("/api/v1/test/echo/", [1, 2], format="json")
    assert "non_field_errors" in _problem(response, 400)["errors"]


def test_an_application_error_is_a_400_problem(api):
    body = _problem(api.get("/api/v1/test/raise/application/"), 400)
    assert body["detail"] == "Pick another name."
    assert body["errors"] == {"name": ["Pick another name."]}


def test_a_django_validation_error_is_a_400_problem(api):
    body = _problem(api.get("/api/v1/test/raise/django-validation/"), 400)
    assert body["errors"] == {"name": ["Taken."]}


def test_permission_denied_is_a_403_problem(api):
    assert _problem(api.get("/api/v1/test/raise/permission/"), 403)["title"] == "Forbidden"


def test_a_404_does_not_leak_what_was_looked_for(api):
    body = _problem(api.get("/api/v1/test/raise/not-found/"), 404)
    assert body["detail"] == "Not found."


def test_another_organisations_member_looks_exactly_like_a_missing_one(api, outsider):
    theirs = api.get(f"/api/v1/members/{outsider.pk}/")
    missing = api.get("/api/v1/members/999999999/")
    assert _problem(theirs, 404) == _problem(missing, 404)
