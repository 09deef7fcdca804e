"""Every redirect that takes `next` follows only same-site paths (core.views.safe_next)."""

import pytest

from core.views import safe_next
from tests.factories import csrf_token, login

HOSTILE = ["//evil.example/", "https://evil.example/", "/\\evil.example", "javascript:alert(1)",
           "evil.example", "/\tx", "http:/evil.example"]


@pytest.mark.parametrize("target", HOSTILE)
def test_hostile_targets_fall_back(target):
    assert safe_next(target, "/home") == "/home"


def test_same_site_paths_are_kept():
    assert safe_next("/subsidies/?status=pending", "/") == "/subsidies/?status=pending"


@pytest.mark.parametrize("target", HOSTILE[:3])
def test_key_group_confirmation_never_redirects_off_site(client, officer, trainee, target):
    login(client, officer)
    token = csrf_token(client, "/subsidies/")
    response = client.post(f"/subsidies/trainees/{trainee.id}/key-groups/laid_off",
                           data={"csrf_token": token, "confirmed": "1", "next": target})
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/subsidies/")


def test_huge_page_number_on_a_page_is_not_a_500(client, officer):
    login(client, officer)
    assert client.get("/subsidies/?page=99999999999999999999").status_code == 200
