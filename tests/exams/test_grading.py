"""Grading rules per question type (pure: no app, no database)."""

import pytest

from exams.analysis import discrimination, distribution, facility
from exams.grading import TYPES, AnswerError, DefinitionError, Key, normalise_text

OPTIONS = [{"id": "a", "text": "A", "correct": True}, {"id": "b", "text": "B", "correct": True},
           {"id": "c", "text": "C", "correct": False}, {"id": "d", "text": "D", "correct": False}]


def grade(qtype, answer, **key):
    key = Key(type=qtype, points=key.pop("points", 10), options=key.pop("options", OPTIONS),
              answers=key.pop("answers", []), **key)
    return TYPES[qtype].grade(key, answer)


def test_single_choice():
    single = [dict(o, correct=o["id"] == "a") for o in OPTIONS]
    assert grade("single", "a", options=single) == 10
    assert grade("single", "b", options=single) == 0
    assert grade("single", None, options=single) == 0


@pytest.mark.parametrize("answer,all_or_nothing,partial", [
    (["a", "b"], 10, 10),
    (["a"], 0, 5),
    (["a", "c"], 0, 0),
    (["a", "b", "c"], 0, 5),
    (["a", "b", "c", "d"], 0, 0),
    ([], 0, 0),
    (None, 0, 0),
])
def test_multiple_choice_all_or_nothing_and_partial_credit(answer, all_or_nothing, partial):
    assert grade("multiple", answer) == all_or_nothing
    assert grade("multiple", answer, partial_credit=True) == partial


def test_true_false():
    assert grade("true_false", False, options=[], answers=[False]) == 10
    assert grade("true_false", True, options=[], answers=[False]) == 0
    assert grade("true_false", None, options=[], answers=[False]) == 0


@pytest.mark.parametrize("typed", ["FAB", "fab", " F A B ", "ＦＡＢ", "ｆａｂ。", "Fab."])
def test_fill_in_normalises_width_spaces_and_case(typed):
    assert grade("fill_in", typed, options=[], answers=["FAB", "特征优势利益"]) == 10


def test_fill_in_accepts_any_listed_answer_and_nothing_else():
    answers = ["FAB", "特征 优势 利益"]
    assert grade("fill_in", "特征优势利益", options=[], answers=answers) == 10
    assert grade("fill_in", "AIDA", options=[], answers=answers) == 0
    assert grade("fill_in", "   ", options=[], answers=answers) == 0
    assert normalise_text("２０２６年　Ａ") == "2026年a"


def test_answer_shapes_are_checked():
    key = Key(type="multiple", points=1, options=OPTIONS, answers=[])
    assert TYPES["multiple"].clean_answer(key, ["b", "a"]) == ["a", "b"]
    for bad in ("a", ["a", "a"], ["z"], [True]):
        with pytest.raises(AnswerError):
            TYPES["multiple"].clean_answer(key, bad)
    with pytest.raises(AnswerError):
        TYPES["true_false"].clean_answer(Key("true_false", 1, [], [True]), "true")


def test_definitions_are_checked():
    with pytest.raises(DefinitionError):
        TYPES["single"].clean_definition([{"text": "A", "correct": True},
                                          {"text": "B", "correct": True}], [])
    with pytest.raises(DefinitionError):
        TYPES["multiple"].clean_definition([{"text": "A"}, {"text": "B"}], [])
    with pytest.raises(DefinitionError):
        TYPES["fill_in"].clean_definition([], [])
    options, _answers = TYPES["single"].clean_definition(
        [{"text": "A", "correct": True}, {"text": "B"}], [])
    assert len({o["id"] for o in options}) == 2
    assert TYPES["true_false"].clean_definition([{"text": "正确", "correct": True},
                                                 {"text": "错误"}], []) == ([], [True])


def test_item_statistics():
    assert facility([1, 0, 1, 0]) == 0.5
    assert facility([]) is None
    # The best do well on the item, the worst do not: discriminates fully.
    assert discrimination([(90, 1), (80, 1), (30, 0), (20, 0)]) == 1
    assert discrimination([(90, 0), (80, 0), (30, 1), (20, 1)]) == -1
    assert discrimination([(90, 1)]) is None
    bands = distribution([0, 9.9, 10, 59.5, 100])
    assert [b["count"] for b in bands] == [2, 1, 0, 0, 0, 1, 0, 0, 0, 1]
    assert bands[-1]["to"] == 100
