"""Thin views: validate the request, call a selector or a service, shape the response."""

from rest_framework import status
from rest_framework.exceptions import ValidationError
from rest_framework.generics import GenericAPIView, ListAPIView, RetrieveAPIView
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from ..core.errors import Conflict
from . import cache, selectors, services
from .pagination import NewestFirstPagination
from .serializers import (
    CategoryStatsSerializer,
    OrderRequestSerializer,
    OrderSerializer,
    ProductDetailSerializer,
    ProductImportSerializer,
    ProductSerializer,
    ProductUpdateSerializer,
)


class ProductListView(ListAPIView):
    """Products, newest first; ?category=<slug> and ?tag=<slug> filter them.

    Anonymous pages are the same for everyone, so they are served from Redis until the next
    product write: a cache hit runs no SQL at all.
    """

    serializer_class = ProductSerializer
    pagination_class = NewestFirstPagination

    def get_queryset(self):
        params = self.request.query_params
        return selectors.product_list(category=params.get("category"), tag=params.get("tag"))

    def list(self, request: Request, *args, **kwargs) -> Response:
        render = super().list
        if request.user.is_authenticated:
            return render(request, *args, **kwargs)
        key = cache.request_key("products", request)
        return Response(cache.cached(key, lambda: render(request, *args, **kwargs).data))


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
                        index: {"sku": [f"Unknown SKU {change['sku']!r}."]}
                        for index, change in enumerate(changes)
                        if change["sku"] in unknown
                    }
                }
            ) from None
        return Response({"count": count})


class CategoryStatsView(APIView):
    """Per category: number of products, average price, total stock. Cached until a write."""

    def get(self, request: Request) -> Response:
        def compute():
            return CategoryStatsSerializer(selectors.category_stats(), many=True).data

        return Response(cache.cached("catalog:category-stats", compute))


class OrderListView(ListAPIView):
    """GET: the caller's own orders, newest first. POST: place an order."""

    permission_classes = [IsAuthenticated]
    serializer_class = OrderSerializer
    pagination_class = NewestFirstPagination

    def get_queryset(self):
        return selectors.order_list(user_id=self.request.user.id)

    def post(self, request: Request) -> Response:
        serializer = OrderRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        items = serializer.validated_data["items"]
        try:
            order = services.place_order(user_id=request.user.id, items=items)
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
