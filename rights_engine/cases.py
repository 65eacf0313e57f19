"""YAML test cases, for lawyers: a profile, a day, and what the result must show (``rights-engine test``).

A case asserts what matters legally — the category, entitlements that must or must not be granted, amounts,
citations that must or must not appear — never every byte of the result. The format is in
docs/rule-format.md ("Test cases"); the shipped examples are in examples/cases/. A failing case prints what was
expected and what was got, line by line; any failure makes the command exit 1.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, Optional, TextIO, Union

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from .profile import ProfileError
from .result import Citation, Result


class CaseFileError(ValueError):
    """A case file that cannot be read or does not follow the format (names the file and the case)."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


OneOrMany = Union[str, list[str]]


class CitationRef(_Strict):
    """A citation to look for: every key given must match (source id, clause, 文号, province of the source)."""

    source: Optional[str] = None
    clause: Optional[str] = None
    document_number: Optional[str] = None
    province: Optional[str] = Field(default=None, description="the province of the source (云南省 …)")

    @model_validator(mode="after")
    def _not_empty(self) -> CitationRef:
        if not any((self.source, self.clause, self.document_number, self.province)):
            raise ValueError("give at least one of source, clause, document_number, province")
        return self

    def label(self) -> str:
        parts = [f"{k}={v}" for k, v in (("source", self.source), ("clause", self.clause),
                                          ("document_number", self.document_number), ("province", self.province)) if v]
        return ", ".join(parts)


class EntitlementExpectations(_Strict):
    applies: list[str] = Field(default_factory=list, description="in the result with status applies")
    pending: list[str] = Field(default_factory=list, description="in the result with status pending")
    present: list[str] = Field(default_factory=list, description="in the result, applies or pending")
    absent: list[str] = Field(default_factory=list, description="not in the result at all")


class CitationExpectations(_Strict):
    include: list[Union[str, CitationRef]] = Field(default_factory=list)
    exclude: list[Union[str, CitationRef]] = Field(default_factory=list)


class Expectations(_Strict):
    category: Optional[OneOrMany] = None
    certainty: Optional[OneOrMany] = None
    employment_mode: Optional[OneOrMany] = None
    employer: Optional[OneOrMany] = None
    covered: Optional[bool] = None
    entitlements: EntitlementExpectations = Field(default_factory=EntitlementExpectations)
    amounts: dict[str, float] = Field(default_factory=dict, description="entitlement id -> amount value")
    force: dict[str, OneOrMany] = Field(default_factory=dict, description="entitlement id -> force (or forces)")
    owed_by: dict[str, str] = Field(default_factory=dict,
                                    description="entitlement id -> the party named for it (channel id, or none)")
    channels: dict[str, OneOrMany] = Field(default_factory=dict,
                                           description="entitlement id -> channels that must be among where to claim")
    problems: dict[str, list[str]] = Field(default_factory=dict,
                                           description="problem -> entitlements that must address it ([]: none)")
    citations: CitationExpectations = Field(default_factory=CitationExpectations)
    errors: Optional[list[str]] = Field(default=None, description="the profile must be refused, naming these fields")


class Case(_Strict):
    name: str = Field(min_length=1)
    note: Optional[str] = None
    profile: dict[str, Any]
    as_of: Optional[dt.date] = None
    lang: Literal["zh", "en"] = "zh"
    expect: Expectations


class CaseFile(_Strict):
    description: Optional[str] = None
    cases: list[Case] = Field(min_length=1)


@dataclass
class Outcome:
    file: str
    case: Case
    failures: list[tuple[str, str, str]] = field(default_factory=list)  # (what, expected, got)

    @property
    def ok(self) -> bool:
        return not self.failures


_TYPE_TAGS = frozenset({"str", "int", "float", "bool", "dict", "list", "none", "date"})


def load_cases(path: Union[str, Path]) -> CaseFile:
    path = Path(path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise CaseFileError(f"{path}: cannot read: {exc.strerror}") from None
    except (ValueError, yaml.YAMLError) as exc:
        raise CaseFileError(f"{path}: not valid YAML: {exc}") from None
    try:
        return CaseFile.model_validate(data)
    except ValidationError as exc:
        found: dict[str, list[str]] = {}
        for err in exc.errors(include_url=False, include_input=False):
            # pydantic's own steps in a location (a union's branch: 'str', 'function-after[…]') are not keys a
            # lawyer wrote: dropped, so both branches of a union speak of the same place
            loc = tuple(p for p in err.get("loc", ()) if not (isinstance(p, str) and (p in _TYPE_TAGS or "[" in p)))
            where = ".".join(str(p) for p in loc)
            if len(loc) >= 2 and loc[0] == "cases" and isinstance(loc[1], int) and isinstance(data, dict):
                try:
                    where = f"case {data['cases'][loc[1]].get('name', loc[1] + 1)!r}: " + ".".join(str(p) for p in loc[2:])
                except (KeyError, IndexError, TypeError, AttributeError):
                    where = f"case {loc[1] + 1}" + "".join(f".{p}" for p in loc[2:])
            kind = err.get("type")
            if kind == "extra_forbidden":
                message = "unknown key (a typo?)"
            elif kind in ("model_type", "model_attributes_type", "dict_type"):
                message = "must be a mapping of keys (name:, profile:, expect: …), not a single value"
            else:
                message = str(err.get("msg", "")).removeprefix("Value error, ")
            found.setdefault(where, []).append(message if kind != "value_error" else "!" + message)
        problems = []
        for where, messages in found.items():
            # a union's branches: the branch that says what is wrong (a value error) speaks, not 'should be a string'
            chosen = [m[1:] for m in messages if m.startswith("!")] or messages
            problems.append(f"{where}: " + " or ".join(dict.fromkeys(chosen)))
        raise CaseFileError(f"{path}: " + "; ".join(problems)) from None


def _many(value: Optional[OneOrMany]) -> list[str]:
    return [] if value is None else [value] if isinstance(value, str) else list(value)


def _all_citations(result: Result) -> list[tuple[str, Citation]]:
    """Every citation of the result with where it stands."""
    found: list[tuple[str, Citation]] = []
    for reason in [*result.classification.reasons, *result.classification.caveats]:
        found += [("classification", c) for c in reason.citations]
    for ent in result.entitlements:
        found += [(f"entitlement {ent.id}", c) for c in ent.citations]
    for problem in result.problems:
        found += [(f"problem {problem.problem}", c) for c in problem.citations]
    return found


class CaseRunner:
    def __init__(self, backend: Optional[str] = None, root: Optional[Union[str, Path]] = None) -> None:
        from .engine import Engine
        from .rulebase import load

        self.engine = Engine(load(root), backend=backend)

    def _province_of(self, source_id: str) -> Optional[str]:
        source = self.engine.rulebase.sources.get(source_id)
        return source.jurisdiction.province if source else None

    def _matches(self, ref: Union[str, CitationRef], citation: Citation) -> bool:
        if isinstance(ref, str):
            return citation.source_id == ref
        return ((ref.source is None or citation.source_id == ref.source)
                and (ref.clause is None or citation.clause == ref.clause)
                and (ref.document_number is None or citation.document_number == ref.document_number)
                and (ref.province is None or self._province_of(citation.source_id) == ref.province))

    def run(self, file: str, case: Case) -> Outcome:
        outcome = Outcome(file, case)
        fail = outcome.failures.append
        expect = case.expect
        try:
            result = self.engine.evaluate(case.profile, as_of=case.as_of, lang=case.lang)
        except ProfileError as exc:
            got = ", ".join(sorted({e.field for e in exc.errors}))
            if expect.errors is None:
                fail(("profile", "a valid profile", f"refused: {exc}"))
            elif sorted(set(expect.errors)) != sorted({e.field for e in exc.errors}):
                fail(("errors", ", ".join(sorted(set(expect.errors))), got))
            return outcome
        if expect.errors is not None:
            fail(("errors", f"refused, naming {', '.join(expect.errors)}", "accepted"))
            return outcome
        cls = result.classification
        for name, value in (("category", cls.category), ("certainty", cls.certainty),
                            ("employment_mode", cls.employment_mode), ("employer", cls.employer)):
            wanted = _many(getattr(expect, name))
            if wanted and str(value) not in wanted:
                fail((name, " or ".join(wanted), str(value)))
        if expect.covered is not None and result.coverage.covered != expect.covered:
            fail(("covered", str(expect.covered).lower(), str(result.coverage.covered).lower()))
        status = {e.id: e.status for e in result.entitlements}
        for ent_id in expect.entitlements.applies:
            if status.get(ent_id) != "applies":
                fail((f"entitlement {ent_id}", "applies", status.get(ent_id, "absent")))
        for ent_id in expect.entitlements.pending:
            if status.get(ent_id) != "pending":
                fail((f"entitlement {ent_id}", "pending", status.get(ent_id, "absent")))
        for ent_id in expect.entitlements.present:
            if ent_id not in status:
                fail((f"entitlement {ent_id}", "present", "absent"))
        for ent_id in expect.entitlements.absent:
            if ent_id in status:
                fail((f"entitlement {ent_id}", "absent", status[ent_id]))
        by_id = {e.id: e for e in result.entitlements}
        for ent_id, amount in expect.amounts.items():
            ent = by_id.get(ent_id)
            got_amount = "absent" if ent is None else "no amount" if ent.amount is None else f"{ent.amount.value:g}"
            if ent is None or ent.amount is None or abs(ent.amount.value - amount) > 1e-9:
                fail((f"amount of {ent_id}", f"{amount:g}", got_amount))
        for ent_id, forces in expect.force.items():
            ent = by_id.get(ent_id)
            if ent is None or ent.force not in _many(forces):
                fail((f"force of {ent_id}", " or ".join(_many(forces)), "absent" if ent is None else ent.force))
        for ent_id, party in expect.owed_by.items():
            ent = by_id.get(ent_id)
            got_party = "absent" if ent is None else (ent.claim.owed_by.id if ent.claim and ent.claim.owed_by
                                                      else "none")
            if got_party != party:
                fail((f"party of {ent_id}", party, got_party))
        for ent_id, places in expect.channels.items():
            ent = by_id.get(ent_id)
            got_channels = [ch.id for ch in ent.claim.channels] if ent is not None and ent.claim else []
            missing = [ch for ch in _many(places) if ch not in got_channels]
            if ent is None or missing:
                fail((f"where to claim {ent_id}", ", ".join(_many(places)),
                      "absent" if ent is None else ", ".join(got_channels) or "nowhere"))
        reported = {p.problem: p.entitlements for p in result.problems}
        for problem, wanted in expect.problems.items():
            got_rights = reported.get(problem)
            if got_rights is None:
                fail((f"problem {problem}", "reported", "not reported"))
            elif (not wanted and got_rights) or any(w not in got_rights for w in wanted):
                fail((f"problem {problem}", ", ".join(wanted) or "no right", ", ".join(got_rights) or "no right"))
        citations = _all_citations(result)
        for ref in expect.citations.include:
            if not any(self._matches(ref, c) for _, c in citations):
                label = ref if isinstance(ref, str) else ref.label()
                fail(("citation", f"cited: {label}", "not cited"))
        for ref in expect.citations.exclude:
            hits = sorted({f"{c.source_id} {c.clause or ''}".strip() + f" ({where})" for where, c in citations
                           if self._matches(ref, c)})
            if hits:
                label = ref if isinstance(ref, str) else ref.label()
                more = f" … (+{len(hits) - 3})" if len(hits) > 3 else ""
                fail(("citation", f"never cited: {label}", "; ".join(hits[:3]) + more))
        return outcome


def _report(outcome: Outcome, out: TextIO) -> None:
    day = f" [{outcome.case.as_of.isoformat()}]" if outcome.case.as_of else ""
    if outcome.ok:
        print(f"  ok    {outcome.case.name}{day}", file=out)
        return
    print(f"  FAIL  {outcome.case.name}{day}", file=out)
    for what, expected, got in outcome.failures:
        print(f"        {what}", file=out)
        print(f"          - expected: {expected}", file=out)
        print(f"          + got:      {got}", file=out)


def run_files(paths: Sequence[Union[str, Path]], out: TextIO, backend: Optional[str] = None,
              root: Optional[Union[str, Path]] = None) -> bool:
    """Run every case of every file, print a report; True when all pass. Bad files raise CaseFileError."""
    files = [(str(p), load_cases(p)) for p in paths]  # every file is checked before any case runs
    runner = CaseRunner(backend=backend, root=root)
    outcomes: list[Outcome] = []
    for name, case_file in files:
        print(name, file=out)
        for case in case_file.cases:
            outcomes.append(runner.run(name, case))
            _report(outcomes[-1], out)
    failed = sum(not o.ok for o in outcomes)
    print(f"{len(outcomes)} cases: {len(outcomes) - failed} passed, {failed} failed", file=out)
    return failed == 0
