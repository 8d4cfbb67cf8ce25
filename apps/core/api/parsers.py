"""The API's JSON parser: DRF's, plus refusing text that is not text."""

import re

from rest_framework import exceptions, parsers

LONE_SURROGATE = (
    "JSON parse error - %(where)s holds a lone surrogate (an escape from \\ud800 to \\udfff "
    "without its pair), which is not text."
)
_SURROGATE = re.compile("[\ud800-\udfff]")


class JSONParser(parsers.JSONParser):
    """JSON allows `"\\ud800"`, but no UTF-8 text can hold it: such a string could be neither
    stored nor answered. Refused here, as a 400 naming where it is, before any serializer or
    service sees it (the problem renderer still replaces any that slip through elsewhere)."""

    def parse(self, stream, media_type=None, parser_context=None):
        data = super().parse(stream, media_type, parser_context)
        where = _lone_surrogate_at(data)
        if where is not None:
            raise exceptions.ParseError(LONE_SURROGATE % {"where": where or "the body"})
        return data


def _lone_surrogate_at(value, path: str = "") -> str | None:
    """The path (`recipients[2]`, `note`) of the first string or key with a lone surrogate."""
    if isinstance(value, str):
        return path if _SURROGATE.search(value) else None
    if isinstance(value, dict):
        for key, item in value.items():
            here = f"{path}.{key}" if path else key
            if _SURROGATE.search(key):
                return _SURROGATE.sub("\ufffd", here)  # the key itself: shown replaced
            found = _lone_surrogate_at(item, here)
            if found is not None:
                return found
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found = _lone_surrogate_at(item, f"{path}[{index}]")
            if found is not None:
                return found
    return None
