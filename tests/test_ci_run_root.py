"""NU35 #11: `.ci/run` called apt-get without checking for root, so a run that was not root
failed inside apt-get, after the setup, lint and type-check. Now such a run names what to
install (and `sudo`) and stops before anything else; as root (CI) it installs what is
missing and goes on as before.

The real script runs in a copy of `.ci/` (bash, real arrays and tests); what it would start
(the setup, ruff, mypy, pytest, apt-get) and `id` (to be root or not, and to have no
`postgres` user) are stand-ins that log their arguments, so nothing is installed and the
suite does not run inside itself. With PATH holding only those, Chromium is missing too."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def stand_in(path: Path, body: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"#!/bin/bash\n{body}\n")
    path.chmod(0o755)


def run_ci(tmp_path: Path, uid: int) -> tuple[subprocess.CompletedProcess[str], list[str]]:
    """`.ci/run tests/x.py` in a copy, as `uid` (0: root); its result and the commands it
    started, one line each ("apt-get install ...")."""
    (tmp_path / ".ci").mkdir()
    shutil.copy(ROOT / ".ci" / "run", tmp_path / ".ci" / "run")
    log = tmp_path / "started.log"
    logs = f'echo "${{0##*/}} $*" >> {log}'
    stand_in(tmp_path / ".ci" / "setup", logs)
    for tool in ("ruff", "mypy", "pytest"):
        stand_in(tmp_path / ".venv" / "bin" / tool, logs)
    bin_dir = tmp_path / "bin"
    stand_in(
        bin_dir / "id",
        f'if [ "$1" = -u ]; then echo {uid}; exit 0; fi\nexit 1  # no `postgres` user',
    )
    refused = 'echo "E: Could not open lock file - are you root?" >&2; exit 100'
    stand_in(bin_dir / "apt-get", logs + ("" if uid == 0 else f"\n{refused}"))
    for tool in ("bash", "dirname"):  # what the script itself calls, besides the above
        found = shutil.which(tool)
        assert found is not None
        (bin_dir / tool).symlink_to(found)
    env = {"PATH": str(bin_dir), "TMPDIR": str(tmp_path), "HOME": str(tmp_path)}
    result = subprocess.run(
        ["/bin/bash", str(tmp_path / ".ci" / "run"), "tests/x.py"],
        env=env, capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    return result, log.read_text().splitlines() if log.exists() else []


def test_a_run_that_is_not_root_names_what_to_install_and_stops(tmp_path: Path) -> None:
    result, started = run_ci(tmp_path, uid=1000)
    assert result.returncode == 1, (result.stdout, result.stderr)
    told = " ".join(result.stderr.split())
    assert (
        ".ci/run: the tests need postgresql-15 chromium, not installed here, and installing "
        "needs root: run `sudo apt-get update && sudo apt-get install -y "
        "--no-install-recommends postgresql-15 chromium` (or run `sudo bash .ci/run`), then "
        ".ci/run again."
    ) == told, told
    assert started == []  # no apt-get, and not the setup, lint or tests before it either


def test_as_root_what_is_missing_is_installed_and_the_run_goes_on(tmp_path: Path) -> None:
    result, started = run_ci(tmp_path, uid=0)
    assert result.returncode == 0, (result.stdout, result.stderr)
    assert started[:3] == ["setup --test", "ruff check server client_sdk cli tests bench examples",
                           "mypy "]  # fmt: skip
    installed = {
        word
        for line in started
        if line.startswith("apt-get install")
        for word in line.split()[1:]
        if not word.startswith("-") and word != "install"
    }
    assert installed == {"postgresql-15", "chromium"}
    assert "apt-get update" in started
    assert started[-1] == "pytest -q -p no:cacheprovider -n 2 tests/x.py"
