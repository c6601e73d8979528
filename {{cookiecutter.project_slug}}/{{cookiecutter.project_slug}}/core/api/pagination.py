from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import pagination
from rest_framework.exceptions import NotFound, ValidationError


class CursorPagination(pagination.CursorPagination):
    """The default pagination: a page costs the same at the start and deep into a large table.

    Page-number pagination runs COUNT(*) and OFFSET n, both linear in the table's size.
    Views order by an indexed column; the primary key is the fallback.

    Stricter than DRF's: a page_size outside 1..max_page_size is a 400 (DRF silently uses the
    default), and a cursor whose position is not a value of the ordering column (one a client
    forged or mangled) is a 404, like any other invalid cursor, rather than a 500.
    """

    ordering = "-pk"
    page_size = 50
    page_size_query_param = "page_size"
    # 200 rows of a typical serializer render in tens of ms; larger pages hold a worker too long.
    max_page_size = 200

    def get_page_size(self, request):
        value = request.query_params.get(self.page_size_query_param)
        if value is None:
            return self.page_size
        if not (value.isascii() and value.isdigit() and 1 <= int(value) <= self.max_page_size):
            raise ValidationError(
                {self.page_size_query_param: [f"A whole number from 1 to {self.max_page_size}."]}
            )
        return int(value)

    def paginate_queryset(self, queryset, request, view=None):
        try:
            return super().paginate_queryset(queryset, request, view)
        except (ValueError, TypeError, DjangoValidationError):
            # The position is compared with the ordering column, which refuses it.
            raise NotFound(self.invalid_cursor_message) from None

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_size_query_param:
                parameter["schema"].update(minimum=1, maximum=self.max_page_size)
            elif parameter["name"] == self.cursor_query_param:
                # The base64 text DRF encodes a position as; empty, the first page.
                parameter["schema"]["pattern"] = "^[A-Za-z0-9+/]*={0,2}$"
        return parameters
