"""Helpers for CSV exports that people open in spreadsheets."""

# A spreadsheet runs a cell that starts with one of these as a formula (CSV injection).
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(value: str) -> str:
    """The cell as text: a leading formula character is neutralised with an apostrophe."""
    return "'" + value if value.startswith(FORMULA_PREFIXES) else value
