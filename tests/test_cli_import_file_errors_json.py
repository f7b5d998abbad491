"""`tj import FILE --json` refusing a file prints one JSON error object whose subject says
what to do: "file" for a file no app's export (not JSON, not an export tj knows), "app
update" for an export of a newer version than this app reads (real server on loopback)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from click.testing import Result

from tests.test_cli import Device, laptop  # noqa: F401


def one_error(done: Result) -> dict[str, Any]:
    """The one JSON document on stdout of a failed command: its error object."""
    assert "Traceback" not in done.output, done.output
    assert done.exit_code not in (0, None), done.output
    said = json.loads(done.stdout)
    assert list(said) == ["error"], said
    error: dict[str, Any] = said["error"]
    return error


async def test_a_file_that_is_no_export_or_of_a_newer_app_has_a_subject(
    laptop: Device,  # noqa: F811
    tmp_path: Path,
) -> None:
    await laptop.ok("write", "Flying.")
    path = (await laptop.ok("export", "--out", str(tmp_path / "exp"))).stdout.strip()
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    error = one_error(await laptop.tj("import", str(bad), "--json"))
    assert (error["subject"], error["exit_status"]) == ("file", 1), error
    assert "is not JSON" in error["message"]
    other = tmp_path / "other.json"
    other.write_text(json.dumps({"hello": 1}))
    error = one_error(await laptop.tj("import", str(other), "--json"))
    assert error["subject"] == "file" and "is not an export tj knows" in error["message"]

    data = json.loads(Path(path).read_text())
    data["version"] = 99
    newer = tmp_path / "newer.json"
    newer.write_text(json.dumps(data))
    error = one_error(await laptop.tj("import", str(newer), "--json"))
    assert error["subject"] == "app update", error
    assert "made by a newer app: update this one" in error["message"]


async def test_every_malformed_field_of_an_export_has_the_subject_file(
    laptop: Device,  # noqa: F811
    tmp_path: Path,
) -> None:
    from client_sdk.archive import FORMAT

    await laptop.ok("write", "Flying.")
    path = (await laptop.ok("export", "--out", str(tmp_path / "exp"))).stdout.strip()
    good = json.loads(Path(path).read_text())
    cases = {
        "no version": ({"format": FORMAT}, "the file lacks 'version'"),
        "version x": ({**good, "version": "x"}, "'version' should be a whole number"),
        "version 0": ({**good, "version": 0}, "this export has version 0"),
        "no journals": ({k: v for k, v in good.items() if k != "journals"}, "'journals'"),
        "entry bad": ({**good, "entries": [{**good["entries"][0], "mood": 99}]}, "entries[0]"),
    }
    for name, (data, words) in cases.items():
        bad = tmp_path / f"{name}.json"
        bad.write_text(json.dumps(data))
        error = one_error(await laptop.tj("import", str(bad), "--json"))
        assert (error["subject"], error["exit_status"]) == ("file", 1), (name, error)
        assert words in error["message"], (name, error)


def test_a_file_that_is_no_json_object_is_no_export_for_the_sdk() -> None:
    from client_sdk.archive import Archive
    from client_sdk.errors import BAD_VALUE, InvalidInput

    for data in ([1], "x", None):
        try:
            Archive.from_dict(data)
        except InvalidInput as error:
            assert error.subject == BAD_VALUE, error
            assert "not a Therapy Journal export" in str(error)
        else:
            raise AssertionError(data)
