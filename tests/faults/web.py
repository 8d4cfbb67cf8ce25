"""A person using the site over HTTP (requests): log in, read a form, post it like a browser."""

from html.parser import HTMLParser

import requests

TIMEOUT = 30  # generous: the machine is shared and a web instance may wait for the database


class _HiddenInputs(HTMLParser):
    """The hidden inputs of the page's forms (CSRF token, idempotency keys)."""

    def __init__(self):
        super().__init__()
        self.fields: dict[str, str] = {}

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "input" and attributes.get("type") == "hidden" and attributes.get("name"):
            self.fields.setdefault(attributes["name"], attributes.get("value") or "")


def hidden_fields(html: str) -> dict[str, str]:
    parser = _HiddenInputs()
    parser.feed(html)
    return parser.fields


class WebUser:
    """One browser: a cookie jar shared by every instance it talks to (same site, two ports)."""

    def __init__(self, base_url: str):
        self.base_url = base_url
        self.session = requests.Session()

    def get(self, path: str, *, base_url: str | None = None, **kwargs) -> requests.Response:
        return self.session.get((base_url or self.base_url) + path, timeout=TIMEOUT, **kwargs)

    def submit(
        self, path: str, data: dict, *, base_url: str | None = None, action: str | None = None
    ) -> requests.Response:
        """GET the page at `path`, then POST its hidden fields and `data` to `action` (the same
        path by default). Redirects are not followed: the caller sees where the user is sent."""
        base_url = base_url or self.base_url
        page = self.get(path, base_url=base_url)
        page.raise_for_status()
        fields = {**hidden_fields(page.text), **data}
        return self.session.post(
            base_url + (action or path),
            data=fields,
            timeout=TIMEOUT,
            allow_redirects=False,
            headers={"Referer": base_url + path},
        )

    def login(self, email: str, password: str, *, base_url: str | None = None):
        return self.submit(
            "/accounts/login/", {"username": email, "password": password}, base_url=base_url
        )

    def copy_cookies_to(self, other: "WebUser") -> None:
        other.session.cookies.update(self.session.cookies)
