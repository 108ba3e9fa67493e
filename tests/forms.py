"""Filling the web view's forms over HTTP, as a browser would: sign in, read the form's hidden keys, post."""

import re
from typing import Any

HIDDEN = re.compile(r'<input type="hidden" name="(csrf_token|form_key)" value="([^"]*)">')


def sign_in(api: Any, role: str) -> None:
    """Sign in with a role's token; the client keeps the session cookie."""
    response = api.post("/web/sign-in", role=None, data={"token": getattr(api.tokens, role)}, follow_redirects=False)
    assert response.status_code == 303, response.text


def hidden_keys(html: str) -> dict[str, str]:
    """The first form's CSRF token and one-time key."""
    found: dict[str, str] = {}
    for name, value in HIDDEN.findall(html):
        found.setdefault(name, value)
    return found


def open_form(api: Any, path: str, **params: Any) -> dict[str, str]:
    """GET a form page as the signed-in viewer and return its hidden keys."""
    response = api.get(path, role=None, params=params, follow_redirects=False)
    assert response.status_code == 200, response.text
    keys = hidden_keys(response.text)
    assert "csrf_token" in keys and "form_key" in keys, response.text
    return keys


def post_form(api: Any, path: str, data: dict[str, Any], *, keys: dict[str, str] | None = None) -> Any:
    """Post a form with the keys of its page (read afresh unless given)."""
    keys = keys if keys is not None else open_form(api, path)
    return api.post(path, role=None, data={**keys, **data}, follow_redirects=False)


def fill(api: Any, form_page: str, data: dict[str, Any], *, action: str | None = None, **params: Any) -> Any:
    """Open a form page (with query parameters) and post it to its action (the same path by default)."""
    keys = open_form(api, form_page, **params)
    return api.post(action or form_page, role=None, data={**keys, **data}, follow_redirects=False)


def created_id(response: Any, prefix: str) -> int:
    """The id in a redirect to a new record's page, such as /web/agreements/7."""
    assert response.status_code == 303, response.text
    location = response.headers["location"]
    assert location.startswith(prefix), location
    return int(location.removeprefix(prefix).split("/")[0].split("?")[0])
