"""Thin views: validate the request, call a selector or a service, shape the response."""

from collections.abc import Mapping
from typing import Any, cast

from django.db.models import QuerySet
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from rest_framework import status
from rest_framework.exceptions import ValidationError
from rest_framework.generics import GenericAPIView
from rest_framework.permissions import IsAdminUser, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from ..core.api.errors import Conflict
from ..core.api.idempotency import idempotent
from ..core.api.renderers import OrjsonRenderer, to_json
from . import cache, selectors, services
from .models import Order, Product
from .pagination import NewestFirstPagination
from .serializers import (
    CategoryStatsSerializer,
    OrderRequestSerializer,
    OrderSerializer,
    ProductDetailSerializer,
    ProductFilters,
    ProductImportSerializer,
    ProductSerializer,
    ProductUpdateSerializer,
    order_json,
    product_json,
)


class ProductListView(GenericAPIView):
    """Products, newest first; ?category=<slug> and ?tag=<slug> filter them.

    Every caller sees the same pages, so they are cached until the next product write, with
    an ETag: a cached page runs no SQL and renders nothing, a current copy is a 304, and
    anonymous pages may be kept by any cache for a few seconds (catalog/cache.py).
    """

    # Describes the response in the OpenAPI schema; the rows are shaped by product_json.
    serializer_class = ProductSerializer
    pagination_class = NewestFirstPagination
    renderer_classes = [OrjsonRenderer]
    # What a page depends on: the filters and the pagination's.
    query_parameters = ("category", "tag", "cursor", "page_size")

    def get_queryset(self) -> QuerySet[Product, Mapping[str, Any]]:
        # A plain dict, not the QueryDict: DRF reads a form's empty field as absent, and an
        # empty filter is no slug.
        filters = ProductFilters(data=self.request.query_params.dict())
        filters.is_valid(raise_exception=True)
        return selectors.product_rows(**filters.validated_data)

    def get(self, request: Request) -> HttpResponse:
        return cache.respond(request, self.render_page, reads=self.query_parameters)

    def render_page(self, database: str | None) -> bytes:
        page = self.paginate_queryset(self.get_queryset().using(database)) or []
        return to_json(self.get_paginated_response([product_json(row) for row in page]).data)


class ProductDetailView(GenericAPIView):
    """One product, with its description; cached as the list is."""

    serializer_class = ProductDetailSerializer

    def get_queryset(self) -> QuerySet[Product]:
        return selectors.product_detail()

    def get(self, request: Request, pk: int) -> HttpResponse:
        def render(database: str | None) -> bytes:
            product = get_object_or_404(self.get_queryset().using(database), pk=pk)
            return to_json(self.get_serializer(product).data)

        return cache.respond(request, render)


class ProductBulkView(GenericAPIView):
    """POST upserts up to 5,000 products by SKU; PATCH changes price and stock by SKU.

    Staff only: a customer who could write here could set every price to 0, then order. To let
    another group write (a catalog team, a partner's importer), give it a permission class of
    its own here, never IsAuthenticated.
    """

    permission_classes = [IsAdminUser]

    def get_serializer_class(self):
        if self.request.method == "PATCH":
            return ProductUpdateSerializer
        return ProductImportSerializer

    @idempotent
    def post(self, request: Request) -> Response:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        count = services.upsert_products(serializer.validated_data["products"])
        return Response({"count": count})

    @idempotent
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
        def render(database: str | None) -> bytes:
            stats = selectors.category_stats(database=database)
            return to_json(CategoryStatsSerializer(stats, many=True).data)

        return cache.respond(request, render)


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

    @idempotent
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
