"""The Rasa server's jsonschema speed-up must validate exactly as jsonschema does."""

from __future__ import annotations

import jsonschema
import pytest
from rasa.core.actions.action import RemoteAction

from coach import schema_cache

schema_cache.install()


def test_a_valid_action_answer_passes_and_an_invalid_one_fails_with_the_same_error():
    schema = RemoteAction.action_response_format_spec()
    good = {"events": [{"event": "slot", "name": "turn", "value": 1}], "responses": []}
    assert jsonschema.validate(good, schema) is None
    bad = {"events": "not a list", "responses": []}
    with pytest.raises(jsonschema.ValidationError) as cached:
        jsonschema.validate(bad, schema)
    with pytest.raises(jsonschema.ValidationError) as original:
        jsonschema.validate.__wrapped__(bad, schema)
    assert cached.value.message == original.value.message


def test_a_broken_schema_is_still_refused():
    with pytest.raises(jsonschema.SchemaError):
        jsonschema.validate({}, {"type": "no-such-type"})
