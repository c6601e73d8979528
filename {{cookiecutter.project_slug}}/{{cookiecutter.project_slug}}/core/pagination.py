from rest_framework import pagination


class CursorPagination(pagination.CursorPagination):
    """The default pagination: a page costs the same at the start and deep into a large table.

    Page-number pagination runs COUNT(*) and OFFSET n, both linear in the table's size.
    Views order by an indexed column; the primary key is the fallback.
    """

    ordering = "-pk"
    page_size = 50
    page_size_query_param = "page_size"
    # 200 rows of a typical serializer render in tens of ms; larger pages hold a worker too long.
    max_page_size = 200
