from __future__ import annotations

import pytest

from rights_engine.backends import durable
from rights_engine.engine import Engine
from rights_engine.rulebase import RuleBase, load


@pytest.fixture(scope="session")
def rulebase() -> RuleBase:
    return load()


@pytest.fixture(scope="session")
def engine(rulebase: RuleBase) -> Engine:
    """The default engine: durable-rules where it imports, else plain Python."""
    return Engine(rulebase)


@pytest.fixture(scope="session")
def py_engine(rulebase: RuleBase) -> Engine:
    return Engine(rulebase, backend="python")


@pytest.fixture(scope="session")
def durable_engine(rulebase: RuleBase) -> Engine:
    if not durable.available():
        pytest.skip("durable-rules does not import on this interpreter")
    return Engine(rulebase, backend="durable")
