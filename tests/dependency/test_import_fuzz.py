"""Random and hostile bytes fed to the call-log importer and to the upload check.

Whatever the file holds (binary noise, other encodings, NUL bytes, BOMs, stray quotes, lone
carriage returns, huge lines, numbers and dates of every wrong shape) the importer never raises:
the import ends `done` with every row accounted for, or `failed` with a known message; the upload
check answers with a form error or accepts the file; rejected rows write nothing.
"""

import pytest
from hypothesis import event, given, settings
from hypothesis import strategies as st

from apps.core.errors import ApplicationError
from apps.dependency.imports import (
    FAILURE_MESSAGES,
    HEADER_DUPLICATE,
    HEADER_MISSING,
    MAX_REJECTIONS_LISTED,
    REJECTION_REASONS,
    call_import_create,
    call_import_rejections,
)
from apps.dependency.models import CallImport, Escalation
from tests.dependency import import_support
from tests.dependency.import_support import (
    HEADER,
    RILEY,
    SAM,
    balanced,
    run,
    stored_import,
    upload,
)
from tests.factories import MembershipFactory
from tests.proof.hypothesis_profiles import examples

media = import_support.media  # the shared fixtures of the import tests
team = import_support.team

pytestmark = [pytest.mark.django_db, pytest.mark.fuzz]

FUZZ = settings(max_examples=examples(60))  # deadline and health checks: the active profile

CELLS = st.one_of(
    st.text(max_size=30),
    st.sampled_from(
        [
            "", " ", "\x00", '"', '""', '"a,b"', "a\rb", "\ufeff", "\u202e", "é", "🙂",
            "2025-01-14T09:00:00Z", "2025-01-14T09:00:00", "2025-01-14 09:00:00+05:30",
            "2025-01-14", "0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-12:00",
            "2025-02-30T10:00", "2025-W03-2T10:00", "1e9", "nan",
            RILEY, SAM, "+14155550101", "(415) 555-0100", "+", "++1", "0", "00", "+999 1234",
            "call", "voicemail", "text", "TEXT", "fax", "-1", "0", "86400", "86401",
            "9" * 40, "x" * 5000,
        ]
    ),
)  # fmt: skip
PLAUSIBLE_ROW = st.tuples(
    st.one_of(st.sampled_from(["2025-01-14T09:00:00Z", "2025-01-14T10:30:00", "2025-01-14"]),
              CELLS),
    st.one_of(st.sampled_from([RILEY, SAM, "+1 212 555 0199"]), CELLS),
    st.one_of(st.sampled_from([SAM, RILEY, "+14155550102"]), CELLS),
    st.one_of(st.sampled_from(["0", "95", "-3"]), CELLS),
    st.one_of(st.sampled_from(["", "call", "voicemail"]), CELLS),
).map(lambda cells: ",".join(cells))  # fmt: skip
GOOD_ROW = st.tuples(
    st.integers(min_value=0, max_value=23 * 60), st.sampled_from([(RILEY, SAM), (SAM, RILEY)])
).map(lambda r: f"2025-01-14T{r[0] // 60:02d}:{r[0] % 60:02d}:00Z,{r[1][0]},{r[1][1]},60,call")
ROWS = st.one_of(
    GOOD_ROW, PLAUSIBLE_ROW, st.lists(CELLS, max_size=7).map(lambda cells: ",".join(cells))
)
TEXT_FILE = st.tuples(
    st.one_of(
        st.just(HEADER),
        st.sampled_from(
            [
                "started_at;from;to;duration_seconds",
                "\ufeff" + HEADER,
                "from,to",
                "started_at,from,to,duration_seconds,from",
                "",
            ]
        ),
    ),
    st.lists(ROWS, max_size=30),
    st.one_of(st.just("\n"), st.just("\r\n"), st.sampled_from(["\r", "\n\n", "\x00\n"])),
).map(lambda parts: parts[2].join([parts[0], *parts[1]]).encode("utf-8", "surrogatepass"))
HOSTILE_FILE = st.one_of(
    st.binary(max_size=2000),
    TEXT_FILE,
    TEXT_FILE,
    TEXT_FILE.map(lambda content: content.replace(b"5", b"\xb5")),  # Latin-1 in some rows
    TEXT_FILE.map(lambda content: content.decode("utf-8", "replace").encode("utf-16")),
    st.tuples(TEXT_FILE, st.binary(max_size=200)).map(lambda parts: parts[0] + parts[1]),
)


def _known_failure(message: str) -> bool:
    prefixes = (HEADER_MISSING.split("%")[0], HEADER_DUPLICATE.split("%")[0])
    return message in FAILURE_MESSAGES or message.startswith(prefixes)


@FUZZ
@given(content=HOSTILE_FILE)
def test_the_importer_never_raises_and_always_ends_clearly(team, content):
    before = Escalation.objects.count()
    result = run(stored_import(content, uploaded_by=team["admin"]), batch_size=7)
    assert result.status in (CallImport.Status.DONE, CallImport.Status.FAILED)
    event(f"status {result.status}")
    assert result.finished_at is not None
    if result.status == CallImport.Status.FAILED:
        assert _known_failure(result.error), result.error
        assert Escalation.objects.count() == before
        return
    assert balanced(result)
    event("rows rejected" if result.rejected else "no row rejected")
    event("rows skipped" if result.skipped else "no row skipped")
    event("escalations created" if result.escalations_created else "no escalation created")
    assert Escalation.objects.count() == before + result.escalations_created
    assert result.processed_bytes == result.total_bytes
    assert len(result.rejections) == min(result.rejected, MAX_REJECTIONS_LISTED)
    for row in call_import_rejections(result):
        assert row["reason"] in REJECTION_REASONS
        assert row["message"]
        assert "\x00" not in row["value"]


@FUZZ
@given(content=HOSTILE_FILE)
def test_the_upload_check_accepts_or_explains_and_stores_nothing_it_refuses(team, content):
    imports = CallImport.objects.count()
    call_import = refusal = None
    try:
        call_import = call_import_create(actor=team["admin"], upload=upload(content))
    except ApplicationError as error:
        refusal = error
    if refusal is not None:
        assert refusal.field == "file"
        assert refusal.message
        assert CallImport.objects.count() == imports
    else:
        assert call_import.status == CallImport.Status.QUEUED
        assert call_import.total_bytes == len(content)


def test_the_outsider_never_sees_the_fuzzed_imports(team, outsider):
    from apps.tenancy.context import tenant_context

    stored_import(b"\x00\xff garbage", uploaded_by=team["admin"])
    with tenant_context(outsider.organization_id):
        assert not CallImport.objects.exists()
        MembershipFactory()  # the outsider's organisation works as usual


@FUZZ
@given(content=HOSTILE_FILE, name=st.sampled_from(["calls.csv", "x", "../../etc/passwd", "é.csv"]))
def test_a_hostile_upload_through_the_api_is_queued_whole_or_refused_with_a_400(
    team, media, api_client_for, content, name
):
    """The same files through POST /api/v1/imports/calls/: a 202 stores one queued import;
    otherwise a 400 problem names the file, and neither a row nor a stored file is left."""
    imports = CallImport.objects.count()
    stored = {path for path in media.rglob("*") if path.is_file()} if media.exists() else set()
    response = api_client_for(team["admin"]).post(
        "/api/v1/imports/calls/", {"file": upload(content, name=name)}, format="multipart"
    )
    assert response.status_code in (202, 400), response.status_code
    if response.status_code == 400:
        assert response["Content-Type"] == "application/problem+json"
        assert list(response.json()["errors"]) == ["file"]
        assert CallImport.objects.count() == imports
        assert {path for path in media.rglob("*") if path.is_file()} == stored
    else:
        assert CallImport.objects.count() == imports + 1
        assert response.json()["total_bytes"] == len(content)
