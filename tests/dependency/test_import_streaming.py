"""A 100 000-row call log is streamed, not loaded: it finishes in reasonable time and the
importer's memory stays small whatever the file's size."""

import datetime as dt
import time
import tracemalloc
import uuid

import pytest

from apps.dependency.models import CallImport, Escalation
from tests.dependency import import_support
from tests.dependency.import_support import HEADER, balanced, run
from tests.factories import MembershipFactory

media = import_support.media  # the shared fixtures of the import tests

pytestmark = pytest.mark.django_db

ROWS = 100_000
START = dt.datetime(2025, 1, 6, 8, 0, tzinfo=dt.UTC)


def write_log(path, *, reps: list[str], manager: str) -> None:
    """Every 100th row a rep calls the manager, ten rows (five minutes) later the manager calls
    back; every 10 000th row has a bad date; the rest are customers calling reps (as in a real
    log, where few calls are between a rep and their manager)."""
    with path.open("w", encoding="utf-8", newline="") as out:
        out.write(HEADER + "\r\n")
        for i in range(ROWS):
            started = (START + dt.timedelta(seconds=30 * i)).strftime("%Y-%m-%dT%H:%M:%SZ")
            rep = reps[(i // 100) % len(reps)]
            if i % 100 == 0:
                line = f"{started},{rep},{manager},95,call"
            elif i % 100 == 10:
                line = f"{started},{manager},{rep},40,call"
            elif i % 10_000 == 7:
                line = f"not a date,{rep},{manager},40,call"
            else:
                line = f"{started},+1212555{i % 1000:04d},{rep},{i % 600},call"
            out.write(line + "\r\n")


def test_a_100k_row_file_streams_in_reasonable_time_and_little_memory(org, admin, media):
    manager = MembershipFactory(role="manager", phone_office="+1 415 555 0100")
    reps = [f"+1 415 555 {200 + n:04d}" for n in range(10)]
    for number in reps:
        MembershipFactory(role="rep", reports_to=manager, phone_mobile=number)
    path = media / "imports" / f"org{org.pk}" / "big.csv"
    path.parent.mkdir(parents=True)
    write_log(path, reps=reps, manager="(415) 555-0100")
    size = path.stat().st_size
    assert size > 5_000_000
    call_import = CallImport.objects.create(
        public_id=uuid.uuid4(), uploaded_by=admin, file=f"imports/org{org.pk}/big.csv",
        total_bytes=size,
    )  # fmt: skip

    tracemalloc.start()
    started = time.perf_counter()
    try:
        result = run(call_import)
        elapsed = time.perf_counter() - started
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    assert result.status == CallImport.Status.DONE
    assert (result.rows_read, result.escalations_created, result.callbacks_matched) == (
        ROWS, ROWS // 100, ROWS // 100,
    )  # fmt: skip
    assert result.rejected == ROWS // 10_000
    assert balanced(result)
    assert result.processed_bytes == size
    assert Escalation.objects.filter(called_back_at__isnull=False).count() == ROWS // 100
    assert elapsed < 60, f"{elapsed:.1f} s"
    # The file alone is 5+ MB; loaded whole (as text, then as rows) it would take several
    # times that. Streaming keeps one batch of rows and the phone-number cache.
    assert peak < size / 2, f"peak {peak / 1e6:.1f} MB for a {size / 1e6:.1f} MB file"
