"""The import pages: upload (admins and managers), the list of past imports, each import's
progress bar and report; another organisation's or another manager's import is a 404."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from apps.dependency.imports import FILE_HEADER_ONLY, call_import_create
from apps.dependency.models import CallImport, Escalation
from apps.tenancy.context import tenant_context
from tests.dependency import import_support
from tests.dependency.import_support import (
    RILEY,
    SAM,
    csv_bytes,
    run,
    stored_import,
    upload,
)
from tests.factories import MembershipFactory

media = import_support.media  # the shared fixtures of the import tests
team = import_support.team

pytestmark = pytest.mark.django_db

GOOD = csv_bytes(
    f"2025-01-14T09:00:00Z,{RILEY},{SAM},10,call",
    f"2025-01-14T09:40:00Z,{SAM},{RILEY},10,call",
    f"yesterday,{RILEY},{SAM},10,call",
)


def url(name, org, **kwargs):
    return reverse(name, kwargs={"org_slug": org.slug, **kwargs})


def stored_files(root) -> list:
    return [path for path in root.rglob("*") if path.is_file()] if root.exists() else []


@pytest.mark.parametrize("role", ["rep", "support"])
def test_reps_and_support_staff_cannot_import(org, team, client_for, role):
    member = MembershipFactory(role=role)
    call_import = stored_import(GOOD, uploaded_by=team["admin"])
    client = client_for(member)
    assert client.get(url("escalation_import", org)).status_code == 403
    assert client.post(url("escalation_import", org), {"file": upload(GOOD)}).status_code == 403
    for name in ("escalation_import_detail", "escalation_import_progress"):
        assert client.get(url(name, org, import_id=call_import.pk)).status_code == 403
    assert CallImport.objects.count() == 1


def test_an_admin_uploads_a_file_and_reads_the_report(
    org, team, client_for, media, django_capture_on_commit_callbacks
):
    client = client_for(team["admin"])
    page = client.get(url("escalation_import", org))
    assert page.status_code == 200
    assert 'enctype="multipart/form-data"' in page.content.decode()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = client.post(url("escalation_import", org), {"file": upload(GOOD, "May.csv")})
    assert len(callbacks) == 1  # the import task, queued after the commit (run in-process here)
    call_import = CallImport.objects.get()
    assert response.status_code == 302
    assert response["Location"] == url("escalation_import_detail", org, import_id=call_import.pk)
    assert call_import.file.name == f"imports/org{org.pk}/{call_import.public_id}.csv"
    assert stored_files(media) == [media / call_import.file.name]
    assert (call_import.status, call_import.original_name) == ("done", "May.csv")
    assert (call_import.escalations_created, call_import.callbacks_matched) == (1, 1)

    report = client.get(response["Location"]).content.decode()
    assert "May.csv" in report
    assert "every 2s" not in report  # finished: no polling
    assert "Rejected rows" in report
    assert "Bad date in started_at" in report
    assert "<code>yesterday</code>" in report
    listing = client.get(url("escalation_import", org)).content.decode()
    assert "May.csv" in listing
    assert Escalation.objects.get().source == "import"


def test_a_manager_uploads_too(org, team, client_for, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(team["sam"]).post(url("escalation_import", org),
                                                {"file": upload(GOOD)})  # fmt: skip
    assert response.status_code == 302
    assert CallImport.objects.get().uploaded_by == team["sam"]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "The file is empty."),
        (b"started_at,from,to,duration_seconds\n", FILE_HEADER_ONLY),
        (b"started_at,from,duration_seconds\n2025-01-14T09:00:00Z,1,2\n", "lacks the column(s) to"),
        (b"when,who\n1,2\n", "lacks the column(s) started_at, from, to, duration_seconds"),
        (b"started_at,from,to,duration_seconds,to\nx\n", "names the column “to” twice"),
        ("started_at,from,to,duration_seconds\n".encode("utf-16"), "not UTF-8"),
        (b"\xff\xfe\x00garbage", "not UTF-8"),
        (b"a" * 5000 + b"\n1\n", "not a CSV header row"),
    ],
)
def test_a_bad_file_is_a_form_error_and_nothing_is_stored(
    org, team, client_for, media, content, message, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = client_for(team["admin"]).post(
            url("escalation_import", org), {"file": upload(content)}
        )
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not CallImport.objects.exists()
    assert stored_files(media) == []
    assert callbacks == []


def test_no_file_at_all_is_a_form_error(org, team, client_for):
    response = client_for(team["admin"]).post(url("escalation_import", org), {})
    assert response.status_code == 200
    assert "This field is required." in response.content.decode()


def test_a_file_over_the_size_limit_is_refused(org, team, client_for, media, monkeypatch):
    monkeypatch.setattr("apps.dependency.imports.MAX_IMPORT_BYTES", 100)
    response = client_for(team["admin"]).post(
        url("escalation_import", org), {"file": upload(GOOD + b"x" * 100)}
    )
    assert "larger than 50 MB" in response.content.decode()
    assert not CallImport.objects.exists()
    assert stored_files(media) == []


def test_the_progress_fragment_polls_while_the_import_runs_and_stops_when_done(
    org, team, client_for
):
    call_import = stored_import(GOOD, uploaded_by=team["admin"])
    client = client_for(team["admin"])
    queued = client.get(url("escalation_import_detail", org, import_id=call_import.pk))
    html = queued.content.decode()
    assert 'hx-trigger="every 2s"' in html
    assert url("escalation_import_progress", org, import_id=call_import.pk) in html
    assert "Refresh" in html  # without JavaScript

    CallImport.objects.filter(pk=call_import.pk).update(
        status="running", processed_bytes=call_import.total_bytes // 2
    )
    fragment = client.get(url("escalation_import_progress", org, import_id=call_import.pk))
    html = fragment.content.decode()
    assert "<html" not in html  # only the fragment
    assert 'hx-trigger="every 2s"' in html
    assert 'value="50"' in html

    CallImport.objects.filter(pk=call_import.pk).update(status="queued", processed_bytes=0)
    run(call_import)
    html = client.get(url("escalation_import_progress", org, import_id=call_import.pk)).content
    assert b"every 2s" not in html
    assert b'value="100"' in html


def test_a_failed_import_shows_its_reason(org, team, client_for):
    call_import = run(stored_import(b"when,who\n1,2\n", uploaded_by=team["admin"]))
    html = client_for(team["admin"]).get(
        url("escalation_import_detail", org, import_id=call_import.pk)
    )
    assert "lacks the column(s)" in html.content.decode()
    assert "Failed" in html.content.decode()


def test_a_manager_sees_only_their_own_imports(org, team, client_for):
    by_admin = stored_import(GOOD, uploaded_by=team["admin"], name="admins.csv")
    by_sam = stored_import(GOOD, uploaded_by=team["sam"], name="sams.csv")
    client = client_for(team["dana"])
    listing = client.get(url("escalation_import", org)).content.decode()
    assert "admins.csv" not in listing
    assert "sams.csv" not in listing
    for call_import in (by_admin, by_sam):
        for name in ("escalation_import_detail", "escalation_import_progress"):
            assert client.get(url(name, org, import_id=call_import.pk)).status_code == 404
    sams = client_for(team["sam"]).get(url("escalation_import", org)).content.decode()
    assert "sams.csv" in sams
    assert "admins.csv" not in sams
    admins = client_for(team["admin"]).get(url("escalation_import", org)).content.decode()
    assert "sams.csv" in admins
    assert "admins.csv" in admins


def test_the_outsider_cannot_open_our_imports(org, team, outsider, client_for):
    call_import = stored_import(GOOD, uploaded_by=team["admin"])
    client = client_for(outsider)
    for name in ("escalation_import_detail", "escalation_import_progress"):
        # Through their own organisation's address: not found.
        path = reverse(name, kwargs={"org_slug": outsider.organization.slug,
                                     "import_id": call_import.pk})  # fmt: skip
        assert client.get(path).status_code == 404
        # Through ours: not a member.
        assert client.get(url(name, org, import_id=call_import.pk)).status_code == 404
    with tenant_context(outsider.organization_id):
        listing = client.get(
            reverse("escalation_import", kwargs={"org_slug": outsider.organization.slug})
        )
    assert "calls.csv" not in listing.content.decode()


def test_the_pages_cost_the_same_queries_with_many_imports(org, team, client_for):
    client = client_for(team["admin"])
    stored_import(GOOD, uploaded_by=team["admin"])
    call_import = run(stored_import(GOOD, uploaded_by=team["sam"]))

    def queries(path):
        with CaptureQueriesContext(connection) as captured:
            assert client.get(path).status_code == 200
        return len(captured)

    listing = url("escalation_import", org)
    detail = url("escalation_import_detail", org, import_id=call_import.pk)
    few = (queries(listing), queries(detail))
    for _ in range(25):
        stored_import(GOOD, uploaded_by=team["sam"])
    run(stored_import(csv_bytes(*[f"nope,{RILEY},{SAM},1,"] * 300), uploaded_by=team["admin"]))
    # Both: session, user, organisation, savepoint, tenant setting, membership (with the
    # navigation's unread count and organisations count), tenant setting reset, release (8).
    # The list: its count and one page of imports with their uploaders (one join): 10. The
    # report: the import with its uploader: 9. Nothing grows with the number of imports or
    # rejected rows.
    assert few == (10, 9)
    assert (queries(listing), queries(detail)) == few


def test_uploads_use_the_service_and_reject_support_staff_there_too(org, team):
    from apps.core.errors import ApplicationError

    support = MembershipFactory(role="support")
    with pytest.raises(ApplicationError, match="Only admins and managers"):
        call_import_create(actor=support, upload=upload(GOOD))
