"""The HTML pages: sign-up, login, feed, upload, photo, profile, like and follow forms."""

from __future__ import annotations

import io
import re
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.helpers.images import make_jpeg

PASSWORD = "correct-horse-battery"


def is_local(location: str) -> bool:
    """Tell whether a Location stays on this site, as a browser would read it."""
    parts = urlsplit(location.replace("\\", "/"))  # browsers read a backslash as a slash
    return not parts.scheme and not parts.netloc and location.startswith("/")


def sign_up(client, username: str = "ann") -> None:
    """Register through the form; the client keeps the session cookie."""
    response = client.post("/register", data={"username": username, "password": PASSWORD})
    assert response.status_code == 302, response.get_data(as_text=True)[:300]


def upload_page(client, caption: str = "") -> int:
    """Upload through the form and return the new photo's id from the redirect."""
    response = client.post(
        "/upload",
        data={"caption": caption, "file": (io.BytesIO(make_jpeg()), "me.jpg", "image/jpeg")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:300]
    found = re.search(r"/photos/(\d+)$", response.headers["Location"])
    assert found, response.headers["Location"]
    return int(found.group(1))


@pytest.mark.parametrize("path", ["/", "/upload", "/photos/1", "/users/ann"])
def test_anonymous_visitors_are_sent_to_login(client, path):
    """Pages that need a login redirect to it, remembering where the visitor wanted to go."""
    response = client.get(path)
    location = urlsplit(response.headers["Location"])
    assert response.status_code == 302 and location.path == "/login"
    assert parse_qs(location.query)["next"] == [path]


def test_sign_up_logs_in_and_shows_the_feed(client):
    """Registering through the form starts a session and lands on the feed."""
    sign_up(client)
    feed = client.get("/")
    assert feed.status_code == 200 and "text/html" in feed.content_type
    assert "ann" in feed.get_data(as_text=True)


def test_sign_up_errors_are_shown_on_the_form(client):
    """A bad sign-up shows the form again with the error and the use case's status."""
    response = client.post("/register", data={"username": "a", "password": PASSWORD})
    assert response.status_code == 400
    assert "username must be" in response.get_data(as_text=True)


def test_login_form_and_wrong_password(client):
    """The login form logs in; a wrong password shows the form again with 401."""
    sign_up(client)
    client.post("/logout")
    wrong = client.post("/login", data={"username": "ann", "password": "nope nope"})
    assert wrong.status_code == 401
    right = client.post("/login", data={"username": "ann", "password": PASSWORD})
    assert right.status_code == 302 and right.headers["Location"] == "/"


@pytest.mark.parametrize(
    "target",
    ["//evil.example/steal", "https://evil.example/", "http:evil.example", "javascript:alert(1)",
     "/\\evil.example", "/\\/evil.example"],
)
def test_login_never_redirects_to_another_site(client, target):
    """?next= may only name a path of this site (no open redirect)."""
    sign_up(client)
    client.post("/logout")
    response = client.post("/login", query_string={"next": target},
                           data={"username": "ann", "password": PASSWORD})
    location = response.headers["Location"]
    assert response.status_code == 302
    assert is_local(location), f"redirected off-site to {location!r}"


def test_login_follows_a_local_next(client):
    """?next=/users/ann after login goes to that page."""
    sign_up(client)
    client.post("/logout")
    response = client.post("/login", query_string={"next": "/users/ann"},
                           data={"username": "ann", "password": PASSWORD})
    assert response.headers["Location"] == "/users/ann"


def test_upload_like_and_see_it(client):
    """Upload through the form, see the photo page, like it, and see the count in the feed."""
    sign_up(client)
    photo_id = upload_page(client, caption="from the form")
    page = client.get(f"/photos/{photo_id}").get_data(as_text=True)
    assert "from the form" in page
    liked = client.post(f"/photos/{photo_id}/like", data={"action": "like", "next": "/"})
    assert liked.status_code == 302 and liked.headers["Location"] == "/"
    feed = client.get("/").get_data(as_text=True)
    assert "1 like" in feed and "from the form" in feed
    client.post(f"/photos/{photo_id}/like", data={"action": "unlike", "next": "/"})
    assert "0 likes" in client.get("/").get_data(as_text=True)


def test_the_like_form_refuses_an_outside_next(client):
    """The like form's `next` cannot send the browser to another site."""
    sign_up(client)
    photo_id = upload_page(client)
    response = client.post(f"/photos/{photo_id}/like",
                           data={"action": "like", "next": "//evil.example"})
    assert is_local(response.headers["Location"]), response.headers["Location"]


def test_upload_form_shows_image_errors(client):
    """A bad file on the upload form shows the form again with 415."""
    sign_up(client)
    response = client.post(
        "/upload",
        data={"caption": "", "file": (io.BytesIO(b"GIF89a not really"), "x.gif", "image/gif")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 415
    assert "<form" in response.get_data(as_text=True)


def test_follow_and_profile(client):
    """Following from a profile page puts the followee's photos in the feed; unfollowing not."""
    sign_up(client, "bob")
    upload_page(client, caption="bob at the beach")
    client.post("/logout")
    sign_up(client, "ann")
    assert "bob at the beach" not in client.get("/").get_data(as_text=True)
    response = client.post("/users/bob/follow", data={"action": "follow"})
    assert response.status_code == 302 and response.headers["Location"] == "/users/bob"
    assert "bob at the beach" in client.get("/users/bob").get_data(as_text=True)
    assert "bob at the beach" in client.get("/").get_data(as_text=True)
    client.post("/users/bob/follow", data={"action": "unfollow"})
    assert "bob at the beach" not in client.get("/").get_data(as_text=True)


def test_deleting_from_the_photo_page(client):
    """The owner deletes a photo from its page and lands on their profile."""
    sign_up(client)
    photo_id = upload_page(client)
    response = client.post(f"/photos/{photo_id}/delete")
    assert response.status_code == 302 and response.headers["Location"] == "/users/ann"
    assert client.get(f"/photos/{photo_id}").status_code == 404


def test_errors_are_html_pages_outside_the_api(client):
    """An unknown photo page is an HTML 404, not JSON."""
    sign_up(client)
    response = client.get("/photos/424242")
    assert response.status_code == 404 and "text/html" in response.content_type


def test_logout_needs_a_post_and_ends_the_session(client):
    """GET /logout does nothing (405); POST /logout ends the session."""
    sign_up(client)
    assert client.get("/logout").status_code == 405
    client.post("/logout")
    assert client.get("/").status_code == 302


@pytest.mark.parametrize("path", ["/no/such/page", "/login"])
def test_pages_outside_login_know_who_is_logged_in(client, path):
    """A logged-in user on a 404 page or the login form sees their name, not "Sign up"."""
    sign_up(client, "ann")
    page = client.get(path).get_data(as_text=True)
    assert "@ann" in page and "Log out" in page
    assert "Sign up" not in page
