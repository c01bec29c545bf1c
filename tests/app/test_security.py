"""The app's security rules (docs/architecture.md): CSRF, cookie flags, headers, storage keys,
partial writes."""

from __future__ import annotations

import io
import re

import pytest

from tests.helpers.api import Api
from tests.helpers.images import HTML_AS_JPEG, SVG, make_jpeg, make_png

PASSWORD = "correct-horse-battery"
CSRF_FIELD = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_token(client, path: str) -> str:
    """Load a form and return the CSRF token it carries."""
    found = CSRF_FIELD.search(client.get(path).get_data(as_text=True))
    assert found, f"no csrf_token field in the form at {path}"
    return found.group(1)


@pytest.fixture
def production_client(make_app):
    """A client of an app with testing off, so CSRF protection is on."""
    with make_app(testing=False).test_client() as client:
        yield client


def test_forms_without_a_csrf_token_are_refused(production_client):
    """With testing off, a form POST without the CSRF token is a 400 and changes nothing."""
    response = production_client.post("/register",
                                      data={"username": "ann", "password": PASSWORD})
    assert response.status_code == 400
    token = csrf_token(production_client, "/login")
    login = production_client.post("/login", data={"username": "ann", "password": PASSWORD,
                                                   "csrf_token": token})
    assert login.status_code == 401, "the refused sign-up must not have created the account"


def test_forms_with_the_csrf_token_work(production_client):
    """With testing off, a form POST carrying the page's token goes through."""
    token = csrf_token(production_client, "/register")
    response = production_client.post(
        "/register", data={"username": "ann", "password": PASSWORD, "csrf_token": token}
    )
    assert response.status_code == 302


def test_a_logged_in_form_needs_the_token_too(production_client):
    """Liking through the form without the token is refused even with a valid session."""
    token = csrf_token(production_client, "/register")
    production_client.post("/register",
                           data={"username": "ann", "password": PASSWORD, "csrf_token": token})
    upload = production_client.post(
        "/upload",
        data={"file": (io.BytesIO(make_jpeg()), "a.jpg", "image/jpeg"), "caption": ""},
        content_type="multipart/form-data",
    )
    assert upload.status_code == 400, "an upload form without the token must be refused"


def test_the_api_needs_no_csrf_token(make_app):
    """API calls authenticate with bearer tokens, so CSRF protection does not apply to them."""
    api = Api(make_app(testing=False).test_client())
    ann = api.account("ann")
    assert api.upload(ann, make_jpeg()).status_code == 201


def test_the_session_cookie_is_httponly_and_lax(client):
    """The session cookie is HttpOnly and SameSite=Lax."""
    response = client.post("/register", data={"username": "ann", "password": PASSWORD})
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie, cookie


@pytest.mark.parametrize("path", ["/healthz", "/login", "/api/feed", "/no/such/page"])
def test_every_response_has_nosniff_and_served_by(make_app, path):
    """Every response carries nosniff and the app server's name in X-Served-By."""
    client = make_app(instance_name="app-7").test_client()
    response = client.get(path)
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Served-By"] == "app-7"


def test_storage_keys_are_generated(client):
    """Stored files get random keys, never the uploader's file name."""
    client.post("/register", data={"username": "ann", "password": PASSWORD})
    client.post(
        "/upload",
        data={"file": (io.BytesIO(make_png()), "../../etc/passwd.png", "image/png"),
              "caption": ""},
        content_type="multipart/form-data",
    )
    page = client.get("/").get_data(as_text=True)
    keys = re.findall(r'src="/media/([^"]+)"', page)
    assert len(keys) == 1, page
    assert re.fullmatch(r"thumbs/[0-9a-f]{32}\.png", keys[0]), keys[0]


def test_media_are_served_with_type_nosniff_and_cache(client):
    """/media/<key> sends the file with its type, nosniff and a long cache lifetime."""
    client.post("/register", data={"username": "ann", "password": PASSWORD})
    client.post("/upload", data={"file": (io.BytesIO(make_jpeg()), "a.jpg", "image/jpeg")},
                content_type="multipart/form-data")
    [key] = re.findall(r'src="/media/([^"]+)"', client.get("/").get_data(as_text=True))
    response = client.get(f"/media/{key}")
    assert response.status_code == 200 and response.content_type == "image/jpeg"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "max-age" in response.headers["Cache-Control"]


@pytest.mark.parametrize(
    "key", ["../settings.py", "photos/../../x.jpg", "photos/%2e%2e/x.jpg", "PHOTOS/A.JPG"]
)
def test_local_media_refuse_keys_that_are_not_generated(make_app, tmp_path, key):
    """The local blob store refuses any key that is not a generated one (no path traversal)."""
    (tmp_path / "secret.jpg").write_bytes(b"secret")
    client = make_app(media_dir=str(tmp_path / "media")).test_client()
    response = client.get(f"/media/{key}")
    assert response.status_code in (400, 404)
    assert b"secret" not in response.data


@pytest.mark.parametrize("data", [SVG, HTML_AS_JPEG, b""], ids=["svg", "html", "empty"])
def test_a_bad_upload_writes_nothing(make_app, tmp_path, data):
    """A refused upload leaves no file in the media folder and no photo in the feed."""
    media = tmp_path / "media"
    api = Api(make_app(media_dir=str(media)).test_client())
    ann = api.account("ann")
    response = api.upload(ann, data)
    assert response.status_code in (400, 415)
    assert [p for p in media.rglob("*") if p.is_file()] == []
    assert api.feed(ann)["photos"] == []


def test_a_deleted_photo_leaves_no_files(make_app, tmp_path):
    """Deleting a photo deletes its image and thumbnail files."""
    media = tmp_path / "media"
    api = Api(make_app(media_dir=str(media)).test_client())
    ann = api.account("ann")
    photo_id = api.photo_id(ann, make_jpeg())
    assert len([p for p in media.rglob("*") if p.is_file()]) == 2
    api.delete(ann, f"/api/photos/{photo_id}")
    assert [p for p in media.rglob("*") if p.is_file()] == []

