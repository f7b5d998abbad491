"""Homework templates as data: structured entries (a CBT thought record, a behavioural
activation log, a sleep diary following the Consensus Sleep Diary) and their checks.

A template (client_sdk/data/templates/<id>.json) lists fields with a type:

| type | value |
|---|---|
| `text` | a string, at most 10,000 characters |
| `integer` | a whole number from `min` to `max` |
| `boolean` | true or false |
| `clock` | a local clock time "HH:MM" (24 h) |

and may name computed values. The sleep diary computes, following Carney et al. 2012 (Sleep
35(2):287-302): time in bed = out of bed - into bed; total sleep time = (final awakening -
trying to sleep) - time to fall asleep - time awake in the night; sleep efficiency = total
sleep time / time in bed x 100 (rounded to one decimal). A night may cross midnight: each
clock time is read as the first such time at or after getting into bed.

Pure: no I/O besides reading the packaged data files.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

from client_sdk.errors import BAD_VALUE, InvalidInput

TEXT, INTEGER, BOOLEAN, CLOCK = "text", "integer", "boolean", "clock"
MAX_TEXT = 10_000
BUILTIN = ("thought-record", "behavioural-activation", "sleep-diary")
_CLOCK = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")
DAY_MINUTES = 24 * 60


@dataclass(frozen=True)
class TemplateField:
    """One field of a homework template: id, label, `type` ("text", "integer", "boolean" or "clock"),
    whether it is required, and for numbers the inclusive `min` and `max`."""

    id: str
    label: str
    type: str
    required: bool
    min: int | None = None
    max: int | None = None


@dataclass(frozen=True)
class Template:
    """A structured homework template (templates.py): id, version, title, description, its
    `fields`, the ids of the values it computes from them (`computed`), and the `source` the
    exercise comes from (attribution)."""

    id: str
    version: int
    title: str
    description: str
    fields: tuple[TemplateField, ...]
    computed: tuple[str, ...]
    source: str

    def field(self, field_id: str) -> TemplateField:
        """The field with this id; InvalidInput if the template has none."""
        for candidate in self.fields:
            if candidate.id == field_id:
                return candidate
        raise InvalidInput(
            f"{self.title} has no field {field_id!r}: its fields are "
            f"{', '.join(f.id for f in self.fields)}",
            subject=BAD_VALUE,
        )

    def check(self, values: Mapping[str, Any]) -> dict[str, Any]:
        """Values checked against the fields; InvalidInput names the first problem."""
        for name in values:
            self.field(name)
        checked: dict[str, Any] = {}
        for spec in self.fields:
            value = values.get(spec.id)
            if value is None or value == "":
                if spec.required:
                    raise InvalidInput(
                        f"{self.title}: {spec.id} is required ({spec.label})", subject=BAD_VALUE
                    )
                continue
            checked[spec.id] = check_value(spec, value)
        return checked

    def computed_values(self, values: Mapping[str, Any]) -> dict[str, Any]:
        """The values this template derives from `values` (e.g. sleep efficiency), by id."""
        if "sleep_efficiency_percent" in self.computed:
            return sleep_figures(values)
        return {}


def check_value(spec: TemplateField, value: Any) -> Any:
    if spec.type == TEXT:
        if not isinstance(value, str) or len(value) > MAX_TEXT:
            raise InvalidInput(
                f"{spec.id} is text of at most {MAX_TEXT} characters", subject=BAD_VALUE
            )
        return value
    if spec.type == BOOLEAN:
        if not isinstance(value, bool):
            raise InvalidInput(f"{spec.id} is yes or no", subject=BAD_VALUE)
        return value
    if spec.type == CLOCK:
        if not isinstance(value, str) or not _CLOCK.match(value):
            raise InvalidInput(
                f"{spec.id} is a time HH:MM (24 h), not {value!r}", subject=BAD_VALUE
            )
        return value
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidInput(f"{spec.id} is a whole number, not {value!r}", subject=BAD_VALUE)
    low, high = spec.min if spec.min is not None else 0, spec.max
    if value < low or (high is not None and value > high):
        raise InvalidInput(f"{spec.id} is from {low} to {high}, not {value}", subject=BAD_VALUE)
    return value


def parse_field_value(spec: TemplateField, text: str) -> Any:
    """A value typed on a command line, read by the field's type; a number whose label
    names it in percent ("(0-100%)") may end with "%" ("80%")."""
    if spec.type == INTEGER:
        number = text.strip()
        if number.endswith("%") and "%" in spec.label:
            number = number[:-1].rstrip()
        try:
            return int(number)
        except ValueError:
            raise InvalidInput(
                f"{spec.id} is a whole number, not {text!r}", subject=BAD_VALUE
            ) from None
    if spec.type == BOOLEAN:
        folded = text.strip().lower()
        if folded in ("yes", "y", "true", "1"):
            return True
        if folded in ("no", "n", "false", "0"):
            return False
        raise InvalidInput(f"{spec.id} is yes or no, not {text!r}", subject=BAD_VALUE)
    return text.strip() if spec.type == CLOCK else text


def _minutes(clock: str) -> int:
    hours, minutes = clock.split(":")
    return int(hours) * 60 + int(minutes)


COMPUTED_LABELS = {
    "time_in_bed_minutes": "Time in bed (minutes)",
    "total_sleep_minutes": "Total sleep time (minutes)",
    "sleep_efficiency_percent": "Sleep efficiency (%: total sleep time / time in bed)",
}
"""Plain labels of the computed values, by id (the fields' labels are in each template)."""


def sleep_figures(values: Mapping[str, Any]) -> dict[str, Any]:
    """Time in bed, total sleep time (minutes) and sleep efficiency (percent, one decimal),
    or {} when a needed value is missing. InvalidInput if the times do not fit together."""
    needed = ("bed_time", "try_sleep_time", "final_wake_time", "out_of_bed_time")
    if any(not isinstance(values.get(n), str) for n in needed):
        return {}
    bed = _minutes(values["bed_time"])

    def after_bed(name: str) -> int:
        return (_minutes(values[name]) - bed) % DAY_MINUTES

    try_sleep, final_wake, out_of_bed = (
        after_bed("try_sleep_time"),
        after_bed("final_wake_time"),
        after_bed("out_of_bed_time"),
    )
    if not try_sleep <= final_wake <= out_of_bed or out_of_bed == 0:
        raise InvalidInput(
            "sleep diary times go in order: into bed, try to sleep, final awakening, out of bed",
            subject=BAD_VALUE,
        )
    onset = int(values.get("sleep_onset_minutes") or 0)
    awake = int(values.get("awake_minutes") or 0)
    total_sleep = final_wake - try_sleep - onset - awake
    if total_sleep < 0:
        raise InvalidInput(
            "time to fall asleep and time awake add up to more than the night in bed",
            subject=BAD_VALUE,
        )
    return {
        "time_in_bed_minutes": out_of_bed,
        "total_sleep_minutes": total_sleep,
        "sleep_efficiency_percent": round(total_sleep * 100 / out_of_bed, 1),
    }


def parse_template(data: Any) -> Template:
    try:
        fields = tuple(
            TemplateField(
                id=str(f["id"]),
                label=str(f["label"]),
                type=str(f["type"]),
                required=bool(f["required"]),
                min=f.get("min"),
                max=f.get("max"),
            )
            for f in data["fields"]
        )
        template = Template(
            id=str(data["id"]),
            version=int(data["version"]),
            title=str(data["title"]),
            description=str(data["description"]),
            fields=fields,
            computed=tuple(str(c) for c in data.get("computed") or ()),
            source=str(data["source"]),
        )
    except (KeyError, TypeError, ValueError) as error:
        raise InvalidInput(f"malformed template definition: {error}", subject=BAD_VALUE) from None
    if any(f.type not in (TEXT, INTEGER, BOOLEAN, CLOCK) for f in template.fields):
        raise InvalidInput(f"{template.id}: unknown field type", subject=BAD_VALUE)
    return template


@cache
def builtin_templates() -> dict[str, Template]:
    """The homework templates shipped with the SDK, by id."""
    folder = resources.files("client_sdk") / "data" / "templates"
    return {
        name: parse_template(json.loads((folder / f"{name}.json").read_text("utf-8")))
        for name in BUILTIN
    }


def template(name: str) -> Template:
    wanted = name.strip().lower().replace("_", "-").replace(" ", "-")
    wanted = wanted.replace("behavioral", "behavioural")
    found = builtin_templates().get(wanted)
    if found is None:
        raise InvalidInput(
            f"unknown template {name!r}: choose from {', '.join(BUILTIN)}", subject=BAD_VALUE
        )
    return found
