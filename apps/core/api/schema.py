"""OpenAPI document helpers (kept out of pagination.py: DRF's settings import that module,
and drf-spectacular's AutoSchema imports DRF's generic views, which read those settings)."""

from drf_spectacular.openapi import AutoSchema


class PaginatedGetSchema(AutoSchema):
    """For a view whose GET lists pages and whose POST answers with a plain list (letters):
    only the GET is paginated, so only it documents `cursor`, `page_size` and the page shape."""

    def _get_paginator(self):
        return super()._get_paginator() if self.method == "GET" else None
