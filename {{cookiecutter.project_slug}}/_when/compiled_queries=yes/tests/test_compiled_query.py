"""A query compiled once runs with each caller's values in place of its markers."""

import pytest
from django.db.models.sql.compiler import SQLCompiler

from {{ cookiecutter.project_slug }}.core.compiled_query import CompiledQuery

pytestmark = pytest.mark.django_db

USERNAME = "\x00username"


def test_each_run_takes_its_own_values_and_keeps_the_querys_constants(django_user_model):
    ada = django_user_model.objects.create(username="ada")
    django_user_model.objects.create(username="bob", is_active=False)
    active = django_user_model.objects.filter(username=USERNAME, is_active=True).values("id")
    query = CompiledQuery.of(active, "default")

    assert query.fetch("default", {USERNAME: "ada"}) == (["id"], [(ada.id,)])
    assert query.fetch("default", {USERNAME: "bob"}) == (["id"], [])


def test_running_it_compiles_nothing(django_user_model, monkeypatch):
    query = CompiledQuery.of(django_user_model.objects.filter(username=USERNAME), "default")
    monkeypatch.setattr(SQLCompiler, "as_sql", compiling_is_an_error)

    assert query.fetch("default", {USERNAME: "ada"})[1] == []


def compiling_is_an_error(*args, **kwargs):
    raise AssertionError("SQL was compiled")
