"""/docs and /redoc work offline: every script and style comes from this server's /static/, no
inline script runs, and only /redoc's styles are loosened in the Content-Security-Policy."""

import re

import pytest

from app.main import CSP


def asset_urls(html: str) -> list[str]:
    scripts = re.findall(r"<script\b[^>]*\bsrc=\"([^\"]+)\"", html)
    links = re.findall(r"<link\b[^>]*\bhref=\"([^\"]+)\"", html)
    return scripts + links


def directives(policy: str) -> dict[str, str]:
    return dict(part.strip().split(" ", 1) for part in policy.split(";"))


@pytest.mark.parametrize("path, viewer", [
    ("/docs", "/static/vendor/swagger-ui-dist/swagger-ui-bundle.js"),
    ("/redoc", "/static/vendor/redoc/redoc.standalone.js"),
])
def test_the_docs_pages_load_only_this_servers_files(client, path, viewer):
    response = client.get(path)
    assert response.status_code == 200
    html = response.text
    urls = asset_urls(html)
    assert viewer in urls and "/static/js/docs.js" in urls
    assert all(url.startswith("/static/") for url in urls), urls
    assert "http:" not in html and "https:" not in html
    assert all(re.search(r"\bsrc=", attrs) for attrs in re.findall(r"<script([^>]*)>", html)), \
        "no inline script"
    assert 'data-openapi-url="/openapi.json"' in html
    for url in urls:
        assert client.get(url).status_code == 200, url


def test_the_schema_the_viewers_read_is_served(client):
    schema = client.get("/openapi.json").json()
    assert "/api/sessions" in schema["paths"]
    assert not {"/docs", "/redoc"} & schema["paths"].keys()


def test_docs_runs_under_the_apps_own_policy(client):
    assert client.get("/docs").headers["content-security-policy"] == CSP


def test_redoc_alone_gets_inline_styles_and_blob_workers_and_scripts_stay_self(client):
    policy = directives(client.get("/redoc").headers["content-security-policy"])
    strict = directives(CSP)
    assert policy["style-src"] == "'self' 'unsafe-inline'"
    assert policy["worker-src"] == "blob:"
    assert policy["script-src"] == "'self'"
    others = {name: value for name, value in policy.items() if name not in ("style-src", "worker-src")}
    assert others == {name: value for name, value in strict.items() if name != "style-src"}


def test_the_vendored_viewers_reach_no_cdn(client):
    """ReDoc 2's sidebar logo is an image from Redocly's CDN; static/vendor/README.md says how the
    copy here drops it."""
    for url in ("/static/vendor/redoc/redoc.standalone.js",
                "/static/vendor/swagger-ui-dist/swagger-ui-bundle.js"):
        assert "https://cdn." not in client.get(url).text, url
