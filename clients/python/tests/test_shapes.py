"""The dataclasses name exactly the fields clients/api-shapes.json lists (which
tests/integration/test_api_shapes.py checks against docs/api.md and the server)."""
import dataclasses
import json
import pathlib

import pytest

import bounceback.types as types

SHAPES = json.loads((pathlib.Path(__file__).parents[2] / "api-shapes.json").read_text())
CLASSES = ["Message", "MessageDetail", "Attempt", "Refusal", "ScenarioInfo", "Clock"]


@pytest.mark.parametrize("name", CLASSES)
def test_dataclass_fields_are_the_shared_shape(name):
    fields = [types.json_name(f.name) for f in dataclasses.fields(getattr(types, name))]
    assert fields == SHAPES["objects"][name]


def test_page_fields_are_the_shared_shape():
    fields = [f.name for f in dataclasses.fields(types.Page)]
    assert fields == SHAPES["page_fields"] + ["items"]
