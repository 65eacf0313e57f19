"""The JSON API: ``POST /api/evaluate`` (the route is in :mod:`.app`; its OpenAPI document is generated there)."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qs

from pydantic import BaseModel, Field

from ..i18n import LANGS, _
from ..profile import ProfileError, no_duplicate_keys
from ..result import Result

MAX_BODY = 64 * 1024
_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def error_body(field: str, code: str, message: str) -> dict[str, Any]:
    """The shape of every error the API returns (as :meth:`ProfileError.as_dict`)."""
    return {"errors": [{"field": field, "code": code, "message": message}]}


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def parse_query(query: str) -> tuple[str, bool, list[dict[str, str]]]:
    """``lang`` and ``explain`` from the query string, and the errors found in it."""
    errors: list[dict[str, str]] = []
    try:
        params = parse_qs(query, keep_blank_values=True, max_num_fields=20)
    except ValueError:
        params = {}
        errors.append({"field": "query", "code": "query", "message": _("The query string is not valid.", "en")})
    lang = params.get("lang", ["zh"])[-1]
    if lang not in LANGS:
        errors.append({"field": "lang", "code": "bad_lang", "message": _("The language must be zh or en.", "en")})
        lang = "en"
    explain_raw = params.get("explain", ["0"])[-1].strip().lower()
    if explain_raw not in _TRUE | _FALSE:
        errors.append({"field": "explain", "code": "bad_explain", "message": _("explain must be 0 or 1.", lang)})
    return lang, explain_raw in _TRUE, errors


def evaluate_json(engine: Any, query: str, body: bytes) -> tuple[int, bytes]:
    """Answer ``POST /api/evaluate``: (status, JSON body). 200, or 400/422 with field errors."""
    status, data = _evaluate(engine, query, body)
    if isinstance(data, Result):  # pydantic-core writes the JSON itself: three times faster than dumps(model_dump)
        return status, data.model_dump_json().encode("utf-8")
    return status, dumps(data)


def _evaluate(engine: Any, query: str, body: bytes) -> tuple[int, dict[str, Any] | Result]:
    lang, explain, errors = parse_query(query)
    if errors:
        return 400, {"errors": errors}
    try:
        data = json.loads(body.decode("utf-8"), parse_constant=_reject_constant,
                          object_pairs_hook=no_duplicate_keys(lang))
    except ProfileError as exc:  # a key given twice: neither value is guessed
        return 422, exc.as_dict()
    except (UnicodeDecodeError, ValueError, RecursionError):
        return 400, error_body("body", "json", _("The body is not valid JSON (UTF-8, no NaN or Infinity).", lang))
    try:
        result = engine.evaluate(data, lang=lang, explain=explain)
    except ProfileError as exc:
        return 422, exc.as_dict()
    except RecursionError:
        return 422, error_body("profile", "invalid", _("The profile is nested too deeply.", lang))
    return 200, result


def dumps(data: Any) -> bytes:
    return json.dumps(data, ensure_ascii=False, allow_nan=False, separators=(",", ":")).encode("utf-8")


class ErrorItem(BaseModel):
    field: str = Field(description="the bad field (dotted for list items), or body/lang/request")
    code: str = Field(description="a stable error code")
    message: str = Field(description="why, in the language asked for")


class Errors(BaseModel):
    """The shape of every error answer of the API."""

    errors: list[ErrorItem]


DESCRIPTION = ("Which labour and social-insurance rights apply to a Chinese platform worker, and which policy clause "
               "grants each one. Local use only: nothing sent is stored or logged.")
EVALUATE_DESCRIPTION = ("Every profile field is optional; null or absent means unknown. Entitlements that depend on "
                        "unknown facts have status pending and list them in needs; questions ranks the unknown facts "
                        "by what they decide.")
QUERY_PARAMETERS: list[dict[str, Any]] = [
    {"name": "lang", "in": "query", "required": False,
     "schema": {"type": "string", "enum": list(LANGS), "default": "zh"},
     "description": "language of the human-readable texts"},
    {"name": "explain", "in": "query", "required": False,
     "schema": {"type": "string", "enum": ["0", "1"], "default": "0"},
     "description": "1: also list the entitlements not granted, and why (not_granted)"},
]
ERROR_CODES = {
    400: "bad query parameters or a body that is not JSON",
    408: "the body did not arrive in time",
    411: "no Content-Length",
    413: f"the body is larger than {MAX_BODY} bytes",
    415: "the body is not application/json",
    422: "the profile has bad fields (each one is named)",
}
