"""The template's URLs, served by a DefaultRouter as DRF's tutorial does."""

from django.urls import include, path
from rest_framework import routers
from rest_framework.authtoken.views import obtain_auth_token

from . import views

router = routers.DefaultRouter()
router.register("products", views.ProductViewSet, basename="product")
router.register("orders", views.OrderViewSet, basename="order")

urlpatterns = [
    path("healthz", views.healthz),
    path("api/v1/auth/token/", obtain_auth_token),
    path("api/v1/categories/stats/", views.CategoryStatsView.as_view()),
    path("api/v1/", include(router.urls)),
]
