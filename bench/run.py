"""`make bench`: generate the default project, install it, and benchmark it (harness.py).

    make bench                                 # about 10 minutes; writes bench/results/latest.md
    BENCH_SECONDS=2 BENCH_ROUNDS=1 make bench  # a quick look
    BENCH_STRICT=1 make bench                  # exits 1 if a target is missed

The project is generated with every option at its default (project name "Bench Lab", so that
its database, bench_lab, is nobody else's; BENCH_PROJECT_NAME to change it) into
BENCH_WORKDIR (a temporary directory, removed afterwards unless BENCH_KEEP=1). The harness
then runs with the generated project's own interpreter. Needs what the template's tests need (uv, PostgreSQL, Redis, Debian's pgbouncer)
and wrk (Debian: apt-get install wrk). BENCH_OUTPUT names the markdown file to write
(bench/results/latest.md); see harness.py for the other BENCH_* variables.
"""

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from cookiecutter.main import cookiecutter

BENCH_DIR = Path(__file__).resolve().parent
TEMPLATE_DIR = BENCH_DIR.parent
PROJECT_NAME = os.environ.get("BENCH_PROJECT_NAME", "Bench Lab")


def main() -> int:
    workdir = Path(os.environ.get("BENCH_WORKDIR") or tempfile.mkdtemp(prefix="template-bench-"))
    workdir.mkdir(parents=True, exist_ok=True)
    try:
        project = Path(
            cookiecutter(
                str(TEMPLATE_DIR),
                no_input=True,
                output_dir=str(workdir),
                overwrite_if_exists=True,
                extra_context={"project_name": PROJECT_NAME},
            )
        )
        print(f"Generated {project}")
        # Bytecode compiled at install, as in the project's image (UV_COMPILE_BYTECODE=1).
        subprocess.run(["uv", "sync", "--quiet", "--compile-bytecode"], cwd=project, check=True)
        python = project / ".venv" / "bin" / "python"
        # Django's own pool is one of the claims measured, which the default project does not
        # use; mirakuru starts and stops the servers, as in the template's proofs.
        subprocess.run(
            [
                "uv",
                "pip",
                "install",
                "--quiet",
                "--python",
                str(python),
                "psycopg-pool",
                "mirakuru",
            ],
            cwd=project,
            check=True,
        )
        if os.environ.get("BENCH_PROFILE") == "1":
            install = ["uv", "pip", "install", "--quiet", "--python", str(python), "py-spy"]
            subprocess.run(install, cwd=project, check=False)
        output = Path(os.environ.get("BENCH_OUTPUT") or BENCH_DIR / "results" / "latest.md")
        command = [str(python), str(BENCH_DIR / "harness.py"), "--project", str(project)]
        return subprocess.run([*command, "--output", str(output)], check=False).returncode
    finally:
        if os.environ.get("BENCH_KEEP") != "1":
            shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
