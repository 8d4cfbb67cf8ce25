"""The OpenAPI document is complete and valid, and its interactive docs are public, served from our
own origin and within the site's strict Content Security Policy."""

import re

import pytest
import yaml
from django.contrib.staticfiles.handlers import StaticFilesHandler
from django.core.management import call_command
from django.test.testcases import LiveServerThread

pytestmark = pytest.mark.django_db

SCHEMA = "/api/v1/schema/"
DOCS = "/api/v1/docs/"


def test_the_schema_generates_without_warnings_and_validates(tmp_path):
    # The same as `manage.py spectacular --validate --fail-on-warn`: raises on any warning.
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "s.yml"))
    schema = yaml.safe_load((tmp_path / "s.yml").read_text())
    assert {"/api/v1/me/", "/api/v1/members/", "/api/v1/members/{member_id}/"} <= set(
        schema["paths"]
    )
    assert schema["components"]["securitySchemes"]["bearerAuth"] == {
        "type": "http",
        "scheme": "bearer",
    }


def test_every_operation_is_documented(tmp_path):
    call_command("spectacular", "--file", str(tmp_path / "s.yml"))
    schema = yaml.safe_load((tmp_path / "s.yml").read_text())
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            where = f"{method.upper()} {path}"
            assert operation.get("description"), f"{where} has no description"
            # A success answer: 200, 201, or 204 for a DELETE that returns nothing.
            assert {"200", "201", "202", "204"} & set(operation["responses"]), where
            assert "401" in operation["responses"], f"{where} does not document its 401"


def test_the_schema_is_public(api_client):
    response = api_client.get(SCHEMA)  # no token, no session: not a redirect to the login page
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.oai.openapi")
    assert "/api/v1/members/" in yaml.safe_load(response.content)["paths"]


def test_the_schema_is_served_as_json_on_request(api_client):
    response = api_client.get(SCHEMA, HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    assert response.json()["info"]["title"] == "salesculture API"


def test_the_docs_page_is_public_and_loads_only_our_own_files(api_client):
    response = api_client.get(DOCS)
    assert response.status_code == 200
    html = response.content.decode()
    assert "<style" not in html
    assert "style=" not in html
    scripts = re.findall(r"<script([^>]*)>(.*?)</script>", html, flags=re.S)
    assert len(scripts) == 3
    assert all('src="/' in attributes and not body.strip() for attributes, body in scripts)
    assert "//" not in "".join(re.findall(r'(?:src|href)="([^"]*)"', html))  # no CDN
    # The site's own policy, not an exception for this page.
    policy = response["Content-Security-Policy"]
    assert "style-src 'self'" in policy
    assert "unsafe-inline" not in policy


def test_the_docs_init_script_is_javascript_pointing_at_the_schema(api_client):
    response = api_client.get(DOCS, {"script": ""})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/javascript")
    body = response.content.decode()
    assert 'url: "/api/v1/schema/"' in body
    assert '"validatorUrl": null' in body  # no badge image from validator.swagger.io


def test_a_members_token_does_not_change_the_document(api_client, api_client_for, outsider):
    anonymous = api_client.get(SCHEMA).content
    assert api_client_for(outsider).get(SCHEMA).content == anonymous


@pytest.fixture
def docs_server(django_db_blocker):
    """A live server of the whole site, without `live_server`'s transactional database: these
    pages read no rows (only the throttle writes its counter, in the server's own connection),
    so there is nothing to flush afterwards."""
    with django_db_blocker.unblock():
        server = LiveServerThread("localhost", StaticFilesHandler)
        server.daemon = True
        server.start()
        server.is_ready.wait()
        if server.error:
            raise server.error
        try:
            yield f"http://localhost:{server.port}"
        finally:
            server.terminate()


@pytest.mark.browser
def test_the_docs_render_in_chromium_without_any_csp_violation(docs_server):
    from playwright.sync_api import sync_playwright

    violations, console_errors, foreign_requests = [], [], []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path="/usr/bin/chromium", args=["--no-sandbox"]
        )
        try:
            page = browser.new_page()
            # Runs before any page script, so it sees violations during the initial render too.
            page.add_init_script(
                "window.__csp = [];"
                "document.addEventListener('securitypolicyviolation', e => window.__csp.push("
                "e.violatedDirective + ' ' + e.blockedURI + ' ' + e.sourceFile));"
            )
            page.on(
                "console",
                lambda message: message.type == "error" and console_errors.append(message.text),
            )
            page.on(
                "request",
                lambda request: (
                    request.url.startswith(docs_server)
                    or request.url.startswith("data:")
                    or foreign_requests.append(request.url)
                ),
            )
            page.goto(docs_server + DOCS)
            page.locator(".swagger-ui .info .title").filter(has_text="salesculture API").wait_for()
            operation = page.locator(".opblock-summary-path", has_text="/api/v1/members/").first
            operation.click()  # React renders the operation's details: still no inline style
            page.locator(".opblock-body").first.wait_for()
            page.wait_for_load_state("networkidle")
            violations = page.evaluate("window.__csp")
        finally:
            browser.close()

    assert violations == []
    assert [m for m in console_errors if "Content Security Policy" in m] == []
    assert foreign_requests == []
