{% if cookiecutter.use_admin %}from django.contrib import admin
{% endif %}from django.urls import include, path
{%- if cookiecutter.use_openapi %}
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
{%- endif %}

{% if cookiecutter.use_admin %}from {{ cookiecutter.project_slug }}.accounts import admin as accounts_admin
{% endif %}from {{ cookiecutter.project_slug }}.core import health
{%- if cookiecutter.use_prometheus %}
from {{ cookiecutter.project_slug }}.core.observability.metrics import MetricsView
{%- endif %}

api_v1 = [
    path("", include("{{ cookiecutter.project_slug }}.accounts.urls")),
{%- if cookiecutter.example_api %}
    path("", include("{{ cookiecutter.project_slug }}.catalog.urls")),
{%- endif %}
]

urlpatterns = [
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
{%- if cookiecutter.use_prometheus %}
    # For the Prometheus scraper inside the network: nginx does not forward it.
    path("metrics", MetricsView.as_view(), name="metrics"),
{%- endif %}
    path("api/v1/", include(api_v1)),
{%- if cookiecutter.use_openapi %}
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="docs"),
{%- endif %}
{%- if cookiecutter.use_admin %}
    # Before the admin's own URLs: its login, throttled as the API's is.
    path("admin/login/", accounts_admin.login, name="admin-login"),
    path("admin/", admin.site.urls),
{%- endif %}
]

# Outside DRF's views (no URL matched, a bad Host header, a crash) errors are JSON too.
handler400 = "{{ cookiecutter.project_slug }}.core.api.errors.bad_request"
handler403 = "{{ cookiecutter.project_slug }}.core.api.errors.permission_denied"
handler404 = "{{ cookiecutter.project_slug }}.core.api.errors.page_not_found"
handler500 = "{{ cookiecutter.project_slug }}.core.api.errors.server_error"
