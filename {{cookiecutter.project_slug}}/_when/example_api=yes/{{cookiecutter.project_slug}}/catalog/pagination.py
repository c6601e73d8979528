from ..core.api.pagination import CursorPagination


class NewestFirstPagination(CursorPagination):
    """Newest first on the primary key: unique, so the cursor is stable, and the last column of
    every index a list filters on ((category, -id), (tag, -product), (user, -id)).
    """

    ordering = "-id"
    page_size = 20
    # A page of 100 products with their tags renders in a few ms; the cap keeps a client from
    # holding a worker with one huge page.
    max_page_size = 100
