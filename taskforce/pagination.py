from rest_framework import pagination


class CursorPagination(pagination.CursorPagination):
    """Stable, cheap pagination at any depth: page 1,000 costs what page 1 does."""

    ordering = "pk"
    page_size_query_param = "page_size"
    max_page_size = 200
