"""Regenerate examples/expected/*.json from examples/profiles/*.json (review the diff before committing).

    python examples/regenerate.py

The expected files leave out the two provenance fields that change with every rule edit or backend
(rulebase_hash, backend); tests/test_examples.py compares everything else.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from rights_engine import evaluate

HERE = Path(__file__).resolve().parent


def snapshot(profile_path: Path) -> dict[str, Any]:
    profile = json.loads(profile_path.read_text(encoding="utf-8"))
    data = evaluate(profile, lang="zh", explain=False).model_dump(mode="json")
    data["provenance"].pop("rulebase_hash")
    data["provenance"].pop("backend")
    return data


def main() -> None:
    for path in sorted((HERE / "profiles").glob("*.json")):
        out = HERE / "expected" / path.name
        out.write_text(json.dumps(snapshot(path), ensure_ascii=False, indent=2, sort_keys=True) + "\n", encoding="utf-8")
        print(f"wrote {out.relative_to(HERE.parent)}")


if __name__ == "__main__":
    main()
