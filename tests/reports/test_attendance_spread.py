"""Per-course attendance spread in the reports, from real attendance records."""

from core.timeutil import local_today
from tests.factories import api_headers, enrol, grant_attendance, make_course, make_user


def test_attendance_bands_per_course(client, officer, instructor):
    course = make_course(instructor, required_hours=10)     # 600 minutes
    full, half, little, none = (make_user("trainee") for _ in range(4))
    grant_attendance(full, course, 540, "offline")          # 90 %
    grant_attendance(half, course, 200, "lesson")           # 33 %
    live = grant_attendance(half, course, 100, "live")      # +17 % = 50 %, once closed
    grant_attendance(little, course, 30, "offline")         # 5 %
    enrol(none, course)
    headers = api_headers(client, officer)

    def spread():
        rows = client.get("/api/v1/reports/breakdown/course",
                          query_string={"year": local_today().year},
                          headers=headers).get_json()["items"]
        return next(r for r in rows if r["key"] == course.id)

    # The open live session does not count yet; closing it stores the results.
    assert spread()["attendance"] == {"0-20": 2, "20-40": 1, "40-60": 0, "60-80": 0,
                                      "80-100": 1}
    from attendance.live import close_session
    from core.extensions import db

    close_session(live)
    db.session.commit()
    rows = client.get("/api/v1/reports/breakdown/course",
                      query_string={"year": local_today().year},
                      headers=headers).get_json()["items"]
    row = next(r for r in rows if r["key"] == course.id)
    assert row["trained"] == 4
    assert row["attendance"] == {"0-20": 2, "20-40": 0, "40-60": 1, "60-80": 0, "80-100": 1}
