"""The deployment files of generated projects, checked without a Docker engine.

compose.yaml against the Compose Specification (check-jsonschema's vendored schema) and the
Dockerfile with hadolint; each check also runs once on a broken file, so that it is known to
fail. nginx.conf and pgbouncer.ini are run for real by the proofs (proofs/servers.py starts
nginx and PgBouncer from them), which the render matrix runs in each generated project.
"""

import re
import socket
import sys
from pathlib import Path

import pytest
import yaml

from tests.conftest import CommandFailed, bake, run

VARIANTS = {
    "pgbouncer-token": {},
    "persistent-session": {
        "db_pooling": "persistent",
        "auth": "session",
        "example_api": "no",
        "background_tasks": "none",
    },
    "pool-jwt-admin": {
        "db_pooling": "django_pool",
        "auth": "jwt",
        "use_admin": "yes",
        "python_version": "3.13",
        "postgres_version": "15",
    },
}
BIN = Path(sys.executable).parent


class Rendered:
    def __init__(self, path: Path, context: dict[str, str]):
        self.path = path
        self.context = context
        self.compose = yaml.safe_load((path / "compose.yaml").read_text())
        self.nginx_conf = (path / "deploy" / "nginx" / "nginx.conf").read_text()
        self.dockerfile = (path / "Dockerfile").read_text()

    def option(self, key: str, default: str) -> str:
        return self.context.get(key, default)

    @property
    def pgbouncer(self) -> bool:
        return self.option("db_pooling", "pgbouncer") == "pgbouncer"

    @property
    def tasks(self) -> bool:
        return self.option("background_tasks", "postgres") == "postgres"


@pytest.fixture(scope="module", params=list(VARIANTS), ids=list(VARIANTS))
def rendered(request, tmp_path_factory) -> Rendered:
    context = {"project_name": "Deploy Check Api", **VARIANTS[request.param]}
    return Rendered(bake(tmp_path_factory.mktemp(request.param), **context), context)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def fails(command: list[str], cwd: Path) -> bool:
    with pytest.raises(CommandFailed):
        run(command, cwd=cwd)
    return True


# --- compose.yaml ----------------------------------------------------------------------------


def test_compose_file_is_valid_against_the_compose_specification(rendered):
    run([str(BIN / "check-jsonschema"), "--builtin-schema", "vendor.compose-spec", "compose.yaml"],
        cwd=rendered.path)  # fmt: skip


def test_the_compose_schema_check_can_fail(rendered, tmp_path):
    broken = dict(rendered.compose)
    broken["services"] = {**broken["services"], "web": {**broken["services"]["web"], "replica": 2}}
    (tmp_path / "compose.yaml").write_text(yaml.safe_dump(broken))
    assert fails(
        [str(BIN / "check-jsonschema"), "--builtin-schema", "vendor.compose-spec", "compose.yaml"],
        tmp_path,
    )


def test_compose_runs_the_whole_topology_behind_nginx(rendered):
    services = rendered.compose["services"]
    expected = {"db", "redis", "redis-state", "migrate", "web", "nginx"}
    expected |= {"pgbouncer"} if rendered.pgbouncer else set()
    expected |= {"worker"} if rendered.tasks else set()
    assert set(services) == expected
    # nginx is the only way in; web replicas can be scaled because nothing pins them.
    assert [name for name, service in services.items() if "ports" in service] == ["nginx"]
    assert "container_name" not in services["web"]
    # Every long-running service says when it is healthy.
    assert {name for name, service in services.items() if "healthcheck" in service} == (
        expected - {"migrate"}
    )


def test_web_starts_after_migrations_and_healthy_backing_services(rendered):
    services = rendered.compose["services"]
    depends_on = services["web"]["depends_on"]
    assert depends_on["migrate"] == {"condition": "service_completed_successfully"}
    backing = {"pgbouncer" if rendered.pgbouncer else "db", "redis", "redis-state"}
    for name in backing:
        assert depends_on[name] == {"condition": "service_healthy"}, name
    assert "/healthz" in str(services["web"]["healthcheck"]["test"])
    assert services["web"]["build"] == {"context": ".", "args": {"RELEASE": "${RELEASE:-}"}}
    assert services["nginx"]["depends_on"] == {"web": {"condition": "service_healthy"}}


def test_workers_scale_and_reach_postgresql_directly_after_migrations(rendered):
    if not rendered.tasks:
        return
    worker = rendered.compose["services"]["worker"]
    # LISTEN/NOTIFY needs a session of its own: never through PgBouncer's transaction pooling.
    assert worker["environment"]["DATABASE_URL"].startswith("${DATABASE_DIRECT_URL")
    assert worker["depends_on"]["migrate"] == {"condition": "service_completed_successfully"}
    assert "container_name" not in worker and "ports" not in worker
    assert worker["stop_grace_period"]


def test_migrations_run_once_on_the_direct_database_connection(rendered):
    migrate = rendered.compose["services"]["migrate"]
    # Before the new containers start, only what the old ones survive (README, "Migrations"),
    # tried again after a lock timeout.
    assert migrate["command"][:2] == ["sh", "-c"]
    assert "python manage.py migrate --pre-deploy --noinput && exit 0" in migrate["command"][2]
    assert "for attempt in 1 2 3" in migrate["command"][2]
    assert migrate["environment"]["DATABASE_URL"].startswith("${DATABASE_DIRECT_URL")
    assert migrate["depends_on"] == {"db": {"condition": "service_healthy"}}
    assert migrate["restart"] == "no"


def test_postgres_logs_slow_queries_and_keeps_its_data_in_a_volume(rendered):
    db = rendered.compose["services"]["db"]
    assert db["image"] == f"postgres:{rendered.option('postgres_version', '17')}"
    assert "log_min_duration_statement=200" in db["command"]
    assert "pg_isready" in str(db["healthcheck"]["test"])
    assert db["volumes"] == [
        "pgdata:/var/lib/postgresql/data",
        "./deploy/postgres/create-app-role.sh:/docker-entrypoint-initdb.d/create-app-role.sh:ro",
    ]
    assert "pgdata" in rendered.compose["volumes"]


def test_pgbouncer_is_a_pinned_image_reading_the_generated_config(rendered):
    if not rendered.pgbouncer:
        assert "pgbouncer" not in rendered.compose["services"]
        return
    pgbouncer = rendered.compose["services"]["pgbouncer"]
    assert re.fullmatch(r"edoburu/pgbouncer:v\d+\.\d+\.\d+-p\d+", pgbouncer["image"])
    assert pgbouncer["volumes"] == [
        "./deploy/pgbouncer/pgbouncer.ini:/etc/pgbouncer/pgbouncer.ini:ro",
        "./deploy/pgbouncer/userlist.sh:/etc/pgbouncer/userlist.sh:ro",
    ]


def test_pgbouncer_users_are_written_for_its_eyes_only_and_none_is_the_apps_admin(
    rendered, tmp_path
):
    if not rendered.pgbouncer:
        return
    pgbouncer = rendered.compose["services"]["pgbouncer"]
    assert "sh /etc/pgbouncer/userlist.sh && exec pgbouncer" in " ".join(pgbouncer["command"])
    env = {key: f"{key.lower()}-value" for key in pgbouncer["environment"]}
    userlist = tmp_path / "userlist.txt"
    userlist.write_text("left by the image's entrypoint\n")
    userlist.chmod(0o644)

    script = rendered.path / "deploy" / "pgbouncer" / "userlist.sh"
    run(["sh", str(script)], cwd=tmp_path, env={**env, "PGBOUNCER_AUTH_FILE": str(userlist)})

    assert userlist.stat().st_mode & 0o777 == 0o600
    users = dict(line.split(" ") for line in userlist.read_text().splitlines())
    assert users == {
        '"app_database_user-value"': '"app_database_password-value"',
        '"pgbouncer_admin"': '"pgbouncer_admin_password-value"',
        '"pgbouncer_stats"': '"pgbouncer_stats_password-value"',
    }
    ini = (rendered.path / "deploy" / "pgbouncer" / "pgbouncer.ini").read_text()
    assert re.search(r"^admin_users = pgbouncer_admin$", ini, flags=re.MULTILINE)
    assert re.search(r"^stats_users = pgbouncer_stats$", ini, flags=re.MULTILINE)


def redis_flags(service: dict) -> dict[str, str]:
    args = service["command"][1:]
    return {args[i].removeprefix("--"): args[i + 1] for i in range(0, len(args), 2)}


def test_the_cache_evicts_freely_and_the_state_is_never_evicted(rendered):
    services = rendered.compose["services"]
    cache = redis_flags(services["redis"])
    assert cache["requirepass"].startswith("${REDIS_PASSWORD")
    assert cache["maxmemory-policy"] == "volatile-lru"
    assert cache["appendonly"] == "no"
    state = redis_flags(services["redis-state"])
    assert state["requirepass"].startswith("${REDIS_PASSWORD")
    assert state["maxmemory-policy"] == "noeviction"
    assert state["appendonly"] == "yes"
    assert services["redis-state"]["volumes"] == ["redis-state:/data"]


# --- Dockerfile ------------------------------------------------------------------------------


def test_dockerfile_passes_hadolint(rendered):
    run([str(BIN / "hadolint"), "Dockerfile"], cwd=rendered.path)


def test_the_hadolint_check_can_fail(tmp_path):
    (tmp_path / "Dockerfile").write_text(
        "FROM python:latest\nRUN apt-get update && apt-get install -y gcc\n"
    )
    assert fails([str(BIN / "hadolint"), "Dockerfile"], tmp_path)


def final_stage(dockerfile: str) -> str:
    return re.split(r"^FROM ", dockerfile, flags=re.MULTILINE)[-1]


def test_the_image_is_multi_stage_non_root_and_without_build_tools(rendered):
    dockerfile = rendered.dockerfile
    python = rendered.option("python_version", "3.12")
    assert len(re.findall(r"^FROM ", dockerfile, flags=re.MULTILINE)) >= 3
    assert "uv sync --locked --no-dev" in dockerfile
    final = final_stage(dockerfile)
    assert final.startswith(f"python:{python}-slim")
    assert re.search(r"^USER 10001:10001$", final, flags=re.MULTILINE)
    assert re.search(r"^HEALTHCHECK .*\n.*/healthz", final, flags=re.MULTILINE)
    # Neither uv nor a compiler reaches the final image: it copies the built /app only.
    assert not re.search(r"\b(uv|apt-get|gcc|build-essential)\b", final)
    static = "yes" in (rendered.option("use_admin", "no"), rendered.option("use_openapi", "yes"))
    assert ("collectstatic" in dockerfile) is static


# --- nginx -----------------------------------------------------------------------------------


def test_nginx_balances_over_the_web_replicas_as_docker_resolves_them(rendered):
    conf = rendered.nginx_conf
    assert re.search(r"^\s*resolver 127\.0\.0\.11 valid=10s", conf, flags=re.MULTILINE)
    upstream = re.search(r"upstream web \{(.*?)\n    \}", conf, flags=re.DOTALL).group(1)
    assert re.search(r"^\s*zone web ", upstream, flags=re.MULTILINE)
    assert re.search(r"^\s*server web:8000 resolve\b", upstream, flags=re.MULTILINE)
    assert re.search(r"^\s*keepalive \d+;", upstream, flags=re.MULTILINE)
    # Keep-alive to the upstream needs HTTP/1.1 and an empty Connection header.
    assert "proxy_http_version 1.1;" in conf
    assert 'proxy_set_header Connection "";' in conf
    # Retries on another replica, but never of a POST that was sent (no "non_idempotent").
    retries = re.findall(r"^\s*proxy_next_upstream\s[^;]*;", conf, flags=re.MULTILINE)
    assert [line.strip() for line in retries] == ["proxy_next_upstream error timeout;"]
    # compose publishes nginx's port 8080; the web service listens on 8000.
    assert re.search(r"^\s*listen 8080;", conf, flags=re.MULTILINE)
    assert rendered.compose["services"]["nginx"]["ports"] == ["${NGINX_PORT:-8080}:8080"]


def test_nginx_forwards_client_headers_and_a_request_id_and_hides_metrics(rendered):
    conf = rendered.nginx_conf
    for header in ("X-Forwarded-For", "X-Forwarded-Proto", "X-Forwarded-Host", "X-Request-ID"):
        assert re.search(rf"proxy_set_header {header} \$\w+;", conf), header
    # The client's id when it sent a sane one, otherwise nginx's own $request_id.
    assert re.search(
        r"map \$http_x_request_id \$request_id_header \{\s*default \$request_id;", conf
    )
    assert re.search(r"location = /metrics \{\s*return 404;", conf)
    # A client's own trace context never reaches the app (it could force sampling).
    for header in ("traceparent", "tracestate"):
        assert f'proxy_set_header {header} "";' in conf
    # No answer names an internal address (the proofs' own copy adds X-Upstream).
    assert not re.search(r"add_header\s+\S+\s+\$upstream_addr", conf)


def test_nginx_trusts_the_load_balancers_compose_is_told_of_and_nothing_else(rendered, tmp_path):
    script = rendered.path / "deploy" / "nginx" / "trusted-proxies.sh"
    nginx = rendered.compose["services"]["nginx"]
    assert nginx["environment"]["TRUSTED_PROXIES"] == "${TRUSTED_PROXIES:-}"
    assert "sh /etc/nginx/trusted-proxies.sh && exec nginx" in " ".join(nginx["command"])

    def write(value: str) -> dict[str, str]:
        env = {"TRUSTED_PROXIES": value, "TRUSTED_PROXIES_DIR": str(tmp_path)}
        run(["sh", str(script)], cwd=tmp_path, env=env)
        return {name: (tmp_path / name).read_text() for name in ("realip.conf", "geo.conf")}

    assert write("10.0.0.0/8, 192.0.2.1") == {
        "realip.conf": "set_real_ip_from 10.0.0.0/8;\nset_real_ip_from 192.0.2.1;\n",
        "geo.conf": "10.0.0.0/8 1;\n192.0.2.1 1;\n",
    }
    assert write("") == {"realip.conf": "", "geo.conf": ""}
    with pytest.raises(CommandFailed, match="is not an IP address"):
        write("10.0.0.1;include /etc/passwd")
