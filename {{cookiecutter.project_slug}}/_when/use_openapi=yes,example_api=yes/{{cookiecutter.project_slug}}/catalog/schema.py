"""OpenAPI descriptions of the catalog's views, where introspection alone would be wrong.

Kept apart from views.py so that the views import nothing from drf-spectacular; apps.py
imports this module when drf-spectacular is installed.
"""

from drf_spectacular.extensions import OpenApiSerializerExtension, OpenApiSerializerFieldExtension
from drf_spectacular.utils import (
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)

from . import views
from .serializers import (
    Amount,
    BulkResultSerializer,
    CategoryStatsSerializer,
    OrderRequestSerializer,
    OrderSerializer,
    ProductChangeSerializer,
    ProductFilters,
    ProductImportSerializer,
    ProductSerializer,
    ProductUpdateSerializer,
)

INVALID_ROWS = OpenApiResponse(
    description=(
        'Nothing was written. Errors are keyed by row index: {"products": {"7": {"price": '
        '["..."]}}}; only the bad rows are listed.'
    )
)


class AmountSchema(OpenApiSerializerFieldExtension):
    target_class = Amount

    def map_serializer_field(self, auto_schema, direction):
        return {"type": "string", "format": "decimal", "pattern": Amount.PATTERN}


class ProductChangeSchema(OpenApiSerializerExtension):
    """A change gives price, stock or both."""

    target_class = ProductChangeSerializer

    def map_serializer(self, auto_schema, direction):
        schema = auto_schema._map_basic_serializer(self.target, direction)
        return {**schema, "anyOf": [{"required": ["price"]}, {"required": ["stock"]}]}


# The views import nothing from drf-spectacular: their descriptions are attached here, when the
# app is ready (apps.py), exactly as the decorators would attach them in views.py. A list that
# is not a ListModelMixin says so with `many=True`, and is paginated in the schema as it is.
extend_schema_view(
    get=extend_schema(
        responses=ProductSerializer(many=True),
        parameters=[ProductFilters],
    )
)(views.ProductListView)

extend_schema_view(
    post=extend_schema(
        summary="Upsert up to 5,000 products by SKU",
        description=(
            "Every row is validated before anything is written. Rows are inserted or updated "
            "by SKU and their tags replaced, all in one transaction."
        ),
        request=ProductImportSerializer,
        responses={200: BulkResultSerializer, 400: INVALID_ROWS},
    ),
    patch=extend_schema(
        summary="Change price and stock of up to 5,000 products by SKU",
        description="All or nothing: an unknown SKU is an error for its row.",
        request=ProductUpdateSerializer,
        responses={200: BulkResultSerializer, 400: INVALID_ROWS},
    ),
)(views.ProductBulkView)

extend_schema_view(get=extend_schema(responses=CategoryStatsSerializer(many=True)))(
    views.CategoryStatsView
)

extend_schema_view(
    get=extend_schema(responses=OrderSerializer(many=True)),
    post=extend_schema(
        summary="Place an order",
        description=(
            "Takes the items out of stock. If any product has too little stock, the answer is "
            "409 naming it and nothing of the order is written."
        ),
        request=OrderRequestSerializer,
        responses={
            201: OrderSerializer,
            400: OpenApiResponse(description="Invalid items, or unknown products."),
            409: OpenApiResponse(
                description=(
                    "Insufficient stock: error.code is insufficient_stock and error.product "
                    "names the product."
                )
            ),
        },
    ),
)(views.OrderListView)
