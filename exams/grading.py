"""Question types as small classes with one interface (CTFd's challenge-type shape): each
validates a question definition and a trainee's answer, and grades an answer. Pure: plain
data in, plain data out, no app or database needed."""

import re
import secrets
import unicodedata
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

TRUE_WORDS = {"true", "t", "yes", "y", "1", "正确", "对", "是", "√", "✓"}
FALSE_WORDS = {"false", "f", "no", "n", "0", "错误", "错", "否", "×", "✗"}


class DefinitionError(ValueError):
    """A question definition is invalid; `fields` maps field names to messages."""

    def __init__(self, fields: dict[str, str]):
        super().__init__(", ".join(fields))  # messages stay lazy until shown
        self.fields = fields


class AnswerError(ValueError):
    """The answer does not have the shape its question type needs."""


@dataclass
class Key:
    """What grading needs of a question (a plain copy of the model's columns)."""

    type: str
    points: float
    options: list[dict]
    answers: list
    partial_credit: bool = False


def normalise_text(value: str) -> str:
    """Fill-in matching: NFKC folds full-width letters, digits and punctuation to their
    ordinary forms; case and all whitespace are ignored; trailing full stops are dropped."""
    value = unicodedata.normalize("NFKC", str(value)).casefold()
    value = re.sub(r"\s+", "", value)
    return value.rstrip("。.")


def new_option_id(taken: set[str]) -> str:
    while True:
        candidate = secrets.token_hex(3)
        if candidate not in taken:
            return candidate


def parse_bool(value) -> bool | None:
    if isinstance(value, bool):
        return value
    if isinstance(value, str):
        word = value.strip().lower()
        if word in TRUE_WORDS:
            return True
        if word in FALSE_WORDS:
            return False
    return None


class QuestionType:
    name = ""

    def clean_definition(self, options: list[dict], answers: list) -> tuple[list, list]:
        """Validated (options, answers) to store; raises DefinitionError."""
        raise NotImplementedError

    def clean_answer(self, key: Key, answer):
        """The answer as stored (None clears it); raises AnswerError."""
        raise NotImplementedError

    def fraction(self, key: Key, answer) -> float:
        """Credit between 0 and 1 for an answer (None: unanswered)."""
        raise NotImplementedError

    def grade(self, key: Key, answer) -> float:
        return round(key.points * self.fraction(key, answer), 4)


class _Choice(QuestionType):
    min_correct, max_correct = 1, 1

    def clean_definition(self, options, answers):
        errors = {}
        cleaned, taken = [], set()
        for option in options or []:
            text = str(option.get("text", "")).strip()
            if not text:
                errors["options"] = _l("Every option needs a text.")
                continue
            option_id = str(option.get("id") or "") or new_option_id(taken)
            if option_id in taken:
                option_id = new_option_id(taken)
            taken.add(option_id)
            cleaned.append({"id": option_id, "text": text, "correct": bool(option.get("correct"))})
        if len(cleaned) < 2:
            errors["options"] = _l("Give at least two options.")
        elif len(cleaned) > 10:
            errors["options"] = _l("Give at most ten options.")
        correct = sum(1 for o in cleaned if o["correct"])
        if cleaned and not (self.min_correct <= correct <= self.max_correct):
            errors["options"] = (_l("Mark exactly one option correct.") if self.max_correct == 1
                                 else _l("Mark at least one option correct."))
        if errors:
            raise DefinitionError(errors)
        return cleaned, []

    def _ids(self, key: Key) -> set[str]:
        return {o["id"] for o in key.options}

    def _correct(self, key: Key) -> set[str]:
        return {o["id"] for o in key.options if o["correct"]}


class SingleChoice(_Choice):
    name = "single"

    def clean_answer(self, key, answer):
        if answer is None:
            return None
        if not isinstance(answer, str | int) or isinstance(answer, bool) \
                or str(answer) not in self._ids(key):
            raise AnswerError(_l("Choose one of the question's options."))
        return str(answer)

    def fraction(self, key, answer):
        return 1.0 if answer is not None and answer in self._correct(key) else 0.0


class MultipleChoice(_Choice):
    name = "multiple"
    min_correct, max_correct = 1, 10

    def clean_answer(self, key, answer):
        if answer is None:
            return None
        if not isinstance(answer, list) or any(
                not isinstance(a, str | int) or isinstance(a, bool) for a in answer):
            raise AnswerError(_l("Send a list of option ids."))
        chosen = [str(a) for a in answer]
        if len(set(chosen)) != len(chosen) or not set(chosen) <= self._ids(key):
            raise AnswerError(_l("Choose among the question's options, each once."))
        return sorted(chosen)

    def fraction(self, key, answer):
        if not answer:
            return 0.0
        chosen, correct = set(answer), self._correct(key)
        if not key.partial_credit:
            return 1.0 if chosen == correct else 0.0
        # Partial credit: each right choice earns its share, each wrong one takes a share
        # away (so ticking everything earns nothing); never below zero.
        right, wrong = len(chosen & correct), len(chosen - correct)
        return max(0.0, (right - wrong) / len(correct))


class TrueFalse(QuestionType):
    name = "true_false"

    def clean_definition(self, options, answers):
        value = parse_bool(answers[0]) if answers and len(answers) == 1 else None
        if value is None and options:
            # Also accept [{"text": "正确", "correct": true}, {"text": "错误", ...}]
            marked = [parse_bool(o.get("text")) for o in options if o.get("correct")]
            if len(marked) == 1:
                value = marked[0]
        if value is None:
            raise DefinitionError({"answers": _l("Give the answer as [true] or [false].")})
        return [], [value]

    def clean_answer(self, key, answer):
        if answer is None:
            return None
        value = answer if isinstance(answer, bool) else None
        if value is None:
            raise AnswerError(_l("Answer true or false."))
        return value

    def fraction(self, key, answer):
        return 1.0 if answer is not None and answer is key.answers[0] else 0.0


class FillIn(QuestionType):
    name = "fill_in"

    def clean_definition(self, options, answers):
        cleaned = []
        for answer in answers or []:
            if not isinstance(answer, str | int | float) or isinstance(answer, bool):
                raise DefinitionError({"answers": _l("Accepted answers are texts.")})
            text = str(answer).strip()
            if text and text not in cleaned:
                cleaned.append(text)
        if not cleaned:
            raise DefinitionError({"answers": _l("Give at least one accepted answer.")})
        if any(len(a) > 200 for a in cleaned):
            raise DefinitionError({"answers": _l("Accepted answers are at most 200 characters.")})
        return [], cleaned

    def clean_answer(self, key, answer):
        if answer is None:
            return None
        if not isinstance(answer, str):
            raise AnswerError(_l("Answer with a text."))
        if len(answer) > 500:
            raise AnswerError(_l("The answer is too long (500 characters at most)."))
        return answer

    def fraction(self, key, answer):
        if answer is None or not normalise_text(answer):
            return 0.0
        accepted = {normalise_text(a) for a in key.answers}
        return 1.0 if normalise_text(answer) in accepted else 0.0


TYPES: dict[str, QuestionType] = {t.name: t for t in (
    SingleChoice(), MultipleChoice(), TrueFalse(), FillIn())}


def key_of(question) -> Key:
    return Key(type=question.type, points=question.points, options=question.options,
               answers=question.answers, partial_credit=question.partial_credit)


def grade(question, answer) -> float:
    """Points earned by `answer` on `question` (any object with the Key's attributes)."""
    key = key_of(question)
    return TYPES[key.type].grade(key, answer)


def score_percent(points: float, maximum: float) -> float:
    return round(100 * points / maximum, 2) if maximum else 0.0
