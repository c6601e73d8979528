"""A generated project records its template in .cruft.json, and `cruft diff` / `cruft update`
then bring in exactly what changed in the template since."""

import json
import shutil
import sys
from pathlib import Path

import pytest

from tests.conftest import TEMPLATE_DIR, run

CRUFT = str(Path(sys.executable).parent / "cruft")
GIT_IDENTITY = {
    "GIT_AUTHOR_NAME": "Template Test",
    "GIT_AUTHOR_EMAIL": "template-test@example.com",
    "GIT_COMMITTER_NAME": "Template Test",
    "GIT_COMMITTER_EMAIL": "template-test@example.com",
}


def git(directory: Path, *args: str) -> str:
    return run(["git", *args], cwd=directory, env=GIT_IDENTITY).stdout.strip()


def commit_all(directory: Path, message: str) -> str:
    git(directory, "add", "--all")
    git(directory, "commit", "--quiet", "--message", message)
    return git(directory, "rev-parse", "HEAD")


def changed_lines(diff: str) -> list[str]:
    return [
        line
        for line in diff.splitlines()
        if line[:1] in "+-" and not line.startswith(("+++", "---"))
    ]


@pytest.fixture
def template(tmp_path) -> Path:
    """A throwaway copy of this template, one commit in its own repository."""
    copy = tmp_path / "template"
    # The files of this checkout, committed or not, without what git ignores (.venv, caches).
    listed = git(TEMPLATE_DIR, "ls-files", "-z", "--cached", "--others", "--exclude-standard")
    for name in filter(None, listed.split("\0")):
        if (TEMPLATE_DIR / name).is_file():
            (copy / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(TEMPLATE_DIR / name, copy / name)
    git(copy, "init", "--quiet")
    commit_all(copy, "The template as the project was generated from it")
    return copy


@pytest.fixture
def project(template, tmp_path) -> Path:
    out = tmp_path / "out"
    cookiecutter = [sys.executable, "-m", "cookiecutter", "--no-input", str(template)]
    run([*cookiecutter, "-o", str(out), "project_name=Cruft Probe", "auth=jwt"], cwd=tmp_path)
    project = out / "cruft_probe"
    git(project, "init", "--quiet")
    commit_all(project, "Generated")
    return project


def test_the_project_records_its_template_commit_and_answers(template, project):
    state = json.loads((project / ".cruft.json").read_text())

    assert state["template"] == str(template)
    assert state["commit"] == git(template, "rev-parse", "HEAD")
    answers = state["context"]["cookiecutter"]
    assert (answers["project_name"], answers["auth"]) == ("Cruft Probe", "jwt")
    assert answers["_commit"] == state["commit"]
    # Only the answers: nothing about the machine it was generated on.
    assert not {"_output_dir", "_repo_dir"} & answers.keys()
    assert ".env" in state["skip"]


def test_cruft_diff_and_update_bring_exactly_the_template_change(template, project):
    # Nothing to report while the template has not moved: the project regenerates identically
    # (its fresh secrets are skipped), so any later diff is the template's change.
    assert run([CRUFT, "diff"], cwd=project).stdout == ""
    run([CRUFT, "check"], cwd=project)

    env_example = template / "{{cookiecutter.project_slug}}" / ".env.example"
    env_example.write_text(env_example.read_text().replace("LOG_LEVEL=INFO", "LOG_LEVEL=WARNING"))
    new_commit = commit_all(template, "Quieter logs by default")

    diff = run([CRUFT, "diff", "--checkout", new_commit], cwd=project).stdout
    assert [line for line in diff.splitlines() if line.startswith("diff --git")] == [
        "diff --git upstream-template-old/.env.example upstream-template-new/.env.example"
    ]
    assert changed_lines(diff) == ["-LOG_LEVEL=INFO", "+LOG_LEVEL=WARNING"]
    with pytest.raises(AssertionError, match="cruft check"):
        run([CRUFT, "check"], cwd=project)

    run([CRUFT, "update", "--skip-apply-ask", "--checkout", new_commit], cwd=project)
    assert "LOG_LEVEL=WARNING" in (project / ".env.example").read_text()
    assert json.loads((project / ".cruft.json").read_text())["commit"] == new_commit
    # The change, and the new commit in .cruft.json: nothing else (cruft stages the change).
    assert git(project, "diff", "HEAD", "--name-only").split() == [".cruft.json", ".env.example"]
    assert changed_lines(git(project, "diff", "HEAD", "--", ".env.example")) == [
        "-LOG_LEVEL=INFO",
        "+LOG_LEVEL=WARNING",
    ]
