"""The result of :func:`rights_engine.evaluate`: pydantic models, JSON-ready (``model_dump(mode="json")``)."""

from __future__ import annotations

import datetime as dt
from typing import Literal, Optional

from pydantic import BaseModel, ConfigDict, Field

Force = Literal["mandatory", "option", "encouraged", "service", "vague"]
Status = Literal["applies", "pending"]
Category = Literal["labor_relation", "incomplete_labor_relation", "civil_relation", "undetermined"]


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
    via: Optional[str] = Field(None, description="source id of the text that quotes this source")
    outside_seeds: bool = Field(False, description="the source is not among the seed documents")
    attribution_note: Optional[str] = Field(
        None, description="where the 文号/issuer/date come from when the source text does not print them"
    )
    force: Optional[Force] = None


class Amount(_Model):
    value: float
    unit: str
    currency: str = "CNY"
    months: Optional[list[int]] = None
    display: str = Field(description="formatted for the language of the result")


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


class Classification(_Model):
    category: Category
    employment_mode: Optional[Literal["full_time", "part_time", "dispatched"]] = None
    employer: Optional[Literal["platform", "cooperation_enterprise", "dispatch_agency"]] = None
    contract_form: Optional[str] = Field(None, description="the contract form the category implies")
    candidates: list[str] = Field(default_factory=list, description="categories still possible when undetermined")
    reasons: list[Reason] = Field(default_factory=list)
    needs: list[str] = Field(default_factory=list, description="unknown facts that would change the outcome")
    caveats: list[Reason] = Field(default_factory=list, description="exceptions presumed absent because unknown")


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
