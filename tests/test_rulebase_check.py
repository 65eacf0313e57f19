"""``rules --check`` is the loader's truth: whatever evaluation would reject, or silently lose, fails the load.

One test per kind: a backend's complexity limit, a missing or unreadable directory or file, an unknown key in
every kind of file, an entry of the wrong shape, a YAML alias bomb.
"""

from __future__ import annotations

import contextlib
import io
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from rights_engine.cli import main
from rights_engine.rulebase import RuleBaseError, default_root, load

from .test_rulebase_errors import _base, _error, _file, _rule

SIX_ORS = " and ".join(f"({a} or {b})" for a, b in [
    ("outdoor_work", "high_temperature_work"), ("works_statutory_holidays", "receives_pension"),
    ("has_children", "platform_manages_work"), ("can_refuse_orders", "sets_own_hours"),
    ("must_be_online_min_hours", "subject_to_penalties"), ("platform_sets_price", "work_is_core_business")])


def _cli(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(list(args))
    return code, out.getvalue(), err.getvalue()


@pytest.fixture(scope="module")
def full_copy(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A copy of the whole shipped rule base (module-wide: each test restores what it breaks)."""
    root = tmp_path_factory.mktemp("full") / "rules"
    shutil.copytree(default_root(), root)
    yield root


# -- complexity limits of the backends ---------------------------------------------------------------------------


def test_a_condition_too_complex_for_durable_rules_fails_the_check(tmp_path: Path) -> None:
    root = _base(tmp_path)
    _file(root, _rule(when=f'"{SIX_ORS}"'))
    message = _error(root)
    assert "yunnan/t.yaml" in message and "t.rule" in message and "too complex" in message and "paths" in message
    code, _, err = _cli("rules", "--check", "--root", str(root))
    assert code == 1 and "too complex" in err


def test_a_condition_within_the_limit_loads(tmp_path: Path) -> None:
    root = _base(tmp_path)
    _file(root, _rule(when='"' + " and ".join(SIX_ORS.split(" and ")[:4]) + '"'))  # 16 + 4 paths
    assert len(load(root).rules) == 1


# -- missing and unreadable directories and files ----------------------------------------------------------------


def test_a_deleted_province_directory_fails_the_check(full_copy: Path, tmp_path: Path) -> None:
    moved = tmp_path / "yunnan"
    shutil.move(str(full_copy / "yunnan"), moved)
    try:
        message = _error(full_copy)
        assert "coverage.yaml" in message and "no rule cites" in message
        assert all(sid in message for sid in ("wenshan-2022-plan", "lincang-2022-6"))
        code, out, err = _cli("rules", "--check", "--root", str(full_copy))
        assert code == 1 and "ok" not in out and "no rule cites" in err
    finally:
        shutil.move(str(moved), full_copy / "yunnan")
    assert load(full_copy).rules


def test_an_unreadable_directory_fails_the_check(full_copy: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Tests may run as root, for whom chmod 000 hides nothing: make the directory unreadable the way the OS would.
    real_scandir = os.scandir
    target = str(full_copy / "yunnan")

    def scandir(path: str | os.PathLike[str] = ".") -> object:
        if os.fspath(path) == target:
            raise PermissionError(13, "Permission denied", target)
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", scandir)
    message = _error(full_copy)
    assert "rules/yunnan" in message and "cannot read the directory" in message


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() == 0, reason="root reads any directory")
def test_an_unreadable_directory_for_real(full_copy: Path) -> None:  # pragma: no cover - not as root
    (full_copy / "yunnan").chmod(0)
    try:
        assert "cannot read the directory" in _error(full_copy)
    finally:
        (full_copy / "yunnan").chmod(0o755)


@pytest.mark.parametrize("name", ["coverage.yaml", "channels.yaml", "entitlements.yaml", "questions.yaml",
                                  "sources/registry.yaml"])
def test_a_missing_file_fails_the_check(tmp_path: Path, name: str) -> None:
    root = _base(tmp_path)
    _file(root, _rule())
    (root / name).unlink()
    assert name in _error(root)


def test_no_rule_base_at_all(tmp_path: Path) -> None:
    assert "no rule base" in _error(tmp_path / "nowhere")
    code, out, err = _cli("rules", "--check", "--root", str(tmp_path / "nowhere"))
    assert code == 1 and not out and "no rule base" in err


# -- unknown keys, in every kind of file -----------------------------------------------------------------------


def _replace(path: Path, old: str, new: str) -> None:
    text = path.read_text("utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), "utf-8")


@pytest.mark.parametrize(("name", "old", "new", "model"), [
    ("sources/registry.yaml", "  date: ", "  dat: ", "Source"),
    ("sources/external/registry.yaml", "\n  url: ", "\n  lru: ", "Source"),
    ("entitlements.yaml", "  topic: ", "  topik: ", "EntitlementDef"),
    ("channels.yaml", "employer:", "employer: {zh: 用人单位, en: employer, fax: x}\nold_employer:", "Channel"),
    ("questions.yaml", "occupation:\n", "occupation:\n  hint: x\n", "QuestionDef"),
    ("coverage.yaml", "topic: fair_hiring", "topic: fair_hiring, grant: x", "CoverageEntry"),
])
def test_an_unknown_key_fails_the_check_and_says_where_to_declare_one(tmp_path: Path, name: str, old: str,
                                                                       new: str, model: str) -> None:
    root = _base(tmp_path)
    _file(root, _rule())
    _replace(root / name, old, new)
    message = _error(root)
    assert name in message and "unknown key" in message
    assert f"declared in rights_engine/rulebase.py, class {model}" in message


def test_a_date_typo_in_the_registry_is_not_silently_dropped(tmp_path: Path) -> None:
    root = _base(tmp_path)
    _file(root, _rule())
    _replace(root / "sources" / "registry.yaml", "  date: ", "  dat: ")
    message = _error(root)
    assert "registry.yaml" in message and "dat: unknown key" in message


def test_an_unknown_key_in_a_rule_file(tmp_path: Path) -> None:
    root = _base(tmp_path)
    path = _file(root, _rule())
    _replace(path, "rules:\n", "valid_form: 2024-01-01\nrules:\n")
    message = _error(root)
    assert "yunnan/t.yaml" in message and "valid_form: unknown key" in message and "class RuleFile" in message


# -- entries of the wrong shape --------------------------------------------------------------------------------


@pytest.mark.parametrize(("content", "expected"), [
    ("yunnan-2021-40:\n  - just a string\n", "entry #1: expected a mapping"),
    ("yunnan-2021-40:\n  - {clause: 二（五）}\n", "topic"),
    ("yunnan-2021-40:\n  - {clause: 二（五）, topic: astrology}\n", "topic"),
    ("yunnan-2021-40: {clause: 二（五）}\n", "expected a list"),
    ("no-such-source:\n  - {clause: 二（五）, topic: fair_hiring}\n", "unknown source id"),
])
def test_a_coverage_entry_of_the_wrong_shape(tmp_path: Path, content: str, expected: str) -> None:
    root = _base(tmp_path)
    _file(root, _rule())
    (root / "coverage.yaml").write_text(content, "utf-8")
    message = _error(root)
    assert "coverage.yaml" in message and expected in message
    code, _, err = _cli("coverage", "--root", str(root))
    assert code == 1 and expected in err and "internal error" not in err


@pytest.mark.parametrize("entry", ["- just a string\n", "- {title: no id}\n", "- id: [not, text]\n"])
def test_a_registry_entry_of_the_wrong_shape(tmp_path: Path, entry: str) -> None:
    root = _base(tmp_path)
    _file(root, _rule())
    path = root / "sources" / "registry.yaml"
    path.write_text(path.read_text("utf-8") + entry, "utf-8")
    assert "registry.yaml" in _error(root)


def test_an_alias_bomb_is_refused_quickly(tmp_path: Path) -> None:
    root = _base(tmp_path)
    path = _file(root, _rule())
    bomb = 'a: &a ["x", "x", "x", "x", "x", "x", "x", "x", "x"]\n' + "".join(
        f"{chr(98 + i)}: &{chr(98 + i)} [*{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, "
        f"*{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}]\n" for i in range(8))
    for target in (path, root / "sources" / "registry.yaml"):
        original = target.read_text("utf-8")
        target.write_text(bomb + original if target == path else original + "- id: x\n  title: y\n  note: *a\n", "utf-8")
        try:
            message = _error(root)
        finally:
            target.write_text(original, "utf-8")
        assert target.name in message and "aliases" in message


def test_the_shipped_rule_base_passes_the_check() -> None:
    code, out, err = _cli("rules", "--check")
    assert code == 0 and out.startswith("ok: ") and not err


def test_the_error_for_bad_input_is_raised_as_a_rule_base_error(tmp_path: Path) -> None:
    with pytest.raises(RuleBaseError):
        load(tmp_path)
