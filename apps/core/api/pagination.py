from rest_framework.pagination import CursorPagination


class CreatedCursorPagination(CursorPagination):
    """Stable pages however fast rows arrive: newest first, by id (ids grow with time)."""

    ordering = "-id"
    page_size_query_param = "page_size"
    max_page_size = 200
