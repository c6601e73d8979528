from django.apps import AppConfig


class CatalogConfig(AppConfig):
    name = "{{ cookiecutter.project_slug }}.catalog"
    label = "catalog"
    verbose_name = "Catalog and orders"
{%- if cookiecutter.use_openapi %}

    def ready(self) -> None:
        # Registers the OpenAPI descriptions of this app's views (request and response shapes
        # that differ, 409s, query parameters) before any schema is generated.
        from . import schema  # noqa: F401
{%- endif %}
