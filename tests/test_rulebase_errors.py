"""Malformed, contradictory or unfounded rule files are refused at load time, naming file, rule and reason."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from rights_engine.rulebase import RuleBaseError, default_root, load

GOOD_QUOTE = "企业招用劳动者不得违法设置性别、民族、年龄等歧视性条件"


def _base(tmp_path: Path) -> Path:
    src = default_root()
    root = tmp_path / "rules"
    root.mkdir()
    for name in ("entitlements.yaml", "channels.yaml", "questions.yaml"):
        shutil.copy(src / name, root / name)
    # The checklist (the manifest of the rule files the base must have) names only the source of the test file.
    (root / "coverage.yaml").write_text("yunnan-2021-40:\n  - {clause: 二（五）, topic: fair_hiring}\n", encoding="utf-8")
    shutil.copytree(src / "sources", root / "sources")
    (root / "entitlements.d").mkdir()
    (root / "entitlements.d" / "test.yaml").write_text(
        "t.ent:\n  topic: fair_hiring\n  title: {zh: 测试, en: test}\n  summary: {zh: 测试, en: test}\n",
        encoding="utf-8")
    (root / "yunnan").mkdir()
    return root


def _rule(**overrides: object) -> str:
    fields = {
        "id": "t.rule", "clause": "二（五）", "entitlement": "t.ent", "force": "mandatory",
        "force_words": "[不得]", "quote": GOOD_QUOTE, "when": '"outdoor_work"',
    }
    fields.update({k: v for k, v in overrides.items()})
    lines = [f"  - id: {fields.pop('id')}"]
    lines += [f"    {k}: {v}" for k, v in fields.items() if v is not None]
    return "\n".join(lines) + "\n"


def _file(root: Path, body: str, name: str = "t.yaml", source: str = "yunnan-2021-40") -> Path:
    path = root / "yunnan" / name
    path.write_text(f"source: {source}\njurisdiction: {{province: 云南省}}\nrules:\n{body}", encoding="utf-8")
    return path


def _error(root: Path) -> str:
    with pytest.raises(RuleBaseError) as caught:
        load(root)
    return str(caught.value)


def test_the_fixture_itself_loads(tmp_path: Path) -> None:
    root = _base(tmp_path)
    _file(root, _rule())
    assert [r.id for r in load(root).rules] == ["t.rule"]


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        ({"quote": "企业招用劳动者不得设置任何条件"}, "quote not found"),
        ({"entitlement": "no.such.thing"}, "unknown entitlement"),
        ({"when": '"nosuchfact == 1"'}, "unknown fact"),
        ({"when": '"occupation == \\"astronaut\\""'}, "not a value of occupation"),
        ({"when": '"outdoor_work and"'}, "when"),
        ({"force": "guaranteed"}, "force"),
        ({"force_words": "[鼓励]"}, "does not stand in the quote"),
        ({"clause": "二（九十）"}, "does not occur in the source text"),
        ({"clause": "chapter 5"}, "not a clause label"),
        ({"quote": None}, "quote"),
        ({"valid_from": "2024-01-01", "valid_to": "2023-01-01"}, "ends before it starts"),
        ({"claim": "{channels: [carrier_pigeon]}"}, "unknown channel"),
        ({"addresses": "[problem_aliens]"}, "unknown problem"),
        ({"via": "no-such-source"}, "unknown via source id"),
        ({"also_cites": "[{source: no-such-source, quote: 不得违法设置}]"}, ("also_cites[0]", "unknown source id")),
        ({"also_cites": "[{source: yunnan-2021-40, quote: 这句话原文里没有}]"}, ("also_cites[0]", "quote not found")),
        ({"also_cites": "[{source: yunnan-2021-40, clause: 九（九十九）, quote: 不得违法设置}]"},
         ("also_cites[0]", "does not occur in the source text")),
    ],
)
def test_each_kind_of_bad_rule_names_file_rule_and_reason(tmp_path: Path, overrides: dict[str, object],
                                                          expected: str | tuple[str, ...]) -> None:
    root = _base(tmp_path)
    _file(root, _rule(**overrides))
    message = _error(root)
    assert "yunnan/t.yaml" in message and "t.rule" in message
    assert all(part in message for part in ((expected,) if isinstance(expected, str) else expected))


def test_unknown_source_id(tmp_path: Path) -> None:
    root = _base(tmp_path)
    _file(root, _rule(), source="no-such-source")
    message = _error(root)
    assert "t.rule" in message and "unknown source id" in message


def test_broken_yaml_names_the_file(tmp_path: Path) -> None:
    root = _base(tmp_path)
    (root / "yunnan" / "broken.yaml").write_text("source: [unclosed\n", encoding="utf-8")
    assert "broken.yaml" in _error(root)


def test_duplicate_rule_ids(tmp_path: Path) -> None:
    root = _base(tmp_path)
    _file(root, _rule() + _rule())
    assert "duplicate rule id" in _error(root)


@pytest.mark.parametrize(("first", "second"), [
    ({"valid_from": "2022-01-01"}, {"valid_from": "2023-01-01"}),  # both open-ended: they overlap from 2023
    ({"valid_to": "2023-07-01"}, {"valid_from": "2023-07-01"}),  # they overlap on a single day
])
def test_contradictory_amounts_in_the_same_place_and_period(tmp_path: Path, first: dict[str, str],
                                                            second: dict[str, str]) -> None:
    root = _base(tmp_path)
    body = _rule(id="t.a", amount="{value: 150, unit: month}", **first) + _rule(
        id="t.b", amount="{value: 300, unit: month}", **second)
    _file(root, body)
    message = _error(root)
    assert "t.b" in message and "contradicts t.a" in message


def test_different_amounts_in_successive_periods_are_fine(tmp_path: Path) -> None:
    root = _base(tmp_path)
    body = _rule(id="t.a", amount="{value: 150, unit: month}", valid_to="2023-06-30") + _rule(
        id="t.b", amount="{value: 300, unit: month}", valid_from="2023-07-01")
    _file(root, body)
    assert len(load(root).rules) == 2
