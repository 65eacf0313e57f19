"""``rights-engine interview``: ask the next question until nothing pending is left to ask, then report.

Each round evaluates the answers so far and asks the first of ``result.questions`` not yet asked. A
blank line, 不清楚 or ``unknown`` leaves the fact unknown; ``q`` (退出) or the end of input stops the
interview early. Either way the report (:func:`rights_engine.report.render_text`) is printed and the
exit code is 0. Works with piped input: the answers read are echoed so that the transcript reads well.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any, Optional, TextIO

from .i18n import _
from .intake import UNKNOWN, AnswerError, Intake, is_stop, numbered, parse_answer
from .places import romanised
from .profile import ProfileError, WorkerProfile
from .questions import ask_order
from .report import render_text
from .result import Question, Result

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
#: Tries at one question before its answer is taken as unknown.
MAX_TRIES = 3


class _Stop(Exception):
    """The user stopped, or the input ended."""


class Interview:
    def __init__(self, engine: Any, lang: str, stdin: TextIO, stdout: TextIO, *, as_of: Optional[dt.date] = None,
                 explain: bool = False, echo: Optional[bool] = None) -> None:
        self.engine, self.lang, self.stdin, self.stdout = engine, lang, stdin, stdout
        self.as_of, self.explain = as_of, explain
        self.intake = Intake(engine.rulebase)
        self.echo = (not _isatty(stdin)) if echo is None else echo
        self.answers: dict[str, Any] = {}
        self.asked: set[str] = set()
        self._counts: tuple[int, int] = (-1, -1)

    def say(self, text: str = "") -> None:
        print(text, file=self.stdout, flush=True)

    def evaluate(self, answers: dict[str, Any], explain: bool = False) -> Result:
        result: Result = self.engine.evaluate(answers, as_of=self.as_of, lang=self.lang, explain=explain)
        return result

    def next_question(self, result: Result) -> Optional[Question]:
        """The place of work (and its city where the province has rules), the occupation and what was signed
        first; then the result's questions, most deciding first."""
        order = ask_order(self.engine.rulebase, result.questions, self.answers, self.asked,
                          result.classification.needs)
        name = next((f for f in order if f in WorkerProfile.model_fields), None)
        if name is None:
            return None
        ranked = next((q for q in result.questions if q.field == name), None)
        if ranked is not None:
            return ranked
        return Question(field=name, text=self.intake.field(name, self.lang).question, weight=0.0)

    def run(self, start: Optional[dict[str, Any]] = None) -> Result:
        """Ask until done or stopped; return the final result (the report is printed by :func:`main`)."""
        self.answers = dict(start or {})
        lang = self.lang
        self.say(_("Interview: answer each question with the number of an answer, or type it. Press Enter or "
                   "type “don't know” if it is not known; type q to stop and see the report.", lang))
        number = 0
        try:
            while True:
                result = self.evaluate(self.answers)
                question = self.next_question(result)
                if question is None:
                    self.say()
                    self.say(_("No more questions: nothing pending depends on a question not yet asked.", lang))
                    break
                number += 1
                self.ask(number, question, result)
        except _Stop:
            self.say()
            self.say(_("Interview stopped.", lang))
        return self.evaluate(self.answers, explain=self.explain)

    def ask(self, number: int, question: Question, result: Result) -> None:
        lang = self.lang
        field = self.intake.field(question.field, lang)
        applies = sum(e.status == "applies" for e in result.entitlements)
        counts = (applies, len(result.entitlements) - applies)
        self.say()
        if counts != self._counts:  # say it when it changes
            self._counts = counts
            self.say(_("{applies} rights apply; {pending} depend on facts not yet known.", lang, applies=counts[0],
                       pending=counts[1]))
        self.say(f"[{number}] {question.text}")
        for line in numbered(field, lang):
            self.say(f"    {line}")
        if field.kind == "multi":
            self.say("    " + _("0) none of these. Several answers: separate the numbers with commas.", lang))
        elif field.kind == "place" and field.name.endswith("_province"):
            self.say("    " + _("Type the province, e.g. 湖南省 or Hunan; press Enter if not known.", lang))
        elif field.kind == "place":
            self.say("    " + _("Type the city or prefecture, e.g. 长沙市 or Changsha; press Enter if not known.", lang))
        elif field.kind in ("number", "integer"):
            self.say("    " + _("Type a number; press Enter if not known.", lang))
        self.asked.add(field.name)
        for _try in range(MAX_TRIES):
            text = self.read()
            try:
                value = parse_answer(field, text, lang)
            except AnswerError as exc:
                self.say(f"  ! {exc}")
                continue
            if value is UNKNOWN:
                self.say("  → " + _("not known", lang))
                return
            if field.kind == "place" and isinstance(value, str):
                value = self._place_in_chinese(field.name, value)
            candidate = {**self.answers, field.name: value}
            try:
                self.evaluate(candidate)
            except ProfileError as exc:
                for error in exc.errors:
                    self.say(f"  ! {error.message}")
                continue
            self.answers = candidate
            return
        self.say("  → " + _("Taken as not known.", lang))

    def _place_in_chinese(self, name: str, typed: str) -> str:
        """A place typed in pinyin or English that means one place only ("Hunan", "changsha") is taken as its
        Chinese name, and the name is shown; anything else is left as typed (the rule base's errors then say why)."""
        is_city = name.endswith("_city")
        province = self.answers.get(name.replace("_city", "_province")) if is_city else None
        found = romanised(typed, province if isinstance(province, str) else None, city=is_city)
        if len(found) != 1:
            return typed
        self.say(f"  → {found[0]}")
        return found[0]

    def read(self) -> str:
        self.stdout.write("> ")
        self.stdout.flush()
        line = self.stdin.readline()
        if line == "":  # end of input
            raise _Stop
        text = line.rstrip("\r\n")
        if self.echo:  # control characters (a terminal escape in a piped file) are shown, not obeyed
            self.say(_CONTROL.sub(lambda m: f"\\x{ord(m.group(0)):02x}", text))
        if is_stop(text):
            raise _Stop
        return text


def _isatty(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


def main(engine: Any, lang: str, stdin: TextIO, stdout: TextIO, *, start: Optional[dict[str, Any]] = None,
         as_of: Optional[dt.date] = None, explain: bool = False) -> int:
    """Run an interview and print the report. Returns the exit code (0)."""
    interview = Interview(engine, lang, stdin, stdout, as_of=as_of, explain=explain)
    result = interview.run(start)
    interview.say()
    interview.say(render_text(result).rstrip("\n"))
    return 0
