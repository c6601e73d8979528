"""Thin views: validate the request, call a selector or a service, shape the response."""

from collections.abc import Mapping
from typing import Any, cast

from django.db.models import QuerySet
from django.http import HttpResponse
from rest_framework import status
from rest_framework.exceptions import ValidationError
from rest_framework.generics import GenericAPIView, RetrieveAPIView
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from ..core.api.errors import Conflict
from ..core.api.renderers import OrjsonRenderer, to_json
from . import cache, selectors, services
from .models import Order, Product
from .pagination import NewestFirstPagination
from .serializers import (
    CategoryStatsSerializer,
    OrderRequestSerializer,
    OrderSerializer,
    ProductDetailSerializer,
    ProductImportSerializer,
    ProductSerializer,
    ProductUpdateSerializer,
    order_json,
    product_json,
)


class ProductListView(GenericAPIView):
    """Products, newest first; ?category=<slug> and ?tag=<slug> filter them.

    Every caller sees the same pages, so they are cached until the next product write: a
    cached page runs no SQL and renders nothing (catalog/cache.py).
    """

    # Describes the response in the OpenAPI schema; the rows are shaped by product_json.
    serializer_class = ProductSerializer
    pagination_class = NewestFirstPagination
    renderer_classes = [OrjsonRenderer]

    def get_queryset(self) -> QuerySet[Product, Mapping[str, Any]]:
        params = self.request.query_params
        return selectors.product_rows(category=params.get("category"), tag=params.get("tag"))

    def get(self, request: Request) -> HttpResponse:
        cached = cache.lookup(cache.page_key(request))
        if cached.body is not None:
            return HttpResponse(cached.body, content_type=OrjsonRenderer.media_type)
        rows = self.get_queryset().using(cache.database_for(cached.version))
        page = self.paginate_queryset(rows) or []
        response = self.get_paginated_response([product_json(row) for row in page])
        # Stores the bytes DRF renders, once it has rendered them.
        response.add_post_render_callback(lambda rendered: cache.store(cached, rendered.content))
        return response


class ProductDetailView(RetrieveAPIView):
    serializer_class = ProductDetailSerializer

    def get_queryset(self):
        return selectors.product_detail()


class ProductBulkView(GenericAPIView):
    """POST upserts up to 5,000 products by SKU; PATCH changes price and stock by SKU.

    Any authenticated user may write, so the example behaves alike with every authentication
    mode; a real catalog would use IsAdminUser (with JWT, add an is_staff claim to the token).
    """

    permission_classes = [IsAuthenticated]

    def get_serializer_class(self):
        if self.request.method == "PATCH":
            return ProductUpdateSerializer
        return ProductImportSerializer

    def post(self, request: Request) -> Response:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        count = services.upsert_products(serializer.validated_data["products"])
        return Response({"count": count})

    def patch(self, request: Request) -> Response:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        changes = serializer.validated_data["products"]
        try:
            count = services.update_products(changes)
        except services.UnknownProducts as error:
            unknown = set(error.keys)
            raise ValidationError(
                {
                    "products": {
                        str(index): {"sku": [f"Unknown SKU {change['sku']!r}."]}
                        for index, change in enumerate(changes)
                        if change["sku"] in unknown
                    }
                }
            ) from None
        return Response({"count": count})


class CategoryStatsView(APIView):
    """Per category: number of products, average price, total stock. Cached until a write."""

    def get(self, request: Request) -> HttpResponse:
        def compute(database: str | None) -> bytes:
            stats = selectors.category_stats(database=database)
            return to_json(CategoryStatsSerializer(stats, many=True).data)

        body = cache.cached_body("catalog:category-stats", compute)
        return HttpResponse(body, content_type="application/json")


class OrderListView(GenericAPIView):
    """GET: the caller's own orders, newest first. POST: place an order."""

    permission_classes = [IsAuthenticated]
    # Describes the list's rows in the OpenAPI schema; they are shaped by order_json.
    serializer_class = OrderSerializer
    pagination_class = NewestFirstPagination
    renderer_classes = [OrjsonRenderer]

    def get_queryset(self) -> QuerySet[Order, Mapping[str, Any]]:
        # IsAuthenticated: the caller has an id.
        return selectors.order_rows(user_id=cast(int, self.request.user.pk))

    def get(self, request: Request) -> Response:
        page = self.paginate_queryset(self.get_queryset()) or []
        items = selectors.order_items([row["id"] for row in page])
        return self.get_paginated_response([order_json(row, items[row["id"]]) for row in page])

    def post(self, request: Request) -> Response:
        serializer = OrderRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        items = serializer.validated_data["items"]
        try:
            order = services.place_order(user_id=cast(int, request.user.pk), items=items)
        except services.InsufficientStock as error:
            raise Conflict(str(error), "insufficient_stock", product=error.product_id) from None
        except services.UnknownProducts as error:
            unknown = set(error.keys)
            raise ValidationError(
                {
                    "items": [
                        {"product": [f"Unknown product {item['product']}."]}
                        if item["product"] in unknown
                        else {}
                        for item in items
                    ]
                }
            ) from None
        return Response(OrderSerializer(order).data, status=status.HTTP_201_CREATED)
