"""The engine wrapper: profile → facts → classification (stage 1) → entitlements (stage 2) → result.

An :class:`Engine` owns one rule base, one backend and a cache of compiled rule sets (one per set of
rules in force). It holds no per-call state: every call builds its own facts and result, so one engine
may serve many threads. Two engines never share compiled rule sets.
"""

from __future__ import annotations

import bisect
import datetime as dt
import os
import threading
import weakref
from collections.abc import Iterable, Sequence
from typing import Any, Optional, Union

from .assemble import Builder, TextCache
from .backends.python import PythonBackend
from .classification import derive_seen, with_derived
from .facts import PROBLEMS
from .factset import FactValue, FactValues, Truth, known, quantise, unknown
from .i18n import LANGS
from .profile import FieldError, Lang, Places, ProfileError, WorkerProfile, as_of_argument, message, parse_profile
from .result import Result
from .rulebase import Rule, RuleBase, Selection, load


def default_backend_name() -> str:
    """``durable`` where durable-rules imports (CPython 3.11/3.12), else ``python``."""
    wanted = os.environ.get("RIGHTS_ENGINE_BACKEND", "").strip().lower()
    if wanted in ("python", "durable"):
        return wanted
    from .backends import durable

    return "durable" if durable.available() else "python"


def _make_backend(name: str, rulebase: RuleBase) -> Any:
    # the rules a selection's two stages can hold, as RuleBase.select splits them: cut once into chunks that each
    # remember their truths, shared by every selection
    stages = (("classify", "factor"), ("entitlement", "reason"))
    groups = [[(r.id, r.condition) for r in rulebase.rules if r.spec.kind in kinds] for kinds in stages]
    if name == "python":
        return PythonBackend(memoise=True, groups=groups)
    if name == "durable":
        from .backends.durable import DurableBackend

        return DurableBackend(memoise=True, groups=groups)
    raise ValueError(f"unknown backend {name!r} (python or durable)")


#: Every engine, so that a forked child can replace their locks (see _after_fork_in_child).
_ENGINES: weakref.WeakSet[Engine] = weakref.WeakSet()


def _after_fork_in_child() -> None:
    """A lock that another thread held at the fork stays held for ever in the child: give the child fresh ones."""
    for engine in list(_ENGINES):
        engine._lock = threading.Lock()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)


class Engine:
    """Evaluates profiles against one rule base with one backend."""

    def __init__(self, rulebase: Optional[RuleBase] = None, backend: Optional[str] = None) -> None:
        self.rulebase = rulebase if rulebase is not None else load()
        self.backend_name = backend or default_backend_name()
        self._backend = _make_backend(self.backend_name, self.rulebase)
        self._compiled: dict[tuple[str, ...], Any] = {}
        self._compiled_by_identity: dict[int, tuple[tuple[Rule, ...], Any]] = {}
        self._lock = threading.Lock()
        _ENGINES.add(self)
        self._selections: dict[tuple[Optional[str], int], Selection] = {}
        #: per period between validity boundaries: the rules in force (bit i: ``rulebase.rules[i]``)
        self._period_bits: dict[int, int] = {}
        #: per province: the rules placed there (not excluded)
        self._province_bits: dict[Optional[str], int] = {}
        #: the rules of both (see :meth:`_select`) -> the rule tuples of their selection (stage 1, stage 2, groups)
        self._by_bits: dict[int, tuple[tuple[Rule, ...], tuple[Rule, ...], tuple[tuple[str, tuple[Rule, ...]], ...]]] = {}
        #: one tuple per stage's rules (by their ids), and the entitlement groups of each stage-2 tuple (by its id)
        self._stages: dict[tuple[str, ...], tuple[Rule, ...]] = {}
        self._groups_of: dict[int, tuple[tuple[str, tuple[Rule, ...]], ...]] = {}
        self._boundaries = self.rulebase.boundaries()
        self._texts = TextCache(self.rulebase)
        schema = self.rulebase.schema
        self._unknown_facts: dict[str, FactValue] = {name: unknown(spec) for name, spec in schema.items()}
        #: per fact read from the profile (not derived): whether a number, its domain, its known values as
        #: frozensets (filled lazily)
        self._fact_plan: tuple[tuple[str, bool, tuple[object, ...], dict[object, frozenset[object]]], ...] = tuple(
            (name, spec.kind == "number", spec.domain, {}) for name, spec in schema.items() if not spec.derived)
        self._prefectures: dict[str, bool] = {}  # province (of the rule base) -> whether rules name its prefectures
        #: per problem: its fact's name and its values when the problem is (not) met; unknown when not asked
        self._problem_facts = tuple((problem, f"problem_{problem}", known(schema[f"problem_{problem}"], True),
                                     known(schema[f"problem_{problem}"], False)) for problem in PROBLEMS)
        self._bools = (known(schema["hukou_in_work_province"], False), known(schema["hukou_in_work_province"], True))
        #: work_prefecture known, by value (filled lazily)
        self._prefecture_values: dict[object, frozenset[object]] = {}

    def selection(self, province: Optional[str], day: dt.date) -> Selection:
        """The rules in force (cached per province and per period between validity boundaries)."""
        period = bisect.bisect_right(self._boundaries, day)
        key = (province, period)
        found = self._selections.get(key)
        if found is None:
            found = self._selections[key] = self._select(province, day, period)
        return found

    def _select(self, province: Optional[str], day: dt.date, period: int) -> Selection:
        """``rulebase.select(province, day)``, its rule tuples shared with every selection of the same rules.

        Which rules are in force is one bit per rule: the rules valid in the period (``valid_on`` does not change
        between two validity boundaries) and the rules placed in the province; their intersection names the rules
        ``RuleBase.select`` keeps, so selections with the same bits share one selection's tuples (and what is
        compiled and planned for them, found by identity), made once by ``RuleBase.select`` itself. Each stage is
        shared on its own: other provinces on other days often have the same classification rules."""
        in_force = self._period_bits.get(period)
        if in_force is None:
            in_force = self._period_bits[period] = _bits(r.valid_on(day) for r in self.rulebase.rules)
        placed = self._province_bits.get(province)
        if placed is None:
            placed = self._province_bits[province] = _bits(
                (r.jurisdiction.province is None or r.jurisdiction.province == province)
                and province not in r.jurisdiction.excludes for r in self.rulebase.rules)
        bits = in_force & placed
        shared = self._by_bits.get(bits)
        if shared is None:
            made = self.rulebase.select(province, day)
            with self._lock:
                stage1 = self._stages.setdefault(tuple(r.id for r in made.stage1), made.stage1)
                stage2 = self._stages.setdefault(tuple(r.id for r in made.stage2), made.stage2)
                # the groups are a function of the stage-2 rules: those of the selection that made the tuple
                groups = self._groups_of.setdefault(id(stage2), made.groups)
                shared = self._by_bits.setdefault(bits, (stage1, stage2, groups))
        return Selection(province, province in self.rulebase.covered, *shared)

    # -- compiled rule sets -------------------------------------------------------------------
    def _compiled_for(self, rules: Sequence[Rule]) -> Any:
        if isinstance(rules, tuple):  # a selection's stage: found by identity, without hashing every rule id
            entry = self._compiled_by_identity.get(id(rules))
            if entry is not None and entry[0] is rules:
                return entry[1]
        key = tuple(r.id for r in rules)
        found = self._compiled.get(key)
        if found is None:
            with self._lock:
                found = self._compiled.get(key)
                if found is None:
                    found = self._backend.compile([(r.id, r.condition) for r in rules], self.rulebase.schema)
                    self._compiled[key] = found
        if isinstance(rules, tuple):
            with self._lock:
                if self._compiled.get(key) is found:  # not closed meanwhile
                    if len(self._compiled_by_identity) >= 1024:
                        self._compiled_by_identity.clear()
                    self._compiled_by_identity[id(rules)] = (rules, found)  # keeps ``rules``: its id stays its own
        return found

    def run_rules(self, rules: Sequence[Rule], facts: FactValues) -> dict[str, Truth]:
        """Every rule's three-valued truth on ``facts`` (through the backend)."""
        if not rules:
            return {}
        truths = self._compiled_for(rules).run(facts)
        return truths if type(truths) is dict else dict(truths)  # both backends return a fresh dict per call

    def close(self) -> None:
        with self._lock:
            for compiled in self._compiled.values():
                compiled.close()
            self._compiled.clear()
            self._compiled_by_identity.clear()
            close = getattr(self._backend, "close", None)
            if close is not None:  # rulesets the backend shares between compiled sets
                close()

    # -- facts ----------------------------------------------------------------------------------
    def facts_of(self, profile: WorkerProfile, places: Places) -> dict[str, FactValue]:
        schema = self.rulebase.schema
        facts = self._unknown_facts.copy()  # every fact unknown, in the schema's order
        data = vars(profile)  # the validated field values, as model_dump() gives them for these scalar fields
        for name, number, domain, singletons in self._fact_plan:
            value = data.get(name)
            if value is None:
                continue
            if number:
                facts[name] = quantise(value)
            else:  # the frozenset of one value, made once per value of the domain
                found = singletons.get(value)
                if found is None:
                    found = frozenset([value])
                    if value in domain:
                        singletons[value] = found
                facts[name] = found
        problems = profile.problems
        if problems is not None:  # else every problem stays unknown
            for problem, name, met, not_met in self._problem_facts:
                facts[name] = met if problem in problems else not_met
        work, hukou, residence = places.work, places.hukou, places.residence
        if work is not None:  # else both stay unknown
            if hukou is not None:
                facts["hukou_in_work_province"] = self._bools[hukou.province == work.province]
            if residence is not None:
                facts["residence_in_work_province"] = self._bools[residence.province == work.province]
        if work is None or (work.prefecture is None and work.province in self.rulebase.provinces
                            and self._has_prefectures(work.province)):
            return facts  # work_prefecture stays unknown
        prefecture_spec = schema["work_prefecture"]
        prefecture = work.prefecture if work.prefecture in prefecture_spec.domain else "other"
        found = self._prefecture_values.get(prefecture)
        if found is None:
            found = self._prefecture_values[prefecture] = frozenset([prefecture])  # as known() gives it
        facts["work_prefecture"] = found
        return facts

    def _has_prefectures(self, province: str) -> bool:
        found = self._prefectures.get(province)
        if found is None:
            found = self._prefectures[province] = _has_prefectures(province, self.rulebase)
        return found

    # -- evaluation -------------------------------------------------------------------------------
    def evaluate(
        self, profile: Any, as_of: Optional[Union[dt.date, str]] = None, lang: Lang = "zh", explain: bool = False
    ) -> Result:
        if lang not in LANGS:
            raise ProfileError([FieldError("lang", "bad_lang", message("bad_lang", "en"))])
        worker, places = parse_profile(profile, lang)
        as_of = as_of_argument(as_of, lang)  # a date, an ISO date string, or None / pd.NaT (unknown)
        day = as_of or worker.as_of or dt.date.today()
        province = places.work.province if places.work else None
        selection = self.selection(province, day)
        facts = self.facts_of(worker, places)
        truths1 = self.run_rules(selection.stage1, facts)
        derived, seen = derive_seen(selection.stage1, truths1, facts, self.rulebase.schema)
        facts2 = with_derived(facts, derived)
        truths2 = self.run_rules(selection.stage2, facts2)
        return Builder(self.rulebase, lang, day, places, selection, facts2, derived, truths1, truths2,
                       self.backend_name, self._texts, keep=seen).build(explain)


def _bits(flags: Iterable[bool]) -> int:
    """The flags as one integer, flag i as bit i."""
    return int("".join("1" if flag else "0" for flag in flags)[::-1] or "0", 2)


def _has_prefectures(province: str, rulebase: RuleBase) -> bool:
    return any(r.jurisdiction.province == province and r.jurisdiction.prefecture for r in rulebase.rules)
