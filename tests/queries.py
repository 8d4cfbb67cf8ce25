"""Counting a page's queries: what the query-count tests of every app share."""

from collections.abc import Callable

from django.db import connection
from django.test.utils import CaptureQueriesContext


def queries_of_get(client, path: str) -> int:
    """How many queries a GET of `path` sends; the page must answer 200."""
    with CaptureQueriesContext(connection) as context:
        response = client.get(path)
    assert response.status_code == 200, path
    return len(context.captured_queries)


def assert_queries_do_not_grow(
    client, path: str, grow: Callable[[int], None], *, more: int, budget: int = 16
) -> None:
    """The page costs the same queries with `more` of the rows `grow(n)` adds as with two, and
    no more than `budget`."""
    grow(2)
    few = queries_of_get(client, path)
    grow(more)
    assert queries_of_get(client, path) == few
    assert few <= budget
