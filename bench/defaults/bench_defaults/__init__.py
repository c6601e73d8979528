"""The same example API written the way a team writes it without the template.

Django's `startproject` settings (its middleware, database sessions, CONN_MAX_AGE=0, no cache),
DRF's defaults (its renderers, parsers and authentication), and ModelViewSets over the
generated project's own models with no select_related/prefetch_related. Not part of the
generated project: the benchmark puts this directory on PYTHONPATH and sets
DJANGO_SETTINGS_MODULE=bench_defaults.settings.
"""
