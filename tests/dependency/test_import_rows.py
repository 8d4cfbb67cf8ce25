"""The call-log importer, row by row: what becomes an escalation, a callback, a duplicate, a
skipped call or a rejected row (with its reason), and that rejected rows write nothing."""

import datetime as dt

import pytest

from apps.core.phones import clean_phone_field, normalise_phone
from apps.dependency.imports import (
    FILE_MISSING,
    HEADER_MISSING,
    UPLOADER_GONE,
    _Importer,
    call_import_run,
)
from apps.dependency.models import CallImport, Escalation
from apps.dependency.services import escalation_log
from apps.tenancy.context import tenant_context
from tests.dependency import import_support
from tests.dependency.import_support import (
    CASEY,
    DANA,
    DREW,
    RILEY,
    ROBIN,
    SAM,
    STRANGER,
    balanced,
    counts,
    csv_bytes,
    import_rows,
    run,
    stored_import,
)
from tests.factories import MembershipFactory

media = import_support.media  # the shared fixtures of the import tests
team = import_support.team

pytestmark = pytest.mark.django_db

UTC = dt.UTC


def at(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).astimezone(UTC)


# --- Phone numbers -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "region", "expected"),
    [
        ("(415) 555-0100", "US", "+14155550100"),
        ("415.555.0100", "us", "+14155550100"),
        ("+1 415 555 0100 ext. 12", "US", "+14155550100"),
        ("020 7946 0958", "GB", "+442079460958"),
        ("+44 20 7946 0958", "US", "+442079460958"),  # a country code beats the region
        ("0044 20 7946 0958", "DE", "+442079460958"),
        ("555-0100", "US", None),  # no area code: not a full number
        ("123", "US", None),
        ("call me", "US", None),
        ("", "US", None),
        ("4" * 80, "US", None),
    ],
)
def test_numbers_are_normalised_to_e164(raw, region, expected):
    assert normalise_phone(raw, region) == expected


def test_a_form_can_clean_a_members_number_with_a_clear_message():
    from django.core.exceptions import ValidationError

    assert clean_phone_field(" (415) 555-0100 ", "US") == "+14155550100"
    assert clean_phone_field("  ", "US") == ""
    with pytest.raises(ValidationError, match="area code"):
        clean_phone_field("555", "US")


# --- What becomes what ---------------------------------------------------------------------------


def test_a_call_from_a_rep_to_their_manager_becomes_an_escalation_of_history(team, org):
    result = import_rows(f"2025-01-14T09:00:00Z,{RILEY},{SAM},95,call", uploaded_by=team["admin"])
    assert result.status == CallImport.Status.DONE
    assert counts(result) == {
        "rows_read": 1, "escalations_created": 1, "callbacks_matched": 0, "duplicates": 0,
        "skipped": 0, "rejected": 0,
    }  # fmt: skip
    escalation = Escalation.objects.get()
    assert (escalation.rep, escalation.manager) == (team["riley"], team["sam"])
    assert escalation.occurred_at == at("2025-01-14T09:00:00+00:00")
    assert escalation.source == Escalation.Source.IMPORT
    assert escalation.topic is None  # "topic needed"
    assert escalation.urgency == Escalation.Urgency.ROUTINE
    assert escalation.channel == Escalation.Channel.CALL
    assert escalation.callback_due_at is None  # history: no callback is scheduled
    assert escalation.called_back_at is None
    assert escalation.outcome == ""
    assert escalation.created_by == team["admin"]
    assert len(escalation.import_key) == 64
    assert result.finished_at is not None
    assert result.processed_bytes == result.total_bytes == result.file.size


def test_numbers_in_any_form_meet_the_members_numbers_in_any_form(team):
    # Riley's profile says "415.555.0101", Sam's "(415) 555-0100"; the log writes them otherwise.
    result = import_rows(
        "2025-01-14T09:00:00Z,+14155550101,415-555-0100,10,",
        "2025-01-14T10:00:00Z,1 (415) 555 0102,+1 415 555 0100,10,",
        uploaded_by=team["admin"],
    )
    assert result.escalations_created == 2
    assert set(Escalation.objects.values_list("rep", flat=True)) == {
        team["riley"].pk, team["robin"].pk,
    }  # fmt: skip


@pytest.mark.parametrize(
    ("kind", "channel"),
    [("call", "call"), ("", "call"), ("voicemail", "voicemail"), ("TEXT", "text")],
)
def test_the_kind_sets_the_channel_and_defaults_to_call(team, kind, channel):
    import_rows(f"2025-01-14T09:00:00Z,{RILEY},{SAM},0,{kind}", uploaded_by=team["admin"])
    assert Escalation.objects.get().channel == channel


def test_the_kind_column_is_optional(team):
    result = import_rows(
        f"2025-01-14T09:00:00Z,{RILEY},{SAM},30",
        header="started_at,from,to,duration_seconds",
        uploaded_by=team["admin"],
    )
    assert result.escalations_created == 1
    assert Escalation.objects.get().channel == "call"


def test_columns_may_come_in_any_order_with_extra_ones_and_semicolons(team):
    result = import_rows(
        f"x;42;{SAM};{RILEY};2025-01-14T09:00:00Z",
        header="Call ID;Duration_Seconds;To;From;Started_At",
        uploaded_by=team["admin"],
    )
    assert result.escalations_created == 1


def test_a_time_without_an_offset_is_read_in_the_organisations_time_zone(team, org):
    assert org.time_zone == "Europe/London"  # British Summer Time (UTC+1) in July
    import_rows(
        f"2025-07-01T09:30:00,{RILEY},{SAM},10,",
        f"2025-07-01T09:30:00+02:00,{ROBIN},{SAM},10,",
        f"2025-07-01 11:30:00Z,{DREW},{DANA},10,",
        uploaded_by=team["admin"],
    )
    occurred = dict(Escalation.objects.values_list("rep", "occurred_at"))
    assert occurred[team["riley"].pk] == at("2025-07-01T08:30:00+00:00")
    assert occurred[team["robin"].pk] == at("2025-07-01T07:30:00+00:00")
    assert occurred[team["drew"].pk] == at("2025-07-01T11:30:00+00:00")


def test_another_time_zone_moves_the_local_times(team, org):
    org.time_zone = "America/Chicago"
    org.save()
    import_rows(f"2025-01-14T09:00:00,{RILEY},{SAM},10,", uploaded_by=team["admin"])
    assert Escalation.objects.get().occurred_at == at("2025-01-14T15:00:00+00:00")


def test_the_default_phone_region_reads_numbers_without_a_country_code(team, org):
    org.default_phone_region = "GB"
    org.save()
    team["sam"].phone_office = "+1 415 555 0100"
    team["sam"].save()
    london = MembershipFactory(role="rep", reports_to=team["sam"], phone_mobile="07911 123456")
    result = import_rows(
        "2025-01-14T09:00:00Z,+44 7911 123456,+1 415 555 0100,10,",
        "2025-01-14T10:00:00Z,07911 123456,+14155550100,10,",
        f"2025-01-14T11:00:00Z,07911 123456,{SAM},10,",  # read as a UK number: another line
        uploaded_by=team["admin"],
    )
    assert (result.escalations_created, result.skipped) == (2, 1)
    assert set(Escalation.objects.values_list("rep", flat=True)) == {london.pk}


def test_other_calls_are_skipped_and_counted_not_reported(team):
    result = import_rows(
        f"2025-01-14T09:00:00Z,{RILEY},{DANA},10,",  # to another rep's manager
        f"2025-01-14T09:01:00Z,{STRANGER},{RILEY},10,",  # a customer calls the rep
        f"2025-01-14T09:02:00Z,{RILEY},{ROBIN},10,",  # rep to rep
        f"2025-01-14T09:03:00Z,{CASEY},{SAM},10,",  # support staff don't escalate
        f"2025-01-14T09:04:00Z,{SAM},{DANA},10,",  # manager to manager
        f"2025-01-14T09:05:00Z,{SAM},{RILEY},10,",  # the manager calls first: no escalation
        f"2025-01-14T09:06:00Z,{RILEY},{RILEY},10,",  # the same line
        "",  # a blank line
        uploaded_by=team["admin"],
    )
    assert counts(result) == {
        "rows_read": 8, "escalations_created": 0, "callbacks_matched": 0, "duplicates": 0,
        "skipped": 8, "rejected": 0,
    }  # fmt: skip
    assert result.rejections == []
    assert not Escalation.objects.exists()


def test_a_shared_line_that_fits_two_reps_is_skipped(team):
    MembershipFactory(role="rep", reports_to=team["sam"], phone_office=RILEY)  # Riley's desk too
    result = import_rows(f"2025-01-14T09:00:00Z,{RILEY},{SAM},10,", uploaded_by=team["admin"])
    assert (result.escalations_created, result.skipped) == (0, 1)


def test_deactivated_members_numbers_are_not_matched(team):
    team["riley"].is_active = False
    team["riley"].save()
    result = import_rows(f"2025-01-14T09:00:00Z,{RILEY},{SAM},10,", uploaded_by=team["admin"])
    assert result.skipped == 1


def test_a_manager_imports_only_their_reporting_lines_calls(team):
    result = import_rows(
        f"2025-01-14T09:00:00Z,{RILEY},{SAM},10,",
        f"2025-01-14T09:00:00Z,{DREW},{DANA},10,",  # Dana's team: not Sam's to import
        uploaded_by=team["sam"],
    )
    assert (result.escalations_created, result.skipped) == (1, 1)
    assert Escalation.objects.get().rep == team["riley"]


# --- Callbacks -----------------------------------------------------------------------------------


def test_the_managers_call_back_within_four_hours_records_the_callback(team):
    result = import_rows(
        f"2025-01-14T09:00:00Z,{RILEY},{SAM},60,call",
        f"2025-01-14T10:10:00Z,{SAM},{RILEY},240,call",
        f"2025-01-14T10:40:00Z,{SAM},{RILEY},30,call",  # a second call back answers nothing new
        uploaded_by=team["admin"],
    )
    assert (result.escalations_created, result.callbacks_matched, result.skipped) == (1, 1, 1)
    assert Escalation.objects.get().called_back_at == at("2025-01-14T10:10:00+00:00")


def test_a_call_back_after_four_hours_is_just_a_call(team):
    result = import_rows(
        f"2025-01-14T09:00:00Z,{RILEY},{SAM},60,",
        f"2025-01-14T13:00:01Z,{SAM},{RILEY},60,",
        f"2025-01-14T09:00:00Z,{ROBIN},{SAM},60,",
        f"2025-01-14T13:00:00Z,{SAM},{ROBIN},60,",  # exactly four hours: still the callback
        uploaded_by=team["admin"],
    )
    assert (result.callbacks_matched, result.skipped) == (1, 1)
    called_back = dict(Escalation.objects.values_list("rep", "called_back_at"))
    assert called_back == {
        team["riley"].pk: None, team["robin"].pk: at("2025-01-14T13:00:00+00:00"),
    }  # fmt: skip


def test_one_call_back_answers_every_waiting_escalation_of_the_pair(team):
    import_rows(
        f"2025-01-14T09:00:00Z,{RILEY},{SAM},10,",
        f"2025-01-14T09:20:00Z,{RILEY},{SAM},10,voicemail",
        f"2025-01-14T09:30:00Z,{ROBIN},{SAM},10,",  # another rep: not answered by calling Riley
        f"2025-01-14T10:00:00Z,{SAM},{RILEY},10,",
        uploaded_by=team["admin"],
    )
    answered = Escalation.objects.filter(called_back_at=at("2025-01-14T10:00:00+00:00"))
    assert set(answered.values_list("rep", flat=True)) == {team["riley"].pk}
    assert answered.count() == 2
    assert Escalation.objects.get(rep=team["robin"]).called_back_at is None


def test_a_call_back_matches_an_escalation_logged_in_the_app(team):
    escalation = escalation_log(
        actor=team["sam"], rep=team["riley"], channel="call", urgency="routine",
        occurred_at=at("2025-01-14T09:00:00+00:00"),
    )  # fmt: skip
    result = import_rows(f"2025-01-14T09:45:00Z,{SAM},{RILEY},10,", uploaded_by=team["admin"])
    escalation.refresh_from_db()
    assert result.callbacks_matched == 1
    assert escalation.called_back_at == at("2025-01-14T09:45:00+00:00")


def test_a_log_sorted_newest_first_still_matches_callbacks_across_batches(team):
    result = import_rows(
        f"2025-01-14T12:00:00Z,{SAM},{ROBIN},10,",  # Robin's escalation is not in the file
        f"2025-01-14T10:00:00Z,{SAM},{RILEY},10,",
        f"2025-01-14T09:30:00Z,{STRANGER},{SAM},10,",
        f"2025-01-14T09:00:00Z,{RILEY},{SAM},10,",
        uploaded_by=team["admin"],
        batch_size=1,
    )
    assert Escalation.objects.get().called_back_at == at("2025-01-14T10:00:00+00:00")
    assert counts(result) == {
        "rows_read": 4, "escalations_created": 1, "callbacks_matched": 1, "duplicates": 0,
        "skipped": 2, "rejected": 0,
    }  # fmt: skip


# --- Duplicates ----------------------------------------------------------------------------------


def test_the_same_call_imported_twice_is_stored_once(team):
    rows = (
        f"2025-01-14T09:00:00Z,{RILEY},{SAM},10,",
        f"2025-01-14T09:30:00Z,{SAM},{RILEY},10,",
    )
    first = import_rows(*rows, uploaded_by=team["admin"])
    # The same calls again, written differently (other number formats, a local time):
    second = import_rows(
        "2025-01-14T09:00:00,+14155550101,+14155550100,10,",
        f"2025-01-14T09:30:00+00:00,{SAM},{RILEY},10,",
        f"2025-01-14T09:00:00Z,{RILEY},{SAM},10,",  # and twice within one file
        uploaded_by=team["sam"],
    )
    assert (first.escalations_created, first.callbacks_matched) == (1, 1)
    assert counts(second) == {
        "rows_read": 3, "escalations_created": 0, "callbacks_matched": 0, "duplicates": 3,
        "skipped": 0, "rejected": 0,
    }  # fmt: skip
    assert Escalation.objects.count() == 1


def test_a_call_twice_in_one_file_is_stored_once(team):
    result = import_rows(
        f"2025-01-14T09:00:00Z,{RILEY},{SAM},10,",
        f"2025-01-14T09:00:00Z,{RILEY},{SAM},10,",
        uploaded_by=team["admin"],
        batch_size=1000,
    )
    assert (result.escalations_created, result.duplicates) == (1, 1)


# --- Rejected rows -------------------------------------------------------------------------------

GOOD = f"2025-01-14T09:00:00Z,{RILEY},{SAM},10,call"


@pytest.mark.parametrize(
    ("row", "reason", "column"),
    [
        (f"yesterday,{ROBIN},{SAM},10,", "bad_date", "started_at"),
        (f"2025-13-01T10:00:00,{ROBIN},{SAM},10,", "bad_date", "started_at"),
        (f"2025-01-14,{ROBIN},{SAM},10,", "bad_date", "started_at"),  # no time of day
        (f"1999-12-31T10:00:00Z,{ROBIN},{SAM},10,", "bad_date", "started_at"),
        (f"2999-01-01T10:00:00Z,{ROBIN},{SAM},10,", "future_date", "started_at"),
        (f"2025-01-14T10:00:00Z,abc,{SAM},10,", "bad_number", "from"),
        (f"2025-01-14T10:00:00Z,{ROBIN},123,10,", "bad_number", "to"),
        (f"2025-01-14T10:00:00Z,,{SAM},10,", "missing_value", "from"),
        (f"2025-01-14T10:00:00Z,{ROBIN},{SAM}", "missing_value", "duration_seconds"),
        (f"2025-01-14T10:00:00Z,{ROBIN},{SAM},-5,", "bad_duration", "duration_seconds"),
        (f"2025-01-14T10:00:00Z,{ROBIN},{SAM},12s,", "bad_duration", "duration_seconds"),
        (f"2025-01-14T10:00:00Z,{ROBIN},{SAM},86401,", "bad_duration", "duration_seconds"),
        (f"2025-01-14T10:00:00Z,{ROBIN},{SAM},²,", "bad_duration", "duration_seconds"),
        (f"2025-01-14T10:00:00Z,{ROBIN},{SAM},10,fax", "bad_kind", "kind"),
        ("x," * 3000, "too_long", None),
    ],
)
def test_a_bad_row_is_rejected_with_its_reason_and_writes_nothing(team, row, reason, column):
    result = import_rows(GOOD, row, GOOD.replace("09:00", "09:05"), uploaded_by=team["admin"])
    assert result.status == CallImport.Status.DONE
    assert result.rejected == 1
    assert result.escalations_created == 2  # the good rows around it still count
    [rejection] = result.rejections
    assert rejection["line"] == 3  # header, good row, this one
    assert rejection["reason"] == reason
    assert rejection.get("column") == column
    assert not Escalation.objects.filter(rep=team["robin"]).exists()
    assert balanced(result)


def test_a_row_that_is_not_utf8_is_rejected_and_the_rest_imported(team):
    latin1 = f"2025-01-14T10:00:00Z,{ROBIN},{SAM},10,caf".encode() + b"\xe9\n"  # "é"
    content = csv_bytes(GOOD) + latin1
    result = run(stored_import(content, uploaded_by=team["admin"]))
    assert (result.escalations_created, result.rejected) == (1, 1)
    assert result.rejections[0]["reason"] == "not_utf8"
    assert result.rejections[0]["line"] == 3
    assert not Escalation.objects.filter(rep=team["robin"]).exists()


def test_a_callback_row_with_a_bad_date_does_not_touch_the_escalation(team):
    result = import_rows(GOOD, f"2025-01-14T25:00:00Z,{SAM},{RILEY},10,", uploaded_by=team["admin"])
    assert (result.rejected, result.callbacks_matched) == (1, 0)
    assert Escalation.objects.get().called_back_at is None


def test_the_list_of_rejected_rows_is_capped_but_all_are_counted(team):
    result = import_rows(*[f"nope,{RILEY},{SAM},10,"] * 250, uploaded_by=team["admin"])
    assert result.rejected == 250
    assert len(result.rejections) == 200
    assert result.rejections[-1]["line"] == 201


def test_a_header_only_file_imports_nothing_and_finishes(team):
    result = import_rows(uploaded_by=team["admin"])
    assert result.status == CallImport.Status.DONE
    assert counts(result) == dict.fromkeys(counts(result), 0)


def test_a_bad_header_found_at_import_time_fails_the_import_with_the_reason(team):
    result = run(stored_import(b"when,who\n1,2\n", uploaded_by=team["admin"]))
    assert result.status == CallImport.Status.FAILED
    assert result.error == HEADER_MISSING % {"columns": "started_at, from, to, duration_seconds"}


def test_a_missing_file_fails_the_import_clearly(team):
    call_import = stored_import(csv_bytes(GOOD), uploaded_by=team["admin"])
    call_import.file.delete(save=False)
    call_import.file.name = "imports/gone.csv"
    call_import.save()
    assert run(call_import).error == FILE_MISSING


def test_an_uploader_who_may_no_longer_import_gets_a_clear_failure(team):
    call_import = stored_import(csv_bytes(GOOD), uploaded_by=team["sam"])
    team["sam"].role = "rep"
    team["sam"].save()
    result = run(call_import)
    assert (result.status, result.error) == (CallImport.Status.FAILED, UPLOADER_GONE)
    assert not Escalation.objects.exists()


# --- Progress and running twice ------------------------------------------------------------------


def test_progress_and_counters_are_committed_batch_by_batch(team, monkeypatch):
    rows = [f"2025-01-14T09:{minute:02d}:00Z,{RILEY},{SAM},10," for minute in range(5)]
    call_import = stored_import(
        csv_bytes(*rows, f"bad,{RILEY},{SAM},1,"), uploaded_by=team["admin"]
    )
    seen = []
    commit = _Importer._commit

    def spy(self, *args, **kwargs):
        commit(self, *args, **kwargs)
        # What another request (the progress bar) reads once the batch committed:
        seen.append(CallImport.objects.values_list("processed_bytes", "rows_read", "status").get())

    monkeypatch.setattr(_Importer, "_commit", spy)
    result = run(call_import, batch_size=2)
    sizes = [size for size, _rows, _status in seen]
    assert sizes == sorted(sizes)
    assert sizes[-1] == result.total_bytes
    assert [rows for _size, rows, _status in seen] == [2, 4, 6, 6]
    assert [status for *_rest, status in seen] == ["running"] * 3 + ["done"]
    assert result.progress_percent == 100


def test_a_finished_import_is_left_alone_when_the_task_runs_again(team):
    result = import_rows(GOOD, uploaded_by=team["admin"])
    assert call_import_run(organization_id=result.organization_id, import_id=result.pk) == "done"
    result.refresh_from_db()
    assert (result.rows_read, result.escalations_created, result.duplicates) == (1, 1, 0)


def test_an_interrupted_import_resumes_after_its_last_committed_batch(team, monkeypatch):
    rows = [f"2025-01-14T09:{minute:02d}:00Z,{RILEY},{SAM},10," for minute in range(7)]
    call_import = stored_import(csv_bytes(*rows), uploaded_by=team["admin"])
    commit = _Importer._commit
    batches = []

    def crash_on_third_batch(self, *args, **kwargs):
        batches.append(1)
        if len(batches) == 3:
            raise ConnectionError("worker lost")
        commit(self, *args, **kwargs)

    monkeypatch.setattr(_Importer, "_commit", crash_on_third_batch)
    with pytest.raises(ConnectionError):
        run(call_import, batch_size=2)
    call_import.refresh_from_db()
    assert (call_import.status, call_import.rows_read) == ("running", 4)
    monkeypatch.setattr(_Importer, "_commit", commit)
    result = run(call_import, batch_size=2)  # the redelivered task
    assert counts(result)["rows_read"] == 7
    assert (result.escalations_created, result.duplicates) == (7, 0)
    assert Escalation.objects.count() == 7


def test_a_second_worker_on_the_same_import_stops_without_writing(team, monkeypatch):
    call_import = stored_import(csv_bytes(GOOD), uploaded_by=team["admin"])
    commit = _Importer._commit

    def overtaken(self, *args, **kwargs):
        # Another worker commits this batch first: our view of the progress is stale.
        CallImport.objects.filter(pk=call_import.pk).update(processed_bytes=7)
        commit(self, *args, **kwargs)

    monkeypatch.setattr(_Importer, "_commit", overtaken)
    assert call_import_run(organization_id=call_import.organization_id,
                           import_id=call_import.pk) == "running"  # fmt: skip
    assert not Escalation.objects.exists()


# --- Isolation -----------------------------------------------------------------------------------


def test_the_same_numbers_in_another_organisation_never_meet_ours(team, outsider):
    with tenant_context(outsider.organization_id):
        boss = MembershipFactory(role="manager", phone_office=SAM)
        MembershipFactory(role="rep", reports_to=boss, phone_mobile=RILEY)
        theirs = run(stored_import(csv_bytes(GOOD), uploaded_by=outsider))
        assert theirs.escalations_created == 1
    assert not Escalation.objects.exists()  # nothing in our organisation
    ours = import_rows(GOOD, uploaded_by=team["admin"])
    assert (ours.escalations_created, ours.duplicates) == (1, 0)  # keys are per organisation
    with tenant_context(outsider.organization_id):
        assert CallImport.objects.count() == 1


# --- The task ------------------------------------------------------------------------------------


def test_the_task_imports_with_the_organisation_it_is_given(team):
    from apps.dependency.tasks import run_call_import

    call_import = stored_import(csv_bytes(GOOD), uploaded_by=team["admin"])
    result = run_call_import.apply(
        kwargs={"organization_id": call_import.organization_id, "import_id": call_import.pk}
    )
    assert result.get() == "done"
    assert Escalation.objects.count() == 1
    with pytest.raises(TypeError, match="integer organization_id"):
        run_call_import.apply(kwargs={"organization_id": "1", "import_id": 1}, throw=True)


def test_an_unexpected_error_in_the_task_ends_the_import_with_a_message(team, monkeypatch):
    from apps.dependency import tasks
    from apps.dependency.imports import IMPORT_STOPPED

    call_import = stored_import(csv_bytes(GOOD), uploaded_by=team["admin"])

    def broken(**kwargs):
        raise RuntimeError("a bug")

    monkeypatch.setattr(tasks, "call_import_run", broken)
    with pytest.raises(RuntimeError):
        tasks.run_call_import.apply(
            kwargs={"organization_id": call_import.organization_id, "import_id": call_import.pk},
            throw=True,
        )
    call_import.refresh_from_db()
    assert (call_import.status, call_import.error) == ("failed", IMPORT_STOPPED)
