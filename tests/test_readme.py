"""The README's first example is true: every ``expression  # 'value'`` line of its first python block holds."""

from __future__ import annotations

import re
from pathlib import Path

README = Path(__file__).resolve().parents[1] / "README.md"
CLAIM = re.compile(r"^(?P<expr>\S.*?)\s+#\s+(?P<value>'[^']*')\s*$")


def test_the_readme_example_gives_what_the_readme_says() -> None:
    block = README.read_text("utf-8").split("```python\n", 1)[1].split("```", 1)[0]
    namespace: dict[str, object] = {}
    claims = 0
    statement: list[str] = []
    for line in block.splitlines():
        found = CLAIM.match(line)
        if found and not statement:
            assert repr(eval(found["expr"], namespace)) == found["value"], line
            claims += 1
            continue
        statement.append(line.split("  #", 1)[0])
        source = "\n".join(statement)
        try:
            code = compile(source, "README.md", "exec")
        except SyntaxError:  # a statement continued on the next line
            continue
        exec(code, namespace)
        statement = []
    assert claims >= 2
