"""`.ci/serve` on a fresh clone printed only pip's warnings for about a minute, with no line
saying it was installing: a new user could not tell it from a hang. `.ci/setup` (which
`.ci/serve` and `.ci/run` start) now says so in one line before pip's output, and nothing when
the install is skipped.

The real scripts run in a copy of `.ci/` with the real pyproject.toml; `python3` (making the
virtual environment), the environment's python (pip, compileall) and `tj-server` are stand-ins
that log what they were asked and print as pip does, so nothing is installed."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from tests.test_ci_run_root import ROOT, stand_in

PIP_SAYS = "WARNING: Location file:///opt/simple/pygments/ is ignored"
SAID = (
    "Installing the project into .venv: about a minute on a fresh clone, pip's messages follow..."
)


def copy_of_the_project(tmp_path: Path) -> tuple[Path, dict[str, str], Path]:
    """A copy of `.ci/` and pyproject.toml with stand-ins: the folder, the environment to
    run in, and the log of what was started."""
    project = tmp_path / "clone"
    (project / ".ci").mkdir(parents=True)
    for script in ("setup", "serve"):
        shutil.copy(ROOT / ".ci" / script, project / ".ci" / script)
    shutil.copy(ROOT / "pyproject.toml", project / "pyproject.toml")
    log = tmp_path / "started.log"
    venv_python = f'echo "python $*" >> {log}\nif [ "$2" = pip ]; then echo "{PIP_SAYS}" >&2; fi'
    bin_dir = tmp_path / "bin"
    stand_in(
        bin_dir / "python3",
        f'echo "python3 $*" >> {log}\n'
        "mkdir -p .venv/bin\n"
        f"printf '#!/bin/bash\\n%s\\n' '{venv_python}' > .venv/bin/python\n"
        "chmod +x .venv/bin/python\n"
        f"printf '#!/bin/bash\\necho \"tj-server $*\" >> {log}\\n' > .venv/bin/tj-server\n"
        "chmod +x .venv/bin/tj-server",
    )
    for tool in ("bash", "dirname", "sha256sum", "cut", "grep", "mkdir", "chmod", "cat"):
        found = shutil.which(tool)
        assert found is not None
        (bin_dir / tool).symlink_to(found)
    env = {"PATH": str(bin_dir), "HOME": str(tmp_path), "PORT": "18999"}
    return project, env, log


def run(project: Path, env: dict[str, str], *script: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["/bin/bash", str(project / ".ci" / script[0]), *script[1:]],
        env=env, capture_output=True, text=True, timeout=60, check=False, cwd=project,
    )  # fmt: skip


def test_serve_says_it_is_installing_before_pip_and_nothing_once_installed(
    tmp_path: Path,
) -> None:
    project, env, log = copy_of_the_project(tmp_path)
    first = run(project, env, "serve")
    assert first.returncode == 0, (first.stdout, first.stderr)
    lines = first.stderr.splitlines()
    assert lines[0] == SAID
    assert PIP_SAYS in lines[1:]  # pip's own output comes after the line
    started = log.read_text().splitlines()
    assert started[0] == "python3 -m venv .venv"
    assert "python -m pip install -q -e ." in started
    assert started[-1].startswith("tj-server --data ./tj-server-data --host 127.0.0.1 --port 18999")

    again = run(project, env, "serve")  # installed: no line, no pip
    assert again.returncode == 0, (again.stdout, again.stderr)
    assert again.stderr == ""
    assert sum("pip install" in line for line in log.read_text().splitlines()) == 2  # first only


def test_the_test_setup_of_run_says_it_too_naming_the_test_extras(tmp_path: Path) -> None:
    project, env, _ = copy_of_the_project(tmp_path)
    done = run(project, env, "setup", "--test")
    assert done.returncode == 0, (done.stdout, done.stderr)
    assert done.stderr.splitlines()[0] == (
        "Installing the project with its test extras into .venv: about a minute on a fresh "
        "clone, pip's messages follow..."
    )
    assert run(project, env, "setup", "--test").stderr == ""
