"""Score responses as JSON bytes, written directly instead of through the response model.

A route that returns a dict has FastAPI validate it against ``response_model`` and serialise it
through pydantic: for one scored loan with its explanation and freshness that was a sizeable
share of the request. The service already builds the payload from plain, typed values (floats,
ints, strings, UTC datetimes), so the score routes encode it with the standard library.
``ScoreResponse`` stays the documented schema (OpenAPI), and ``tests/serving/test_encoding.py``
checks that these bytes validate against it and equal pydantic's own serialisation.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

from fastapi import Response

from serving.schemas import ScoreResponse

JSON_MEDIA_TYPE = "application/json"
_ZERO = timedelta(0)


def _default(value: Any) -> Any:
    if isinstance(value, datetime):
        text = value.isoformat()
        # pydantic writes a zero UTC offset as "Z"
        return text[:-6] + "Z" if value.utcoffset() == _ZERO and text.endswith("+00:00") else text
    raise TypeError(f"cannot encode {type(value).__name__} as JSON")


def encode_payload(payload: dict[str, Any]) -> bytes:
    """The payload as JSON; a value JSON cannot carry (NaN, an unknown type) falls back to
    pydantic's serialisation through the schema."""
    try:
        return json.dumps(payload, default=_default, allow_nan=False, separators=(",", ":")).encode()
    except (TypeError, ValueError):
        return ScoreResponse.model_validate(payload).model_dump_json().encode()


def score_response(payload: dict[str, Any]) -> Response:
    return Response(encode_payload(payload), media_type=JSON_MEDIA_TYPE)
