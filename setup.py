"""Build hook: the rule base (``rules/``, beside the package in a checkout) is copied into the wheel as
``rights_engine/_rules``. The configuration is in pyproject.toml; this file only adds the copy, so that no build
depends on a symbolic link (a checkout on Windows without symlink support would otherwise ship no rules)."""

from __future__ import annotations

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

RULES = Path(__file__).resolve().parent / "rules"


class BuildWithRules(build_py):
    """``build_py``, then ``rules/`` copied to ``<build_lib>/rights_engine/_rules`` (not for an editable install,
    which finds ``rules/`` beside the package)."""

    def run(self) -> None:
        super().run()
        if getattr(self, "editable_mode", False):
            return
        if not (RULES / "sources" / "registry.yaml").is_file():
            raise SystemExit(f"rules/ not found beside setup.py ({RULES}): the package would ship no rule base")
        target = Path(self.build_lib) / "rights_engine" / "_rules"
        if target.exists():
            shutil.rmtree(target)
        shutil.copytree(RULES, target, ignore=shutil.ignore_patterns("__pycache__", "*.pyc", ".*"))


if __name__ == "__main__":  # setuptools runs this file as __main__
    setup(cmdclass={"build_py": BuildWithRules})
