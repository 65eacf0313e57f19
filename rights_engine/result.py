"""The result of :func:`rights_engine.evaluate`: pydantic models, JSON-ready (``model_dump(mode="json")``)."""

from __future__ import annotations

import datetime as dt
from typing import Literal, Optional

from pydantic import BaseModel, ConfigDict, Field

Force = Literal["mandatory", "option", "encouraged", "service", "vague"]
Status = Literal["applies", "pending"]
Category = Literal["labor_relation", "incomplete_labor_relation", "civil_relation", "undetermined"]
Certainty = Literal["settled", "likely", "open"]
#: Where a source comes from, in the terms a worker knows (rendered as words, never as this code).
SourceKind = Literal["provincial", "prefectural", "national_law", "national_policy", "court_decision"]
#: How the text (and the 文号/date/figures) behind a citation was checked: ``verified`` = read in an official
#: text vendored in the project; ``republication`` = read in a faithful public republication, or attributed by one;
#: ``unverified`` = reported, not read.
Verification = Literal["verified", "republication", "unverified"]


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True)


class Citation(_Model):
    source_id: str
    document_number: Optional[str] = None
    title: str
    issuer: Optional[str] = None
    date: Optional[dt.date] = None
    clause: Optional[str] = None
    quote: str
    via: Optional[str] = Field(default=None, description="source id of the text that quotes this source")
    via_title: Optional[str] = Field(default=None, description="title of the text that quotes this source (for display)")
    source_kind: SourceKind = Field(description="where the rule comes from: provincial or prefectural document, "
                                    "national law, national policy, court decision")
    verification: Verification = Field(description="how the text behind this citation was checked")
    attribution_note: Optional[str] = Field(
        None, description="where the 文号/issuer/date come from when the source text does not print them"
    )
    force: Optional[Force] = None
    basis: bool = Field(default=False, description="a national policy text that the provincial or prefectural citation "
                        "before it implements (the local text leads; this is its basis)")


class Amount(_Model):
    value: float
    unit: str
    currency: str = "CNY"
    months: Optional[list[int]] = None
    display: str = Field(description="formatted for the language of the result")
    verification: Verification = Field(
        default="verified", description="how the figure was checked (verified: it stands in the quoted text)")
    months_verification: Optional[Verification] = Field(
        default=None, description="how the months were checked, when they come from outside the quoted text")


class OutsideFact(_Model):
    """A date, list, figure or statement behind an entitlement that its quoted text does not contain."""

    what: str = Field(description="amount | months | valid_from | valid_to | date | list | scope | payer | document")
    text: str
    verification: Verification
    source_id: Optional[str] = None


class ChannelRef(_Model):
    id: str
    name: str


class Claim(_Model):
    owed_by: Optional[ChannelRef] = None
    channels: list[ChannelRef] = Field(default_factory=list)
    place: Optional[str] = None
    place_label: Optional[str] = None


class Reason(_Model):
    text: str
    rule_id: Optional[str] = None
    direction: Optional[Literal["toward_labor", "against_labor", "decision", "note"]] = None
    citations: list[Citation] = Field(default_factory=list)


class WouldChange(_Model):
    """What one unknown fact, once answered, would make of the classification."""

    field: str
    value: object = Field(description="the answer that changes the outcome (e.g. true)")
    category: Category
    text: str = Field(description="in the result's language, e.g. 如果你每天必须在线一定时长：劳动关系")


class Classification(_Model):
    category: Category
    employment_mode: Optional[Literal["full_time", "part_time", "dispatched"]] = None
    employer: Optional[Literal["platform", "cooperation_enterprise", "dispatch_agency"]] = None
    contract_form: Optional[str] = Field(default=None, description="the contract form the category implies")
    candidates: list[str] = Field(default_factory=list, description="categories still possible when undetermined")
    reasons: list[Reason] = Field(default_factory=list)
    needs: list[str] = Field(default_factory=list, description="unknown facts that would change the outcome")
    caveats: list[Reason] = Field(default_factory=list, description="exceptions presumed absent because unknown")
    certainty: Certainty = Field(
        default="open", description="settled: no unknown fact can change the category; likely: the known facts point to it "
                            "but named unknown facts could change it; open: the known facts favour no category")
    would_change: list[WouldChange] = Field(
        default_factory=list, description="for each decisive unknown fact, what the category would become")


class Entitlement(_Model):
    id: str
    topic: str
    title: str
    summary: str
    force: Force
    status: Status
    needs: list[str] = Field(default_factory=list)
    amount: Optional[Amount] = None
    claim: Optional[Claim] = None
    citations: list[Citation]
    notes: list[str] = Field(default_factory=list)
    addresses: list[str] = Field(default_factory=list)
    valid_until: Optional[dt.date] = Field(
        default=None, description="last day of a time-limited measure (a campaign); absent for standing law")
    outside_facts: list[OutsideFact] = Field(
        default_factory=list, description="dates, lists and figures from outside the quoted texts, each with how "
                                          "it was checked")
    rule_ids: list[str] = Field(default_factory=list)


class FailedCondition(_Model):
    condition: str
    field: str
    truth: Literal["false", "unknown"]


class NotGranted(_Model):
    """Why an entitlement was not granted (``explain=True``)."""

    id: str
    title: str
    rule_id: str
    failed: list[FailedCondition]
    citations: list[Citation]
    #: why, in words, when no condition of the rule failed: the entitlement's exception (``unless``) withdrew it
    note: Optional[str] = None


class ProblemReport(_Model):
    problem: str
    label: str
    entitlements: list[str]
    citations: list[Citation]
    channels: list[ChannelRef]


class Question(_Model):
    field: str
    text: str
    choices: list[dict[str, object]] = Field(default_factory=list)
    weight: float
    decides: list[str] = Field(default_factory=list)


class Coverage(_Model):
    covered: bool
    province: Optional[str] = None
    prefecture: Optional[str] = None
    jurisdictions: list[str] = Field(default_factory=list)
    message: str


class Provenance(_Model):
    rulebase_hash: str
    package_version: str
    as_of: dt.date
    newest_source_date: Optional[dt.date] = None
    backend: str
    rules_in_force: int


class Result(_Model):
    lang: Literal["zh", "en"]
    classification: Classification
    entitlements: list[Entitlement]
    coverage: Coverage
    problems: list[ProblemReport] = Field(default_factory=list)
    questions: list[Question] = Field(default_factory=list)
    not_granted: Optional[list[NotGranted]] = None
    warnings: list[str] = Field(default_factory=list)
    provenance: Provenance
