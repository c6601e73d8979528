"""Views that fail, query or answer on demand, beside the project's own URLs: the URLconf of
the tests of what wraps every request (errors, request ids and logs, metrics, throttling)."""

import psycopg
from django.db import OperationalError, connection
from django.http import JsonResponse
from django.urls import include, path
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

# Django looks the error handlers up in the root URLconf: the project's, as in production.
from config.urls import handler400, handler404, handler500  # noqa: F401

QUERIES_ROUTE = "queries/<int:count>/"


def run_queries(request, count):
    with connection.cursor() as cursor:
        for _ in range(count):
            cursor.execute("SELECT 1")
    return JsonResponse({"queries": count})


def sleep_in_database(request):
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_sleep(0.05)")
    return JsonResponse({})


def crash(request):
    raise RuntimeError("a bug")


def database_down(request):
    raise OperationalError("connection to server at 127.0.0.1, port 6432 failed")


class DatabaseDownApiView(APIView):
    permission_classes = [AllowAny]

    def get(self, request):
        raise OperationalError("server closed the connection unexpectedly")


class QueueError(Exception):
    """What a library that uses the database raises (the task queue's connector, say)."""


def wrapped_database_down(request):
    try:
        raise psycopg.OperationalError("server closed the connection unexpectedly")
    except psycopg.OperationalError as exc:
        raise QueueError("Database error.") from exc


class WrappedDatabaseDownApiView(DatabaseDownApiView):
    def get(self, request):
        return wrapped_database_down(request)


class OpenView(APIView):
    """Open to all, throttled as every API view is; reads the Host header, as URLs are built."""

    permission_classes = [AllowAny]

    def get(self, request):
        return Response({"host": request.get_host()})


class EchoView(APIView):
    """Parses whatever body it is sent."""

    permission_classes = [AllowAny]
    authentication_classes = []

    def post(self, request):
        return Response({"received": len(str(request.data))})


urlpatterns = [
    path(QUERIES_ROUTE, run_queries),
    path("sleep/", sleep_in_database),
    path("crash/", crash),
    path("database-down/", database_down),
    path("api-database-down/", DatabaseDownApiView.as_view()),
    path("wrapped-database-down/", wrapped_database_down),
    path("api-wrapped-database-down/", WrappedDatabaseDownApiView.as_view()),
    path("open/", OpenView.as_view()),
    path("echo/", EchoView.as_view()),
    path("", include("config.urls")),
]
