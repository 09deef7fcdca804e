"""Cross-feature events, sent inside the request's transaction so that what listeners write
commits (or rolls back) together with the change that caused it.

- exam_passed(app, trainee_id, course_id, exam_id, attempt_id, actor, provider): a final
  passing result; certificates issue one certificate for it. `provider` ({"kind", "id",
  "name"}) is the evaluating organisation the certificate names.
- certificate_issued(app, certificate, actor): a new certificate; subsidies open a claim.
- certificate_revoked(app, certificate, actor): subsidies put open claims on hold.
"""

from blinker import Namespace

_signals = Namespace()

exam_passed = _signals.signal("exam-passed")
certificate_issued = _signals.signal("certificate-issued")
certificate_revoked = _signals.signal("certificate-revoked")
