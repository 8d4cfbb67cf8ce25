"""Phone numbers in one form (E.164, "+14155552671") so a call log's numbers meet the members'.

Parsing follows `phonenumbers` (Google's libphonenumber metadata, kept up to date by its
maintainers). A number written without a country code is read in the organisation's default
phone region. We require a *possible* number (right length for its country) rather than a
*valid* one (a currently allocated range): numbers from a phone system are real by definition,
and a stale allocation table must not reject them.
"""

import functools
from typing import TYPE_CHECKING

import phonenumbers
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

if TYPE_CHECKING:
    from apps.tenancy.models import Membership

INVALID_PHONE = gettext_noop(
    "Enter a phone number with its area code, for example +1 415 555 2671 or (415) 555-2671."
)
# Longer input is no phone number; refusing it early keeps the parser's work bounded.
MAX_RAW_LENGTH = 64


@functools.lru_cache(maxsize=16384)  # call logs repeat the same few numbers: parse each once
def normalise_phone(raw: str, region: str) -> str | None:
    """`raw` as E.164, or None when it is not a phone number.

    `region` is a two-letter country code for numbers written without one ("(415) 555-2671");
    numbers with a country code ("+44 20 7946 0958", "0044 …" from the US) ignore it.
    Extensions ("ext. 12") are dropped: they share the line's number.
    """
    raw = raw.strip()
    if not raw or len(raw) > MAX_RAW_LENGTH:
        return None
    try:
        number = phonenumbers.parse(raw, (region or "").upper() or None)
    except phonenumbers.NumberParseException:
        return None
    # A local-only number (no area code) cannot be written in E.164 truthfully.
    if phonenumbers.is_possible_number_with_reason(number) != (
        phonenumbers.ValidationResult.IS_POSSIBLE
    ):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def membership_phones(membership: "Membership", region: str) -> set[str]:
    """The member's numbers in E.164 (mobile and office), whatever form they were saved in."""
    raws = (membership.phone_mobile, membership.phone_office)
    return {number for raw in raws if (number := normalise_phone(raw, region))}


def clean_phone_field(raw: str, region: str) -> str:
    """For a form's `clean_phone_…`: "" stays "", a number becomes E.164, anything else is a
    ValidationError with a message that shows the expected form."""
    if not raw.strip():
        return ""
    number = normalise_phone(raw, region)
    if number is None:
        raise ValidationError(_(INVALID_PHONE), code="invalid_phone")
    return number
