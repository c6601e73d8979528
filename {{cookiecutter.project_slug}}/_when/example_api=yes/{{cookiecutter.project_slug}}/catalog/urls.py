from django.urls import path

from . import views

urlpatterns = [
    path("products/", views.ProductListView.as_view(), name="product-list"),
    # Before products/<id>/ only for readability: "bulk" is not an integer anyway.
    path("products/bulk/", views.ProductBulkView.as_view(), name="product-bulk"),
    path("products/<int:pk>/", views.ProductDetailView.as_view(), name="product-detail"),
    path("categories/stats/", views.CategoryStatsView.as_view(), name="category-stats"),
    path("orders/", views.OrderListView.as_view(), name="order-list"),
]
