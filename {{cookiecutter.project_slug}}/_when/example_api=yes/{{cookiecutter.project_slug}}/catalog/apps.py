from django.apps import AppConfig, apps


class CatalogConfig(AppConfig):
    name = "{{ cookiecutter.project_slug }}.catalog"
    label = "catalog"
    verbose_name = "Catalog and orders"

    def ready(self) -> None:
        if apps.is_installed("drf_spectacular"):
            # Registers the OpenAPI descriptions of this app's views (request and response
            # shapes that differ, 409s, query parameters) before any schema is generated.
            from . import schema  # noqa: F401
