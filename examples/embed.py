"""Embedding rights-engine in an application: evaluate a profile and use the result.

    python examples/embed.py
"""

from __future__ import annotations

import datetime as dt

from rights_engine import ProfileError, WorkerProfile, evaluate


def main() -> None:
    profile = WorkerProfile(
        work_province="云南省",
        work_city="文山州",  # short forms resolve: 文山州 = 文山壮族苗族自治州
        occupation="delivery_rider",
        engagement="cooperation_agreement",
        platform_manages_work=True,
        can_refuse_orders=True,
        sets_own_hours=True,
        must_be_online_min_hours=False,
    )
    result = evaluate(profile, as_of=dt.date(2024, 8, 1), lang="en")
    print("classification:", result.classification.category)
    for ent in result.entitlements:
        if ent.force == "mandatory" and ent.status == "applies":
            where = ", ".join(ch.name for ch in ent.claim.channels) if ent.claim else "-"
            first = ent.citations[0]
            print(f"- {ent.title} [{first.document_number or first.source_id} {first.clause or ''}] → {where}")
    print("ask next:", [q.text for q in result.questions[:3]])

    try:
        evaluate({"work_province": "Hunan", "age": "thirty"}, as_of="2024-08-01", lang="en")
    except ProfileError as exc:  # a ValueError naming every bad field, and how to fix it
        print("bad input:", exc.as_dict())
    try:
        WorkerProfile(occupation="外卖骑手")  # not one of the allowed values
    except ProfileError as exc:  # constructing a profile raises the same error (never pydantic's)
        print("bad profile:", [(e.field, e.code) for e in exc.errors])


if __name__ == "__main__":
    main()
