{% if cookiecutter.use_admin %}from django.contrib import admin
{% endif %}from django.urls import include, path
{%- if cookiecutter.use_openapi %}
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
{%- endif %}

from {{ cookiecutter.project_slug }}.core import health

api_v1 = [
    path("", include("{{ cookiecutter.project_slug }}.accounts.urls")),
{%- if cookiecutter.example_api %}
    path("", include("{{ cookiecutter.project_slug }}.catalog.urls")),
{%- endif %}
]

urlpatterns = [
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("api/v1/", include(api_v1)),
{%- if cookiecutter.use_openapi %}
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="docs"),
{%- endif %}
{%- if cookiecutter.use_admin %}
    path("admin/", admin.site.urls),
{%- endif %}
]
