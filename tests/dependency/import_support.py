"""Shared fixtures and helpers of the call-log import tests (tests/dependency/test_import_*.py)."""

import uuid

import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile

from apps.dependency.imports import call_import_run
from apps.dependency.models import CallImport
from tests.factories import MembershipFactory

HEADER = "started_at,from,to,duration_seconds,kind"

# Numbers as people type them in their profiles; the call logs use other forms of the same.
SAM = "(415) 555-0100"  # the sales manager's office line
RILEY = "415.555.0101"  # a rep reporting to Sam
ROBIN = "+1 415 555 0102"  # another rep reporting to Sam
CASEY = "415 555 0103"  # support staff reporting to Sam
DANA = "415-555-0200"  # another manager
DREW = "415-555-0201"  # Dana's rep
STRANGER = "+1 212 555 0199"  # a customer


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def team(org, media):
    sam = MembershipFactory(role="manager", phone_office=SAM, user__full_name="Sam Manager")
    dana = MembershipFactory(role="manager", phone_office=DANA, user__full_name="Dana Manager")
    return {
        "sam": sam,
        "riley": MembershipFactory(role="rep", reports_to=sam, phone_mobile=RILEY),
        "robin": MembershipFactory(role="rep", reports_to=sam, phone_mobile=ROBIN),
        "casey": MembershipFactory(role="support", reports_to=sam, phone_office=CASEY),
        "dana": dana,
        "drew": MembershipFactory(role="rep", reports_to=dana, phone_mobile=DREW),
        "admin": MembershipFactory(role="admin", user__full_name="Ada Admin"),
    }


def csv_bytes(*rows: str, header: str = HEADER) -> bytes:
    return ("\n".join([header, *rows]) + "\n").encode()


def upload(content: bytes, name: str = "calls.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="text/csv")


def stored_import(content: bytes, *, uploaded_by, name: str = "calls.csv") -> CallImport:
    """An import row with its file, bypassing the upload checks (to feed the importer anything)."""
    call_import = CallImport(
        public_id=uuid.uuid4(), uploaded_by=uploaded_by, original_name=name,
        total_bytes=len(content),
    )  # fmt: skip
    call_import.assign_organization(uploaded_by.organization_id)
    call_import.file.save("calls.csv", ContentFile(content), save=False)
    call_import.save()
    return call_import


def run(call_import: CallImport, **kwargs) -> CallImport:
    call_import_run(organization_id=call_import.organization_id, import_id=call_import.pk, **kwargs)
    call_import.refresh_from_db()
    return call_import


def import_rows(*rows: str, uploaded_by, header: str = HEADER, **kwargs) -> CallImport:
    return run(stored_import(csv_bytes(*rows, header=header), uploaded_by=uploaded_by), **kwargs)


def counts(call_import: CallImport) -> dict:
    return {
        name: getattr(call_import, name)
        for name in ("rows_read", "escalations_created", "callbacks_matched", "duplicates",
                     "skipped", "rejected")
    }  # fmt: skip


def balanced(call_import: CallImport) -> bool:
    """Every row read is accounted for exactly once."""
    c = counts(call_import)
    return c["rows_read"] == sum(v for k, v in c.items() if k != "rows_read")
