"""The facts a condition may test: their names, kinds and domains.

Every condition in every rule file is checked against this schema when the rule base loads, and every
backend compiles against it. A fact is one of:

- ``enum``: a value from a finite domain; at evaluation time it carries the *set of values still
  possible* (the whole domain when unknown);
- ``bool``: an enum over ``{True, False}``;
- ``number``: a finite float, or unknown.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, get_args

from .profile import Counterparty, Engagement, Enrolment, Gender, Occupation, Problem

FactKind = Literal["enum", "bool", "number"]

# The profile's enums are the single source of their domains (rights_engine/profile.py).
OCCUPATIONS: tuple[str, ...] = get_args(Occupation)
ENGAGEMENTS: tuple[str, ...] = get_args(Engagement)
COUNTERPARTIES: tuple[str, ...] = get_args(Counterparty)
GENDERS: tuple[str, ...] = get_args(Gender)
ENROLMENTS: tuple[str, ...] = get_args(Enrolment)
CATEGORIES = ("labor_relation", "incomplete_labor_relation", "civil_relation")
EMPLOYMENT_MODES = ("full_time", "part_time", "dispatched", "not_applicable")
EMPLOYERS = ("platform", "cooperation_enterprise", "dispatch_agency", "not_applicable")
PROBLEMS: tuple[str, ...] = get_args(Problem)

INDICATOR_FIELDS = (
    "platform_manages_work",
    "can_refuse_orders",
    "sets_own_hours",
    "must_be_online_min_hours",
    "subject_to_penalties",
    "platform_sets_price",
    "work_is_core_business",
    "long_term_continuous",
    "main_income_source",
)
PROFILE_BOOL_FIELDS = INDICATOR_FIELDS + (
    "receives_pension",
    "outdoor_work",
    "high_temperature_work",
    "works_statutory_holidays",
    "has_children",
)


@dataclass(frozen=True)
class FactSpec:
    name: str
    kind: FactKind
    domain: tuple[object, ...] = ()
    derived: bool = False

    def accepts(self, value: object) -> bool:
        if self.kind == "number":
            return isinstance(value, (int, float)) and not isinstance(value, bool)
        if self.kind == "bool":
            return isinstance(value, bool)
        return value in self.domain


def _enum(name: str, domain: tuple[str, ...], derived: bool = False) -> FactSpec:
    return FactSpec(name, "enum", domain, derived)


def _bool(name: str, derived: bool = False) -> FactSpec:
    return FactSpec(name, "bool", (True, False), derived)


FACTS: dict[str, FactSpec] = {
    spec.name: spec
    for spec in (
        _enum("occupation", OCCUPATIONS),
        _enum("engagement", ENGAGEMENTS),
        _enum("counterparty", COUNTERPARTIES),
        _enum("managed_by", COUNTERPARTIES),
        *(_bool(name) for name in PROFILE_BOOL_FIELDS),
        FactSpec("daily_hours", "number"),
        FactSpec("weekly_hours", "number"),
        FactSpec("age", "number"),
        _enum("gender", GENDERS),
        _enum("pension_enrolled", ENROLMENTS),
        _enum("medical_enrolled", ENROLMENTS),
        *(_bool(f"problem_{p}") for p in PROBLEMS),
        _bool("hukou_in_work_province", derived=True),
        _bool("residence_in_work_province", derived=True),
        _enum("category", CATEGORIES, derived=True),
        _enum("employment_mode", EMPLOYMENT_MODES, derived=True),
        _enum("employer", EMPLOYERS, derived=True),
    )
}

#: The facts the classification derives; rules that grant entitlements may test them.
CLASSIFICATION_FACTS = ("category", "employment_mode", "employer")
