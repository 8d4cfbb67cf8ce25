import re

from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.pagination import CursorPagination

PAGE_SIZE_INVALID = "Give page_size as a whole number from 1 (at most 200 are returned)."
CURSOR_INVALID = "This cursor is not one the API gave out: use the `next` or `previous` link."
MAX_ID = 2**63 - 1


class CreatedCursorPagination(CursorPagination):
    """Stable pages however fast rows arrive: newest first, by id (ids grow with time).

    A malformed `page_size` or `cursor` is a 400 naming the parameter: DRF would quietly ignore
    the page size, answer a 404 for the cursor, and pass a forged cursor's position to the
    database (a 500).
    """

    ordering = "-id"
    page_size_query_param = "page_size"
    max_page_size = 200

    def get_page_size(self, request) -> int:
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None:
            return self.page_size
        if not re.fullmatch(r"[0-9]{1,9}", raw) or int(raw) < 1:
            raise ValidationError({self.page_size_query_param: [PAGE_SIZE_INVALID]})
        return min(int(raw), self.max_page_size)

    def decode_cursor(self, request):
        try:
            cursor = super().decode_cursor(request)
        except NotFound:
            cursor = None
        else:
            if cursor is None or _is_id(cursor.position):
                return cursor
        raise ValidationError({self.cursor_query_param: [CURSOR_INVALID]})


def _is_id(position: str | None) -> bool:
    """The position of a cursor this pagination encoded: none, or an id."""
    if position is None:
        return True
    return bool(re.fullmatch(r"[0-9]{1,19}", position)) and 1 <= int(position) <= MAX_ID
