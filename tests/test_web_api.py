"""The JSON API: ``POST /api/evaluate`` answers 200 or 4xx with field errors — never 500, never a hang.

Fuzzed with arbitrary JSON (wrong types, huge strings, deep nesting, NaN/inf, unknown fields, odd
unicode) and with bytes that are not JSON at all; plus the size limit (413) and the OpenAPI document.
"""

from __future__ import annotations

import json
import os
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rights_engine import Result
from rights_engine.engine import Engine
from rights_engine.profile import _MESSAGES
from rights_engine.web import ClinicServer
from rights_engine.web import app as web_app
from rights_engine.web.api import MAX_BODY
from rights_engine.web.app import DRAIN_LIMIT
from rights_engine.web.server import _Protocol

from .hostile import ODD_CHARS, hostile_profiles, json_values, nested
from .web_support import Response, post_json, raw_exchange, request, running_server

EXAMPLES = int(os.environ.get("RIGHTS_ENGINE_FUZZ_EXAMPLES", "250"))
#: Seconds one request may take before it counts as a hang.
HANG = 20.0
API_CODES = set(_MESSAGES) | {"json", "bad_lang", "bad_explain", "query", "too_large", "length", "length_required",
                              "content_type", "method", "timeout", "request"}


@pytest.fixture(scope="module")
def server(engine: Engine) -> Iterator[ClinicServer]:
    with running_server(engine, log=None) as srv:
        yield srv


def _dump(value: Any) -> bytes:
    try:
        text = json.dumps(value, ensure_ascii=False, default=str, skipkeys=True)
    except RecursionError:
        text = "[" * 100_000 + "]" * 100_000
    except ValueError:  # an int too large to print
        text = '{"age": ' + "9" * 5000 + "}"
    return text.encode("utf-8", "surrogatepass")


def _check(r: Response) -> None:
    """The API's promise on one answer."""
    assert r.status in (200, 400, 408, 411, 413, 415, 422), r.status
    assert r.headers["content-type"] == "application/json; charset=utf-8"
    assert r.headers["x-content-type-options"] == "nosniff"
    data = json.loads(r.body)
    if r.status == 200:
        Result.model_validate(data)
        return
    assert isinstance(data["errors"], list) and data["errors"]
    for error in data["errors"]:
        assert set(error) == {"field", "code", "message"}
        assert error["field"] and error["message"] and error["code"] in API_CODES, error


# -- the contract ------------------------------------------------------------------------------------


def test_evaluate_gives_the_engines_result(server: ClinicServer, engine: Engine) -> None:
    profile = {"work_province": "湖南省", "work_city": "长沙市", "occupation": "delivery_rider", "gender": None}
    for lang in ("zh", "en"):
        r = post_json(server, f"/api/evaluate?lang={lang}&explain=1", json.dumps(profile).encode())
        _check(r)
        assert r.status == 200
        expected = engine.evaluate(profile, lang=lang, explain=True).model_dump(mode="json")
        assert json.loads(r.body) == expected
        assert json.loads(r.body)["not_granted"] is not None
    plain = json.loads(post_json(server, "/api/evaluate", json.dumps(profile).encode()).body)
    assert plain["lang"] == "zh" and plain["not_granted"] is None
    assert any(e["status"] == "pending" and e["needs"] for e in plain["entitlements"])
    assert plain["questions"] and plain["questions"][0]["field"]


@pytest.mark.parametrize(("body", "status", "field"), [
    (b"", 400, "body"),
    (b"{", 400, "body"),
    (b'{"age": NaN}', 400, "body"),
    (b'{"daily_hours": Infinity}', 400, "body"),
    (b'{"daily_hours": -Infinity}', 400, "body"),
    (b'{"age": ' + b"9" * 5000 + b"}", 400, "body"),
    (b"\xff\xfe{}", 400, "body"),
    (b'{"daily_hours": 1e400}', 422, "daily_hours"),
    (b"[" * 30_000 + b"]" * 30_000, 400, "body"),
    (b'{"problems": ' + b"[" * 20_000 + b"]" * 20_000 + b"}", 400, "body"),
    (b"[]", 422, "profile"),
    (b'"hello"', 422, "profile"),
    (b'{"age": "old", "colour": "blue"}', 422, "age"),
    (b'{"work_province": "\\ud800"}', 422, "work_province"),
    # a key given twice: parsers disagree on which value wins, so neither is guessed (review 2026-12-01)
    ('{"work_province": "湖南省", "work_province": "云南省"}'.encode(), 422, "work_province"),
])
def test_bad_bodies_are_named(server: ClinicServer, body: bytes, status: int, field: str) -> None:
    r = post_json(server, "/api/evaluate?lang=en", body)
    _check(r)
    assert r.status == status, r.body[:300]
    assert field in {e["field"] for e in json.loads(r.body)["errors"]}


@pytest.mark.parametrize(("query", "field"), [("lang=fr", "lang"), ("explain=maybe", "explain"),
                                              ("lang=zh&lang=de", "lang")])
def test_bad_query_parameters(server: ClinicServer, query: str, field: str) -> None:
    r = post_json(server, f"/api/evaluate?{query}", b"{}")
    _check(r)
    assert r.status == 400 and field in {e["field"] for e in json.loads(r.body)["errors"]}


def test_the_body_must_be_json(server: ClinicServer) -> None:
    r = post_json(server, "/api/evaluate", b"{}", content_type="text/plain")
    _check(r)
    assert r.status == 415
    assert post_json(server, "/api/evaluate", b"{}", content_type="application/json; charset=utf-8").status == 200


# -- size and time limits ---------------------------------------------------------------------------


def test_request_size_limit(server: ClinicServer) -> None:
    fits = '{"work_province": "湖南省"}'.encode().ljust(MAX_BODY, b" ")
    assert len(fits) == MAX_BODY
    ok = post_json(server, "/api/evaluate", fits)
    assert ok.status == 200
    too_big = post_json(server, "/api/evaluate", fits + b" ")
    _check(too_big)
    assert too_big.status == 413
    assert json.loads(too_big.body)["errors"][0]["code"] == "too_large"


def test_a_huge_declared_length_is_refused_without_reading(server: ClinicServer) -> None:
    answer = raw_exchange(server, b"POST /api/evaluate HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
                                  b"Content-Length: 100000000000\r\n\r\n{")
    assert answer.startswith(b"HTTP/1.1 413")


def test_a_body_needs_a_length(server: ClinicServer) -> None:
    chunked = raw_exchange(server, b"POST /api/evaluate HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
                                   b"Transfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n")
    assert chunked.startswith(b"HTTP/1.1 411")
    missing = raw_exchange(server, b"POST /api/evaluate HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n\r\n")
    assert missing.startswith(b"HTTP/1.1 411")
    bad = raw_exchange(server, b"POST /api/evaluate HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
                               b"Content-Length: -5\r\n\r\n")
    assert bad.startswith(b"HTTP/1.1 400")  # h11 reads lengths strictly


def test_a_slow_client_is_dropped_and_does_not_block_others(server: ClinicServer,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(web_app, "TIMEOUT", 1.0)
    started = time.monotonic()
    answers: list[bytes] = []
    slow = threading.Thread(target=lambda: answers.append(raw_exchange(
        server, b"POST /api/evaluate HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
                b"Content-Length: 100\r\n\r\n{\"ag", timeout=HANG)))
    slow.start()
    time.sleep(0.2)
    assert post_json(server, "/api/evaluate", b"{}").status == 200  # served meanwhile
    slow.join(HANG)
    assert not slow.is_alive() and time.monotonic() - started < 10
    assert answers[0].startswith(b"HTTP/1.1 408")  # told why, and disconnected


def test_a_client_that_never_finishes_its_request_head_is_dropped(server: ClinicServer,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """Slowloris: many connections sending a header line now and then hold no thread and starve no one; each is
    dropped when its head is not complete within the deadline."""
    monkeypatch.setattr(_Protocol, "head_timeout", 1.0)
    import socket

    host, port = server.server_address[:2]
    slow = [socket.create_connection((host, port), timeout=HANG) for _ in range(20)]
    try:
        for sock in slow:
            sock.sendall(b"POST /api/evaluate HTTP/1.1\r\nHost: localhost\r\n")
        for _ in range(10):  # the others are served meanwhile, at once
            t0 = time.monotonic()
            assert post_json(server, "/api/evaluate", b"{}").status == 200
            assert time.monotonic() - t0 < 2
        time.sleep(1.5)
        for sock in slow:
            sock.settimeout(HANG)
            assert sock.recv(100) == b""  # closed by the server
    finally:
        for sock in slow:
            sock.close()


def test_concurrent_requests(server: ClinicServer, engine: Engine) -> None:
    bodies = [{"work_province": p, "occupation": o} for p in ("湖南省", "湖北省", "云南省", "北京市")
              for o in ("courier", "delivery_rider")]
    results: dict[int, Any] = {}

    def call(i: int) -> None:
        r = post_json(server, "/api/evaluate?lang=en", json.dumps(bodies[i]).encode())
        results[i] = (r.status, json.loads(r.body))

    threads = [threading.Thread(target=call, args=(i,)) for i in range(len(bodies))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(HANG)
    for i, body in enumerate(bodies):
        assert results[i] == (200, engine.evaluate(body, lang="en").model_dump(mode="json"))


# -- fuzzing -------------------------------------------------------------------------------------------

junk_bytes = st.one_of(
    st.binary(max_size=200),
    st.text(max_size=200).map(lambda t: t.encode("utf-8", "surrogatepass")),
    st.lists(st.sampled_from(ODD_CHARS + ("{", "}", "[", "]", ":", ",", '"', "NaN", "-Infinity", "1e999", "null")),
             max_size=40).map(lambda parts: "".join(parts).encode("utf-8", "surrogatepass")),
    st.builds(lambda depth, kind: _dump(nested(depth, 1, kind)), st.integers(1, 40_000),
              st.sampled_from(("list", "dict"))),
)
bodies = st.one_of(
    hostile_profiles().map(_dump),
    json_values.map(_dump),
    st.dictionaries(st.text(max_size=30), json_values, max_size=6).map(_dump),
    junk_bytes,
)


@settings(max_examples=EXAMPLES, deadline=None, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.large_base_example,
                                 HealthCheck.function_scoped_fixture])
@given(body=bodies, lang=st.sampled_from(("zh", "en")), explain=st.sampled_from(("0", "1")))
def test_fuzz_evaluate_never_500(server: ClinicServer, body: bytes, lang: str, explain: str) -> None:
    started = time.monotonic()
    try:
        r = post_json(server, f"/api/evaluate?lang={lang}&explain={explain}", body)
    except (BrokenPipeError, ConnectionResetError):
        assert len(body) > DRAIN_LIMIT  # refused at once, and the connection closed while the client sent
        return
    assert time.monotonic() - started < HANG
    _check(r)
    if len(body) > MAX_BODY:
        assert r.status == 413


# -- OpenAPI ---------------------------------------------------------------------------------------------


def _refs(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str):
                yield value
            else:
                yield from _refs(value)
    elif isinstance(node, list):
        for item in node:
            yield from _refs(item)


def test_openapi_document(server: ClinicServer) -> None:
    r = request(server, "GET", "/api/openapi.json")
    assert r.status == 200 and r.headers["content-type"] == "application/json; charset=utf-8"
    doc = json.loads(r.body)
    assert doc["openapi"].startswith("3.")
    schemas = doc["components"]["schemas"]
    assert {"WorkerProfile", "Result", "Entitlement", "Citation", "Errors"} <= set(schemas)
    assert set(schemas["WorkerProfile"]["properties"]) >= {"work_province", "occupation", "problems"}
    assert schemas["WorkerProfile"].get("additionalProperties") is False
    operation = doc["paths"]["/api/evaluate"]["post"]
    assert operation["requestBody"]["content"]["application/json"]["schema"]["$ref"].endswith("/WorkerProfile")
    assert {"200", "400", "413", "422"} <= set(operation["responses"])
    for ref in _refs(doc):
        assert ref.startswith("#/components/schemas/") and ref.rsplit("/", 1)[1] in schemas, ref
    assert "$defs" not in json.dumps(doc)
