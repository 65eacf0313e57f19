"""YAML test cases for lawyers (``rights-engine test``): the shipped cases pass, every kind of expectation can
fail with a readable difference, and a malformed case file is bad input."""

from __future__ import annotations

import contextlib
import io
from pathlib import Path

import pytest

from rights_engine.cases import Case, CaseRunner, load_cases
from rights_engine.cli import main

ROOT = Path(__file__).resolve().parent.parent
CASE_FILES = sorted((ROOT / "examples" / "cases").glob("*.yaml"))
PROFILE = "{work_province: 湖南省, work_city: 长沙市, occupation: courier, engagement: labor_contract, " \
          "counterparty: platform, outdoor_work: true, high_temperature_work: true}"


def _cli(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(list(args))
    return code, out.getvalue(), err.getvalue()


def test_the_shipped_cases_pass_through_the_command() -> None:
    assert len(CASE_FILES) >= 4
    code, out, err = _cli("test", *map(str, CASE_FILES))
    assert code == 0, out + err
    assert "0 failed" in out


SHIPPED = [(path, case) for path in CASE_FILES for case in load_cases(path).cases]


@pytest.fixture(scope="module")
def python_runner() -> CaseRunner:
    return CaseRunner(backend="python")


@pytest.mark.parametrize(("path", "case"), SHIPPED, ids=[f"{p.stem}: {c.name}" for p, c in SHIPPED])
def test_each_shipped_case_with_the_python_backend(python_runner: CaseRunner, path: Path, case: Case) -> None:
    outcome = python_runner.run(str(path), case)
    assert outcome.ok, outcome.failures


def _case_file(tmp_path: Path, expect: str, as_of: str = "2024-07-15", profile: str = PROFILE) -> Path:
    path = tmp_path / "case.yaml"
    path.write_text(f"cases:\n  - name: a case\n    as_of: {as_of}\n    profile: {profile}\n"
                    f"    expect:\n      {expect}\n", encoding="utf-8")
    return path


def test_a_passing_case(tmp_path: Path) -> None:
    path = _case_file(tmp_path, "category: labor_relation")
    code, out, _ = _cli("test", str(path))
    assert code == 0 and "ok    a case [2024-07-15]" in out


@pytest.mark.parametrize(("expect", "what", "expected", "got"), [
    ("category: civil_relation", "category", "civil_relation", "labor_relation"),
    ("category: [civil_relation, undetermined]", "category", "civil_relation or undetermined", "labor_relation"),
    ("covered: false", "covered", "false", "true"),
    ("entitlements: {applies: [contract.written_agreement]}", "entitlement contract.written_agreement", "applies",
     "absent"),
    ("entitlements: {pending: [contract.labor_contract]}", "entitlement contract.labor_contract", "pending", "applies"),
    ("entitlements: {absent: [contract.labor_contract]}", "entitlement contract.labor_contract", "absent", "applies"),
    ("entitlements: {present: [contract.civil_law]}", "entitlement contract.civil_law", "present", "absent"),
    ("amounts: {weather.high_temperature_allowance: 150}", "amount of weather.high_temperature_allowance", "150",
     "300"),
    ("force: {contract.labor_contract: encouraged}", "force of contract.labor_contract", "encouraged", "mandatory"),
    ("citations: {include: [yunnan-2021-40]}", "citation", "cited: yunnan-2021-40", "not cited"),
    ("citations: {include: [{source: labor-contract-law, clause: 第九十九条}]}", "citation",
     "cited: source=labor-contract-law, clause=第九十九条", "not cited"),
    ("citations: {exclude: [{province: 湖南省}]}", "citation", "never cited: province=湖南省", "hunan-"),
    ("errors: [age]", "errors", "refused, naming age", "accepted"),
    ("owed_by: {contract.labor_contract: platform}", "party of contract.labor_contract", "platform", "employer"),
    ("owed_by: {contract.civil_law: platform}", "party of contract.civil_law", "platform", "absent"),
    ("channels: {contract.labor_contract: court}", "where to claim contract.labor_contract", "court",
     "labour_inspection"),
    ("problems: {deposit: [fair_hiring.no_fees_or_deposit]}", "problem deposit", "reported", "not reported"),
])
def test_each_kind_of_expectation_fails_with_a_readable_difference(tmp_path: Path, expect: str, what: str,
                                                                   expected: str, got: str) -> None:
    code, out, _ = _cli("test", str(_case_file(tmp_path, expect)))
    assert code == 1
    assert "FAIL  a case" in out and "1 failed" in out
    lines = out.splitlines()
    at = lines.index(f"        {what}")
    assert lines[at + 1] == f"          - expected: {expected}"
    assert lines[at + 2].startswith(f"          + got:      {got}")


def test_a_problem_must_be_addressed_by_the_rights_named(tmp_path: Path) -> None:
    """A clinic case names the rights that answer a problem the worker reports; [] says no right answers it."""
    profile = PROFILE[:-1] + ", problems: [deposit]}"
    assert _cli("test", str(_case_file(tmp_path, "problems: {deposit: [fair_hiring.no_fees_or_deposit]}",
                                       profile=profile)))[0] == 0
    code, out, _ = _cli("test", str(_case_file(tmp_path, "problems: {deposit: []}", profile=profile)))
    assert code == 1 and "          - expected: no right" in out and "fair_hiring.no_fees_or_deposit" in out


def test_a_refused_profile_is_a_failure_unless_expected(tmp_path: Path) -> None:
    path = _case_file(tmp_path, "category: labor_relation", profile="{age: -1}")
    code, out, _ = _cli("test", str(path))
    assert code == 1 and "refused" in out
    path = _case_file(tmp_path, "errors: [age]", profile="{age: -1}")
    assert _cli("test", str(path))[0] == 0


@pytest.mark.parametrize(("content", "expected"), [
    ("cases:\n  - name: x\n    profile: {}\n    expct: {}\n", ["case 'x'", "expct: unknown key"]),
    ("cases:\n  - name: x\n    profile: {}\n    expect: {categroy: labor_relation}\n", ["categroy", "unknown key"]),
    ("cases:\n  - name: x\n    profile: {}\n    expect: {citations: {include: [{}]}}\n", ["at least one of"]),
    ("cases: []\n", ["cases"]),
    ("cases: [unclosed\n", ["not valid YAML"]),
    ("cases: [1]\n", ["case 1: must be a mapping of keys"]),  # not pydantic's 'instance of Case'
])
def test_a_malformed_case_file_is_bad_input(tmp_path: Path, content: str, expected: list[str]) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(content, encoding="utf-8")
    code, out, err = _cli("test", str(path))
    assert code == 2 and not out and err.startswith("error: ") and "bad.yaml" in err
    assert all(part in err for part in expected), err
    assert "instance of" not in err and "Input should" not in err


def test_a_missing_case_file(tmp_path: Path) -> None:
    code, _, err = _cli("test", str(tmp_path / "none.yaml"))
    assert code == 2 and "cannot read" in err
