"""The floor's two views: /healthz as the defaults answer it, and the least a cached page can
cost through Django: one Redis GET of the stored bytes, sent as they are."""

import os

import redis
from django.http import HttpResponse
from django.urls import path

from .views import healthz

# The page the harness stored (the template's first products page), in the run's Redis.
STORED_PAGE = "bench:stored-page"
_redis = redis.Redis.from_url(os.environ["REDIS_URL"])


def stored_page(request):
    return HttpResponse(_redis.get(STORED_PAGE), content_type="application/json")


urlpatterns = [
    path("healthz", healthz),
    path("api/v1/products/", stored_page),
]
