"""Loading and validating the rule base: sources, texts, entitlements, channels and rule files.

Everything is checked when the rule base loads; an error names the file, the rule id and the field.
The loaded :class:`RuleBase` is immutable; selecting the rules for a jurisdiction and a date is
:meth:`RuleBase.select`.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from dataclasses import replace as dc_replace
from pathlib import Path
from typing import Any, Literal, Optional, Union

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from . import conditions as cond
from .facts import CLASSIFICATION_FACTS, FACTS, FactSpec
from .result import SourceKind, Verification
from .textnorm import normalise

Force = Literal["mandatory", "option", "encouraged", "service", "vague"]
FORCE_ORDER: tuple[Force, ...] = ("mandatory", "option", "service", "encouraged", "vague")
Topic = Literal[
    "contract",
    "fair_hiring",
    "pay",
    "rest",
    "safety",
    "weather",
    "pension",
    "medical",
    "injury",
    "training",
    "union",
    "employment_services",
    "living_services",
    "algorithm",
    "remedies",
    "classification",
]
PlaceKind = Literal["work_place", "hukou_place", "residence_place", "registration_place",
                    "flexible_registration_place", "any"]
Direction = Literal["toward_labor", "against_labor"]


class RuleBaseError(ValueError):
    """The rule base is malformed; the message names the file, the rule and the reason."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Text(_Strict):
    zh: str = Field(min_length=1)
    en: str = Field(min_length=1)

    def get(self, lang: str) -> str:
        return self.zh if lang == "zh" else self.en


class Jurisdiction(_Strict):
    country: Optional[str] = None
    province: Optional[str] = None
    prefecture: Optional[str] = None
    #: provincial-level divisions where a national rule does not apply (mainland law is not the law of the
    #: special administrative regions: 基本法 of 香港 and 澳门)
    excludes: list[str] = Field(default_factory=list)

    def label(self) -> str:
        return self.prefecture or self.province or self.country or ""


class FactChecked(_Strict):
    item: str
    result: str
    url: Optional[str] = None


class _FactLog(_Strict):
    facts_checked: list[FactChecked]


class Source(_Strict):
    """One entry of ``rules/sources/registry.yaml`` (or ``external/registry.yaml``). Every key is declared here:
    an unknown key (``dat:`` for ``date:``) is refused at load; a new key is added to this class first."""

    id: str
    title: str
    document_number: Optional[str] = None
    issuer: Optional[str] = None
    date: Optional[dt.date] = None
    jurisdiction: Jurisdiction
    level: Optional[str] = None
    seed: Optional[str] = None
    quoted_in: Optional[str] = None
    attribution: Optional[str] = None
    outside_seeds: bool = False
    checked: Optional[str] = None
    url: Optional[str] = None
    note: Optional[str] = None
    basis: list[str] = Field(default_factory=list)  # ids of the sources this one implements
    articles: list[str] = Field(default_factory=list)  # the articles of a law the rule base relies on
    facts_checked: list[FactChecked] = Field(default_factory=list)

    @property
    def kind(self) -> SourceKind:
        """Where the source comes from, as ``result.SourceKind``: provincial / prefectural document, national law
        (statutes and State Council regulations), national policy (ministry notices and guides), court decision
        (guiding cases and judicial interpretations)."""
        j = self.jurisdiction
        if j.prefecture:
            return "prefectural"
        if j.province:
            return "provincial"
        level = self.level or ""
        if level.startswith("guiding-case") or level.startswith("court") or level == "judicial-interpretation":
            return "court_decision"  # told as "court decision or judicial interpretation"
        if level in ("national-law", "administrative-regulation"):
            return "national_law"  # told as "national law or State Council regulation"
        return "national_policy"

    @property
    def verification(self) -> Verification:
        """How the text behind a citation of this source was checked, as ``result.Verification``."""
        if self.checked == "official" or (self.seed and self.attribution != "republication"):
            return "verified"
        if self.checked == "reprint" or self.attribution == "republication" or self.quoted_in:
            return "republication"
        if self.checked is None and not self.outside_seeds:
            return "verified"
        return "unverified"


class Amount(_Strict):
    value: float
    unit: Literal["month", "day", "hour", "year", "once"]
    currency: Literal["CNY"] = "CNY"
    months: Optional[list[int]] = None
    #: how the figure was checked: ``verified`` when it stands in the rule's own (vendored) quote
    verification: Verification = "verified"
    #: how the months were checked (they often come from outside the quoted text)
    months_verification: Optional[Verification] = None


class OutsideFact(_Strict):
    """A date, list, figure or statement a rule relies on that does not stand in its quoted text."""

    what: Literal["amount", "months", "valid_from", "valid_to", "date", "list", "scope", "payer", "document"]
    text: Text
    verification: Verification
    source: Optional[str] = None  # a registry id when the fact comes from a registered source


class Campaign(_Strict):
    """A time-limited campaign: its measures end on ``until`` (inclusive), as the document itself states."""

    until: dt.date
    clause: Optional[str] = None
    quote: str = Field(min_length=2)  # the words of the document that state the window (checked verbatim)


class ClaimSpec(_Strict):
    owed_by: Optional[str] = None
    channels: list[str] = Field(default_factory=list)
    place: Optional[PlaceKind] = None


class CitationSpec(_Strict):
    source: str
    clause: Optional[str] = None
    quote: str = Field(min_length=2)
    via: Optional[str] = None


class RuleSpec(_Strict):
    id: str = Field(min_length=3)
    clause: Optional[str] = None
    kind: Literal["entitlement", "classify", "factor", "reason"] = "entitlement"
    entitlement: Optional[str] = None
    derives: Optional[dict[str, str]] = None
    priority: Optional[int] = None
    presumed_absent: bool = False
    direction: Optional[Direction] = None
    weight: Optional[int] = Field(None, ge=1, le=9)  # a factor's weight in the classification's weighing
    score_min: Optional[int] = None  # a weighed classify rule holds when the weighed score is at least this …
    score_max: Optional[int] = None  # … and at most this (see rights_engine/classification.py)
    reason: Optional[Text] = None
    when: Optional[str] = None
    force: Optional[Force] = None
    force_words: list[str] = Field(default_factory=list)
    claim: Optional[ClaimSpec] = None
    amount: Optional[Amount] = None
    #: ``disputed``: the law is unsettled for the people this rule reaches (set by an entitlement's ``unless``)
    certainty: Literal["verified", "unverified", "disputed"] = "verified"
    note: Optional[Text] = None
    outside_facts: list[OutsideFact] = Field(default_factory=list)
    quote: str = Field(min_length=2)
    via: Optional[str] = None
    also_cites: list[CitationSpec] = Field(default_factory=list)
    addresses: list[str] = Field(default_factory=list)
    valid_from: Optional[dt.date] = None
    valid_to: Optional[dt.date] = None
    jurisdiction: Optional[Jurisdiction] = None


class CoverageEntry(_Strict):
    """One provision of ``rules/coverage.yaml``: the checklist of what the rule base must cite."""

    clause: Optional[str] = None
    topic: Topic
    grants: Optional[str] = None  # a reading aid, not legal text
    scope: Optional[Literal["national"]] = None  # the "national" branch's marker of national provisions


class RuleFile(_Strict):
    source: str
    jurisdiction: Jurisdiction
    valid_from: Optional[dt.date] = None
    valid_to: Optional[dt.date] = None
    via: Optional[str] = None
    campaign: Optional[Campaign] = None
    rules: list[RuleSpec] = Field(min_length=1)


class Unless(_Strict):
    """An entitlement's exception: when ``when`` is known true (never when it is unknown), every rule granting the
    entitlement is ``withdrawn`` (not granted) or ``disputed`` (pending, never a promise, with ``note`` and the
    clauses in ``cites`` that make it doubtful). See docs/rule-format.md."""

    when: str
    effect: Literal["withdrawn", "disputed"]
    note: Text
    cites: list[CitationSpec] = Field(default_factory=list)


class EntitlementDef(_Strict):
    topic: Topic
    title: Text
    summary: Text
    unless: Optional[Unless] = None


class QuestionDef(_Strict):
    zh: str
    en: str
    choices: Optional[dict[str, Text]] = None

    def get(self, lang: str) -> str:
        return self.zh if lang == "zh" else self.en


class Channel(_Strict):
    zh: str
    en: str

    def get(self, lang: str) -> str:
        return self.zh if lang == "zh" else self.en


@dataclass(frozen=True)
class Citation:
    source: Source
    clause: Optional[str]
    quote: str
    via: Optional[Source]


@dataclass(frozen=True)
class Rule:
    """A validated rule, its parsed condition, and where it came from."""

    spec: RuleSpec
    file: str
    source: Source
    jurisdiction: Jurisdiction
    valid_from: Optional[dt.date]
    valid_to: Optional[dt.date]
    condition: cond.Node  # the full condition: jurisdiction narrowing AND `when`
    citations: tuple[Citation, ...]
    id: str = ""
    #: last day of the campaign this rule's measure belongs to (None: standing law or a standing policy)
    campaign_until: Optional[dt.date] = None
    #: ``surely(when)`` of the entitlement's ``unless`` that withdraws this rule where it holds (see _apply_unless)
    withdrawn_when: Optional[cond.Node] = None
    #: the note of the entitlement's ``unless`` on the disputed twin (shown before the rule's own note, each once)
    exception_note: Optional[Text] = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "id", self.spec.id)

    def valid_on(self, day: dt.date) -> bool:
        return (self.valid_from is None or self.valid_from <= day) and (self.valid_to is None or day <= self.valid_to)


@dataclass(frozen=True)
class Selection:
    """The rules in force for one province on one day, split by evaluation stage."""

    province: Optional[str]
    covered: bool
    stage1: tuple[Rule, ...]  # classification: may read base facts only
    stage2: tuple[Rule, ...]  # entitlements and reasons: may read derived facts
    groups: tuple[tuple[str, tuple[Rule, ...]], ...] = ()  # stage-2 entitlement rules by entitlement id


@dataclass(frozen=True)
class RuleBase:
    root: Path
    sources: Mapping[str, Source]
    texts: Mapping[str, str]  # source id -> normalised text
    raw_texts: Mapping[str, str]  # source id -> text as vendored
    entitlements: Mapping[str, EntitlementDef]
    channels: Mapping[str, Channel]
    rules: tuple[Rule, ...]
    schema: Mapping[str, FactSpec]
    coverage: Mapping[str, tuple[Mapping[str, Any], ...]]
    digest: str
    provinces: frozenset[str] = field(default_factory=frozenset)  # provinces some rule is placed in
    questions: Mapping[str, QuestionDef] = field(default_factory=dict)
    covered: frozenset[str] = field(default_factory=frozenset)  # provinces a provincial or prefectural text covers

    @functools.cached_property
    def newest_source_date(self) -> Optional[dt.date]:
        used = {r.source.id for r in self.rules} | {c.source.id for r in self.rules for c in r.citations}
        dates = [self.sources[s].date for s in used if self.sources[s].date]
        return max(dates) if dates else None  # type: ignore[type-var]

    def select(self, province: Optional[str], day: dt.date) -> Selection:
        chosen = [
            r
            for r in self.rules
            if r.valid_on(day) and (r.jurisdiction.province is None or r.jurisdiction.province == province)
            and province not in r.jurisdiction.excludes
        ]
        stage2 = tuple(r for r in chosen if r.spec.kind in ("entitlement", "reason"))
        groups: dict[str, list[Rule]] = {}
        for r in stage2:
            if r.spec.kind == "entitlement" and r.spec.entitlement:
                groups.setdefault(r.spec.entitlement, []).append(r)
        return Selection(
            province,
            province in self.covered,
            tuple(r for r in chosen if r.spec.kind in ("classify", "factor")),
            stage2,
            tuple((ent, tuple(rs)) for ent, rs in groups.items()),
        )

    def boundaries(self) -> tuple[dt.date, ...]:
        """Every date on which some rule starts or stops being in force (for caching by period)."""
        days: set[dt.date] = set()
        for r in self.rules:
            if r.valid_from:
                days.add(r.valid_from)
            if r.valid_to:
                days.add(r.valid_to + dt.timedelta(days=1))
        return tuple(sorted(days))


def default_root() -> Path:
    """The rule base shipped with the package (``rules/`` beside it in a checkout, or bundled)."""
    here = Path(__file__).resolve().parent
    for candidate in (here.parent / "rules", here / "_rules"):
        if (candidate / "sources" / "registry.yaml").exists():
            return candidate
    raise RuleBaseError("no rule base found (expected rules/ beside the package)")


#: libyaml's parser and composer when PyYAML was built with it (about 7x faster on the rule base), else PyYAML's own.
_BaseLoader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _UniqueKeyLoader(_BaseLoader):  # type: ignore[valid-type,misc]
    """A safe loader that refuses a mapping with the same key twice (plain YAML keeps the last one silently)."""


def _construct_unique_mapping(loader: _UniqueKeyLoader, node: yaml.MappingNode, deep: bool = False) -> Any:
    seen: set[Any] = set()
    for key_node, _value in node.value:
        key = loader.construct_object(key_node, deep=deep)
        try:
            duplicate = key in seen
            seen.add(key)
        except TypeError:  # an unhashable key: construct_mapping reports it
            continue
        if duplicate:
            raise yaml.constructor.ConstructorError(None, None, f"duplicate key {key!r}", key_node.start_mark)
    return yaml.SafeLoader.construct_mapping(loader, node, deep)


_UniqueKeyLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_unique_mapping)


_NO_ALIASES = "YAML aliases (*name) are not allowed in the rule base"


def _refuse_aliases(root: Optional[yaml.Node]) -> None:
    """No anchors and aliases (``&a`` / ``*a``): the rule base never needs them, and a few nested aliases expand
    into billions of nodes (an "alias bomb") that hang whatever walks the data. The composer gives an alias the very
    node of its anchor, so a node met twice in the composed tree is an alias; the walk stops at the first one, before
    anything is expanded."""
    seen: set[int] = set()
    stack = [root] if root is not None else []
    while stack:
        node = stack.pop()
        if id(node) in seen:
            raise yaml.composer.ComposerError(None, None, _NO_ALIASES, node.start_mark)
        seen.add(id(node))
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                stack.extend((key, value))
        elif isinstance(node, yaml.SequenceNode):
            stack.extend(node.value)


def _load_yaml(text: str) -> Any:
    loader = _UniqueKeyLoader(text)
    try:
        try:
            root = loader.get_single_node()
        except yaml.composer.ComposerError as exc:  # "found undefined alias": an alias all the same
            if "alias" not in str(exc.problem):
                raise
            raise yaml.composer.ComposerError(None, None, _NO_ALIASES, exc.problem_mark) from None
        _refuse_aliases(root)
        return None if root is None else loader.construct_document(root)
    finally:
        loader.dispose()


def _read_yaml(path: Path) -> Any:
    try:
        return _load_yaml(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise RuleBaseError(f"{path}: cannot read the file: {exc.strerror}") from None
    except (ValueError, OverflowError, yaml.YAMLError) as exc:  # not UTF-8; PyYAML chr() on "\U7FFFFFFF"
        raise RuleBaseError(f"{path}: cannot read YAML: {exc}") from None
    except RecursionError:
        raise RuleBaseError(f"{path}: cannot read YAML: nested too deeply") from None


#: Where each kind of entry is declared, for the hint of an unknown-key error.
_DECLARED_IN = {"Source": "Source", "RuleFile": "RuleFile (file keys) or RuleSpec (rule keys)",
                "EntitlementDef": "EntitlementDef", "Channel": "Channel", "QuestionDef": "QuestionDef",
                "CoverageEntry": "CoverageEntry"}


def _pydantic_problem(exc: ValidationError) -> str:
    parts = []
    unknown = False
    for err in exc.errors(include_url=False, include_input=False):
        loc = ".".join(str(p) for p in err.get("loc", ()))
        if err.get("type") == "extra_forbidden":
            unknown = True
            parts.append(f"{loc}: unknown key (a typo?)")
        else:
            parts.append(f"{loc}: {err.get('msg')}")
    text = "; ".join(parts)
    if unknown:
        where = _DECLARED_IN.get(exc.title, exc.title)
        text += f" — a new key must first be declared in rights_engine/rulebase.py, class {where}"
    return text


def _rel(root: Path, path: Path) -> str:
    """A file's name as the rule base knows it: ``rules/<path below the root>`` wherever it is installed."""
    try:
        return "rules/" + path.relative_to(root).as_posix()
    except ValueError:
        return str(path)


def _load_sources(root: Path) -> dict[str, Source]:
    sources: dict[str, Source] = {}
    for path in (root / "sources" / "registry.yaml", root / "sources" / "external" / "registry.yaml"):
        if not path.exists() and path.parent.name == "external":
            continue  # optional; the main registry is required (_read_yaml names it when it is missing)
        data = _read_yaml(path)
        entries = data if isinstance(data, list) else data.get("sources") if isinstance(data, dict) else None
        if isinstance(data, dict) and set(data) - {"sources"}:
            raise RuleBaseError(f"{_rel(root, path)}: unknown top-level key(s): expected a list of sources")
        if not isinstance(entries, list):
            raise RuleBaseError(f"{_rel(root, path)}: expected a list of sources")
        for i, entry in enumerate(entries):
            if isinstance(entry, dict) and set(entry) == {"facts_checked"}:  # a log of checks made, not a source
                try:
                    _FactLog.model_validate(entry)
                except ValidationError as exc:
                    raise RuleBaseError(f"{_rel(root, path)}: entry #{i + 1}: {_pydantic_problem(exc)}") from None
                continue
            if not isinstance(entry, dict) or not isinstance(entry.get("id"), str):
                raise RuleBaseError(f"{_rel(root, path)}: entry #{i + 1}: expected a mapping with an id")
            entry = dict(entry)
            entry.setdefault("jurisdiction", {"country": "中国"})
            if path.parent.name == "external":
                entry.setdefault("outside_seeds", True)
            try:
                source = Source.model_validate(entry)
            except ValidationError as exc:
                raise RuleBaseError(f"{_rel(root, path)}: source {entry.get('id')}: {_pydantic_problem(exc)}") from None
            if source.id in sources:
                raise RuleBaseError(f"{_rel(root, path)}: source {source.id}: defined twice")
            sources[source.id] = source
    return sources


def _load_texts(root: Path, sources: Mapping[str, Source]) -> dict[str, str]:
    texts: dict[str, str] = {}
    for sid in sources:
        for path in (root / "sources" / "texts" / f"{sid}.txt", root / "sources" / "external" / f"{sid}.txt"):
            if path.exists():
                try:
                    texts[sid] = path.read_text(encoding="utf-8")
                except (OSError, UnicodeDecodeError) as exc:
                    raise RuleBaseError(f"{_rel(root, path)}: cannot read the source text: {exc}") from None
                break
    return texts


def _load_mapping_files(paths: Iterable[Path], root: Path, model: type[BaseModel], what: str) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for path in paths:
        data = _read_yaml(path) or {}
        if not isinstance(data, dict):
            raise RuleBaseError(f"{_rel(root, path)}: expected a mapping of {what} ids")
        for key, value in data.items():
            if not isinstance(key, str):
                raise RuleBaseError(f"{_rel(root, path)}: {what} ids must be text (one is {type(key).__name__})")
            if key in out:
                raise RuleBaseError(f"{_rel(root, path)}: {what} {key}: defined twice")
            try:
                out[key] = model.model_validate(value)
            except ValidationError as exc:
                raise RuleBaseError(f"{_rel(root, path)}: {what} {key}: {_pydantic_problem(exc)}") from None
    return out


def _prefecture_atom(jurisdiction: Jurisdiction) -> Optional[cond.Node]:
    if jurisdiction.prefecture:
        return cond.Member("work_prefecture", frozenset([jurisdiction.prefecture]))
    return None


def load(root: Optional[Union[str, Path]] = None) -> RuleBase:
    """Load and validate the rule base at ``root`` (default: the shipped one)."""
    base = Path(root) if root else default_root()
    if not base.is_dir():
        raise RuleBaseError(f"{base}: no rule base here (not a readable directory)")
    sources = _load_sources(base)
    raw_texts = _load_texts(base, sources)
    texts = {sid: normalise(text) for sid, text in raw_texts.items()}
    entitlements = _load_mapping_files(
        [base / "entitlements.yaml", *sorted((base / "entitlements.d").glob("*.yaml"))], base, EntitlementDef, "entitlement"
    )
    channels = _load_mapping_files([base / "channels.yaml"], base, Channel, "channel")
    questions = _load_mapping_files([base / "questions.yaml"], base, QuestionDef, "question")
    rule_paths = sorted(p for p in _yaml_files(base) if p.parent.name not in ("sources", "external", "entitlements.d")
                        and p.parent != base)
    files: list[tuple[Path, RuleFile]] = []
    prefectures: set[str] = set()
    for path in rule_paths:
        data = _read_yaml(path)
        try:
            rule_file = RuleFile.model_validate(data)
        except ValidationError as exc:
            rid = _failing_rule_id(data, exc)
            raise RuleBaseError(f"{_rel(base, path)}: {rid}: {_pydantic_problem(exc)}") from None
        files.append((path, rule_file))
        for j in [rule_file.jurisdiction, *(r.jurisdiction for r in rule_file.rules if r.jurisdiction)]:
            if j.prefecture:
                prefectures.add(j.prefecture)
    schema: dict[str, FactSpec] = dict(FACTS)
    schema["work_prefecture"] = FactSpec("work_prefecture", "enum", (*sorted(prefectures), "other"), derived=True)
    rules: list[Rule] = []
    seen: dict[str, str] = {}
    for path, rule_file in files:
        rel = _rel(base, path)
        for spec in rule_file.rules:
            rule = _build_rule(base, rel, rule_file, spec, sources, texts, entitlements, channels, schema, seen)
            exception = entitlements[spec.entitlement].unless if spec.kind == "entitlement" and spec.entitlement else None
            rules.extend(_apply_unless(rule, exception, sources, texts, schema, seen) if exception else [rule])
    rank = {"country": 0, "province": 1, "prefecture": 2}
    rules.sort(key=lambda r: rank["prefecture" if r.jurisdiction.prefecture else
                                "province" if r.jurisdiction.province else "country"])  # stable: file, clause order
    _check_contradictions(rules)
    _check_complexity(rules, schema)
    coverage = _load_coverage(base, sources)
    _check_complete(base, coverage, rules)
    digest = _digest(base, [p for p, _ in files])
    provinces = frozenset(r.jurisdiction.province for r in rules if r.jurisdiction.province)
    # a province is covered when a provincial (or prefectural) document speaks for it; national rules placed by
    # province (the occupational-injury pilot) give it rules of its own but do not make it covered
    covered = frozenset(r.source.jurisdiction.province for r in rules if r.source.jurisdiction.province)
    return RuleBase(base, sources, texts, raw_texts, entitlements, channels, tuple(rules), schema, coverage, digest,
                    provinces, questions, covered)


def _yaml_files(base: Path, suffixes: tuple[str, ...] = (".yaml",)) -> list[Path]:
    """Every ``*.yaml`` below ``base``. A directory that cannot be read is an error: skipping it (as ``rglob``
    does) would load a rule base without, say, a whole province and call it ok."""
    if not base.is_dir():
        raise RuleBaseError(f"{base}: no rule base here (not a readable directory)")

    def fail(exc: OSError) -> None:
        where = Path(exc.filename) if exc.filename else base
        raise RuleBaseError(f"{_rel(base, where)}: cannot read the directory: {exc.strerror}")

    found: list[Path] = []
    for folder, _dirs, names in os.walk(base, onerror=fail, followlinks=False):
        found += [Path(folder) / name for name in names if name.endswith(suffixes)]
    return found


def _load_coverage(base: Path, sources: Mapping[str, Source]) -> dict[str, tuple[Mapping[str, Any], ...]]:
    path = base / "coverage.yaml"
    rel = _rel(base, path)
    data = _read_yaml(path)
    if not isinstance(data, dict):
        raise RuleBaseError(f"{rel}: expected a mapping of source ids to lists of provisions")
    coverage: dict[str, tuple[Mapping[str, Any], ...]] = {}
    for sid, items in data.items():
        if sid not in sources:
            raise RuleBaseError(f"{rel}: {sid}: unknown source id (see rules/sources/registry.yaml)")
        if not isinstance(items, list):
            raise RuleBaseError(f"{rel}: {sid}: expected a list of provisions")
        entries = []
        for i, item in enumerate(items):
            if not isinstance(item, dict):
                raise RuleBaseError(f"{rel}: {sid}: entry #{i + 1}: expected a mapping (clause, topic, grants)")
            try:
                entries.append(CoverageEntry.model_validate(item).model_dump())
            except ValidationError as exc:
                raise RuleBaseError(f"{rel}: {sid}: entry #{i + 1}: {_pydantic_problem(exc)}") from None
        coverage[sid] = tuple(entries)
    return coverage


def _check_complete(base: Path, coverage: Mapping[str, Any], rules: Sequence[Rule]) -> None:
    """The manifest check: coverage.yaml names every source document the rule base must cover, and some rule cites
    each (in its own rule file, or beside another source's clause). A rule file that is missing, or in a directory
    that went missing, fails the load instead of silently leaving a province with national law only."""
    cited = {r.source.id for r in rules} | {c.source.id for r in rules for c in r.citations}
    missing = [sid for sid in coverage if sid not in cited]
    if missing:
        raise RuleBaseError(f"{_rel(base, base / 'coverage.yaml')}: no rule cites {', '.join(missing)} (every source "
                            "of the checklist has its rule file, `source: <id>`: a missing file or a deleted "
                            "directory?)")


def _check_complexity(rules: Sequence[Rule], schema: Mapping[str, FactSpec]) -> None:
    """Every backend's limits, checked once here: a rule that a backend would refuse at evaluation time is
    refused at load (``rules --check``) instead. durable-rules takes at most MAX_PATHS_PER_RULESET pattern
    paths (the disjunctive normal form of a condition, true and false side) per rule."""
    from .backends.durable import MAX_PATHS_PER_RULESET, paths_needed

    for r in rules:
        paths = paths_needed(r.condition, schema)
        if paths > MAX_PATHS_PER_RULESET:
            raise RuleBaseError(
                f"{r.file}: {r.id}: when: condition too complex for the durable-rules backend ({paths} paths, "
                f"at most {MAX_PATHS_PER_RULESET}): split the rule, or use `in [...]` instead of ORs of one field")


def _failing_rule_id(data: Any, exc: ValidationError) -> str:
    for err in exc.errors():
        loc = err.get("loc", ())
        if len(loc) >= 2 and loc[0] == "rules" and isinstance(loc[1], int):
            try:
                return str(data["rules"][loc[1]].get("id", f"rule #{loc[1] + 1}"))
            except (KeyError, IndexError, TypeError, AttributeError):
                return f"rule #{loc[1] + 1}"
    return "file"


def _digest(base: Path, rule_files: Sequence[Path]) -> str:
    h = hashlib.sha256()
    # Relative paths as POSIX text, in the order of their parts: the same digest wherever the rule base lies, on
    # any OS (str() and Path ordering differ on Windows).
    for path in sorted({*rule_files, *_yaml_files(base, (".yaml", ".txt"))}, key=lambda p: p.relative_to(base).parts):
        h.update(path.relative_to(base).as_posix().encode())
        h.update(path.read_bytes())
    return h.hexdigest()[:16]


def _build_rule(
    base: Path,
    rel: str,
    rule_file: RuleFile,
    spec: RuleSpec,
    sources: Mapping[str, Source],
    texts: Mapping[str, str],
    entitlements: Mapping[str, Any],
    channels: Mapping[str, Any],
    schema: Mapping[str, FactSpec],
    seen: dict[str, str],
) -> Rule:
    def fail(fld: str, why: str) -> RuleBaseError:
        return RuleBaseError(f"{rel}: {spec.id}: {fld}: {why}")

    if spec.id in seen:
        raise fail("id", f"duplicate rule id (also in {seen[spec.id]})")
    seen[spec.id] = rel
    if rule_file.source not in sources:
        raise fail("source", f"unknown source id {rule_file.source!r}")
    source = sources[rule_file.source]
    jurisdiction = spec.jurisdiction or rule_file.jurisdiction
    if spec.kind == "entitlement":
        if not spec.entitlement:
            raise fail("entitlement", "missing")
        if spec.entitlement not in entitlements:
            raise fail("entitlement", f"unknown entitlement id {spec.entitlement!r} (define it in rules/entitlements*.yaml)")
        if spec.force is None:
            raise fail("force", "missing")
        if not spec.force_words:
            raise fail("force_words", "missing: name the words of the quote that justify the force")
        for word in spec.force_words:
            if normalise(word) not in normalise(spec.quote):
                raise fail("force_words", f"{word!r} does not stand in the quote")
    if spec.kind == "classify":
        if not spec.derives or len(spec.derives) != 1:
            raise fail("derives", "a classify rule derives exactly one fact")
        (fact, value), = spec.derives.items()
        if fact not in CLASSIFICATION_FACTS or value not in schema[fact].domain:
            raise fail("derives", f"{fact}={value} is not a classification outcome")
        if spec.priority is None:
            raise fail("priority", "missing")
    if spec.kind in ("classify", "factor", "reason") and spec.reason is None:
        raise fail("reason", "missing")
    if spec.kind == "factor" and spec.direction is None:
        raise fail("direction", "missing")
    if spec.kind == "factor" and spec.weight is None:
        raise fail("weight", "missing: every factor carries its weight in the weighing")
    if spec.weight is not None and spec.kind != "factor":
        raise fail("weight", "only a factor has a weight")
    if spec.score_min is not None or spec.score_max is not None:
        if spec.kind != "classify" or "category" not in (spec.derives or {}):
            raise fail("score_min", "only a classify rule deriving the category is weighed")
        if spec.score_min is not None and spec.score_max is not None and spec.score_min > spec.score_max:
            raise fail("score_max", "below score_min")
    if spec.claim:
        for ch in [spec.claim.owed_by, *spec.claim.channels]:
            if ch is not None and ch not in channels:
                raise fail("claim", f"unknown channel {ch!r} (see rules/channels.yaml)")
    for problem in spec.addresses:
        if problem not in schema or not problem.startswith("problem_"):
            raise fail("addresses", f"unknown problem {problem!r}")
    try:
        when = cond.parse(spec.when) if spec.when else cond.Const(True)
        cond.check(when, schema)
    except cond.ConditionError as exc:
        raise fail("when", str(exc)) from None
    if spec.kind in ("classify", "factor"):
        derived = [f for f in cond.fields(when) if schema[f].derived and f not in ("hukou_in_work_province",
                                                                                     "residence_in_work_province")]
        if derived:
            raise fail("when", f"a classification rule may not read derived facts ({', '.join(derived)})")
    narrowing = _prefecture_atom(jurisdiction)
    condition = cond.And((narrowing, when)) if narrowing else when
    citations = [_citation(fail, "quote", sources, texts, rule_file.source, spec.clause, spec.quote,
                           spec.via or rule_file.via)]
    for i, extra in enumerate(spec.also_cites):
        citations.append(_citation(fail, f"also_cites[{i}]", sources, texts, extra.source, extra.clause, extra.quote,
                                   extra.via))
    valid_from = spec.valid_from or rule_file.valid_from
    valid_to = spec.valid_to or rule_file.valid_to
    campaign_until = None
    if rule_file.campaign is not None and spec.kind == "entitlement":
        campaign = rule_file.campaign
        _citation(fail, "campaign", sources, texts, rule_file.source, campaign.clause, campaign.quote,
                  rule_file.via)  # the window must stand in the document's own text
        campaign_until = campaign.until
        valid_to = min(valid_to, campaign_until) if valid_to else campaign_until
    for i, outside in enumerate(spec.outside_facts):
        if outside.source is not None and outside.source not in sources:
            raise fail(f"outside_facts[{i}]", f"unknown source id {outside.source!r}")
    if valid_from and valid_to and valid_from > valid_to:
        raise fail("valid_to", "ends before it starts")
    return Rule(spec, rel, source, jurisdiction, valid_from, valid_to, condition, tuple(citations),
                campaign_until=campaign_until)


#: The id of the rule an entitlement's ``unless`` adds beside each rule granting it (``<rule id>.unless``).
UNLESS_SUFFIX = ".unless"


def _apply_unless(rule: Rule, exception: Unless, sources: Mapping[str, Source], texts: Mapping[str, str],
                  schema: Mapping[str, FactSpec], seen: dict[str, str]) -> list[Rule]:
    """``rule`` under its entitlement's exception: it holds only where the exception is not known to hold (an unknown
    answer changes nothing); for ``disputed`` a twin rule, ``<id>.unless``, holds where it is known to hold — the same
    clauses, force and claim, but pending (never a promise), with the exception's note and clauses first."""
    ent = rule.spec.entitlement

    def fail(fld: str, why: str) -> RuleBaseError:
        return RuleBaseError(f"rules/entitlements: {ent}: unless.{fld}: {why}")

    try:
        when = cond.parse(exception.when)
        cond.check(when, schema)
    except cond.ConditionError as exc:
        raise fail("when", str(exc)) from None
    known = cond.Surely(when)
    kept = dc_replace(rule, condition=cond.And((rule.condition, cond.Not(known))), withdrawn_when=known)
    if exception.effect == "withdrawn":
        return [kept]
    twin_id = rule.id + UNLESS_SUFFIX
    if twin_id in seen:
        raise fail("when", f"rule id {twin_id!r} already taken")
    seen[twin_id] = rule.file
    cites = [_citation(fail, f"cites[{i}]", sources, texts, c.source, c.clause, c.quote, c.via)
             for i, c in enumerate(exception.cites)]
    spec = rule.spec.model_copy(update={"id": twin_id, "certainty": "disputed"})
    twin = dc_replace(rule, spec=spec, condition=cond.And((rule.condition, known)), exception_note=exception.note,
                      citations=(*rule.citations, *(c for c in cites if c not in rule.citations)))
    return [kept, twin]


def _citation(fail: Any, fld: str, sources: Mapping[str, Source], texts: Mapping[str, str], source_id: str,
              clause: Optional[str], quote: str, via: Optional[str]) -> Citation:
    if source_id not in sources:
        raise fail(fld, f"unknown source id {source_id!r}")
    if via is not None and via not in sources:
        raise fail(fld, f"unknown via source id {via!r}")
    text_id = via or source_id
    if text_id not in texts:
        raise fail(fld, f"no vendored text for {text_id!r}: a quote cannot be checked")
    needle = normalise(quote)
    if not needle or needle not in texts[text_id]:
        raise fail(fld, f"quote not found in the text of {text_id}")
    if via is None:
        problem = clause_problem(clause, texts[text_id])
        if problem:
            raise fail(fld, problem)
    return Citation(sources[source_id], clause, quote, sources[via] if via else None)


_CN_NUMERAL = "一二三四五六七八九十百"


def clause_problem(clause: Optional[str], text: str) -> Optional[str]:
    """Why ``clause`` cannot be found in the (normalised) ``text``; None when it can."""
    if clause is None:
        return None
    label = clause
    if label.endswith(("）", ")")):
        inner = label.rstrip("）)")
        inner = inner[max(inner.rfind("（"), inner.rfind("(")) + 1:]
        if not inner or any(ch not in _CN_NUMERAL for ch in inner):
            return f"clause {clause!r} is not a clause label"
        found = f"（{inner}）" in text or f"({inner})" in text
    elif label.endswith("是") or (label.startswith("第") and label.endswith("条")):
        found = label in text
    elif label and all(ch in _CN_NUMERAL for ch in label):
        found = f"{label}、" in text
    else:
        return f"clause {clause!r} is not a clause label"
    return None if found else f"clause {clause!r} does not occur in the source text"


def _overlap(a: Rule, b: Rule) -> bool:
    start = max(a.valid_from or dt.date.min, b.valid_from or dt.date.min)
    end = min(a.valid_to or dt.date.max, b.valid_to or dt.date.max)
    if start > end:
        return False
    ja, jb = a.jurisdiction, b.jurisdiction
    if ja.province and jb.province and ja.province != jb.province:
        return False
    return not (ja.prefecture and jb.prefecture and ja.prefecture != jb.prefecture)


def _check_contradictions(rules: Sequence[Rule]) -> None:
    by_entitlement: dict[str, list[Rule]] = {}
    for r in rules:
        if r.spec.kind == "entitlement" and r.spec.amount is not None and r.spec.entitlement:
            by_entitlement.setdefault(r.spec.entitlement, []).append(r)
    for ent, group in by_entitlement.items():
        for i, a in enumerate(group):
            for b in group[i + 1:]:
                if a.spec.amount != b.spec.amount and _overlap(a, b):
                    raise RuleBaseError(
                        f"{b.file}: {b.id}: amount: contradicts {a.id} ({a.file}): different amounts for {ent} "
                        "in the same place and period"
                    )


def covered_provisions(rb: RuleBase) -> list[tuple[Mapping[str, Any], str, list[str]]]:
    """Every coverage entry with its source id and the ids of the rules that cite it.

    A rule covers an entry when it cites the entry's (source, clause) and, where the checklist lists the
    same (source, clause) more than once, when its entitlement's topic is the entry's topic.
    """
    out: list[tuple[Mapping[str, Any], str, list[str]]] = []
    for sid, entries in rb.coverage.items():
        keys = [entry.get("clause") for entry in entries]
        for entry in entries:
            clause = entry.get("clause")
            need_topic = keys.count(clause) > 1
            rule_ids = []
            for r in rb.rules:
                if not any(c.source.id == sid and c.clause == clause for c in r.citations):
                    continue
                topic = rb.entitlements[r.spec.entitlement].topic if r.spec.entitlement else "classification"
                if not need_topic or topic == entry.get("topic"):
                    rule_ids.append(r.id)
            out.append((entry, sid, rule_ids))
    return out
