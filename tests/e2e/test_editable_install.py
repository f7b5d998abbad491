"""`pip install -e .`, as `.ci/setup` (and so the first `bash .ci/serve`) runs it, installs the
project without setuptools' "Editable installation ... folders in your working directory with
the same name as your package" warning box (NU32 #13): pyproject.toml names the project's root
as its package folder, so the install is a plain .pth file naming the checkout, not an import
hook. Run in a throwaway venv on a copy of the project (an install beside the test's own venv
would replace the editable install the suite runs from)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[2]
HANG = 600  # bounds a hang only: pip builds the project in an isolated environment


PACKAGES = ("server", "client_sdk", "cli")


def _copy_project(tmp_path: Path) -> Path:
    """A copy of what an install reads: pyproject.toml, README.md and the three packages."""
    project = tmp_path / "project"
    project.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, project / name)
    for package in PACKAGES:
        shutil.copytree(
            ROOT / package, project / package, ignore=shutil.ignore_patterns("__pycache__")
        )
    return project


def _install(tmp_path: Path, *target: str) -> tuple[Path, subprocess.CompletedProcess[str]]:
    """`pip install --no-deps TARGET…` into a new venv under tmp_path: (its python, pip's run)."""
    venv = tmp_path / "venv"
    subprocess.run(
        [sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=HANG
    )
    python = venv / "bin" / "python"
    installed = subprocess.run(  # the suite's pip (`.ci/setup` upgrades it), into that venv
        [sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps",
         "--disable-pip-version-check", *target],
        capture_output=True,
        text=True,
        timeout=HANG,
        env=ENVIRONMENT,
        cwd=tmp_path,
    )  # fmt: skip
    return python, installed


ENVIRONMENT = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}


def test_a_plain_install_carries_every_data_file_of_the_packages(tmp_path: Path) -> None:
    """README's `pip install /path/to/repo` (not editable) copies each package's files into
    site-packages: every file of the packages that is not Python source (the PHQ-9, GAD-7 and
    PCL-5 instruments, the safety resources, the templates, py.typed) must be there, or the
    safety response fails on its first use (nu82 F1: `data/safety.json` was left out)."""
    project = _copy_project(tmp_path)
    _python, installed = _install(tmp_path, str(project))
    assert installed.returncode == 0, installed.stdout + installed.stderr
    [site] = (tmp_path / "venv" / "lib").glob("python3*/site-packages")
    data = sorted(
        str(path.relative_to(project))
        for package in PACKAGES
        for path in (project / package).rglob("*")
        if path.is_file() and path.suffix != ".py"
    )
    assert "client_sdk/data/safety.json" in data and "client_sdk/py.typed" in data
    assert [name for name in data if not (site / name).is_file()] == []


def test_an_editable_install_prints_no_warning_and_puts_the_checkout_on_the_path(
    tmp_path: Path,
) -> None:
    project = _copy_project(tmp_path)
    (project / "tests").mkdir()  # a folder that is not a package of the project
    python, installed = _install(tmp_path, "-e", str(project))
    venv = tmp_path / "venv"
    environment = ENVIRONMENT
    said = installed.stdout + installed.stderr
    assert installed.returncode == 0, said
    assert "Successfully installed therapy-journal-sync" in said, said
    assert "Editable installation" not in said, said
    assert "same name as your package" not in said, said
    assert "BuildBackendWarning" not in said, said
    # What the install left: one .pth naming the checkout, no import hook module.
    [site] = (venv / "lib").glob("python3*/site-packages")
    assert not list(site.glob("__editable___*finder.py"))
    [pth] = site.glob("__editable__.therapy_journal_sync-*.pth")
    assert pth.read_text().split() == [str(project.resolve())]
    # The project's packages import from the checkout, as the quick start needs (`tj`,
    # `tj-server`), from another directory; the console scripts are there.
    found = subprocess.run(
        [str(python), "-c", textwrap.dedent("""
            import importlib.util
            for name in ("server", "client_sdk", "cli"):
                print(importlib.util.find_spec(name).origin)
        """)],
        capture_output=True,
        text=True,
        timeout=HANG,
        env=environment,
        cwd="/",
        check=True,
    )  # fmt: skip
    assert found.stdout.split() == [
        str(project.resolve() / name / "__init__.py") for name in ("server", "client_sdk", "cli")
    ]
    assert (venv / "bin" / "tj").exists() and (venv / "bin" / "tj-server").exists()
