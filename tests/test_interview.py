"""``rights-engine interview``: the next question until nothing pending is left to ask, then the report.

Driven as a subprocess with piped input, as a clinic volunteer's script would; plus the answer parser.
"""

from __future__ import annotations

import io
import json
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import pytest

from rights_engine.engine import Engine
from rights_engine.intake import UNKNOWN, AnswerError, Intake, parse_answer
from rights_engine.interview import Interview

ROOT = Path(__file__).resolve().parent.parent
TIMEOUT = 60


def run(stdin: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONIOENCODING": "utf-8"}
    return subprocess.run([sys.executable, "-m", "rights_engine", "interview", *args], input=stdin, text=True,
                          capture_output=True, timeout=TIMEOUT, cwd=ROOT, env=env, encoding="utf-8")


def asked(out: str) -> list[str]:
    """The questions asked, in order."""
    return re.findall(r"^\[\d+\] (.+)$", out, re.M)


def test_eof_at_once_still_prints_the_report() -> None:
    done = run("")
    assert done.returncode == 0, done.stderr
    assert "问答已结束" in done.stdout and "== 用工关系判断 ==" in done.stdout
    assert "Traceback" not in done.stderr
    assert asked(done.stdout) == ["你在哪个省份工作（就业地）？"]  # the place of work comes first


def test_answering_everything_unknown_ends_when_nothing_is_left_to_ask() -> None:
    done = run("\n" * 200, "--lang", "en")
    assert done.returncode == 0, done.stderr
    questions = asked(done.stdout)
    assert len(questions) == len(set(questions)) >= 5  # each asked once
    assert "No more questions" in done.stdout
    assert "== Employment classification ==" in done.stdout and "undetermined" in done.stdout


def test_a_short_interview_in_chinese() -> None:
    lines = ["湖南", "q"]
    done = run("\n".join(lines) + "\n")
    assert done.returncode == 0, done.stderr
    assert "规则库覆盖湖南省" in done.stdout
    assert "问答已结束" in done.stdout


def test_quitting_words_and_unknown_words() -> None:
    done = run("湖南省\n不清楚\nunknown\n?\n退出\n")
    assert done.returncode == 0
    assert done.stdout.count("→ 不清楚") == 3
    assert len(asked(done.stdout)) == 5  # the fifth is answered 退出


def test_bad_answers_are_asked_again_then_taken_as_unknown() -> None:
    done = run("火星\n湖南\n\n99\nabc\n77\n", "--lang", "en")  # province, city (blank), occupation
    assert done.returncode == 0
    assert "unknown province name" in done.stdout
    assert "Please answer with one of the numbers shown." in done.stdout
    assert "Taken as not known." in done.stdout


def test_answers_resolve_pending_rights(tmp_path: Path) -> None:
    profile = json.loads((ROOT / "examples/profiles/hunan-rider-station.json").read_text(encoding="utf-8"))
    del profile["gender"], profile["high_temperature_work"]
    start = tmp_path / "start.json"
    start.write_text(json.dumps(profile, ensure_ascii=False), encoding="utf-8")
    done = run("女\n是\n是\n", "--profile", str(start))
    assert done.returncode == 0, done.stderr
    assert asked(done.stdout) == ["你的性别？", "你是否在35℃以上的高温天气下户外工作（或工作场所无法降到33℃以下）？",
                                  "你是否在法定节假日工作？"]
    assert "没有更多问题" in done.stdout
    report = done.stdout.split("没有更多问题", 1)[1]
    assert "[待确认]" not in report
    # the 2021–22 special action's enforcement campaign is over by 2024; the statute's maternity leave stands
    assert "¥300.00／月" in report and "产假" in report and "女职工权益执法" not in report


def test_a_bad_start_profile_is_an_input_error(tmp_path: Path) -> None:
    start = tmp_path / "bad.json"
    start.write_text('{"age": "old"}', encoding="utf-8")
    done = run("", "--profile", str(start))
    assert done.returncode == 2 and '"field": "age"' in done.stderr


def test_in_process_with_explain(engine: Engine) -> None:
    out = io.StringIO()
    interview = Interview(engine, "en", io.StringIO("湖南\n\n2\n"), out, explain=True)
    result = interview.run({"occupation": "courier"})
    assert result.not_granted is not None
    assert interview.answers == {"occupation": "courier", "work_province": "湖南", "engagement": "part_time_contract"}
    assert "> 湖南" in out.getvalue()  # piped answers are echoed into the transcript


@pytest.mark.parametrize(("province", "city"), [("湖北", "武汉市"), ("湖南", "长沙市"), ("云南", "临沧市")])
def test_the_place_then_its_city_then_occupation_and_engagement_come_first(engine: Engine, province: str,
                                                                            city: str) -> None:
    out = io.StringIO()
    interview = Interview(engine, "zh", io.StringIO(f"{province}\n{city}\n1\n1\n"), out)
    interview.run()
    fields = Intake(engine.rulebase)
    expected = [fields.field(n, "zh").question for n in ("work_province", "work_city", "occupation", "engagement")]
    assert asked(out.getvalue())[:4] == expected
    assert interview.answers["work_city"] == city and interview.answers["occupation"] == "delivery_rider"


def test_the_place_questions_each_give_an_example_of_their_own_level(engine: Engine) -> None:
    out = io.StringIO()
    Interview(engine, "zh", io.StringIO("湖南\n"), out).run()
    lines = out.getvalue().splitlines()
    province_hint = lines[lines.index("[1] 你在哪个省份工作（就业地）？") + 1]
    city_hint = lines[lines.index("[2] 你在哪个城市（地级市或自治州）工作？") + 1]
    assert "湖南省" in province_hint and "长沙市" not in province_hint  # not a city as the example of a province
    assert "长沙市" in city_hint and "湖南省" not in city_hint


def test_a_place_typed_in_pinyin_that_means_one_place_is_taken_in_chinese(engine: Engine) -> None:
    """(review 2026-12-01) in the English interview a volunteer who cannot type Chinese was stuck at the first
    question: "Hunan" was refused with "did you mean: 湖南省?"."""
    out = io.StringIO()
    interview = Interview(engine, "en", io.StringIO("hunan\nChangsha\n"), out)
    interview.run()
    assert interview.answers["work_province"] == "湖南省" and interview.answers["work_city"] == "长沙市"
    assert "  → 湖南省" in out.getvalue() and "  → 长沙市" in out.getvalue()


def test_a_pinyin_name_of_two_places_is_not_guessed(engine: Engine) -> None:
    out = io.StringIO()
    interview = Interview(engine, "en", io.StringIO("Shanxi\n"), out)
    interview.run()
    assert "work_province" not in interview.answers
    assert "山西省" in out.getvalue() and "陕西省" in out.getvalue()  # both offered, neither taken


def test_a_piped_terminal_escape_is_shown_not_obeyed(engine: Engine) -> None:
    out = io.StringIO()
    Interview(engine, "en", io.StringIO("\x1b]0;pwned\x07\x1b[2J湖南\n"), out, echo=True).run()
    assert "\x1b" not in out.getvalue() and "\x07" not in out.getvalue()
    assert "> \\x1b]0;pwned\\x07\\x1b[2J湖南" in out.getvalue()


def test_no_city_question_where_no_rules_of_the_province_apply(engine: Engine) -> None:
    out = io.StringIO()
    Interview(engine, "zh", io.StringIO("北京市\n"), out).run()
    assert Intake(engine.rulebase).field("work_city", "zh").question not in asked(out.getvalue())


def test_then_what_the_classification_needs_in_its_order(engine: Engine) -> None:
    start = {"work_province": "北京市", "occupation": "courier", "engagement": "cooperation_agreement"}
    needs = engine.evaluate(start, lang="zh").classification.needs
    assert len(needs) >= 2
    out = io.StringIO()
    Interview(engine, "zh", io.StringIO("\n\n"), out).run(start)
    fields = Intake(engine.rulebase)
    assert asked(out.getvalue())[:2] == [fields.field(n, "zh").question for n in needs[:2]]


# -- reading answers ------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def intake(engine: Engine) -> Intake:
    return Intake(engine.rulebase)


@pytest.mark.parametrize(("field", "lang", "text", "value"), [
    ("gender", "zh", "1", "female"),
    ("gender", "zh", "女", "female"),
    ("gender", "en", "Male", "male"),
    ("gender", "zh", "3", UNKNOWN),
    ("gender", "zh", "", UNKNOWN),
    ("gender", "zh", "  不清楚 ", UNKNOWN),
    ("gender", "en", "don't know", UNKNOWN),
    ("platform_manages_work", "zh", "是", True),
    ("platform_manages_work", "zh", "２", False),  # full-width digit
    ("platform_manages_work", "en", "y", True),
    ("platform_manages_work", "en", "No", False),
    ("engagement", "zh", "劳动合同", "labor_contract"),
    ("engagement", "en", "individual_business", "individual_business"),
    ("problems", "zh", "1,3", ["deposit", "multi_platform_ban"]),
    ("problems", "zh", "1、2、1", ["deposit", "forced_individual_business"]),
    ("problems", "zh", "0", []),
    ("problems", "en", "none", []),
    ("problems", "en", "unknown", UNKNOWN),
    ("daily_hours", "zh", "10小时", 10.0),
    ("daily_hours", "en", "7.5", 7.5),
    ("age", "zh", "３１岁", 31),
    ("work_province", "zh", " 湖南 ", "湖南"),
    ("as_of", "en", "2024-07-15", "2024-07-15"),
    ("as_of", "zh", "2024年7月15日", "2024-07-15"),
    ("as_of", "zh", "2024/7/5", "2024-07-05"),
    # a part of one label only (review 2026-12-01)
    ("occupation", "zh", "外卖", "delivery_rider"),
    ("occupation", "zh", "主播", "live_streamer"),
    ("occupation", "en", "streamer", "live_streamer"),
    ("engagement", "zh", "个体工商户", "individual_business"),
    ("problems", "zh", "押金、1", ["deposit"]),
])
def test_parse_answer(intake: Intake, field: str, lang: str, text: str, value: Any) -> None:
    assert parse_answer(intake.field(field, lang), text, lang) == value


@pytest.mark.parametrize(("field", "text"), [
    ("gender", "9"), ("gender", "maybe"), ("problems", "1, 42"), ("daily_hours", "many"), ("age", "31.5"),
    ("as_of", "yesterday"),
    ("engagement", "合同"),  # a part of three labels: not guessed
    ("occupation", "外"),    # one character is too little to go on
])
def test_parse_answer_errors(intake: Intake, field: str, text: str) -> None:
    with pytest.raises(AnswerError):
        parse_answer(intake.field(field, "zh"), text, "zh")


def test_every_profile_question_has_a_field(intake: Intake) -> None:
    for name in intake.names:
        for lang in ("zh", "en"):
            f = intake.field(name, lang)
            assert f.question and f.label and f.label != name
            if f.kind in ("bool", "choice", "multi"):
                assert f.choices and all(c.label for c in f.choices)


def test_tempdir_untouched() -> None:
    """The interview writes no file (it only reads the rule base and prints)."""
    before = set(os.listdir(tempfile.gettempdir()))
    run("湖南\n\n\nq\n")
    after = set(os.listdir(tempfile.gettempdir()))
    assert not {n for n in after - before if "rights" in n.lower()}
