"""The pre-generation hook refuses bad options with one clear paragraph and leaves nothing."""

import re
import subprocess

import pytest

from tests.conftest import bake, bake_command, run

REFUSALS = {
    "slug with a hyphen": ({"project_slug": "my-api"}, ["project_slug", "my-api", "my_api"]),
    "slug with capitals": ({"project_slug": "MyApi"}, ["project_slug", "MyApi", "myapi"]),
    "slug starting with a digit": ({"project_slug": "3d_shop"}, ["project_slug", "api_3d_shop"]),
    "slug that is a keyword": ({"project_slug": "class"}, ["project_slug", "class"]),
    "slug shadowing django": ({"project_slug": "django"}, ["shadow", "django_api"]),
    "slug shadowing rest_framework": (
        {"project_slug": "rest_framework"},
        ["shadow", "rest_framework_api"],
    ),
    "slug shadowing config": ({"project_slug": "config"}, ["shadow", "config_api"]),
    "slug shadowing test": ({"project_slug": "test"}, ["shadow", "test_api"]),
    "slug shadowing redis": ({"project_slug": "redis"}, ["shadow", "redis_api"]),
    "slug shadowing a stdlib module": ({"project_slug": "logging"}, ["shadow", "logging_api"]),
    "slug ending in an underscore": ({"project_slug": "shop_"}, ["project_slug", '"shop"']),
    "slug longer than 25 characters": (
        {"project_slug": "a" * 26},
        ["project_slug", "25 characters", f'project_slug="{"a" * 25}"'],
    ),
    "Django 6.1 on Python 3.11": (
        {"django_version": "6.1", "python_version": "3.11"},
        ["django_version", "6.1", "3.11", 'python_version="3.12"', 'django_version="5.2"'],
    ),
    "django_pool with a non-zero conn_max_age": (
        {"db_pooling": "django_pool", "conn_max_age": "60"},
        ["conn_max_age", "django_pool", "ImproperlyConfigured", 'conn_max_age="0"'],
    ),
    "conn_max_age that is not a number": (
        {"conn_max_age": "forever"},
        ["conn_max_age", "forever", "whole number"],
    ),
    "negative conn_max_age": ({"conn_max_age": "-5"}, ["conn_max_age", "-5", "whole number"]),
    "author_email without an @": (
        {"author_email": "nobody.example.com"},
        ["author_email", "nobody.example.com", "e-mail address"],
    ),
}


@pytest.mark.parametrize(("context", "expected"), list(REFUSALS.values()), ids=list(REFUSALS))
def test_refusal_is_one_paragraph_without_traceback_and_leaves_nothing(
    tmp_path, context, expected
):
    result = subprocess.run(
        bake_command(tmp_path, context), capture_output=True, text=True, check=False
    )

    assert result.returncode != 0
    output = result.stdout + result.stderr
    assert "Traceback" not in output
    paragraphs = [p for p in re.split(r"\n\s*\n", output) if "Cannot generate" in p]
    assert len(paragraphs) == 1, output
    for fragment in expected:
        assert fragment in paragraphs[0], output
    assert list(tmp_path.iterdir()) == []


def test_two_problems_are_both_reported(tmp_path):
    context = {"project_slug": "django", "author_email": "nope"}
    result = subprocess.run(
        bake_command(tmp_path, context), capture_output=True, text=True, check=False
    )
    assert result.returncode != 0
    assert result.stderr.count("Cannot generate") == 2
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("project_name", "slug"),
    [
        ("Acme API", "acme_api"),
        ("Ünïcödé Shop Café", "unicode_shop_cafe"),
        ("  Spaced   Out  Name ", "spaced_out_name"),
        ("Billing-Service v2", "billing_service_v2"),
    ],
)
def test_project_names_with_spaces_capitals_and_accents_give_a_valid_slug(
    tmp_path, project_name, slug
):
    project = bake(tmp_path, project_name=project_name)
    assert project.name == slug
    assert (project / slug / "__init__.py").exists()


@pytest.mark.parametrize(
    ("auth", "db_pooling"),
    [("token", "pgbouncer"), ("jwt", "django_pool"), ("session", "persistent")],
)
def test_the_longest_slug_accepted_still_generates_ruff_clean_code(tmp_path, auth, db_pooling):
    options = {"read_replica": "yes", "kubernetes": "yes", "use_admin": "yes"}
    if db_pooling == "django_pool":
        options["conn_max_age"] = "0"
    project = bake(tmp_path, project_slug="a" * 25, auth=auth, db_pooling=db_pooling, **options)
    run(["ruff", "check", "."], cwd=project)
    run(["ruff", "format", "--check", "."], cwd=project)


def test_django_pool_defaults_conn_max_age_to_zero(tmp_path):
    project = bake(tmp_path, db_pooling="django_pool")
    assert "CONN_MAX_AGE=0" in (project / ".env").read_text()


def test_generation_writes_fresh_secrets_and_the_app_a_role_of_its_own(tmp_path):
    first = bake(tmp_path / "one")
    second = bake(tmp_path / "two")
    env = dict(
        line.split("=", 1)
        for line in (first / ".env").read_text().splitlines()
        if line and not line.startswith("#")
    )
    other = (second / ".env").read_text()

    passwords = ("POSTGRES_PASSWORD", "APP_DATABASE_PASSWORD", "PGBOUNCER_ADMIN_PASSWORD")
    for key in ("DJANGO_SECRET_KEY", "REDIS_PASSWORD", *passwords, "PGBOUNCER_STATS_PASSWORD"):
        assert "change-me" not in env[key]
        assert env[key] not in other  # fresh per project
    assert len(env["DJANGO_SECRET_KEY"]) >= 50
    assert len({env[key] for key in passwords}) == len(passwords)
    # The app connects as its own role, never as the server's superuser.
    app = f"{env['APP_DATABASE_USER']}:{env['APP_DATABASE_PASSWORD']}@"
    assert app in env["DATABASE_URL"] and app in env["DATABASE_DIRECT_URL"]
    assert env["POSTGRES_USER"] != env["APP_DATABASE_USER"]
    assert env["POSTGRES_PASSWORD"] not in env["DATABASE_URL"]
    # Nothing secret is written anywhere but .env.
    assert not (first / "deploy" / "pgbouncer" / "userlist.txt").exists()
    assert ".env" in (first / ".gitignore").read_text().splitlines()


def test_generation_needs_no_network(tmp_path):
    # unshare gives the generator a network namespace with no interfaces but loopback.
    unshare = subprocess.run(["unshare", "--net", "true"], check=False, capture_output=True)
    if unshare.returncode != 0:
        pytest.skip("unshare --net is not permitted here")
    command = ["unshare", "--net", *bake_command(tmp_path, {})]
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "acme_api" / "manage.py").exists()


@pytest.mark.parametrize("db_pooling", ["django_pool", "persistent"])
def test_pgbouncer_files_and_their_password_exist_only_with_pgbouncer(tmp_path, db_pooling):
    options = {"conn_max_age": "0"} if db_pooling == "django_pool" else {}
    project = bake(tmp_path, db_pooling=db_pooling, kubernetes="yes", **options)

    assert not (project / "deploy" / "pgbouncer").exists()
    assert not (project / "deploy" / "k8s" / "base" / "pgbouncer").exists()
    assert "pgbouncer" not in (project / "compose.yaml").read_text()


# Quotes, backslashes and Markdown's special characters, which the hooks accept.
AWKWARD_NAME = 'The "Quoted" \\ API <b>*bold*</b> [link](x) #1'
AWKWARD_DESCRIPTION = '- It\'s "quoted", back\\slashed\\, and says \\n and `code`.'


def test_quotes_and_backslashes_in_free_text_render_valid_python_toml_and_markdown(tmp_path):
    import ast
    import tomllib

    project = bake(
        tmp_path,
        project_name=AWKWARD_NAME,
        project_slug="awkward_api",
        description=AWKWARD_DESCRIPTION,
        author_name='Team "A" \\ B',
    )

    settings = ast.parse((project / "config" / "settings" / "base.py").read_text())
    literals = {node.value for node in ast.walk(settings) if isinstance(node, ast.Constant)}
    assert {AWKWARD_NAME, AWKWARD_DESCRIPTION} <= literals

    pyproject = tomllib.loads((project / "pyproject.toml").read_text())
    assert pyproject["project"]["description"] == AWKWARD_DESCRIPTION
    assert pyproject["project"]["authors"][0]["name"] == 'Team "A" \\ B'

    readme = (project / "README.md").read_text()
    title = readme.splitlines()[0]
    assert title.startswith("# ")
    # Nothing of the name becomes markup: every special character is escaped.
    for markup in ("<b>", "*bold*", "[link]", " #1"):
        assert markup not in title
    assert "\\<b\\>" in title
    assert "\n\\- It's" in readme  # not a list item


def test_a_newline_in_the_description_is_refused(tmp_path):
    result = subprocess.run(
        bake_command(tmp_path, {"description": "two\nlines"}),
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode != 0
    assert "description contains a control character" in result.stderr
    assert list(tmp_path.iterdir()) == []
