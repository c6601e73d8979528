"""ModelViewSets as DRF's tutorial writes them: no select_related, no prefetch_related, no
only(), no cache, orders placed with a save() per item. The category stats use the same single GROUP BY query as the template (a
team that knows annotate() writes it), so that row measures the cache and the stack alone."""

from django.db.models import Avg, Count, Sum
from django.db.models.functions import Coalesce, Round
from django.http import JsonResponse
from rest_framework import permissions, viewsets
from rest_framework.response import Response
from rest_framework.views import APIView

from . import serializers
from .serializers import models


def healthz(request):
    return JsonResponse({"status": "ok"})


class ProductViewSet(viewsets.ModelViewSet):
    queryset = models.Product.objects.order_by("-id")
    serializer_class = serializers.ProductSerializer

    def get_serializer_class(self):
        if self.action == "retrieve":
            return serializers.ProductDetailSerializer
        return serializers.ProductSerializer


class OrderViewSet(viewsets.ModelViewSet):
    serializer_class = serializers.OrderSerializer
    permission_classes = (permissions.IsAuthenticated,)

    def get_queryset(self):
        return models.Order.objects.filter(user=self.request.user).order_by("-id")

    def get_serializer_class(self):
        if self.action == "create":
            return serializers.OrderCreateSerializer
        return serializers.OrderSerializer

    def perform_create(self, serializer):
        serializer.save(user=self.request.user)


class CategoryStatsView(APIView):
    def get(self, request):
        stats = (
            models.Category.objects.values("id", "slug", "name")
            .annotate(
                product_count=Count("products"),
                average_price=Round(Avg("products__price"), 2),
                total_stock=Coalesce(Sum("products__stock"), 0),
            )
            .order_by("slug")
        )
        return Response(serializers.CategoryStatsSerializer(stats, many=True).data)
