"""The condition AST compiled to vectorised polars expressions, and the two evaluation stages on columns.

Facts are flattened the way :mod:`rights_engine.backends.durable` flattens them:

- an enum/bool fact becomes one boolean column per domain value, "this value is still possible";
- a number is a nullable float column (null = unknown; its "known" flag is ``is_not_null``).

A condition compiles to a pair of boolean expressions (surely true, surely false); neither = unknown.
``T(x in V)`` = no value outside V is possible, ``F(x in V)`` = no value in V is possible,
``T(and) = all(T)``, ``F(and) = any(F)``, ``T(not a) = F(a)``: Kleene logic exactly as in
:mod:`rights_engine.backends.python`. Constant sub-conditions fold into Python booleans, so a rule that
is always true in a province costs nothing per row.

A :class:`Plan` is everything a set of (province, period of rules in force) groups needs: the classification
decision lists walked with boolean columns (``presumed_absent`` handled as in
:func:`rights_engine.classification._walk`), the category's weighing on integer columns (score, low, high; the
bands met segment by segment as :func:`rights_engine.classification.weigh`), the derived facts as possibility flags, and each
entitlement's status and amount as :class:`rights_engine.assemble.Builder` computes them. It is built
from ``RuleBase.select()`` and the rules' parsed ``Rule.condition`` ASTs, never from a copy of the rules.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import reduce
from typing import Union

import polars as pl

from ..classification import is_weighed, segments, signed_weight
from ..conditions import And, Compare, Const, Member, Node, Not, Or, Surely
from ..conditions import fields as cond_fields
from ..facts import CATEGORIES, CLASSIFICATION_FACTS, EMPLOYERS, EMPLOYMENT_MODES, FactSpec
from ..rulebase import Rule, RuleBase, Selection

#: A boolean column expression, or a constant folded at compile time.
Bool = Union[pl.Expr, bool]

#: An entitlement's status in a row: granted, granted if unknown facts allow (``pending``), not granted, or
#: ``not_evaluated`` (the row has errors). Never null: a column without nulls is written twice as fast.
STATUS = pl.Enum(["applies", "pending", "not_granted", "not_evaluated"])
NOT_EVALUATED = "not_evaluated"
CATEGORY_OUT = pl.Enum([*CATEGORIES, "undetermined"])
CERTAINTY_OUT = pl.Enum(["settled", "likely", "open"])
MODE_OUT = pl.Enum([m for m in EMPLOYMENT_MODES if m != "not_applicable"])
EMPLOYER_OUT = pl.Enum([e for e in EMPLOYERS if e != "not_applicable"])
_NA = "not_applicable"


# -- three-valued booleans with constant folding ------------------------------------------------------
def b_not(x: Bool) -> Bool:
    return (not x) if isinstance(x, bool) else ~x


def _fold(items: Iterable[Bool], absorbing: bool, op: Callable[[pl.Expr, pl.Expr], pl.Expr]) -> Bool:
    """Combine three-valued booleans with ``op``, folding constants (``absorbing`` decides at once)."""
    exprs: list[pl.Expr] = []
    for x in items:
        if x is absorbing:
            return absorbing
        if x is not (not absorbing):
            exprs.append(x)  # type: ignore[arg-type]
    if not exprs:
        return not absorbing
    return reduce(op, exprs)


def b_all(items: Iterable[Bool]) -> Bool:
    return _fold(items, False, lambda a, b: a & b)


def b_any(items: Iterable[Bool]) -> Bool:
    return _fold(items, True, lambda a, b: a | b)


def as_expr(x: Bool) -> pl.Expr:
    return pl.lit(x, dtype=pl.Boolean) if isinstance(x, bool) else x


@dataclass(frozen=True)
class Tri:
    """A compiled condition: (surely true, surely false)."""

    t: Bool
    f: Bool


# -- flattened fact columns ----------------------------------------------------------------------------
def flag_name(fact: str, index: int) -> str:
    """The column "value number ``index`` of ``fact``'s domain is still possible"."""
    return f"__re_p:{fact}:{index}"


def walk_name(fact: str, index: int) -> str:
    """The column "outcome ``index`` of ``fact`` still possible after its decision list" (before the category)."""
    return f"__re_w:{fact}:{index}"


def rule_name(verdict: str, rule_id: str) -> str:
    return f"__re_{verdict}:{rule_id}"


@dataclass(frozen=True)
class Layout:
    schema: Mapping[str, FactSpec]

    def flag(self, fact: str, value: object) -> pl.Expr:
        return pl.col(flag_name(fact, self.schema[fact].domain.index(value)))

    def base_flags(self, facts: Iterable[str]) -> list[pl.Expr]:
        """Possibility flags of base facts from their canonical columns (null = unknown = all possible)."""
        out: list[pl.Expr] = []
        for name in sorted(set(facts)):
            spec = self.schema[name]
            if spec.kind == "number" or name in CLASSIFICATION_FACTS:
                continue
            col = pl.col(name)
            for i, value in enumerate(spec.domain):
                if spec.kind == "bool":
                    expr = col if value is True else ~col
                else:
                    expr = col.eq(value)
                out.append(expr.fill_null(True).alias(flag_name(name, i)))
        return out


_NEGATED_OP = {"<": ">=", "<=": ">", ">": "<=", ">=": "<"}
_OPS: dict[str, Callable[[pl.Expr, float], pl.Expr]] = {
    "<": lambda e, v: e < v,
    "<=": lambda e, v: e <= v,
    ">": lambda e, v: e > v,
    ">=": lambda e, v: e >= v,
}


def compile_node(node: Node, layout: Layout, memo: dict[Node, Tri] | None = None) -> Tri:
    """One condition AST as a (surely true, surely false) pair of boolean expressions."""
    if memo is not None and node in memo:
        return memo[node]
    out: Tri
    if isinstance(node, Const):
        out = Tri(node.value, not node.value)
    elif isinstance(node, Member):
        domain = layout.schema[node.field].domain
        inside = [v for v in domain if v in node.values]
        outside = [v for v in domain if v not in node.values]
        surely_in = b_all(~layout.flag(node.field, v) for v in outside)
        surely_out = b_all(~layout.flag(node.field, v) for v in inside)
        out = Tri(surely_out, surely_in) if node.negated else Tri(surely_in, surely_out)
    elif isinstance(node, Compare):
        col = pl.col(node.field)
        out = Tri(_OPS[node.op](col, node.value).fill_null(False),
                  _OPS[_NEGATED_OP[node.op]](col, node.value).fill_null(False))
    elif isinstance(node, Not):
        inner = compile_node(node.item, layout, memo)
        out = Tri(inner.f, inner.t)
    elif isinstance(node, Surely):  # true when the item is surely true, false otherwise (never unknown)
        inner = compile_node(node.item, layout, memo)
        out = Tri(inner.t, b_not(inner.t))
    elif isinstance(node, (And, Or)):
        parts = [compile_node(item, layout, memo) for item in node.items]
        if isinstance(node, And):
            out = Tri(b_all(p.t for p in parts), b_any(p.f for p in parts))
        else:
            out = Tri(b_any(p.t for p in parts), b_all(p.f for p in parts))
    else:
        raise TypeError(f"not a condition node: {node!r}")
    if memo is not None:
        memo[node] = out
    return out


def _materialise(rules: Sequence[Rule], layout: Layout, masks: Mapping[str, Bool]) -> tuple[dict[str, Tri], list[pl.Expr]]:
    """Each rule's truth where it is in force, surely false elsewhere (a rule not in force is as good as absent:
    a false rule neither decides nor adds an outcome in a decision list, and grants nothing). The non-constant
    halves become columns, computed once and read many times."""
    memo: dict[Node, Tri] = {}
    truths: dict[str, Tri] = {}
    columns: list[pl.Expr] = []
    seen: dict[bytes, str] = {}  # many rules share a condition (``true`` in one province): one column for them all
    for rule in rules:
        tri = compile_node(rule.condition, layout, memo)
        mask = masks[rule.id]
        tri = Tri(b_all([mask, tri.t]), b_any([b_not(mask), tri.f]))
        halves: dict[str, Bool] = {}
        for verdict, half in (("T", tri.t), ("F", tri.f)):
            if isinstance(half, bool) or half.meta.is_column():
                halves[verdict] = half
                continue
            key = half.meta.serialize(format="binary")
            if key not in seen:
                seen[key] = rule_name(verdict, rule.id)
                columns.append(half.alias(seen[key]))
            halves[verdict] = pl.col(seen[key])
        truths[rule.id] = Tri(halves["T"], halves["F"])
    return truths, columns


def _unknown(tri: Tri) -> Bool:
    return b_all([b_not(tri.t), b_not(tri.f)])


def first_true(rules: Sequence[Rule], truths: Mapping[str, Tri]) -> pl.Expr:
    """The position (in priority order) of the first surely-true rule of a decision list; null when none is."""
    expr: pl.Expr = pl.lit(None, dtype=pl.Int32)
    for k in reversed(range(len(rules))):
        t = truths[rules[k].id].t
        if t is True:
            expr = pl.lit(k, dtype=pl.Int32)
        elif t is not False:
            expr = pl.when(t).then(pl.lit(k, dtype=pl.Int32)).otherwise(expr)
    return expr


def priority_order(rules: Sequence[Rule]) -> list[Rule]:
    return sorted(rules, key=lambda r: (r.spec.priority or 0, r.id))


def walk(rules: Sequence[Rule], fact: str, truths: Mapping[str, Tri], domain: Sequence[object],
         first: pl.Expr, fill: bool = True) -> dict[object, Bool]:
    """A decision list on columns: for each outcome, "still possible" (as classification._walk).

    ``rules`` in priority order; ``first`` is :func:`first_true` of them (a column). Rule k decides when it is
    the first surely-true rule, and adds its outcome when it is reached (no earlier rule is surely true) and
    unknown, unless it is presumed absent. Every rule costs a constant number of operations per row.
    """
    possible: dict[object, Bool] = {v: False for v in domain}
    for k, rule in enumerate(rules):
        tri = truths[rule.id]
        value = (rule.spec.derives or {})[fact]
        adds: list[Bool] = []
        if tri.t is not False:
            adds.append((first == k).fill_null(False))
        unknown = _unknown(tri)
        if not rule.spec.presumed_absent and unknown is not False:
            reached = first.is_null() | (first >= k)
            adds.append(b_all([reached.fill_null(False), unknown]))
        possible[value] = b_any([possible[value], *adds])
    if fill:
        undecided = first.is_null()
        for v in domain:
            if v != _NA:
                possible[v] = b_any([possible[v], undecided])
    return possible


SCORE, LOW, HIGH = "__re_score", "__re_low", "__re_high"


def _scores(factors: Sequence[Rule], truths: Mapping[str, Tri]) -> list[pl.Expr]:
    """The weighing's score of the known facts and its range (classification.weigh), as integer columns."""
    known: list[pl.Expr] = [pl.lit(0, dtype=pl.Int32)]
    down: list[pl.Expr] = [pl.lit(0, dtype=pl.Int32)]
    up: list[pl.Expr] = [pl.lit(0, dtype=pl.Int32)]
    for rule in factors:
        w = signed_weight(rule)
        tri = truths[rule.id]
        if tri.t is not False:
            known.append(pl.when(as_expr(tri.t)).then(pl.lit(w, dtype=pl.Int32)).otherwise(pl.lit(0, dtype=pl.Int32)))
        unknown = _unknown(tri)
        if unknown is not False:
            (up if w > 0 else down).append(
                pl.when(as_expr(unknown)).then(pl.lit(w, dtype=pl.Int32)).otherwise(pl.lit(0, dtype=pl.Int32)))
    score = pl.sum_horizontal(known)
    return [score.alias(SCORE), (score + pl.sum_horizontal(down)).alias(LOW), (score + pl.sum_horizontal(up)).alias(HIGH)]


def weigh(bands: Sequence[Rule], truths: Mapping[str, Tri]) -> tuple[dict[object, Bool], pl.Expr, Bool]:
    """Per category, "a band of it is met by some answer to the unknown facts"; the best-supported category (null:
    none); and "some answer meets no band that surely holds" — segment by segment, as classification.weigh."""
    score, low, high = pl.col(SCORE), pl.col(LOW), pl.col(HIGH)
    possible: dict[object, Bool] = {}
    gap: Bool = False
    best: pl.Expr = pl.lit(None, dtype=CATEGORY_OUT)
    for a, b, inside in reversed(segments(bands)):
        met = b_all([*([high >= a] if a is not None else []), *([low <= b] if b is not None else [])])
        here = b_all([*([score >= a] if a is not None else []), *([score <= b] if b is not None else [])])
        reached: Bool = True  # no earlier band of this segment surely holds
        best_here: pl.Expr = pl.lit(None, dtype=CATEGORY_OUT)
        choices: list[tuple[Bool, str]] = []
        for i in inside:
            rule = bands[i]
            value = (rule.spec.derives or {})["category"]
            tri = truths[rule.id]
            possible[value] = b_any([possible.get(value, False), b_all([met, reached, b_not(tri.f)])])
            choices.append((b_all([reached, tri.t]), value))
            reached = b_all([reached, b_not(tri.t)])
        for cond, value in reversed(choices):
            if cond is True:
                best_here = pl.lit(value, dtype=CATEGORY_OUT)
            elif cond is not False:
                best_here = pl.when(cond).then(pl.lit(value, dtype=CATEGORY_OUT)).otherwise(best_here)
        gap = b_any([gap, b_all([met, reached])])
        if here is True:
            best = best_here
        elif here is not False:
            best = pl.when(here).then(best_here).otherwise(best)
    return possible, best, gap


def _certainty(best: pl.Expr, flags: Mapping[object, Bool]) -> pl.Expr:
    only_best = pl.lit(False)
    for value in flags:
        cond = as_expr(_only(flags, value))
        only_best = pl.when(best.eq(value).fill_null(False)).then(cond).otherwise(only_best)
    return (pl.when(best.is_null()).then(pl.lit("open", dtype=CERTAINTY_OUT))
            .when(only_best).then(pl.lit("settled", dtype=CERTAINTY_OUT))
            .otherwise(pl.lit("likely", dtype=CERTAINTY_OUT))).alias("certainty")


def _only(flags: Mapping[object, Bool], value: object) -> Bool:
    return b_all([flags[value], *(b_not(f) for v, f in flags.items() if v != value)])


@dataclass(frozen=True)
class Outputs:
    """The output columns of the whole batch: the same for every group."""

    entitlements: tuple[str, ...]
    amounts: tuple[str, ...]  # entitlement ids that some rule gives an amount

    @classmethod
    def of(cls, rb: RuleBase) -> Outputs:
        ids = tuple(rb.entitlements)
        with_amount = {r.spec.entitlement for r in rb.rules if r.spec.kind == "entitlement" and r.spec.amount}
        return cls(ids, tuple(i for i in ids if i in with_amount))

    @staticmethod
    def amount_column(entitlement: str) -> str:
        return f"amount.{entitlement}"

    def names(self) -> list[str]:
        return ["category", "certainty", "employment_mode", "employer", *self.entitlements,
                *(self.amount_column(e) for e in self.amounts)]

    def dtypes(self) -> dict[str, pl.DataType]:
        out: dict[str, pl.DataType] = {"category": CATEGORY_OUT, "certainty": CERTAINTY_OUT, "employment_mode": MODE_OUT,
                                       "employer": EMPLOYER_OUT}
        out.update({e: STATUS for e in self.entitlements})
        out.update({self.amount_column(e): pl.Float64() for e in self.amounts})
        return out



@dataclass(frozen=True)
class Group:
    """Rows that share a work province (None: not covered, national rules only) and a period of rules in force."""

    code: int
    province: str | None
    day: dt.date  # any day of the period


@dataclass
class Plan:
    """The compiled evaluation of a set of groups: lists of expressions, applied stage by stage in one pass.

    ``RuleBase.select()`` runs once per group; a rule selected by only some of the groups carries the mask
    "this row's group selects me" (a boolean column over the group code), so one pass over a chunk evaluates
    every row with exactly the rules in force for its own province and day.
    """

    groups: tuple[Group, ...]
    stages: list[list[pl.Expr]] = field(default_factory=list)
    outputs: list[pl.Expr] = field(default_factory=list)
    rule_count: int = 0

    def apply(self, frame: pl.LazyFrame) -> pl.LazyFrame:
        for stage in self.stages:
            if stage:
                frame = frame.with_columns(stage)
        return frame.select(self.outputs)

    @classmethod
    def build(cls, rb: RuleBase, groups: Sequence[Group], selections: Mapping[int, Selection], group_column: str,
              outputs: Outputs, keep: Sequence[str] = ()) -> Plan:
        """``selections``: ``rb.select(g.province, g.day)`` for each group's code."""
        schema = rb.schema
        layout = Layout(schema)
        selected: dict[str, set[int]] = {}
        for g in groups:
            selection = selections[g.code]
            for r in (*selection.stage1, *selection.stage2):
                if r.spec.kind in ("classify", "factor", "entitlement"):
                    selected.setdefault(r.id, set()).add(g.code)
        rules = [r for r in rb.rules if r.id in selected]  # rule-base order, as every selection keeps it
        classify = [r for r in rules if r.spec.kind in ("classify", "factor")]
        granting = [r for r in rules if r.spec.kind == "entitlement"]
        all_codes = {g.code for g in groups}
        mask_columns: dict[frozenset[int], Bool] = {}
        mask_exprs: list[pl.Expr] = []
        masks: dict[str, Bool] = {}
        for r in rules:
            codes = frozenset(selected[r.id])
            if codes not in mask_columns:
                if codes == all_codes:
                    mask_columns[codes] = True
                else:
                    name = f"__re_m:{len(mask_exprs)}"
                    mask_exprs.append(pl.col(group_column).is_in(sorted(codes)).alias(name))
                    mask_columns[codes] = pl.col(name)
            masks[r.id] = mask_columns[codes]
        used = {f for r in rules for f in cond_fields(r.condition)}
        plan = cls(tuple(groups), rule_count=len(rules))
        plan.stages.append([*layout.base_flags(used), *mask_exprs])

        # stage 1: classification rules, then the decision lists
        truths1, columns1 = _materialise(classify, layout, masks)
        plan.stages.append(columns1)
        lists = {fact: priority_order([r for r in classify if r.spec.kind == "classify" and not is_weighed(r)
                                       and fact in (r.spec.derives or {})])
                 for fact in CLASSIFICATION_FACTS}
        plan.stages.append([first_true(lists[fact], truths1).alias(f"__re_first:{fact}") for fact in CLASSIFICATION_FACTS])
        bands = priority_order([r for r in classify if r.spec.kind == "classify" and is_weighed(r)])
        factors = [r for r in classify if r.spec.kind == "factor"]
        plan.stages.append(_scores(factors, truths1))
        weighed, best_band, gap = weigh(bands, truths1)
        cat_domain = schema["category"].domain
        gate_first = pl.col("__re_first:category")
        walked: list[pl.Expr] = []
        for fact in CLASSIFICATION_FACTS:
            first = pl.col(f"__re_first:{fact}")
            if fact == "category":  # the gates, then (no gate deciding) the weighing
                possible = walk(lists[fact], fact, truths1, cat_domain, first, fill=False)
                undecided = first.is_null()
                for v in cat_domain:
                    possible[v] = b_any([possible[v], b_all([undecided, b_any([weighed.get(v, False), gap])])])
                walked += [as_expr(possible[v]).alias(flag_name(fact, i)) for i, v in enumerate(cat_domain)]
            else:
                possible = walk(lists[fact], fact, truths1, schema[fact].domain, first)
                walked += [as_expr(possible[v]).alias(walk_name(fact, i)) for i, v in enumerate(schema[fact].domain)]
        gate_values = [(rule.spec.derives or {})["category"] for rule in lists["category"]]
        best = pl.lit(None, dtype=CATEGORY_OUT)
        for k in reversed(range(len(gate_values))):
            best = pl.when(gate_first == k).then(pl.lit(gate_values[k], dtype=CATEGORY_OUT)).otherwise(best)
        best = pl.when(gate_first.is_null()).then(best_band).otherwise(best)
        walked.append(best.alias("__re_best"))
        plan.stages.append(walked)
        # employment_mode and employer only mean something inside a labour relation (classification.derive)
        flags = {fact: {v: layout.flag(fact, v) for v in schema[fact].domain} for fact in CLASSIFICATION_FACTS}
        labour = flags["category"]["labor_relation"]
        surely_labour = _only(flags["category"], "labor_relation")
        adjusted: list[pl.Expr] = []
        for fact in ("employment_mode", "employer"):
            for i, v in enumerate(schema[fact].domain):
                raw = pl.col(walk_name(fact, i))
                final = b_any([b_not(surely_labour), raw]) if v == _NA else b_all([labour, raw])
                adjusted.append(as_expr(final).alias(flag_name(fact, i)))
        plan.stages.append(adjusted)

        # stage 2: entitlement rules, then statuses and amounts
        truths2, columns2 = _materialise(granting, layout, masks)
        plan.stages.append(columns2)
        by_entitlement: dict[str, list[Rule]] = {}
        for r in granting:
            by_entitlement.setdefault(r.spec.entitlement or "", []).append(r)
        out: list[pl.Expr] = [pl.col(k) for k in keep]
        best_col = pl.col("__re_best")
        out.append(best_col.fill_null(pl.lit("undetermined", dtype=CATEGORY_OUT)).alias("category"))
        out.append(_certainty(best_col, flags["category"]))
        best_labour = best_col.eq("labor_relation").fill_null(False)
        raw_flags = {fact: {v: pl.col(walk_name(fact, i)) for i, v in enumerate(schema[fact].domain)}
                     for fact in ("employment_mode", "employer")}
        out.append(_single(raw_flags["employment_mode"], best_labour, MODE_OUT, "employment_mode"))
        out.append(_single(raw_flags["employer"], best_labour, EMPLOYER_OUT, "employer"))
        statuses: dict[str, tuple[Bool, Bool]] = {}
        for ent in outputs.entitlements:
            rules = by_entitlement.get(ent, [])
            applies = b_any(b_all([truths2[r.id].t, r.spec.certainty == "verified"]) for r in rules)
            granted = b_any(b_not(truths2[r.id].f) for r in rules)
            statuses[ent] = (applies, granted)
            out.append(_status(applies, granted).alias(ent))
        for ent in outputs.amounts:
            applies, granted = statuses[ent]
            rules = [r for r in by_entitlement.get(ent, []) if r.spec.amount]
            sure = [(b_all([truths2[r.id].t, r.spec.certainty == "verified"]), r) for r in rules]
            maybe = [(b_not(truths2[r.id].f), r) for r in rules]
            expr = _first(sure, applies, _first(maybe, granted, pl.lit(None, dtype=pl.Float64)))
            out.append(expr.alias(outputs.amount_column(ent)))
        plan.outputs = out
        return plan


def _single(flags: Mapping[object, Bool], only_labour: Bool, dtype: pl.DataType, name: str) -> pl.Expr:
    """The one possible value (not ``not_applicable``) when the category is surely a labour relation."""
    expr: pl.Expr = pl.lit(None, dtype=dtype)
    for value in reversed(list(flags)):
        if value == _NA:
            continue
        cond = b_all([only_labour, _only(flags, value)])
        if cond is True:
            expr = pl.lit(value, dtype=dtype)
        elif cond is not False:
            expr = pl.when(cond).then(pl.lit(value, dtype=dtype)).otherwise(expr)
    return expr.alias(name)


def _status(applies: Bool, granted: Bool) -> pl.Expr:
    if applies is True:
        return pl.lit("applies", dtype=STATUS)
    pending: pl.Expr = pl.lit("not_granted", dtype=STATUS)
    if granted is True:
        pending = pl.lit("pending", dtype=STATUS)
    elif granted is not False:
        pending = pl.when(granted).then(pl.lit("pending", dtype=STATUS)).otherwise(pending)
    if applies is False:
        return pending
    return pl.when(applies).then(pl.lit("applies", dtype=STATUS)).otherwise(pending)


def _first(choices: Sequence[tuple[Bool, Rule]], guard: Bool, otherwise: pl.Expr) -> pl.Expr:
    """When ``guard``: the amount of the first rule whose choice holds (engine: ``next(... if r.spec.amount)``)."""
    expr: pl.Expr = pl.lit(None, dtype=pl.Float64)
    for cond, rule in reversed(choices):
        assert rule.spec.amount is not None
        value = pl.lit(rule.spec.amount.value, dtype=pl.Float64)
        if cond is True:
            expr = value
        elif cond is not False:
            expr = pl.when(cond).then(value).otherwise(expr)
    if guard is True:
        return expr
    if guard is False:
        return otherwise
    return pl.when(guard).then(expr).otherwise(otherwise)
