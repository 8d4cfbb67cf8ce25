"""Phone-system call logs turned into escalations (issue: "Import from phone systems").

A CSV with a header row `started_at, from, to, duration_seconds[, kind]` is checked when it is
uploaded (nothing is stored unless the header is right), kept under the organisation's folder of
the file storage, and imported by a Celery task:

- a call from a rep's number to their manager's number is an escalation: topic to be named,
  routine, and history (no callback is scheduled for it);
- a call from that manager back to the rep within four hours after an escalation records when
  the manager called back;
- every other call is skipped (counted); a row that cannot be read is rejected with its reason
  and writes nothing.

The file is read line by line from its binary stream, never whole: each physical line is decoded
on its own (so one line in another encoding is one rejected row, with its line number, rather than
the end of the import) and split by `csv.reader`. A call log has no line breaks inside its fields;
a line that ends inside quotes is rejected like any other unreadable row. The task enters the
tenant context once per batch, so each batch's rows, counters and progress commit together; a
task redelivered after a lost worker resumes at the last committed byte instead of starting over.
"""

import contextlib
import csv
import dataclasses
import datetime as dt
import hashlib
import os
import unicodedata
import uuid
import zoneinfo
from collections import defaultdict
from collections.abc import Iterator

from django.core.files import File
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop

from apps.audit.services import audit_record
from apps.core.errors import ApplicationError
from apps.core.phones import membership_phones, normalise_phone
from apps.dependency.models import CallImport, Escalation
from apps.tenancy.context import require_organization_id, tenant_context
from apps.tenancy.models import Membership, Organization
from apps.tenancy.selectors import reporting_tree_ids

MAX_IMPORT_BYTES = 50 * 1024 * 1024
BATCH_SIZE = 1000
MAX_HEADER_BYTES = 4096
MAX_LINE_BYTES = 4096  # a call is about 80 bytes; anything this long is not one
MAX_REJECTIONS_LISTED = 200
MAX_PENDING_CALLBACKS = 10_000
CALLBACK_WINDOW = dt.timedelta(hours=4)
MAX_DURATION_SECONDS = 24 * 3600
EARLIEST_CALL = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)
FUTURE_TOLERANCE = dt.timedelta(minutes=5)

REQUIRED_COLUMNS = ("started_at", "from", "to", "duration_seconds")
OPTIONAL_COLUMNS = ("kind",)
DELIMITERS = (",", ";", "\t")  # spreadsheets in many locales save CSV with semicolons
KINDS = {
    "call": Escalation.Channel.CALL,
    "voicemail": Escalation.Channel.VOICEMAIL,
    "text": Escalation.Channel.TEXT,
}

# Stored untranslated on the import (`error`) and translated where shown.
IMPORT_FORBIDDEN = gettext_noop("Only admins and managers import call logs.")
FILE_REQUIRED = gettext_noop("Choose a CSV file to upload.")
FILE_EMPTY = gettext_noop("The file is empty.")
FILE_TOO_LARGE = gettext_noop("The file is larger than 50 MB: split it into smaller files.")
FILE_NOT_UTF8 = gettext_noop(
    "The file is not UTF-8 text. Save it as “CSV UTF-8” and upload it again."
)
HEADER_UNREADABLE = gettext_noop("The first line of the file is not a CSV header row.")
HEADER_MISSING = gettext_noop(
    "The header row lacks the column(s) %(columns)s. A call log needs started_at, from, to "
    "and duration_seconds; kind is optional."
)
HEADER_DUPLICATE = gettext_noop("The header row names the column “%(column)s” twice.")
FILE_HEADER_ONLY = gettext_noop("The file has a header row but no calls.")
FILE_MISSING = gettext_noop("The uploaded file can no longer be read: upload it again.")
UPLOADER_GONE = gettext_noop("The person who uploaded this file can no longer import calls.")
IMPORT_STOPPED = gettext_noop(
    "The import stopped unexpectedly. Upload the file again: calls already imported are not "
    "imported twice."
)
FAILURE_MESSAGES = frozenset(
    {FILE_EMPTY, FILE_NOT_UTF8, HEADER_UNREADABLE, FILE_MISSING, UPLOADER_GONE, IMPORT_STOPPED}
)

REJECTION_REASONS = {
    "not_utf8": gettext_lazy("Not UTF-8 text."),
    "not_csv": gettext_lazy("Not a readable CSV row."),
    "too_long": gettext_lazy("The line is too long to be a call."),
    "missing_value": gettext_lazy("Missing value in column “%(column)s”."),
    "bad_date": gettext_lazy(
        "Bad date in started_at: use ISO 8601 with a time, for example 2025-03-14T09:30:00+01:00."
    ),
    "future_date": gettext_lazy("The call is in the future."),
    "bad_number": gettext_lazy("Bad phone number in column “%(column)s”."),
    "bad_duration": gettext_lazy("Bad duration: whole seconds from 0 to 86400."),
    "bad_kind": gettext_lazy("Unknown kind: use call, voicemail or text."),
}


class ImportFileError(Exception):
    """The file as a whole cannot be imported; `message` is one of the constants above."""

    def __init__(self, message: str, **params):
        super().__init__(message)
        self.message = message
        self.params = params

    def user_message(self) -> str:
        return _(self.message) % self.params if self.params else _(self.message)

    def stored_message(self) -> str:
        return (self.message % self.params if self.params else self.message)[:300]


# --- Reads -------------------------------------------------------------------------------------


def check_can_import(actor: Membership) -> None:
    """Admins import for everyone, managers for their reporting tree; nobody else."""
    if not actor.is_active or actor.role not in (Membership.Role.ADMIN, Membership.Role.MANAGER):
        raise ApplicationError(_(IMPORT_FORBIDDEN), code="forbidden")


def call_imports_visible_to(viewer: Membership) -> QuerySet[CallImport]:
    """Admins see every import of the organisation; managers the ones they uploaded."""
    queryset = CallImport.objects.select_related("uploaded_by__user").order_by("-created_at", "-id")
    if viewer.role == Membership.Role.ADMIN:
        return queryset
    if viewer.role == Membership.Role.MANAGER:
        return queryset.filter(uploaded_by=viewer)
    return queryset.none()


def call_import_rejections(call_import: CallImport) -> list[dict]:
    """The listed rejected rows with their reason in the reader's language."""
    rows = []
    for entry in call_import.rejections:
        reason = REJECTION_REASONS.get(entry.get("reason"), REJECTION_REASONS["not_csv"])
        rows.append(
            {
                "line": entry.get("line"),
                "reason": entry.get("reason"),
                "column": entry.get("column", ""),
                "value": entry.get("value", ""),
                "message": str(reason) % {"column": entry.get("column", "")},
            }
        )
    return rows


# --- Upload ------------------------------------------------------------------------------------


@transaction.atomic
def call_import_create(*, actor: Membership, upload: File | None) -> CallImport:
    """Check the file (size, encoding, header), store it and queue its import after commit."""
    check_can_import(actor)
    if upload is None:
        raise ApplicationError(_(FILE_REQUIRED), field="file")
    if not upload.size:
        raise ApplicationError(_(FILE_EMPTY), field="file")
    if upload.size > MAX_IMPORT_BYTES:
        raise ApplicationError(_(FILE_TOO_LARGE), field="file")
    try:
        upload.seek(0)
        read_header(upload)
        if not _has_content(upload):
            raise ImportFileError(FILE_HEADER_ONLY)
    except ImportFileError as error:
        raise ApplicationError(error.user_message(), field="file") from None
    upload.seek(0)

    call_import = CallImport(
        public_id=uuid.uuid4(),
        uploaded_by=actor,
        original_name=_display_name(upload.name or ""),
        total_bytes=upload.size,
    )
    # The storage path names the organisation: set it before the file is written.
    call_import.assign_organization(require_organization_id())
    call_import.file.save(f"{call_import.public_id}.csv", upload, save=False)
    call_import.save()
    audit_record(
        actor=actor, action="call_import.uploaded", target=call_import,
        changes={"file": call_import.original_name, "bytes": call_import.total_bytes},
    )  # fmt: skip

    from apps.dependency.tasks import run_call_import

    organization_id, import_id = call_import.organization_id, call_import.pk
    transaction.on_commit(
        lambda: run_call_import.delay(organization_id=organization_id, import_id=import_id),
        robust=True,  # no broker: the import stays queued, the upload still succeeds
    )
    return call_import


def _display_name(name: str) -> str:
    name = os.path.basename(name.replace("\\", "/"))
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C")
    return name.strip()[:200]


def _has_content(handle) -> bool:
    """Anything but white space after the header row (read in chunks, never whole)."""
    while chunk := handle.read(64 * 1024):
        if chunk.strip():
            return True
    return False


@dataclasses.dataclass(frozen=True)
class Header:
    delimiter: str
    positions: dict[str, int]  # column name → its index in each row
    size: int  # bytes of the header line, line break included


def read_header(handle) -> Header:
    """The header row from the current position of a binary file; `ImportFileError` if the
    file has none we can use."""
    line = handle.readline(MAX_HEADER_BYTES + 1)
    if not line:
        raise ImportFileError(FILE_EMPTY)
    if len(line) > MAX_HEADER_BYTES:
        raise ImportFileError(HEADER_UNREADABLE)
    try:
        text = line.decode("utf-8-sig").rstrip("\r\n")
    except UnicodeDecodeError:
        raise ImportFileError(FILE_NOT_UTF8) from None
    first_missing = None
    for delimiter in DELIMITERS:
        try:
            names = [name.strip().lower() for name in next(csv.reader([text], delimiter=delimiter))]
        except (csv.Error, StopIteration):
            raise ImportFileError(HEADER_UNREADABLE) from None
        missing = [column for column in REQUIRED_COLUMNS if column not in names]
        if missing:
            first_missing = first_missing or missing
            continue
        for column in (*REQUIRED_COLUMNS, *OPTIONAL_COLUMNS):
            if names.count(column) > 1:
                raise ImportFileError(HEADER_DUPLICATE, column=column)
        positions = {
            column: names.index(column)
            for column in (*REQUIRED_COLUMNS, *OPTIONAL_COLUMNS)
            if column in names
        }
        return Header(delimiter=delimiter, positions=positions, size=len(line))
    raise ImportFileError(HEADER_MISSING, columns=", ".join(first_missing))


# --- The importer ------------------------------------------------------------------------------


def call_import_run(
    *, organization_id: int, import_id: int, batch_size: int = BATCH_SIZE,
    now: dt.datetime | None = None,
) -> str:  # fmt: skip
    """Import the file of `import_id`; returns its final status. Safe to run twice: a finished
    import is left alone and a running one resumes after its last committed batch."""
    with tenant_context(organization_id):
        call_import = CallImport.objects.select_for_update().filter(pk=import_id).first()
        if call_import is None:
            return "missing"
        if call_import.status in (CallImport.Status.DONE, CallImport.Status.FAILED):
            return call_import.status
        organization = Organization.objects.get(pk=organization_id)
        uploader = _uploader_who_may_import(call_import.uploaded_by_id)
        if uploader is not None:
            directory = _Directory.load(organization, uploader)
            call_import.status = CallImport.Status.RUNNING
            if not call_import.total_bytes:
                with contextlib.suppress(OSError):  # a missing file fails below, clearly
                    call_import.total_bytes = call_import.file.size
            call_import.save(update_fields=["status", "total_bytes"])
    if uploader is None:
        return call_import_fail(
            organization_id=organization_id, import_id=import_id, message=UPLOADER_GONE
        )

    importer = _Importer(
        call_import, organization=organization, directory=directory, batch_size=batch_size,
        now=now or timezone.now(),
    )  # fmt: skip
    try:
        handle = call_import.file.open("rb")
    except OSError:
        return call_import_fail(
            organization_id=organization_id, import_id=import_id, message=FILE_MISSING
        )
    try:
        with handle:
            importer.run(handle)
    except ImportFileError as error:
        return call_import_fail(
            organization_id=organization_id, import_id=import_id, message=error.stored_message()
        )
    except _Superseded:
        return CallImport.Status.RUNNING  # another worker holds it: it will finish the job
    return CallImport.Status.DONE


def _uploader_who_may_import(membership_id: int | None) -> Membership | None:
    """The uploader, if they still may import (their role may have changed since)."""
    uploader = Membership.objects.filter(pk=membership_id).first() if membership_id else None
    try:
        if uploader is not None:
            check_can_import(uploader)
    except ApplicationError:
        return None
    return uploader


def call_import_fail(*, organization_id: int, import_id: int, message: str) -> str:
    """End an unfinished import with a message for its page."""
    with tenant_context(organization_id):
        CallImport.objects.filter(
            pk=import_id, status__in=[CallImport.Status.QUEUED, CallImport.Status.RUNNING]
        ).update(status=CallImport.Status.FAILED, error=message[:300], finished_at=timezone.now())
    return CallImport.Status.FAILED


class _Superseded(Exception):
    """Another worker committed this batch first (a redelivered task running twice)."""


@dataclasses.dataclass(slots=True)
class _Call:
    line: int
    is_callback: bool
    rep_id: int
    manager_id: int
    started_at: dt.datetime
    channel: str
    key: str


class _Directory:
    """Members' numbers in E.164 (stored numbers may be in any form), who reports to whom, and
    whose calls the uploader may import (design.md: managers log for their reporting tree)."""

    def __init__(self, members, region: str, allowed_rep_ids: set[int] | None):
        self.region = region
        self.allowed_rep_ids = allowed_rep_ids
        self.by_number: dict[str, list[tuple[int, int | None, str]]] = defaultdict(list)
        for member in members:
            for number in membership_phones(member, region):
                self.by_number[number].append((member.pk, member.reports_to_id, member.role))

    @classmethod
    def load(cls, organization: Organization, uploader: Membership) -> "_Directory":
        members = Membership.objects.filter(is_active=True).only(
            "id", "reports_to_id", "role", "phone_mobile", "phone_office"
        )
        allowed = None
        if uploader.role != Membership.Role.ADMIN:
            allowed = reporting_tree_ids(uploader) | {uploader.pk}
        return cls(members, organization.default_phone_region, allowed)

    def classify(self, caller: str, callee: str) -> tuple[bool, int, int] | None:
        """(is_callback, rep id, manager id) for a rep→manager or manager→rep call; None for
        any other call, and for a shared line that fits several pairs."""
        callers = self.by_number.get(caller)
        callees = self.by_number.get(callee)
        if not callers or not callees or caller == callee:
            return None
        callee_ids = {member_id for member_id, _boss, _role in callees}
        pairs = self._pairs(callers, callee_ids)
        if pairs:
            return (False, *pairs.pop()) if len(pairs) == 1 else None
        caller_ids = {member_id for member_id, _boss, _role in callers}
        pairs = self._pairs(callees, caller_ids)
        return (True, *pairs.pop()) if len(pairs) == 1 else None

    def _pairs(self, reps, manager_ids: set[int]) -> set[tuple[int, int]]:
        return {
            (rep_id, boss_id)
            for rep_id, boss_id, role in reps
            if boss_id in manager_ids
            and role != Membership.Role.SUPPORT  # support staff don't escalate (design.md)
            and (self.allowed_rep_ids is None or rep_id in self.allowed_rep_ids)
        }


COUNTERS = (
    "rows_read", "escalations_created", "callbacks_matched", "duplicates", "skipped", "rejected",
)  # fmt: skip


class _Importer:
    def __init__(self, call_import: CallImport, *, organization: Organization,
                 directory: _Directory, batch_size: int, now: dt.datetime):  # fmt: skip
        self.import_id = call_import.pk
        self.organization_id = organization.pk
        self.created_by_id = call_import.uploaded_by_id
        self.tz = zoneinfo.ZoneInfo(organization.time_zone)
        self.directory = directory
        self.batch_size = max(1, batch_size)
        self.latest = now + FUTURE_TOLERANCE
        self.committed_offset = call_import.processed_bytes
        self.counts = {name: getattr(call_import, name) for name in COUNTERS}
        self.rejections = list(call_import.rejections)
        self.rejections_changed = False
        # Callbacks read before their escalation (a file sorted newest first): kept to retry
        # when an escalation of the same pair appears; counted as skipped until then.
        self.pending: dict[tuple[int, int], list[_Call]] = defaultdict(list)
        self.pending_count = 0

    def run(self, handle) -> None:
        self.header = read_header(handle)
        position = max(self.committed_offset, self.header.size)
        handle.seek(position)
        line = self.counts["rows_read"] + 1  # the header is line 1; blank lines count as rows
        calls: list[_Call] = []
        in_batch, end = 0, position
        for raw, end, too_long in _lines(handle, position):
            line += 1
            call = self._read(raw, line, too_long)
            if call is not None:
                calls.append(call)
            in_batch += 1
            if in_batch >= self.batch_size:
                self._commit(calls, end, finished=False)
                calls, in_batch = [], 0
        self._commit(calls, end, finished=True)

    # --- one row ---

    def _read(self, raw: bytes, line: int, too_long: bool) -> _Call | None:
        self.counts["rows_read"] += 1
        if too_long:
            return self._reject(line, "too_long", value=raw.decode("utf-8", "replace"))
        try:
            text = raw.decode("utf-8")  # the line break stays: csv reads it as the row's end
        except UnicodeDecodeError:
            return self._reject(line, "not_utf8", value=raw.decode("utf-8", "replace"))
        if text.isspace():
            self.counts["skipped"] += 1
            return None
        try:
            cells = next(csv.reader((text,), delimiter=self.header.delimiter), ())
        except csv.Error:
            return self._reject(line, "not_csv", value=text)
        values = {}
        for column, position in self.header.positions.items():
            value = cells[position].strip() if position < len(cells) else ""
            if not value and column in REQUIRED_COLUMNS:
                return self._reject(line, "missing_value", column=column)
            values[column] = value

        started_at = self._moment(values["started_at"])
        if started_at is None:
            return self._reject(line, "bad_date", column="started_at", value=values["started_at"])
        if started_at > self.latest:
            return self._reject(line, "future_date", column="started_at",
                                value=values["started_at"])  # fmt: skip
        region = self.directory.region
        caller = normalise_phone(values["from"], region)
        if caller is None:
            return self._reject(line, "bad_number", column="from", value=values["from"])
        callee = normalise_phone(values["to"], region)
        if callee is None:
            return self._reject(line, "bad_number", column="to", value=values["to"])
        duration = values["duration_seconds"]
        if not (duration.isascii() and duration.isdigit()) or int(duration) > MAX_DURATION_SECONDS:
            return self._reject(line, "bad_duration", column="duration_seconds", value=duration)
        kind = values.get("kind") or "call"
        if kind not in KINDS and (kind := kind.lower()) not in KINDS:
            return self._reject(line, "bad_kind", column="kind", value=values["kind"])

        match = self.directory.classify(caller, callee)
        if match is None:
            self.counts["skipped"] += 1
            return None
        is_callback, rep_id, manager_id = match
        key = hashlib.sha256(f"{caller}|{callee}|{started_at.isoformat()}".encode()).hexdigest()
        return _Call(line, is_callback, rep_id, manager_id, started_at, KINDS[kind], key)

    def _moment(self, value: str) -> dt.datetime | None:
        """ISO 8601 with a time; without an offset it is the organisation's local time."""
        # Every ISO 8601 date without a time fits in 10 characters ("2025-03-14", "2025-W11-5",
        # "2025073"); with a time it needs more. A date alone says nothing of when in the day.
        if not 10 < len(value) <= 40:
            return None
        try:
            moment = dt.datetime.fromisoformat(value)
            if moment.tzinfo is None:
                moment = moment.replace(tzinfo=self.tz)
            moment = moment.astimezone(dt.UTC)
        except (ValueError, OverflowError):
            return None
        return moment if moment >= EARLIEST_CALL else None

    def _reject(self, line: int, reason: str, *, column: str = "", value: str = "") -> None:
        self.counts["rejected"] += 1
        if len(self.rejections) < MAX_REJECTIONS_LISTED:
            entry = {"line": line, "reason": reason}
            if column:
                entry["column"] = column
            if value:
                # Shown on the page; NUL cannot be stored in PostgreSQL text or JSON.
                entry["value"] = value.replace("\x00", "").strip()[:80]
            self.rejections.append(entry)
            self.rejections_changed = True
        return None

    # --- one batch ---

    def _commit(self, calls: list[_Call], end: int, *, finished: bool) -> None:
        """Write a batch's escalations and callbacks with the import's counters and progress,
        in one transaction: all of the batch or none of it."""
        with tenant_context(self.organization_id):
            new_pairs = self._write_escalations([c for c in calls if not c.is_callback])
            self._write_callbacks([c for c in calls if c.is_callback], new_pairs)
            fields = {**self.counts, "processed_bytes": end}
            if self.rejections_changed:
                fields["rejections"] = self.rejections
            if finished:
                fields.update(status=CallImport.Status.DONE, finished_at=timezone.now())
            updated = CallImport.objects.filter(
                pk=self.import_id,
                status=CallImport.Status.RUNNING,
                processed_bytes=self.committed_offset,
            ).update(**fields)
            if updated != 1:
                raise _Superseded
        self.committed_offset = end
        self.rejections_changed = False

    def _write_escalations(self, calls: list[_Call]) -> set[tuple[int, int]]:
        if not calls:
            return set()
        existing = set(
            Escalation.objects.filter(import_key__in={c.key for c in calls}).values_list(
                "import_key", flat=True
            )
        )
        new: list[Escalation] = []
        for call in calls:
            if call.key in existing:
                self.counts["duplicates"] += 1
                continue
            existing.add(call.key)  # the same call twice in one file is stored once too
            new.append(
                Escalation(
                    rep_id=call.rep_id,
                    manager_id=call.manager_id,
                    occurred_at=call.started_at,
                    channel=call.channel,
                    topic=None,  # "topic needed": the manager names it later
                    urgency=Escalation.Urgency.ROUTINE,
                    callback_due_at=None,  # history: imported calls never schedule callbacks
                    source=Escalation.Source.IMPORT,
                    import_key=call.key,
                    created_by_id=self.created_by_id,
                )
            )
        # A concurrent import of the same calls may win a key between the check and here.
        Escalation.objects.bulk_create(new, ignore_conflicts=True)
        self.counts["escalations_created"] += len(new)
        return {(e.rep_id, e.manager_id) for e in new}

    def _write_callbacks(self, calls: list[_Call], new_pairs: set[tuple[int, int]]) -> None:
        retried = [call for pair in new_pairs for call in self.pending.pop(pair, [])]
        self.pending_count -= len(retried)
        candidates = calls + retried
        if not candidates:
            return
        retried_ids = {id(call) for call in retried}
        outcomes = self._match(candidates)
        for call, outcome in zip(candidates, outcomes, strict=True):
            was_pending = id(call) in retried_ids
            if outcome == "unmatched":
                if not was_pending:
                    self.counts["skipped"] += 1
                if self.pending_count < MAX_PENDING_CALLBACKS:
                    self.pending[(call.rep_id, call.manager_id)].append(call)
                    self.pending_count += 1
                continue
            if was_pending:
                self.counts["skipped"] -= 1
            self.counts["callbacks_matched" if outcome == "matched" else "duplicates"] += 1

    def _match(self, calls: list[_Call]) -> list[str]:
        """For each callback in order: "matched" (it answers the pair's escalations of the four
        hours before it that had no callback yet), "duplicate" (already recorded, from an
        earlier import) or "unmatched"."""
        window_start = min(c.started_at for c in calls) - CALLBACK_WINDOW
        window_end = max(c.started_at for c in calls)
        by_pair: dict[tuple[int, int], list[list]] = defaultdict(list)
        rows = Escalation.objects.filter(
            rep_id__in={c.rep_id for c in calls},
            occurred_at__gte=window_start,
            occurred_at__lt=window_end,
        ).values_list("id", "rep_id", "manager_id", "occurred_at", "called_back_at")
        for pk, rep_id, manager_id, occurred_at, called_back_at in rows.iterator():
            by_pair[(rep_id, manager_id)].append([pk, occurred_at, called_back_at])
        changed: dict[int, dt.datetime] = {}
        outcomes = {}
        for index in sorted(range(len(calls)), key=lambda i: calls[i].started_at):
            call = calls[index]
            window = [
                row for row in by_pair.get((call.rep_id, call.manager_id), [])
                if call.started_at - CALLBACK_WINDOW <= row[1] < call.started_at
            ]  # fmt: skip
            waiting = [row for row in window if row[2] is None]
            for row in waiting:
                row[2] = changed[row[0]] = call.started_at
            if waiting:
                outcomes[index] = "matched"
            elif any(row[2] == call.started_at for row in window):
                outcomes[index] = "duplicate"
            else:
                outcomes[index] = "unmatched"
        if changed:
            Escalation.objects.bulk_update(
                [Escalation(pk=pk, called_back_at=moment) for pk, moment in changed.items()],
                ["called_back_at"],
                batch_size=500,
            )
        return [outcomes[index] for index in range(len(calls))]


def _lines(handle, position: int) -> Iterator[tuple[bytes, int, bool]]:
    """Each physical line with the byte offset after it, and whether it was too long (its
    start is kept for the report, the rest read and dropped in bounded pieces)."""
    offset = position
    readline = handle.readline  # resolved once: storage files proxy it through two wrappers
    while line := readline(MAX_LINE_BYTES + 1):
        offset += len(line)
        too_long = len(line) > MAX_LINE_BYTES and not line.endswith(b"\n")
        while too_long and (rest := readline(64 * 1024)):
            offset += len(rest)
            if rest.endswith(b"\n"):
                break
        yield line[:MAX_LINE_BYTES], offset, too_long
