"""The report table writes its numbers itself: exactly as Django's number filters would."""

from decimal import Decimal

import pytest
from django.template.defaultfilters import floatformat
from django.utils import numberformat, translation
from django.utils.formats import get_format

from apps.dependency.report_views import _Numbers

COUNTS = [0, 7, 999, 1000, 12345, 1234567, -4321, 10**12]
AMOUNTS = [
    Decimal(v)
    for v in ("0.00", "0.50", "12.34", "999.99", "1000.00", "1234567.89", "-1234.50",
              "0.005", "12.345", "1E+3", "-0.00", "-0.004")
]  # fmt: skip
RATES = [0.0, 0.04, 0.05, 0.15, 0.25, 1.45, 2.5, 1234.55, 99999.95, -0.04]


def _django(number, places):
    return numberformat.format(
        number,
        get_format("DECIMAL_SEPARATOR"),
        places,
        get_format("NUMBER_GROUPING"),
        get_format("THOUSAND_SEPARATOR"),
        True,
    )


# English and German group in threes (with opposite separators), French with a no-break
# space; Chinese groups in fours and Hindi does not group: both take Django's own path.
@pytest.mark.parametrize("language", ["en", "de", "fr", "zh-hans", "hi"])
def test_counts_amounts_and_rates_read_as_django_writes_them(language):
    with translation.override(language):
        numbers = _Numbers()
        for count in COUNTS:
            assert numbers.count(count) == _django(count, None), count
        for amount in AMOUNTS:  # cut, not rounded, to two places as number_format does
            assert numbers.fixed(amount, 2) == _django(amount, 2), amount
        for rate in RATES:
            assert numbers.one_place(rate) == floatformat(rate, "1g"), rate


def test_a_large_count_is_grouped_in_the_languages_way():
    with translation.override("de"):
        assert _Numbers().count(1234567) == "1.234.567"
        assert _Numbers().fixed(Decimal("1234.50"), 2) == "1.234,50"
    with translation.override("zh-hans"):  # in fours, with no separator between them
        assert _Numbers().count(1234567) == _django(1234567, None) == "1234567"
    with translation.override("hi"):
        assert _Numbers().count(1234567) == "1234567"


def test_numbers_are_escaped_where_the_languages_separators_would_need_it(monkeypatch):
    import apps.dependency.report_views as report_views

    formats = {"DECIMAL_SEPARATOR": "<", "NUMBER_GROUPING": 3, "THOUSAND_SEPARATOR": "&"}
    monkeypatch.setattr(report_views, "get_format", formats.__getitem__)
    numbers = _Numbers()

    assert not numbers.safe
    assert numbers.count(1234) == "1&234"  # the table then escapes it: 1&amp;234
