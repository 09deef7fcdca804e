from tests.exams.helpers import eligible  # noqa: F401  (fixture)
