"""rights-engine: which labour and social-insurance rights apply to a Chinese gig worker, and which
policy clause grants each one.

    from rights_engine import evaluate, WorkerProfile
    result = evaluate({"work_province": "湖南省", "occupation": "delivery_rider"}, lang="en")
"""

from __future__ import annotations

__version__ = "0.1.0"

import datetime as _dt
import os as _os
import threading as _threading
from typing import Any, Optional, Union

from .profile import Lang, ProfileError, WorkerProfile
from .result import Result

__all__ = ["Engine", "Lang", "ProfileError", "Result", "WorkerProfile", "__version__", "evaluate"]

_default: Optional[Any] = None
_default_lock = _threading.Lock()


def _after_fork_in_child() -> None:
    global _default_lock
    _default_lock = _threading.Lock()  # another thread may have held it at the fork: it would stay held


if hasattr(_os, "register_at_fork"):
    _os.register_at_fork(after_in_child=_after_fork_in_child)


def _engine() -> Any:
    global _default
    if _default is None:
        with _default_lock:
            if _default is None:
                from .engine import Engine

                _default = Engine()
    return _default


def evaluate(profile: Any, as_of: Optional[Union[_dt.date, str]] = None, lang: Lang = "zh",
             explain: bool = False) -> Result:
    """Evaluate one worker's profile (a :class:`WorkerProfile` or a dict) against the shipped rule base.

    ``as_of``: a date or an ISO date string (``"2024-07-01"``); None: the profile's, else today.
    Raises :class:`ProfileError` (a ``ValueError``) naming every bad field.
    """
    result: Result = _engine().evaluate(profile, as_of=as_of, lang=lang, explain=explain)
    return result


def __getattr__(name: str) -> Any:
    if name == "Engine":
        from .engine import Engine

        return Engine
    raise AttributeError(name)
