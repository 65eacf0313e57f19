"""Reword the texts of rule files that a person reads (zh:/en: values): no "seed(s)" / 种子, this project's own
word for the vendored policy texts, but words a worker knows (a public reprint, other public documents, the
document, national law).

    python scripts/plain_wording.py rules/*/*.yaml            # rewrite in place, print how many lines changed
    python scripts/plain_wording.py --check rules/*/*.yaml    # only list the lines that still say it (exit 1)
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

ZH = [
    ("（种子文件以外，转载）", "（据公开转载）"),
    ("种子文件以外，转载", "据公开转载"),
    ("；种子文件以外）", "）"),
    ("（种子文件以外）", ""),
    ("种子文件以外的法律", "国家法律"),
    ("种子文件以外的通行政策表述", "通行的政策表述"),
    ("以下来自种子文件以外（", "以下据其他公开文件（"),
    ("来自种子文件以外（转载）", "据公开转载"),
    ("来自种子文件以外", "来自其他公开文件"),
    ("种子文件以外（转载）：", "另据公开转载："),
    ("种子文件以外（转载）", "据公开转载"),
    ("种子文件以外：", "另据其他公开文件："),
    ("未见于种子文件", "未见于文件原文"),
    ("见种子文件", "见于文件原文"),
    ("均不在种子文件中", "均未见于文件原文"),
    ("不在种子文件中", "未见于文件原文"),
    ("均未印在种子文本中", "均未印在文件原文中"),
    ("种子文本", "文件原文"),
    ("种子文件以外", "其他公开文件"),
    ("种子文件", "文件原文"),
]
EN = [
    (" (outside the seeds, reprint)", " (from a public reprint)"),
    ("(a statute outside the seeds)", "(a national statute)"),
    (" (outside the seeds)", ""),
    ("; outside the seeds", ""),
    (" — outside the seeds (reprint)", " — from a public reprint"),
    (" — outside the seeds", ""),
    ("Outside the seeds (reprint):", "From a public reprint:"),
    ("Outside the seeds:", "From other public documents:"),
    ("From outside the seeds (", "From other public documents ("),
    ("comes from outside the seeds (reprint)", "comes from a public reprint"),
    ("from outside the seeds", "from other public documents"),
    (", outside the seeds", ""),
    ("outside the seeds", "from other public documents"),
    ("not in the seeds", "not in the document"),
    ("not printed in the seeds", "not printed in the document"),
    ("not printed in the seed", "not printed in the document"),
    ("are in the seeds", "are in the documents"),
    ("in the seed (", "in the document ("),
    ("in the seeds", "in the documents"),
    ("in the seed", "in the document"),
]
VALUE = re.compile(r"^(\s*(?:-\s*)?(?:zh|en):\s)(.*)$")
JARGON = re.compile(r"种子|\bseeds?\b", re.IGNORECASE)


def main(argv: list[str]) -> int:
    check = "--check" in argv
    changed = 0
    for path in (a for a in argv if a != "--check"):
        p = Path(path)
        lines = p.read_text(encoding="utf-8").split("\n")
        out = []
        for number, line in enumerate(lines, 1):
            m = VALUE.match(line)
            if m and JARGON.search(m.group(2)):
                changed += 1
                if check:
                    print(f"{path}:{number}: {m.group(2)[:100]}")
                else:
                    text = m.group(2)
                    for old, new in ZH + EN:
                        text = text.replace(old, new)
                    line = m.group(1) + text
            out.append(line)
        if not check:
            p.write_text("\n".join(out), encoding="utf-8")
    print(("lines still saying it: " if check else "lines changed: ") + str(changed))
    return 1 if check and changed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
