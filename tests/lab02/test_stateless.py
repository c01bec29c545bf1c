"""Stateless app servers: two Gunicorn servers on one database answer for the same user."""

from __future__ import annotations

import http.cookiejar
import re
import urllib.parse
import urllib.request
from collections.abc import Callable

from tests.helpers.images import make_jpeg
from tests.helpers.multipart import upload_form
from tests.lab02.guide import GUNICORN, STATELESS
from tests.lab02.serving import HTTP_TIMEOUT, fetch, raise_if_stub
from workshop.services import Stack

PASSWORD = "correct-horse-battery"


def test_log_in_through_one_server_act_through_the_other(gunicorn: Callable[..., Stack]) -> None:
    """A token from one app server lets you upload through the other, and both see the photo."""
    one, two = gunicorn(servers=2).app_servers
    registered = fetch(
        one, "POST", "/api/register", json_body={"username": "ann", "password": PASSWORD}
    )
    assert registered.status == 201, (
        f"expected 201 registering through app1, got {registered.status}: "
        f"{registered.text[:300]} — {GUNICORN}"
    )
    login = fetch(one, "POST", "/api/login", json_body={"username": "ann", "password": PASSWORD})
    assert login.status == 200, f"expected 200 logging in through app1, got {login.status}"
    token = login.body["token"]

    body, content_type = upload_form(make_jpeg(), "hello")
    headers = {"Authorization": f"Bearer {token}", "Content-Type": content_type}
    uploaded = fetch(two, "POST", "/api/photos", data=body, headers=headers)
    assert uploaded.status == 201, (
        f"expected 201 uploading through app2 with app1's token, got {uploaded.status}: "
        f"{uploaded.text[:300]} — {STATELESS}"
    )
    assert uploaded.header("X-Served-By") == "app2", (
        f"expected app2 to answer the upload, X-Served-By said {uploaded.header('X-Served-By')!r}"
    )
    seen = fetch(one, "GET", f"/api/photos/{uploaded.body['id']}", headers=headers)
    assert seen.status == 200, (
        f"expected app1 to find the photo uploaded through app2, got {seen.status}: both "
        f"servers must use one database — {STATELESS}"
    )


def test_session_cookie_from_one_server_works_on_the_other(gunicorn: Callable[..., Stack]) -> None:
    """A browser logged in through one app server is logged in on the other too."""
    one, two = gunicorn(servers=2).app_servers
    fetch(one, "POST", "/api/register", json_body={"username": "bob", "password": PASSWORD})
    browser = urllib.request.build_opener(
        urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
    )
    with browser.open(one.url + "/login", timeout=HTTP_TIMEOUT) as response:
        form = response.read().decode()
    found = re.search(r'name="csrf_token" value="([^"]+)"', form)
    if found is None:
        raise_if_stub(one.log_tail(200))
    assert found, f"expected a login form with a CSRF token from app1, got {form[:300]}"
    fields = {"csrf_token": found.group(1), "username": "bob", "password": PASSWORD}
    data = urllib.parse.urlencode(fields).encode()
    with browser.open(one.url + "/login", data=data, timeout=HTTP_TIMEOUT) as response:
        response.read()
    with browser.open(two.url + "/", timeout=HTTP_TIMEOUT) as response:
        page, landed = response.read().decode(), response.url
    assert urllib.parse.urlsplit(landed).path == "/" and "bob" in page, (
        f"expected app2 to show bob's feed with the session cookie app1 set, but it sent the "
        f"browser to {landed}: the session must live in the signed cookie and every server "
        f"must share PHOTOAPP_SECRET_KEY — {STATELESS}"
    )
