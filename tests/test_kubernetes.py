"""The Kubernetes manifests (kubernetes=yes) are valid, and agree with the app they deploy.

Projects are generated like a user does, and `kubectl kustomize` (real kustomize) builds each of
their kustomizations. What it outputs is validated offline against the Kubernetes API's schemas
in strict mode (unknown fields are errors), then read by the checks below; no cluster is needed.
Without kubectl, the tests that read a build skip (fail under REQUIRE_ALL_PROGRAMS=1).
"""

import configparser
import copy
import math
import os
import re
import shlex
import shutil
from functools import cached_property
from pathlib import Path
from urllib.parse import urlsplit

import kubernetes_validate
import pytest
import yaml

from tests.conftest import bake, run

# The oldest Kubernetes the manifests support (the preStop `sleep` action is on by default
# since 1.30, unhealthyPodEvictionPolicy is GA in 1.31) and the newest the validator knows.
KUBERNETES_VERSIONS = ["1.31.0", kubernetes_validate.latest_version()]

# PostgreSQL is outside the manifests; its default max_connections, less the connections kept
# for migrations, admin sessions and monitoring, is what the applications may use.
POSTGRES_MAX_CONNECTIONS = 100
POSTGRES_RESERVED = 10

COMBINATIONS = {
    "pgbouncer-token-replica": {"db_pooling": "pgbouncer", "auth": "token", "read_replica": "yes"},
    "pool-jwt-admin": {"db_pooling": "django_pool", "auth": "jwt", "use_admin": "yes"},
    "persistent-session-replica": {
        "db_pooling": "persistent",
        "auth": "session",
        "conn_max_age": "300",
        "read_replica": "yes",
    },
}


def kubectl() -> str:
    """kubectl's path; without it, skip naming its package (fail under REQUIRE_ALL_PROGRAMS=1,
    unless ALLOW_MISSING_PROGRAMS names kubectl: .ci/run's way to say no repository has it)."""
    path = shutil.which("kubectl")
    if path is None:
        reason = "kubectl is not installed (apt-get install kubectl; pkgs.k8s.io has it)"
        allowed = os.environ.get("ALLOW_MISSING_PROGRAMS", "").split()
        if os.environ.get("REQUIRE_ALL_PROGRAMS") == "1" and "kubectl" not in allowed:
            pytest.fail(reason)
        pytest.skip(reason)
    return path


def kustomize(directory: Path) -> list[dict]:
    """The objects `kubectl kustomize directory` builds: what `kubectl apply -k` would send."""
    built = run([kubectl(), "kustomize", str(directory)], cwd=directory).stdout
    return [obj for obj in yaml.safe_load_all(built) if obj]


def load_all(path: Path) -> list[dict]:
    return [doc for doc in yaml.safe_load_all(path.read_text()) if doc]


def pod_template(obj: dict) -> dict:
    """The pod template of a Deployment, a Job or a CronJob."""
    spec = obj["spec"]["jobTemplate"]["spec"] if obj["kind"] == "CronJob" else obj["spec"]
    return spec["template"]


def pod_specs(objects: list[dict]):
    for obj in objects:
        if obj["kind"] in {"Deployment", "Job", "CronJob"}:
            yield obj, pod_template(obj)["spec"]


def cpu_cores(quantity: str) -> float:
    return int(quantity[:-1]) / 1000 if quantity.endswith("m") else float(quantity)


def env_names(path: Path, commented: bool = False) -> set[str]:
    """The variables a .env file sets; with `commented`, also those it shows commented out."""
    pattern = r"^(?:# )?([A-Z][A-Z0-9_]*)=" if commented else r"^([A-Z][A-Z0-9_]*)="
    return set(re.findall(pattern, path.read_text(), flags=re.MULTILINE))


def names_in_app_code(project: Path) -> set[str]:
    """Every upper-case string literal in the code the image runs: the variables it may read.
    (compose's and scripts/topology.py's own variables are not among them.)"""
    sources = [
        project / "gunicorn.conf.py",
        *(project / "config").rglob("*.py"),
        *(project / project.name).rglob("*.py"),
    ]
    return {
        name
        for path in sources
        for name in re.findall(r"[\"']([A-Z][A-Z0-9_]+)[\"']", path.read_text())
    }


def connection_parameters(entry: str) -> dict[str, str]:
    """A PgBouncer [databases] entry (libpq style, connect_query='...' quoted) as a dict."""
    return dict(param.split("=", 1) for param in shlex.split(entry))


class Rendered:
    """A generated project with kubernetes=yes, and what its manifests say."""

    def __init__(self, path: Path, options: dict):
        self.path = path
        self.options = options
        self.k8s = path / "deploy" / "k8s"
        self.name = path.name.replace("_", "-")
        # Not in any kustomization, so that `kubectl apply -k` never overwrites real credentials.
        self.secrets = load_all(self.k8s / "secrets.example.yaml")

    @cached_property
    def builds(self) -> dict[str, list[dict]]:
        """What each kustomization builds, by its directory under deploy/k8s."""
        return {
            str(path.parent.relative_to(self.k8s)): kustomize(path.parent)
            for path in sorted(self.k8s.rglob("kustomization.yaml"))
        }

    @property
    def base(self) -> list[dict]:
        return self.builds["base"]

    @property
    def production(self) -> list[dict]:
        return self.builds["overlays/production"]

    @property
    def pooling(self) -> str:
        return self.options["db_pooling"]

    @property
    def admin(self) -> bool:
        return self.options.get("use_admin") == "yes"

    def get(self, kind: str, name: str, objects: list[dict] | None = None) -> dict:
        (obj,) = [
            o
            for o in (self.base if objects is None else objects)
            if o["kind"] == kind and o["metadata"]["name"] == name
        ]
        return obj

    def web(self, objects: list[dict] | None = None) -> dict:
        return self.get("Deployment", f"{self.name}-web", objects)

    def web_container(self, objects: list[dict] | None = None) -> dict:
        (container,) = self.web(objects)["spec"]["template"]["spec"]["containers"]
        return container

    def secret(self, name: str) -> dict:
        (secret,) = [s for s in self.secrets if s["metadata"]["name"] == name]
        return secret["stringData"]

    def job_workers_connections(self, objects: list[dict]) -> int:
        """Direct PostgreSQL connections of the job workers at their peak: each pod runs
        TASKS_CONCURRENCY jobs, each on its own connection, plus 4 of the queue's own; a rollout
        may add maxSurge pods (Kubernetes' default: 25%, rounded up)."""
        found = [o for o in objects if o["metadata"]["name"] == f"{self.name}-worker"]
        if not found:
            return 0
        spec = next(o for o in found if o["kind"] == "Deployment")["spec"]
        # With KEDA (overlays/keda-workers), its ScaledObject sets the number of pods.
        scaled = [o["spec"] for o in found if o["kind"] == "ScaledObject"]
        replicas = scaled[0]["maxReplicaCount"] if scaled else spec["replicas"]
        surge = spec.get("strategy", {}).get("rollingUpdate", {}).get("maxSurge")
        surge = math.ceil(replicas / 4) if surge is None else surge
        per_pod = int(self.config(objects)["TASKS_CONCURRENCY"]) + 4
        return (replicas + surge) * per_pod

    def config(self, objects: list[dict] | None = None) -> dict:
        return self.get("ConfigMap", f"{self.name}-env", objects)["data"]

    def pgbouncer_ini(self, objects: list[dict] | None = None) -> configparser.ConfigParser:
        return read_ini(self.pgbouncer_ini_text(objects))

    def pgbouncer_ini_text(self, objects: list[dict] | None = None) -> str:
        return self.get("ConfigMap", f"{self.name}-pgbouncer", objects)["data"]["pgbouncer.ini"]

    def workers(self, objects: list[dict] | None = None) -> int:
        """WEB_CONCURRENCY as the kubelet computes it: the CPU limit over the divisor, rounded
        up."""
        container = self.web_container(objects)
        (variable,) = [e for e in container["env"] if e["name"] == "WEB_CONCURRENCY"]
        field = variable["valueFrom"]["resourceFieldRef"]
        limit = cpu_cores(str(container["resources"]["limits"]["cpu"]))
        return math.ceil(limit / cpu_cores(str(field.get("divisor", "1"))))


def read_ini(text: str) -> configparser.ConfigParser:
    config = configparser.ConfigParser(interpolation=None, delimiters=("=",))
    config.optionxform = str
    config.read_string(text)
    return config


@pytest.fixture(scope="module", params=list(COMBINATIONS), ids=list(COMBINATIONS))
def rendered(request, tmp_path_factory) -> Rendered:
    options = COMBINATIONS[request.param]
    path = bake(
        tmp_path_factory.mktemp(f"k8s-{request.param}"),
        project_name="Kube Lab",
        kubernetes="yes",
        ci="none",
        **options,
    )
    return Rendered(path, options)


def test_without_the_option_no_kubernetes_file_is_generated(tmp_path):
    path = bake(tmp_path, project_name="Kube Lab", db_pooling="pgbouncer", ci="none")

    assert not (path / "deploy" / "k8s").exists()
    assert not (path / "tests" / "test_kubernetes.py").exists()
    assert "## Kubernetes" not in (path / "README.md").read_text()
    assert (path / "deploy" / "pgbouncer" / "pgbouncer.ini").exists()


def test_no_template_syntax_is_left_in_the_manifests(rendered):
    leftovers = [
        f"{path.relative_to(rendered.path)}: {line}"
        for path in rendered.k8s.rglob("*")
        if path.is_file()
        for line in path.read_text().splitlines()
        if re.search(r"{{|}}|{%|%}|cookiecutter", line)
    ]
    assert leftovers == []


@pytest.mark.parametrize("version", KUBERNETES_VERSIONS)
def test_every_object_validates_strictly_against_the_kubernetes_schemas(rendered, version):
    objects = [obj for build in rendered.builds.values() for obj in build] + rendered.secrets
    # KEDA's kinds (overlays/keda-workers) have no schema here: their test is below.
    objects = [obj for obj in objects if not obj["apiVersion"].startswith("keda.sh/")]
    for obj in objects:
        kubernetes_validate.validate(obj, version, strict=True)

    assert set(rendered.builds) >= {"base", "overlays/production"}
    expected = {"Deployment", "Job", "CronJob", "Service", "HorizontalPodAutoscaler"}
    expected |= {"PodDisruptionBudget", "Ingress", "ConfigMap", "Secret"}
    assert {obj["kind"] for obj in objects} >= expected


def test_strict_validation_rejects_a_misspelt_field(rendered):
    """The control: the validator does read the manifests' fields."""
    web = copy.deepcopy(rendered.web())
    container = web["spec"]["template"]["spec"]["containers"][0]
    container["readinesProbe"] = container.pop("readinessProbe")

    kubernetes_validate.validate(rendered.web(), KUBERNETES_VERSIONS[0], strict=True)
    with pytest.raises(kubernetes_validate.ValidationError, match="readinesProbe"):
        kubernetes_validate.validate(web, KUBERNETES_VERSIONS[0], strict=True)


def test_each_kustomization_lists_exactly_the_manifests_beside_it(rendered):
    for kustomization_file in rendered.k8s.rglob("kustomization.yaml"):
        directory = kustomization_file.parent
        kustomization = yaml.safe_load(kustomization_file.read_text())
        patches = {patch["path"] for patch in kustomization.get("patches", [])}
        present = {
            path.name
            for path in directory.iterdir()
            if (path.suffix == ".yaml" and path.name != "kustomization.yaml")
            or (path / "kustomization.yaml").exists()
        }
        listed = {r for r in kustomization["resources"] if not r.startswith("..")}
        assert listed | patches == present, directory
        assert not listed & patches, directory


def test_pgbouncer_is_deployed_only_when_the_app_connects_through_it(rendered):
    components = {
        obj["metadata"]["labels"].get("app.kubernetes.io/component") for obj in rendered.base
    }
    with_pgbouncer = rendered.pooling == "pgbouncer"

    assert ("pgbouncer" in components) is with_pgbouncer
    assert (rendered.k8s / "base" / "pgbouncer").is_dir() is with_pgbouncer
    secret_names = {secret["metadata"]["name"] for secret in rendered.secrets}
    assert (f"{rendered.name}-pgbouncer" in secret_names) is with_pgbouncer


def test_probes_use_the_app_health_endpoints_on_gunicorn_port(rendered):
    container = rendered.web_container()
    urls = (rendered.path / "config" / "urls.py").read_text()
    gunicorn = (rendered.path / "gunicorn.conf.py").read_text()
    dockerfile = (rendered.path / "Dockerfile").read_text()
    # gunicorn.conf.py's default, and the image's own setting of it.
    binds = re.findall(r'"GUNICORN_BIND", "([^"]+)"', gunicorn)
    binds += re.findall(r"GUNICORN_BIND=(\S+)", dockerfile)
    (port,) = {int(bind.rpartition(":")[2]) for bind in binds}
    ports = {port["name"]: port["containerPort"] for port in container["ports"]}

    assert container["readinessProbe"]["httpGet"]["path"] == "/readyz"
    assert container["livenessProbe"]["httpGet"]["path"] == "/healthz"
    assert container["startupProbe"]["httpGet"]["path"] == "/healthz"
    assert 'path("readyz", health.readyz' in urls
    assert 'path("healthz", health.healthz' in urls
    for probe in ("readinessProbe", "livenessProbe", "startupProbe"):
        assert ports[container[probe]["httpGet"]["port"]] == port
    assert "GUNICORN_BIND" not in rendered.config()


def test_service_and_ingress_reach_the_web_container_port(rendered):
    container = rendered.web_container()
    pod_labels = rendered.web()["spec"]["template"]["metadata"]["labels"]
    service = rendered.get("Service", f"{rendered.name}-web")
    (service_port,) = service["spec"]["ports"]
    ingress = rendered.get("Ingress", rendered.name)
    (rule,) = ingress["spec"]["rules"]
    paths = rule["http"]["paths"]

    assert service_port["targetPort"] in {port["name"] for port in container["ports"]}
    assert service["spec"]["selector"].items() <= pod_labels.items()
    for path in paths:
        assert path["backend"]["service"] == {
            "name": service["metadata"]["name"],
            "port": {"name": service_port["name"]},
        }
    # Only the API (and the admin with its static files) is public: /metrics and the probes
    # are for the cluster, which reaches the pods directly.
    expected = {"/api/", "/admin/", "/static/"} if rendered.admin else {"/api/"}
    assert {path["path"] for path in paths} == expected


def test_selectors_pick_the_web_pods_and_no_other(rendered):
    web_labels = rendered.web()["spec"]["template"]["metadata"]["labels"]
    other_pods = [
        pod_template(spec_owner)["metadata"]["labels"]
        for spec_owner, _ in pod_specs(rendered.base)
        if spec_owner is not rendered.web()
    ]
    pdb = rendered.get("PodDisruptionBudget", f"{rendered.name}-web")
    selectors = {
        "Service": rendered.get("Service", f"{rendered.name}-web")["spec"]["selector"],
        "PodDisruptionBudget": pdb["spec"]["selector"]["matchLabels"],
        "Deployment": rendered.web()["spec"]["selector"]["matchLabels"],
    }

    assert other_pods, "the migration Job's pods at least"
    for kind, selector in selectors.items():
        assert selector.items() <= web_labels.items(), kind
        assert not any(selector.items() <= labels.items() for labels in other_pods), kind


def test_the_autoscaler_alone_sets_the_number_of_web_pods(rendered):
    hpa = rendered.get("HorizontalPodAutoscaler", f"{rendered.name}-web")
    target = hpa["spec"]["scaleTargetRef"]

    assert (target["kind"], target["name"]) == ("Deployment", rendered.web()["metadata"]["name"])
    assert "replicas" not in rendered.web()["spec"]
    assert 2 <= hpa["spec"]["minReplicas"] <= hpa["spec"]["maxReplicas"]
    pdb = rendered.get("PodDisruptionBudget", f"{rendered.name}-web")
    assert pdb["spec"]["maxUnavailable"] < hpa["spec"]["minReplicas"]


def test_every_env_variable_is_one_the_app_reads(rendered):
    documented = env_names(rendered.path / ".env.example")
    app_reads = names_in_app_code(rendered.path)
    config = set(rendered.config())
    secret = set(rendered.secret(f"{rendered.name}-env"))
    container = {e["name"] for e in rendered.web_container()["env"]}
    kubernetes = config | secret | container

    assert {"DATABASE_URL", "REDIS_URL", "DJANGO_SECRET_KEY", "WEB_CONCURRENCY"} <= app_reads
    assert config & secret == set()
    known = env_names(rendered.path / ".env.example", commented=True)
    assert kubernetes - known == set(), "set in Kubernetes, unknown to .env.example"
    # What .env.example documents for the app is set, the way production wants it.
    assert (documented & app_reads) - kubernetes == set(), "documented, not set in Kubernetes"
    assert rendered.config()["DJANGO_SETTINGS_MODULE"] == "config.settings.production"
    # Names the app must have in production: without them it refuses to start or falls back
    # to local services.
    required = {"DJANGO_SECRET_KEY", "DJANGO_ALLOWED_HOSTS", "DATABASE_URL", "REDIS_URL"}
    assert required <= config | secret


MIGRATE_AND_WEB = {"web", "migrate", "migrate-post-deploy"}


def test_web_and_migration_pods_read_the_env_configmap_and_secret(rendered):
    expected = [
        {"configMapRef": {"name": f"{rendered.name}-env"}},
        {"secretRef": {"name": f"{rendered.name}-env"}},
    ]
    for owner, spec in pod_specs(rendered.base):
        if owner["metadata"]["labels"]["app.kubernetes.io/component"] in MIGRATE_AND_WEB:
            (container,) = spec["containers"]
            assert container["envFrom"] == expected, owner["metadata"]["name"]


def test_web_concurrency_follows_the_cpu_limit(rendered):
    container = rendered.web_container()
    (variable,) = [e for e in container["env"] if e["name"] == "WEB_CONCURRENCY"]
    field = variable["valueFrom"]["resourceFieldRef"]
    resources = container["resources"]
    threads = int(rendered.config()["WEB_THREADS"])

    assert field["resource"] == "limits.cpu"
    assert field["containerName"] == container["name"]
    assert "WEB_CONCURRENCY" not in rendered.config()
    # The workers get the whole CPU their number was computed from.
    assert resources["requests"]["cpu"] == resources["limits"]["cpu"]
    if rendered.pooling == "persistent":
        # Sync workers (one thread) wait on Postgres: two per core.
        assert threads == 1
        assert rendered.workers() == 2 * cpu_cores(resources["limits"]["cpu"])
    else:
        # Threaded workers overlap their I/O waits already: one per core.
        assert threads > 1
        assert rendered.workers() == cpu_cores(resources["limits"]["cpu"])


def test_pods_run_as_non_root_on_a_read_only_root_filesystem(rendered):
    dockerfile = (rendered.path / "Dockerfile").read_text()
    (image_user,) = {int(uid) for uid in re.findall(r"^USER (\d+)", dockerfile, re.MULTILINE)}
    assert image_user == 10001
    for owner, spec in pod_specs(rendered.base):
        name = owner["metadata"]["name"]
        assert spec["securityContext"]["runAsNonRoot"] is True, name
        assert spec["automountServiceAccountToken"] is False, name
        for container in spec.get("initContainers", []) + spec["containers"]:
            security = container["securityContext"]
            assert security["readOnlyRootFilesystem"] is True, name
            assert security["allowPrivilegeEscalation"] is False, name
            assert security["capabilities"]["drop"] == ["ALL"], name
            for kind in ("requests", "limits"):
                assert set(container["resources"][kind]) == {"cpu", "memory"}, name
        if owner["metadata"]["labels"]["app.kubernetes.io/component"] in MIGRATE_AND_WEB:
            # The image's own user.
            assert spec["securityContext"]["runAsUser"] == image_user, name


def test_web_pods_write_only_to_memory_backed_tmp_and_shm(rendered):
    spec = rendered.web()["spec"]["template"]["spec"]
    volumes = {volume["name"]: volume for volume in spec["volumes"]}
    mounts = {m["mountPath"]: m["name"] for m in rendered.web_container()["volumeMounts"]}
    gunicorn = (rendered.path / "gunicorn.conf.py").read_text()

    assert 'worker_tmp_dir = "/dev/shm"' in gunicorn
    assert set(mounts) == {"/dev/shm", "/tmp"}
    for name in mounts.values():
        assert volumes[name]["emptyDir"]["medium"] == "Memory"


def test_web_pods_drain_before_gunicorn_stops(rendered):
    spec = rendered.web()["spec"]["template"]["spec"]
    pause = rendered.web_container()["lifecycle"]["preStop"]["sleep"]["seconds"]
    gunicorn = (rendered.path / "gunicorn.conf.py").read_text()
    (graceful_timeout,) = re.findall(r"^graceful_timeout = (\d+)$", gunicorn, re.MULTILINE)

    # Endpoints, kube-proxy and the ingress controller need a few seconds to stop routing.
    assert pause >= 5
    assert spec["terminationGracePeriodSeconds"] >= pause + int(graceful_timeout)


def test_migrations_run_on_the_direct_postgres_connection(rendered):
    pre_deploy = rendered.get("Job", f"{rendered.name}-migrate")
    post_deploy = rendered.get("CronJob", f"{rendered.name}-migrate-post-deploy")
    direct = urlsplit(rendered.secret(f"{rendered.name}-env")["DATABASE_DIRECT_URL"])
    assert (direct.hostname, direct.port) == ("postgres", 5432)
    commands = {}
    for owner in (pre_deploy, post_deploy):
        spec = pod_template(owner)["spec"]
        (container,) = spec["containers"]
        commands[owner["kind"]] = container["command"]
        assert container["image"] == rendered.web_container()["image"]
        # Kubernetes expands $(DATABASE_DIRECT_URL) from the Secret read through envFrom.
        assert {"name": "DATABASE_URL", "value": "$(DATABASE_DIRECT_URL)"} in container["env"]
        assert {"name": "DATABASE_LOCK_TIMEOUT_MS", "value": "5000"} in container["env"]
        assert spec["restartPolicy"] == "Never"

    assert commands["Job"][-4:] == ["manage.py", "migrate", "--pre-deploy", "--no-input"]
    assert pre_deploy["spec"]["ttlSecondsAfterFinished"] > 0
    # The post-deploy migrations run only when created from it, after the rollout (README).
    assert commands["CronJob"][-3:] == ["manage.py", "migrate", "--no-input"]
    assert post_deploy["spec"]["suspend"] is True
    assert post_deploy["spec"]["jobTemplate"]["spec"]["ttlSecondsAfterFinished"] > 0


def test_new_pods_start_only_once_the_migrations_are_applied(rendered):
    deployments = [o for o in rendered.base if o["kind"] == "Deployment"]
    code = [
        d
        for d in deployments
        if d["metadata"]["labels"]["app.kubernetes.io/component"] != "pgbouncer"
    ]
    assert {d["metadata"]["name"] for d in code} >= {f"{rendered.name}-web"}
    for deployment in code:
        spec = deployment["spec"]["template"]["spec"]
        (wait,) = spec["initContainers"]
        (container,) = spec["containers"]
        command = " ".join(wait["command"])

        # Retried until it passes: the migrate Job, applied at the same time, may still run. The
        # pre-deploy migrations only: the post-deploy ones wait for the rollout to finish.
        assert "until python manage.py migrate --pre-deploy --check" in command
        assert wait["image"] == container["image"]
        assert wait["envFrom"] == container["envFrom"]
        assert wait.get("env", []) == [
            e for e in container.get("env", []) if e["name"] == "DATABASE_URL"
        ]


def test_the_keda_overlay_scales_the_production_workers_on_the_queue(rendered):
    keda = rendered.builds["overlays/keda-workers"]
    production = rendered.production
    scaled = rendered.get("ScaledObject", f"{rendered.name}-worker", keda)
    (trigger,) = scaled["spec"]["triggers"]
    authentication = rendered.get(
        "TriggerAuthentication", trigger["authenticationRef"]["name"], keda
    )
    (secret,) = authentication["spec"]["secretTargetRef"]
    worker = rendered.get("Deployment", f"{rendered.name}-worker", keda)

    def names(objects: list[dict]) -> set[tuple[str, str]]:
        return {(o["kind"], o["metadata"]["name"]) for o in objects}

    # The same release as production, but for the worker count, which KEDA owns.
    assert names(keda) == names(production) | names([scaled, authentication])
    assert "replicas" not in worker["spec"]
    assert scaled["spec"]["scaleTargetRef"]["name"] == worker["metadata"]["name"]
    assert all(o["metadata"]["namespace"] == rendered.name for o in keda)
    assert 1 <= scaled["spec"]["minReplicaCount"] <= scaled["spec"]["maxReplicaCount"]
    # KEDA queries PostgreSQL itself (the query's own test runs it in the project's suite).
    assert trigger["type"] == "postgresql"
    assert "procrastinate_jobs" in trigger["metadata"]["query"]
    assert secret == {
        "parameter": "connection",
        "name": f"{rendered.name}-env",
        "key": "DATABASE_DIRECT_URL",
    }
    assert secret["key"] in rendered.secret(secret["name"])


def test_database_url_points_at_pgbouncer_or_postgres(rendered):
    secret = rendered.secret(f"{rendered.name}-env")
    url = urlsplit(secret["DATABASE_URL"])
    direct = urlsplit(secret["DATABASE_DIRECT_URL"])

    assert url.path == direct.path == f"/{rendered.path.name}"
    if rendered.pooling != "pgbouncer":
        assert secret["DATABASE_URL"] == secret["DATABASE_DIRECT_URL"]
        return
    service = rendered.get("Service", f"{rendered.name}-pgbouncer")
    (port,) = service["spec"]["ports"]
    assert (url.hostname, url.port) == (service["metadata"]["name"], port["port"])
    # PgBouncer forwards to the same PostgreSQL, with the same credentials.
    ini = rendered.pgbouncer_ini()
    params = connection_parameters(ini["databases"][url.path.lstrip("/")])
    assert (params["host"], int(params["port"])) == (direct.hostname, direct.port)
    assert params["dbname"] == direct.path.lstrip("/")
    pgbouncer = rendered.get("Deployment", f"{rendered.name}-pgbouncer")
    (container,) = pgbouncer["spec"]["template"]["spec"]["containers"]
    (container_port,) = container["ports"]
    assert int(ini["pgbouncer"]["listen_port"]) == container_port["containerPort"]
    assert port["targetPort"] == container_port["name"]
    userlist = rendered.secret(f"{rendered.name}-pgbouncer")["userlist.txt"]
    users = dict(line.split(" ") for line in userlist.splitlines())
    assert users[f'"{url.username}"'] == f'"{url.password}"'
    # PgBouncer's console has users of its own, in its user list alone.
    assert (ini["pgbouncer"]["admin_users"], ini["pgbouncer"]["stats_users"]) == (
        "pgbouncer_admin",
        "pgbouncer_stats",
    )
    assert {'"pgbouncer_admin"', '"pgbouncer_stats"'} <= users.keys()
    # Readable by PgBouncer's group alone.
    spec = pgbouncer["spec"]["template"]["spec"]
    (config,) = [v for v in spec["volumes"] if v["name"] == "config"]
    assert (config["projected"]["defaultMode"], spec["securityContext"]["fsGroup"]) == (0o440, 70)


def test_reads_go_to_the_replica_service_when_there_is_one(rendered):
    secret = rendered.secret(f"{rendered.name}-env")
    if rendered.options.get("read_replica") != "yes":
        assert "DATABASE_REPLICA_URL" not in secret
        return
    replica = urlsplit(secret["DATABASE_REPLICA_URL"])
    primary = urlsplit(secret["DATABASE_URL"])

    assert (replica.username, replica.password) == (primary.username, primary.password)
    if rendered.pooling != "pgbouncer":
        assert (replica.hostname, replica.port) == ("postgres-replica", 5432)
        assert replica.path == primary.path
        return
    # Through PgBouncer, whose entry for the replica has its own pool.
    assert (replica.hostname, replica.port) == (primary.hostname, primary.port)
    entry = rendered.pgbouncer_ini()["databases"][replica.path.lstrip("/")]
    params = connection_parameters(entry)
    assert (params["host"], params["dbname"]) == ("postgres-replica", primary.path.lstrip("/"))


def test_pgbouncer_config_is_the_compose_one_but_for_the_postgres_host(rendered):
    if rendered.pooling != "pgbouncer":
        pytest.skip("PgBouncer is deployed with db_pooling=pgbouncer only")
    k8s = rendered.pgbouncer_ini()
    compose = read_ini((rendered.path / "deploy" / "pgbouncer" / "pgbouncer.ini").read_text())

    assert dict(k8s["pgbouncer"]) == dict(compose["pgbouncer"])
    # compose's `db` and `db-replica` are the Services `postgres` and `postgres-replica`.
    assert {
        name: entry.replace("host=postgres", "host=db") for name, entry in k8s["databases"].items()
    } == dict(compose["databases"])


def test_pgbouncer_image_is_compose_one_and_the_overlay_pins_the_app_image(rendered):
    compose = yaml.safe_load((rendered.path / "compose.yaml").read_text())
    for _, spec in pod_specs(rendered.base):
        for container in spec["containers"]:
            if container["name"] == "pgbouncer":
                assert re.fullmatch(r"edoburu/pgbouncer:v1\.\d+\.\d+-p\d+", container["image"])
                assert container["image"] == compose["services"]["pgbouncer"]["image"]
    for _, spec in pod_specs(rendered.production):
        for container in spec["containers"]:
            tag = container["image"].partition(":")[2]
            assert tag and tag != "latest", container["image"]
    released = rendered.web_container(rendered.production)["image"]
    assert released != rendered.web_container()["image"]
    assert all(obj["metadata"]["namespace"] == rendered.name for obj in rendered.production)


@pytest.mark.parametrize("build", ["base", "overlays/production", "overlays/keda-workers"])
def test_database_connections_at_full_scale_fit_in_postgres(rendered, build):
    if build not in rendered.builds:
        pytest.skip(f"{build} comes with background_tasks=postgres only")
    objects = rendered.builds[build]
    hpa = rendered.get("HorizontalPodAutoscaler", f"{rendered.name}-web", objects)
    replicas = hpa["spec"]["maxReplicas"]
    workers = rendered.workers(objects)
    threads = int(rendered.config(objects)["WEB_THREADS"])
    web_connections = replicas * workers * threads
    available = POSTGRES_MAX_CONNECTIONS - POSTGRES_RESERVED
    # A rollout at maxReplicas runs the surge pods beside the old ones: they count too.
    strategy = rendered.web(objects)["spec"]["strategy"]["rollingUpdate"]
    assert strategy["maxUnavailable"] == 0
    surge = strategy["maxSurge"]
    assert isinstance(surge, int), "a percentage of maxReplicas hides the budget's peak"
    during_web_rollout = (replicas + surge) * workers * threads

    # Job workers LISTEN for jobs: they connect to PostgreSQL directly, whatever the pooling.
    available -= rendered.job_workers_connections(objects)
    if rendered.pooling != "pgbouncer":
        # Every web thread may hold its own PostgreSQL connection, during a rollout too.
        assert during_web_rollout <= available
        return
    ini = rendered.pgbouncer_ini(objects)["pgbouncer"]
    pgbouncer = rendered.get("Deployment", f"{rendered.name}-pgbouncer", objects)["spec"]
    pool = int(ini["default_pool_size"]) + int(ini["reserve_pool_size"])
    pods = pgbouncer["replicas"]
    during_rollout = pods + pgbouncer["strategy"]["rollingUpdate"]["maxSurge"]

    # The Service may send every web connection to the same PgBouncer pod.
    assert during_web_rollout <= int(ini["max_client_conn"])
    # Each PgBouncer pod has its own pool to PostgreSQL, the surge pod of a rollout too.
    assert during_rollout * pool <= available
    # pgbouncer.ini's header gives the arithmetic with the numbers the manifests set.
    header = rendered.pgbouncer_ini_text(objects)
    assert f"= {replicas} x {workers} x {threads} = {web_connections}" in header
    assert f"= {pods} x {pool} = {pods * pool}" in header
