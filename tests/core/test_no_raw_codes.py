"""No raw status or code reaches a page: every role's pages, walked from the home page through
their links on the demo data, in Chinese, show translated labels only (issue 14.3)."""

import re
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

import pytest
from sqlalchemy import select

from accounts.demo import DEMO_PASSWORD
from accounts.models import User
from core.extensions import db
from tests.factories import login

# The codes the API and database use; none may be visible text on a zh page.
CODES = """
declared confirmed refused pending approved rejected in_batch paid valid revoked superseded
expired altered upcoming live ended online offline blended in_progress awaiting_practical
completed draft published skill_level vocational_qualification special_ability
training_completion poverty_registered rural_migrant registered_unemployed laid_off
college_graduate veteran disabled retired_fisherman trainee instructor officer enterprise admin
reported dispatched in_training fulfilled cancelled accepted declined selling_practice lecture
true_false fill_in living_allowance tencent_meeting reached_employed reached_seeking
reached_not_seeking no_answer wrong_number platform institution
""".split()
CODE_RE = re.compile(r"(?<![\w@./-])(" + "|".join(CODES) + r")(?![\w@/-])")
SKIP = re.compile(r"\.(csv|pdf|zip|json|png|jpg|mp4|webm|eml)(\?|$)|^/(logout|lang/|static/|api/)")
PAGES_PER_ROLE = 45
# Not labels: scripts, and text areas holding data being edited (the policy's JSON).
HIDDEN = ("script", "style", "template", "textarea")
# The import hint names the values to type in the CSV's kind column.
ALLOWED = {"/menu-admin/": {"platform", "institution"}}


class Visible(HTMLParser):
    def __init__(self):
        super().__init__()
        self.text, self.links, self._hidden = [], [], 0

    def handle_starttag(self, tag, attrs):
        if tag in HIDDEN:
            self._hidden += 1
        href = dict(attrs).get("href")
        if tag == "a" and href:
            self.links.append(href)

    def handle_endtag(self, tag):
        if tag in HIDDEN and self._hidden:
            self._hidden -= 1

    def handle_data(self, data):
        if not self._hidden:
            self.text.append(data)


def raw_codes(html: str) -> tuple[set[str], list[str]]:
    parser = Visible()
    parser.feed(html)
    text = " ".join(parser.text)
    text = re.sub(r"\S+@\S+|https?://\S+", " ", text)  # emails and links may hold any word
    return set(CODE_RE.findall(text)), parser.links


def walk(client, start: str = "/") -> dict[str, set[str]]:
    seen, queue, found = set(), [start], {}
    while queue and len(seen) < PAGES_PER_ROLE:
        path = queue.pop(0)
        if path in seen:
            continue
        seen.add(path)
        response = client.get(path)
        html = response.status_code == 200 and "text/html" in response.content_type
        body = response.get_data(as_text=True) if html else ""
        response.close()  # file downloads (lesson media, PDFs) hold their file open until then
        if not html:
            continue
        codes, links = raw_codes(body)
        codes -= ALLOWED.get(path, set())
        if codes:
            found[path] = codes
        for href in links:
            url = urlsplit(urljoin(path, href))
            if url.netloc or not url.path.startswith("/"):
                continue
            target = url.path + (f"?{url.query}" if url.query else "")
            if not SKIP.search(target) and target not in seen:
                queue.append(target)
    return found


@pytest.fixture
def demo(runner):
    result = runner.invoke(args=["demo", "load"])
    assert result.exit_code == 0, result.output


ROLES = ["trainee@demo.skillbridge.cn", "instructor@demo.skillbridge.cn",
         "officer@demo.skillbridge.cn", "hr@demo-luggage.example.cn", "admin@demo.skillbridge.cn"]


def test_no_raw_code_on_any_page_of_any_role(demo, app):
    found = {}
    for email in ROLES:  # one demo load for all roles: it is the slow part
        client = app.test_client()
        user = db.session.scalar(select(User).where(User.email == email))
        client.get("/lang/zh")
        login(client, user, password=DEMO_PASSWORD)
        found.update({f"{user.role} {path}": codes for path, codes in walk(client).items()})
    assert not found, f"raw codes on pages: {found}"

    # The policy reads as a table, in words (the JSON is only the editing format).
    officer = app.test_client()
    login(officer, db.session.scalar(select(User).where(User.email == ROLES[2])),
          password=DEMO_PASSWORD)
    officer.get("/lang/zh")
    page = officer.get("/subsidies/policies").get_data(as_text=True)
    table = page[page.index('class="table policy-table"'):]
    table = table[:table.index("</table>")]
    assert "职业技能等级证书" in table and "¥700.00" in table and "脱贫" in table
    assert "amounts_fen" not in table


def test_the_check_sees_a_raw_code():
    assert raw_codes("<p>状态：pending</p>")[0] == {"pending"}
    assert raw_codes('<p class="tag-pending">待审核 x@pending.cn</p><script>live</script>')[0] \
        == set()
