"""The call-log import API: multipart upload (with Idempotency-Key), the list, one import's
status; reps and support staff are refused, another organisation's import is a 404."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from apps.dependency.models import CallImport, Escalation
from apps.tenancy.context import tenant_context
from tests.dependency import import_support
from tests.dependency.import_support import (
    RILEY,
    SAM,
    csv_bytes,
    run,
    stored_import,
)
from tests.factories import MembershipFactory

media = import_support.media  # the shared fixtures of the import tests
team = import_support.team

pytestmark = pytest.mark.django_db

LIST = "/api/v1/imports/calls/"
GOOD = csv_bytes(
    f"2025-01-14T09:00:00Z,{RILEY},{SAM},10,call",
    f"2025-01-14T09:40:00Z,{SAM},{RILEY},10,call",
    f"2025-01-14T09:50:00Z,{RILEY},{SAM},ten,call",
)


def detail(call_import) -> str:
    return f"/api/v1/imports/calls/{call_import.pk}/"


def csv_file(content: bytes = GOOD, name: str = "calls.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="text/csv")


def test_an_admin_uploads_a_call_log_and_follows_it(
    org, team, api_client_for, django_capture_on_commit_callbacks
):
    client = api_client_for(team["admin"])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(LIST, {"file": csv_file()}, format="multipart")
    assert response.status_code == 202, response.content
    body = response.json()
    assert body["status"] == "queued"  # as it was when the upload committed
    assert body["file_name"] == "calls.csv"
    assert body["total_bytes"] == len(GOOD)

    status = client.get(f"{LIST}{body['id']}/").json()
    assert status["status"] == "done"
    assert status["progress_percent"] == 100
    assert {key: status[key] for key in ("rows_read", "escalations_created", "callbacks_matched",
                                         "duplicates", "skipped", "rejected")} == {
        "rows_read": 3, "escalations_created": 1, "callbacks_matched": 1, "duplicates": 0,
        "skipped": 0, "rejected": 1,
    }  # fmt: skip
    [rejection] = status["rejections"]
    assert rejection["line"] == 4
    assert rejection["reason"] == "bad_duration"
    assert rejection["column"] == "duration_seconds"
    assert rejection["value"] == "ten"
    assert rejection["message"].startswith("Bad duration")

    listing = client.get(LIST).json()
    assert [item["id"] for item in listing["results"]] == [body["id"]]
    assert "rejections" not in listing["results"][0]  # the list stays light


def test_a_manager_lists_only_their_own_imports(org, team, api_client_for):
    mine = stored_import(GOOD, uploaded_by=team["sam"])
    stored_import(GOOD, uploaded_by=team["admin"])
    response = api_client_for(team["sam"]).get(LIST)
    assert [item["id"] for item in response.json()["results"]] == [mine.pk]


@pytest.mark.parametrize("role", ["rep", "support"])
def test_reps_and_support_staff_are_refused(org, team, api_client_for, role):
    client = api_client_for(MembershipFactory(role=role))
    call_import = stored_import(GOOD, uploaded_by=team["admin"])
    assert client.get(LIST).status_code == 403
    assert client.get(detail(call_import)).status_code == 403
    response = client.post(LIST, {"file": csv_file()}, format="multipart")
    assert response.status_code == 403
    assert response["Content-Type"] == "application/problem+json"
    assert CallImport.objects.count() == 1


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"file": csv_file(b"when,who\n1,2\n")}, "file", "lacks the column(s)"),
        ({"file": csv_file(b"")}, "file", "The file is empty."),
        ({"file": csv_file(b"\xff\xfe\x00x\n")}, "file", "not UTF-8"),
        ({}, "file", "No file was submitted."),
        ({"file": "just text"}, "file", "The submitted data was not a file."),
    ],
)
def test_a_bad_upload_is_a_400_problem_and_stores_nothing(
    org, team, api_client_for, media, data, field, message
):
    response = api_client_for(team["admin"]).post(LIST, data, format="multipart")
    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    assert message in str(response.json()["errors"][field])
    assert not CallImport.objects.exists()
    assert not media.exists() or not any(path.is_file() for path in media.rglob("*"))


def test_a_json_body_is_refused_with_415(org, team, api_client_for):
    response = api_client_for(team["admin"]).post(LIST, {"file": "x"}, format="json")
    assert response.status_code == 415


def test_an_idempotency_key_makes_a_retried_upload_safe(
    org, team, api_client_for, django_capture_on_commit_callbacks
):
    client = api_client_for(team["admin"])
    headers = {"HTTP_IDEMPOTENCY_KEY": "upload-2025-01-14"}
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        first = client.post(LIST, {"file": csv_file()}, format="multipart", **headers)
        again = client.post(LIST, {"file": csv_file()}, format="multipart", **headers)
    assert (first.status_code, again.status_code) == (202, 202)
    assert again["Idempotent-Replayed"] == "true"
    assert again.json() == first.json()
    assert len(callbacks) == 1  # queued once
    assert CallImport.objects.count() == 1
    assert Escalation.objects.count() == 1

    # The same key with another file (even under the same name) is another request: refused.
    other = client.post(
        LIST, {"file": csv_file(GOOD.replace(b"09:00", b"08:00"))}, format="multipart", **headers
    )
    assert other.status_code == 422
    assert CallImport.objects.count() == 1


def test_another_organisations_import_is_404(org, team, outsider, api_client_for):
    ours = stored_import(GOOD, uploaded_by=team["admin"])
    client = api_client_for(outsider)
    assert client.get(detail(ours)).status_code == 404
    assert client.get(LIST).json()["results"] == []
    with tenant_context(outsider.organization_id):
        theirs = run(stored_import(GOOD, uploaded_by=outsider))
    assert api_client_for(team["admin"]).get(detail(theirs)).status_code == 404
    assert client.get(detail(theirs)).json()["id"] == theirs.pk


def test_the_list_costs_the_same_queries_with_many_imports(org, team, api_client_for):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = api_client_for(team["admin"])
    stored_import(GOOD, uploaded_by=team["admin"])

    def queries():
        with CaptureQueriesContext(connection) as captured:
            assert client.get(LIST).status_code == 200
        return len(captured)

    queries()  # the first call records the token's use (at most once a minute)
    few = queries()
    for _ in range(30):
        stored_import(GOOD, uploaded_by=team["sam"])
    # Savepoint, tenant setting, token with its membership, organisation, one page of imports
    # with their uploaders, the tenant setting put back (only inside an outer tenant context, as
    # in some tests), release: 6 or 7, with 1 import or 31. The token's route is remembered per
    # process; the rate limit's counter goes through the counters' own connection.
    assert few <= 7
    assert queries() == few
