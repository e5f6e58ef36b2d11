"""Content-Security-Policy: the exact policy on public, authenticated and admin pages, and pages that obey it."""

import re
from html.parser import HTMLParser

import pytest
from django.urls import reverse

from tests.factories import make_user

POLICY = {
    "default-src": ["'self'"],
    "script-src": ["'self'"],
    "style-src": ["'self'"],
    "img-src": ["'self'", "data:"],
    "object-src": ["'none'"],
    "frame-ancestors": ["'none'"],
    "base-uri": ["'self'"],
    "form-action": ["'self'"],
}
NONCE_DIRECTIVES = ("script-src", "style-src")


def parse_policy(header: str) -> dict[str, list[str]]:
    directives = [part.split() for part in header.split(";") if part.strip()]
    return {name: values for name, *values in directives}


class InlineCodeFinder(HTMLParser):
    """Collects what a strict CSP would block: inline code without the page's nonce."""

    def __init__(self, nonce: str | None) -> None:
        super().__init__()
        self.nonce = nonce
        self.problems: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        for name, value in attrs:
            if name.startswith("on"):
                self.problems.append(f"<{tag} {name}=...>")
            if name == "style":
                self.problems.append(f"<{tag} style=...>")
            if name in ("href", "src", "action") and (value or "").strip().lower().startswith("javascript:"):
                self.problems.append(f"<{tag} {name}=javascript:...>")
            if name == "hx-on" or name.startswith("hx-on:") or name.startswith("hx-on-"):
                self.problems.append(f"<{tag} {name}=...>")
        has_nonce = self.nonce is not None and attributes.get("nonce") == self.nonce
        if tag == "script" and not attributes.get("src") and not has_nonce:
            self.problems.append("inline <script> without the nonce")
        if tag == "style" and not has_nonce:
            self.problems.append("<style> without the nonce")


def assert_page_obeys_policy(response) -> dict[str, list[str]]:
    """The header is the exact policy (plus this response's nonce where used) and the page needs nothing more."""
    assert response.status_code == 200
    policy = parse_policy(response["Content-Security-Policy"])
    nonces = {value for name in NONCE_DIRECTIVES for value in policy[name] if value.startswith("'nonce-")}
    assert len(nonces) <= 1
    nonce = nonces.pop()[len("'nonce-") : -1] if nonces else None
    expected = {
        name: values + ([f"'nonce-{nonce}'"] if nonce and name in NONCE_DIRECTIVES else [])
        for name, values in POLICY.items()
    }
    assert policy == expected
    header = response["Content-Security-Policy"]
    assert "unsafe-inline" not in header and "unsafe-eval" not in header
    finder = InlineCodeFinder(nonce)
    finder.feed(response.content.decode())
    assert finder.problems == []
    return policy


@pytest.mark.parametrize("name", ["landing", "login", "password_reset"])
def test_public_pages_send_the_exact_policy(client, db, name):
    policy = assert_page_obeys_policy(client.get(reverse(name)))

    # No page of ours needs a nonce: the policy stays exactly the one agreed.
    assert policy == POLICY


@pytest.mark.parametrize("name", ["dashboard", "password_change"])
def test_authenticated_pages_send_the_exact_policy(client, db, name):
    client.force_login(make_user("csp"))

    response = client.get(reverse(name), follow=True)

    assert response.wsgi_request.user.is_authenticated
    assert assert_page_obeys_policy(response) == POLICY


def test_the_admin_works_under_the_policy_with_a_nonce(client, db):
    user = make_user("csp-admin", superuser=True)
    client.force_login(user)
    pages = [
        reverse("admin:index"),
        reverse("admin:auth_user_changelist"),
        reverse("admin:auth_user_change", args=[user.pk]),
        reverse("admin:auth_user_add"),
    ]

    for url in pages:
        response = client.get(url)
        policy = assert_page_obeys_policy(response)
        nonce = next(value for value in policy["script-src"] if value.startswith("'nonce-"))
        # The admin's own scripts and stylesheets carry this response's nonce.
        assert f'nonce="{nonce[len("'nonce-") : -1]}"' in response.content.decode(), url


def test_the_admin_login_page_sends_the_policy(client, db):
    response = client.get(reverse("admin:login"))

    assert_page_obeys_policy(response)


def test_each_response_gets_a_fresh_nonce(client, db):
    client.force_login(make_user("csp-admin", superuser=True))

    first = client.get(reverse("admin:index"))["Content-Security-Policy"]
    second = client.get(reverse("admin:index"))["Content-Security-Policy"]

    nonce_pattern = re.compile(r"'nonce-([^']+)'")
    assert nonce_pattern.search(first).group(1) != nonce_pattern.search(second).group(1)


def test_error_and_json_responses_carry_the_policy_too(client, db):
    for response in (client.get("/healthz"), client.get("/no-such-page/")):
        assert parse_policy(response["Content-Security-Policy"]) == POLICY


def test_the_inline_code_finder_catches_what_the_policy_blocks():
    finder = InlineCodeFinder(nonce="abc")
    finder.feed(
        '<script>alert(1)</script><script nonce="abc">ok()</script><script src="/static/x.js"></script>'
        '<style>p{}</style><div style="color:red" onclick="x()"></div><a href="javascript:x()">x</a>'
        '<button hx-on:click="x()">b</button>'
    )

    assert finder.problems == [
        "inline <script> without the nonce",
        "<style> without the nonce",
        "<div style=...>",
        "<div onclick=...>",
        "<a href=javascript:...>",
        "<button hx-on:click=...>",
    ]
