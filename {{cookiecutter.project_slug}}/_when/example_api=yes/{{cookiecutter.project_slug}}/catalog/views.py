"""Thin views: validate the request, call a selector or a service, shape the response."""

from django.http import HttpResponse
from rest_framework import status
from rest_framework.exceptions import ValidationError
from rest_framework.generics import GenericAPIView, ListAPIView, RetrieveAPIView
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from ..core.errors import Conflict
from ..core.renderers import OrjsonRenderer, to_json
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
    order_json,
    product_json,
)


class ProductListView(ListAPIView):
    """Products, newest first; ?category=<slug> and ?tag=<slug> filter them.

    Anonymous pages are the same for everyone, so they are served from Redis until the next
    product write: a cache hit runs no SQL at all, and not much Python either (dispatch).
    """

    # Describes the response in the OpenAPI schema; the rows are shaped by product_json.
    serializer_class = ProductSerializer
    pagination_class = NewestFirstPagination
    renderer_classes = [OrjsonRenderer]

    def dispatch(self, request, *args, **kwargs):
        """A stored anonymous page is sent without DRF's dispatch, which costs more than the
        rest of the hit (about 0.4 ms of CPU). What that skips, and why it is safe here:

        - authentication: only a request without credentials takes this path, and every
          authentication class of this project reads its credentials from the Authorization
          header or a cookie (a session), so DRF would find the request anonymous too. A
          request with either, valid or not, goes through DRF: it is never served an
          anonymous page, and a bad token still gets its 401. An authentication class that
          reads another header must be added to has_credentials();
        - permissions: IsAuthenticatedOrReadOnly lets anonymous GETs through;
        - content negotiation: JSON is the only format; an Accept header that excludes JSON
          goes through DRF, for its 406;
        - throttling is not skipped: the lookup counts the request against the anonymous
          rate in the same Redis round trip, and a client over it goes through DRF, for its
          429. The access log and the metrics are middleware, which every request passes.
        """
        if request.method == "GET" and not has_credentials(request) and accepts_json(request):
            body = cache.anonymous_page(request).body
            if body is not None:
                return HttpResponse(body, headers=self.CACHED_HEADERS)
        return super().dispatch(request, *args, **kwargs)

    # What DRF adds to this view's responses, so that a hit has the same headers.
    CACHED_HEADERS = {
        "Content-Type": OrjsonRenderer.media_type,
        "Vary": "Accept",
        "Allow": "GET, HEAD, OPTIONS",
    }

    def get_queryset(self):
        params = self.request.query_params
        return selectors.product_rows(category=params.get("category"), tag=params.get("tag"))

    def list(self, request: Request, *args, **kwargs) -> Response:
        lookup = None
        if not request.user.is_authenticated:
            lookup = cache.products_page(request._request)
            if lookup.body is not None:
                return HttpResponse(lookup.body, headers=self.CACHED_HEADERS)
        rows = self.get_queryset()
        if lookup is not None:
            rows = rows.using(cache.database_for(lookup.version))
        page = self.paginate_queryset(rows)
        response = self.get_paginated_response([product_json(row) for row in page])
        if lookup is not None:
            # Stores the bytes DRF renders, once it has rendered them.
            response.add_post_render_callback(lambda done: cache.store(lookup, done.content))
        return response


def has_credentials(request) -> bool:
    # Any cookie, not only the session's: cheaper than parsing them, and just as safe.
    return bool(request.META.get("HTTP_AUTHORIZATION") or request.META.get("HTTP_COOKIE"))


def accepts_json(request) -> bool:
    accept = request.META.get("HTTP_ACCEPT", "*/*")
    return "json" in accept or "*/*" in accept


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

    def get(self, request: Request) -> HttpResponse:
        def compute(database: str | None) -> bytes:
            stats = selectors.category_stats(database=database)
            return to_json(CategoryStatsSerializer(stats, many=True).data)

        body = cache.cached("catalog:category-stats", compute)
        return HttpResponse(body, content_type="application/json")


class OrderListView(ListAPIView):
    """GET: the caller's own orders, newest first. POST: place an order."""

    permission_classes = [IsAuthenticated]
    # Describes the list's rows in the OpenAPI schema; they are shaped by order_json.
    serializer_class = OrderSerializer
    pagination_class = NewestFirstPagination
    renderer_classes = [OrjsonRenderer]

    def get_queryset(self):
        return selectors.order_rows(user_id=self.request.user.id)

    def list(self, request: Request, *args, **kwargs) -> Response:
        page = self.paginate_queryset(self.get_queryset())
        items = selectors.order_items([row["id"] for row in page])
        return self.get_paginated_response([order_json(row, items[row["id"]]) for row in page])

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
