"""Pages of long, newest-first lists without counting all of them.

Django's Paginator counts the whole list to know the number of pages. On the recognition wall
of a large organisation that COUNT(*) over every visible kudos cost seconds
(docs/benchmarks.md), and a "Load more" list never shows the number of pages. Counting only as
far as the requested page and one row beyond gives the same pages: the same page numbers, the
same "next" button, and a number past the end still shows the last page (one below 1 shows the
first).
"""

from django.core.paginator import Page, Paginator

# Beyond this, a page number is out of range for any real list: it shows the last page, as any
# out-of-range number does, and the count's LIMIT stays a valid bigint.
MAX_PAGE_NUMBER = 1_000_000


class _CountedUpTo:
    """A queryset whose count() stops at `cap` rows (a LIMIT inside the count)."""

    def __init__(self, queryset, cap: int):
        self.queryset, self.cap = queryset, cap
        self.ordered = queryset.ordered

    def count(self) -> int:
        return self.queryset[: self.cap].count()

    def __getitem__(self, index):
        return self.queryset[index]


def page_counted_up_to(queryset, number, *, per_page: int) -> Page:
    """Page `number` of `queryset` as Paginator.get_page() gives it, counting at most up to the
    first row after that page."""
    try:
        wanted = min(max(1, int(number)), MAX_PAGE_NUMBER)
    except (TypeError, ValueError):
        wanted = 1
    page = Paginator(_CountedUpTo(queryset, wanted * per_page + 1), per_page).get_page(wanted)
    # With a next page the count stopped there: the number of pages is not known, and
    # includes/pagination.html then says "Page 2" rather than "Page 2 of 3".
    page.count_stopped = page.has_next()
    return page
