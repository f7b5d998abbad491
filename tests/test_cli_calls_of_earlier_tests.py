"""`run_tj`'s CLI calls run in worker threads, and CliRunner sets each call's environment in
the process's os.environ: a call an earlier test left running (its awaiting task cancelled)
put its old COLUMNS back in the middle of a later test's call (ci-331: a line meant for 200
columns wrapped at 80). A call now waits for the calls of earlier tests (`tests.test_cli._invoke`)."""

from __future__ import annotations

import socket
import threading
import time
from pathlib import Path

from tests.test_cli import BASE_ENV, _invoke


def test_a_call_waits_for_one_an_earlier_test_left_running(tmp_path: Path) -> None:
    hung = socket.socket()  # listens and never answers: the earlier call waits on it 1 s
    hung.bind(("127.0.0.1", 0))
    hung.listen()
    url = f"http://127.0.0.1:{hung.getsockname()[1]}"
    ended: dict[str, float] = {}

    def earlier() -> None:
        args = ["--home", str(tmp_path / "a"), "--server-wait", "1", "login", url, "ana"]
        _invoke("tests/earlier.py::test_left_running", args, None, {**BASE_ENV, "COLUMNS": "80"})
        ended["earlier"] = time.monotonic()

    thread = threading.Thread(target=earlier)
    thread.start()
    try:
        time.sleep(0.3)  # the earlier call is waiting on the hung server
        later = {**BASE_ENV, "COLUMNS": "200"}
        result = _invoke("tests/later.py::test_now", ["--help"], None, later)
        ended["later"] = time.monotonic()
    finally:
        thread.join()
        hung.close()
    assert result.exit_code == 0, result.output
    assert ended["earlier"] <= ended["later"]  # it ran only once the earlier call was done
