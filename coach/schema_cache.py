"""Rasa checks every action server answer with ``jsonschema.validate``, which first
checks the *schema* against its metaschema, on every call. With jsonschema 4.17 (Rasa
3.6's pin) that metaschema check is the single largest cost of a scored turn in the
Rasa server: about a quarter of its time per message, measured with py-spy
(docs/scale.md). :func:`install` makes ``jsonschema.validate`` check each distinct
schema once and reuse the validator; what is validated, and the errors raised, are
exactly jsonschema's own. Installed by coach.channel, the one module of ours that the
Rasa server loads. No Rasa code is changed.
"""

from __future__ import annotations

import json
import threading
from typing import Any

_MAX_SCHEMAS = 64
_installed = False
_lock = threading.Lock()


def install() -> None:
    """Replace ``jsonschema.validate`` with the caching version (idempotent)."""
    global _installed
    import jsonschema
    from jsonschema.exceptions import best_match
    from jsonschema.validators import validator_for

    with _lock:
        if _installed:
            return
        original = jsonschema.validate
        cache: dict[str, Any] = {}

        def validate(instance: Any, schema: Any, cls: Any = None, *args: Any, **kwargs: Any):
            if cls is not None or args or kwargs:
                return original(instance, schema, cls, *args, **kwargs)
            try:
                key = json.dumps(schema, sort_keys=True)
            except (TypeError, ValueError):
                return original(instance, schema)
            validator = cache.get(key)
            if validator is None:
                validator_class = validator_for(schema)
                validator_class.check_schema(schema)  # the check done once per schema
                validator = validator_class(schema)
                if len(cache) < _MAX_SCHEMAS:
                    cache[key] = validator
            error = best_match(validator.iter_errors(instance))
            if error is not None:
                raise error
            return None

        validate.__doc__ = original.__doc__
        validate.__wrapped__ = original  # type: ignore[attr-defined]
        jsonschema.validate = validate
        _installed = True
