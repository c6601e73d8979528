"""Shared helpers: generate projects with the real cookiecutter CLI and run their tools."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from cookiecutter.environment import StrictEnvironment

from tests.matrix import COMBINATIONS

TEMPLATE_DIR = Path(__file__).resolve().parent.parent
PROOFS_DIR = TEMPLATE_DIR / "proofs"

# Generated projects must never need anything but package registries: uv uses the Pythons this
# machine has (the Makefile puts every one pyenv has on PATH), and never downloads one.
os.environ.setdefault("UV_PYTHON_DOWNLOADS", "never")


class CommandFailed(AssertionError):
    pass


def run(command: list[str], cwd: Path, env: dict | None = None, timeout: float = 600):
    """Run a command; fail the test with its whole output if it fails."""
    result = subprocess.run(
        command,
        cwd=cwd,
        env={**os.environ, **(env or {})},
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    if result.returncode != 0:
        raise CommandFailed(
            f"{' '.join(command)} exited {result.returncode} in {cwd}\n"
            f"--- stdout ---\n{result.stdout[-8000:]}\n--- stderr ---\n{result.stderr[-8000:]}"
        )
    return result


def bake_command(output_dir: Path, context: dict[str, str]) -> list[str]:
    extra = [f"{key}={value}" for key, value in context.items()]
    return [
        sys.executable, "-m", "cookiecutter", "--no-input", str(TEMPLATE_DIR),
        "-o", str(output_dir), *extra,
    ]  # fmt: skip


def bake(output_dir: Path, **context: str) -> Path:
    """Generate a project like a user does; return its directory."""
    output_dir.mkdir(parents=True, exist_ok=True)
    before = set(output_dir.iterdir())
    run(bake_command(output_dir, context), cwd=output_dir)
    (project,) = set(output_dir.iterdir()) - before
    return project


class Project:
    """A generated project with its dependencies installed, and the services it may use."""

    def __init__(self, name: str, path: Path, index: int):
        self.name = name
        self.path = path
        self.slug = path.name
        self.context = COMBINATIONS[name]
        # Separate Redis databases and standby ports per combination (database 0 and port 5433
        # are left to the developer's own).
        self.redis_url = f"redis://127.0.0.1:6379/{2 + index}"
        self.standby_port = 15432 + index

    def option(self, key: str, default: str) -> str:
        return self.context.get(key, default)

    @property
    def env(self) -> dict[str, str]:
        env = {"REDIS_URL": self.redis_url, "VIRTUAL_ENV": str(self.path / ".venv")}
        if self.option("read_replica", "no") == "yes":
            # Where the replica tests start their hot standby (and PgBouncer's replica entry
            # leads): off the default 5433, which a second local cluster may hold.
            env["DATABASE_REPLICA_DIRECT_URL"] = (
                f"postgres://postgres@127.0.0.1:{self.standby_port}/{self.slug}"
            )
        return env

    def run(self, *command: str, env: dict | None = None, timeout: float = 600):
        return run(list(command), cwd=self.path, env={**self.env, **(env or {})}, timeout=timeout)

    def uv_run(self, *command: str, env: dict | None = None, timeout: float = 600):
        return self.run("uv", "run", "--no-sync", *command, env=env, timeout=timeout)

    @property
    def answers(self) -> dict:
        """Every answer cookiecutter rendered the project with, derived ones included."""
        state = json.loads((self.path / ".cruft.json").read_text())
        return state["context"]["cookiecutter"]

    def render_proofs(self) -> Path:
        """The template's proofs (proofs/), rendered for this project into tests/proofs/:
        each file with the project's answers, and those under _when/ only where the
        project's choices meet the folder's conditions, as the post-generation hook does."""
        answers = self.answers
        environment = StrictEnvironment(
            context={"cookiecutter": answers}, keep_trailing_newline=True
        )
        chosen = folder_values(answers)
        target = self.path / "tests" / "proofs"
        for source in sorted(PROOFS_DIR.rglob("*.py")):
            parts = source.relative_to(PROOFS_DIR).parts
            if parts[0] == "_when":
                if not all(chosen.get(k) == v for k, v in conditions(parts[1]).items()):
                    continue
                parts = parts[2:]
            text = environment.from_string(source.read_text()).render(cookiecutter=answers)
            destination = target.joinpath(*parts)
            destination.parent.mkdir(parents=True, exist_ok=True)
            destination.write_text(text)
        return target


def conditions(folder: str) -> dict[str, str]:
    """_when/<option>=<choice>[,<option>=<choice>]: the conditions of a folder's name."""
    return dict(condition.split("=", 1) for condition in folder.split(","))


def folder_values(answers: dict) -> dict[str, str]:
    """Each option as a folder name under _when/ spells it: yes/no options as yes or no, and
    derived options (cookiecutter.json's private "__" variables) without the underscores."""
    return {
        key.removeprefix("__"): ("yes" if value else "no") if isinstance(value, bool) else value
        for key, value in answers.items()
        if isinstance(value, bool | str) and (key.startswith("__") or not key.startswith("_"))
    }


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every check of one generated project runs on one xdist worker (--dist=loadgroup), which
    generates and installs it once. First: xdist's own hook reads the marks this one adds."""
    for item in items:
        callspec = getattr(item, "callspec", None)
        if callspec is not None and "project" in callspec.params:
            item.add_marker(pytest.mark.xdist_group(callspec.params["project"]))


@pytest.fixture(scope="session", params=list(COMBINATIONS), ids=list(COMBINATIONS))
def project(request, tmp_path_factory) -> Project:
    name = request.param
    path = bake(tmp_path_factory.mktemp(name), **COMBINATIONS[name])
    generated = Project(name, path, index=list(COMBINATIONS).index(name))
    generated.run("uv", "sync", "--quiet")
    return generated
