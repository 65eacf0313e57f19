"""Rule files: what tests/test_rulebase_errors.py does not cover, and fuzzing.

A broken rule base must fail to load with a :class:`RuleBaseError` naming the file (and the rule and
field where there is one): never another exception, never a silent half-load.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rights_engine.conditions import MAX_DEPTH
from rights_engine.rulebase import RuleBaseError, load

from .hostile import json_values, time_limit
from .test_rulebase_errors import _base, _error, _file, _rule

EXAMPLES = int(os.environ.get("RIGHTS_ENGINE_FUZZ_EXAMPLES", "250"))
GOOD: dict[str, Any] = {
    "source": "yunnan-2021-40",
    "jurisdiction": {"province": "云南省"},
    "rules": [{
        "id": "t.rule", "clause": "二（五）", "entitlement": "t.ent", "force": "mandatory", "force_words": ["不得"],
        "quote": "企业招用劳动者不得违法设置性别、民族、年龄等歧视性条件", "when": "outdoor_work",
    }],
}
RULE_KEYS = ("id", "clause", "kind", "entitlement", "force", "force_words", "quote", "when", "valid_from", "valid_to",
             "amount", "claim", "addresses", "also_cites", "via", "priority", "derives", "reason", "direction",
             "jurisdiction", "certainty", "note", "presumed_absent")
FILE_KEYS = ("source", "jurisdiction", "valid_from", "valid_to", "via", "rules")


# -- the cases test_rulebase_errors.py does not have ----------------------------------------------------------


def test_contradictory_amounts_across_files(tmp_path: Path) -> None:
    root = _base(tmp_path)
    _file(root, _rule(id="t.a", amount="{value: 150, unit: month}"), name="a.yaml")
    _file(root, _rule(id="t.b", amount="{value: 300, unit: month}"), name="b.yaml")
    message = _error(root)
    assert "b.yaml" in message and "contradicts t.a" in message and "a.yaml" in message


def test_different_amounts_in_different_prefectures_are_fine(tmp_path: Path) -> None:
    root = _base(tmp_path)
    _file(root, _rule(id="t.a", amount="{value: 150, unit: month}", jurisdiction="{province: 云南省, prefecture: 昆明市}")
          + _rule(id="t.b", amount="{value: 300, unit: month}", jurisdiction="{province: 云南省, prefecture: 临沧市}"))
    assert len(load(root).rules) == 2


def test_the_same_amount_twice_is_not_a_contradiction(tmp_path: Path) -> None:
    root = _base(tmp_path)
    _file(root, _rule(id="t.a", amount="{value: 150, unit: month}") + _rule(id="t.b", amount="{value: 150, unit: month}"))
    assert len(load(root).rules) == 2


@pytest.mark.parametrize(("content", "expected"), [
    ("", "t.yaml"),
    ("- just\n- a list\n", "t.yaml"),
    ("source: yunnan-2021-40\njurisdiction: {province: 云南省}\nrules: []\n", "rules"),
    ("source: yunnan-2021-40\nsource: yunnan-2021-40\n", "duplicate key"),
    ("!!python/object/apply:os.system ['true']\n", "cannot read YAML"),
    ("[" * 100_000 + "]" * 100_000, "cannot read YAML"),
    ('source: "\\UFFFFFFFF"\n', "cannot read YAML"),  # PyYAML's chr() raises OverflowError
    ('source: "\\U7FFFFFFF"\n', "cannot read YAML"),  # … and ValueError
])
def test_malformed_rule_files(tmp_path: Path, content: str, expected: str) -> None:
    root = _base(tmp_path)
    (root / "yunnan" / "t.yaml").write_text(content, encoding="utf-8")
    message = _error(root)
    assert "t.yaml" in message and expected in message


def test_a_key_given_twice_in_a_rule_is_refused(tmp_path: Path) -> None:
    root = _base(tmp_path)
    _file(root, _rule() + '    when: "not outdoor_work"\n')
    message = _error(root)
    assert "t.yaml" in message and "duplicate key 'when'" in message


def test_an_unknown_key_in_a_rule(tmp_path: Path) -> None:
    root = _base(tmp_path)
    _file(root, _rule(amout="{value: 150, unit: month}"))
    message = _error(root)
    assert "t.rule" in message and "amout" in message


def test_a_rule_file_that_is_not_utf8(tmp_path: Path) -> None:
    root = _base(tmp_path)
    path = _file(root, _rule())
    path.write_bytes(path.read_text(encoding="utf-8").encode("gb18030"))
    message = _error(root)
    assert "t.yaml" in message and "cannot read" in message


def test_a_source_text_that_is_not_utf8(tmp_path: Path) -> None:
    root = _base(tmp_path)
    _file(root, _rule())
    text = root / "sources" / "texts" / "yunnan-2021-40.txt"
    text.write_bytes(text.read_text(encoding="utf-8").encode("gb18030"))
    message = _error(root)
    assert "yunnan-2021-40.txt" in message


def test_a_registry_that_is_not_utf8(tmp_path: Path) -> None:
    root = _base(tmp_path)
    _file(root, _rule())
    (root / "sources" / "registry.yaml").write_bytes(b"\xff\xfe\x00sources: []")
    assert "registry.yaml" in _error(root)


def test_a_coverage_checklist_of_the_wrong_shape(tmp_path: Path) -> None:
    root = _base(tmp_path)
    _file(root, _rule())
    (root / "coverage.yaml").write_text("- not\n- a mapping\n", encoding="utf-8")
    assert "coverage.yaml" in _error(root)


@pytest.mark.parametrize("when", [
    "(" * (MAX_DEPTH + 1) + "outdoor_work" + ")" * (MAX_DEPTH + 1),
    "not " * (MAX_DEPTH + 1) + "outdoor_work",
    "(" * 5000 + "outdoor_work" + ")" * 5000,
    "not " * 5000 + "outdoor_work",
])
def test_a_condition_nested_too_deeply(tmp_path: Path, when: str) -> None:
    root = _base(tmp_path)
    _file(root, _rule(when=f'"{when}"'))
    message = _error(root)
    assert "t.rule" in message and "when" in message and "nested" in message


def test_a_condition_nested_up_to_the_limit_loads(tmp_path: Path) -> None:
    root = _base(tmp_path)
    _file(root, _rule(when='"' + "(" * MAX_DEPTH + "outdoor_work" + ")" * MAX_DEPTH + '"'))
    assert len(load(root).rules) == 1


# -- fuzzing ----------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def fuzz_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _base(tmp_path_factory.mktemp("fuzz"))


def _load_outcome(root: Path, raw: bytes) -> None:
    (root / "yunnan" / "t.yaml").write_bytes(raw)
    with time_limit(30.0):
        try:
            rb = load(root)
        except RuleBaseError as exc:
            assert "t.yaml" in str(exc), str(exc)[:300]
            return
    assert all(r.file.endswith("t.yaml") for r in rb.rules)


def _dump(data: Any) -> bytes:
    try:
        text = yaml.safe_dump(data, allow_unicode=True)
    except (yaml.YAMLError, RecursionError):
        text = repr(data)
    return text.encode("utf-8", "surrogatepass")


@st.composite
def mutated_files(draw: st.DrawFn) -> bytes:
    data: dict[str, Any] = {**GOOD, "rules": [dict(GOOD["rules"][0])]}
    for key in draw(st.lists(st.sampled_from(RULE_KEYS), unique=True, max_size=3)):
        data["rules"][0][key] = draw(json_values)
    for key in draw(st.lists(st.sampled_from(FILE_KEYS), unique=True, max_size=1)):
        data[key] = draw(json_values)
    raw = _dump(data)
    how = draw(st.sampled_from(("as is", "truncate", "insert", "flip")))
    if how == "truncate":
        raw = raw[:draw(st.integers(0, len(raw)))]
    elif how == "insert":
        at = draw(st.integers(0, len(raw)))
        raw = raw[:at] + draw(st.sampled_from([b"\x00", b"\xff", b": ", b"- ", b"\t", b"{", b"[", b"&a", b"*a",
                                               b"!!python/name:os.system", b"\n  - ", b'"', b"'", b"%YAML 9\n",
                                               b' "\\U7FFFFFFF"', b' "\\ud800"', b" !!binary", b" !!timestamp"])) + raw[at:]
    elif how == "flip" and raw:
        at = draw(st.integers(0, len(raw) - 1))
        raw = raw[:at] + bytes([raw[at] ^ draw(st.integers(1, 255))]) + raw[at + 1:]
    return raw


@settings(max_examples=EXAMPLES // 4, deadline=None, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.large_base_example])
@given(raw=mutated_files())
def test_mutated_rule_files_load_or_fail_cleanly(fuzz_root: Path, raw: bytes) -> None:
    _load_outcome(fuzz_root, raw)


@settings(max_examples=EXAMPLES // 5, deadline=None, database=None)
@given(raw=st.binary(max_size=400))
def test_random_bytes_as_a_rule_file(fuzz_root: Path, raw: bytes) -> None:
    _load_outcome(fuzz_root, raw)
