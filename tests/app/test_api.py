"""The JSON API contract (routes, shapes, statuses) on memory backends."""

from __future__ import annotations

import os

import pytest

from tests.helpers.images import draw, encode, make_jpeg, make_png


def test_register_returns_a_token_and_the_user(api):
    """POST /api/register answers 201 with {token, user}, and never the password hash."""
    response = api.register("ann")
    body = response.get_json()
    assert response.status_code == 201
    assert set(body) == {"token", "user"} and body["token"]
    assert body["user"]["username"] == "ann"
    assert "password" not in response.get_data(as_text=True)


def test_login_returns_a_token_that_works(api, ann):
    """POST /api/login answers {token, user}; the token authenticates later calls."""
    response = api.login("ann")
    assert response.status_code == 200
    token = response.get_json()["token"]
    feed = api.client.get("/api/feed", headers={"Authorization": f"Bearer {token}"})
    assert feed.status_code == 200


@pytest.mark.parametrize(
    "body",
    [None, [], {"username": "ann"}, {"password": "x" * 10}, {"username": 1, "password": 2}],
    ids=["no-body", "list", "no-password", "no-username", "not-strings"],
)
def test_register_refuses_bad_bodies_with_400(api, body):
    """A missing or malformed JSON body is a 400 with a JSON error."""
    response = api.client.post("/api/register", json=body)
    assert response.status_code == 400
    assert response.get_json()["status"] == 400 and response.get_json()["error"]


def test_a_taken_username_is_409(api, ann):
    """Registering a taken username answers 409."""
    assert api.register("ann").status_code == 409


def test_a_wrong_password_is_401(api, ann):
    """Logging in with a wrong password answers 401."""
    assert api.login("ann", "not the password").status_code == 401


@pytest.mark.parametrize(
    "headers",
    [{}, {"Authorization": "Bearer nonsense"}, {"Authorization": "Basic YW5uOnB3"}],
    ids=["none", "forged", "basic"],
)
@pytest.mark.parametrize(
    ("method", "path"),
    [("GET", "/api/feed"), ("POST", "/api/photos"), ("GET", "/api/photos/1"),
     ("GET", "/api/users/ann"), ("POST", "/api/users/ann/follow"), ("POST", "/api/photos/1/like")],
)
def test_calls_without_a_valid_token_are_401(api, method, path, headers):
    """Every API call but register and login needs a valid bearer token."""
    response = api.client.open(path, method=method, headers=headers)
    assert response.status_code == 401
    assert response.get_json()["error"]


def test_a_token_signed_with_another_secret_is_401(make_app, ann, api):
    """A token from an app with another secret key is refused."""
    other = make_app(secret_key="another-secret").test_client()
    assert other.get("/api/feed", headers=ann.headers).status_code == 401


def test_upload_returns_the_photo(api, ann):
    """POST /api/photos answers 201 with the photo: id, caption, type, size and URLs."""
    response = api.upload(ann, make_jpeg((40, 30)), caption="hi")
    photo = response.get_json()
    assert response.status_code == 201
    assert (photo["caption"], photo["content_type"], photo["width"], photo["height"]) == (
        "hi", "image/jpeg", 40, 30
    )
    assert photo["image_url"] == f"/api/photos/{photo['id']}/image"
    assert photo["thumbnail_url"] == f"/api/photos/{photo['id']}/thumbnail"
    assert (photo["like_count"], photo["liked"], photo["username"]) == (0, False, "ann")


def test_upload_without_a_file_is_400(api, ann):
    """An upload with no `file` field is a 400."""
    response = api.client.post("/api/photos", data={"caption": "x"}, headers=ann.headers)
    assert response.status_code == 400


def test_an_oversized_body_is_413_json(api, ann):
    """A body over the upload limit is refused with a JSON 413."""
    response = api.upload(ann, os.urandom(11 * 1024 * 1024))
    assert response.status_code == 413
    assert response.get_json()["status"] == 413


def test_a_bad_image_is_415_json(api, ann):
    """A file that is not an image is refused with a JSON 415."""
    response = api.upload(ann, b"<html>not an image</html>")
    assert response.status_code == 415
    assert response.get_json()["status"] == 415


@pytest.mark.filterwarnings("ignore::UserWarning")  # Pillow warns about the broken EXIF
def test_a_broken_exif_block_is_never_a_500(api, ann):
    """A photo whose EXIF cannot be parsed is stored (or refused with 415), never a crash."""
    broken = b"Exif\x00\x00MX\x00*\x00\x00\x00\x08"  # "MX" is no TIFF byte order
    response = api.upload(ann, encode(draw(), "WEBP", exif=broken), filename="x.webp")
    assert response.status_code in (201, 415), response.get_data(as_text=True)[:300]


def test_image_and_thumbnail_are_served_with_their_type(api, ann):
    """The image and thumbnail routes send bytes with the photo's content type and nosniff."""
    photo_id = api.photo_id(ann, make_png())
    for suffix in ("image", "thumbnail"):
        response = api.get(ann, f"/api/photos/{photo_id}/{suffix}")
        assert response.status_code == 200 and response.content_type == "image/png"
        assert response.data.startswith(b"\x89PNG")
        assert response.headers["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize("suffix", ["", "/image", "/thumbnail", "/like"])
def test_unknown_photos_are_404(api, ann, suffix):
    """Unknown photo ids answer 404 on every photo route."""
    method = "POST" if suffix == "/like" else "GET"
    response = api.client.open(f"/api/photos/424242{suffix}", method=method, headers=ann.headers)
    assert response.status_code == 404
    assert response.get_json()["status"] == 404


def test_deleting_another_users_photo_is_403(api, ann, bob):
    """Only the owner may delete a photo; the photo is still there after a refused delete."""
    photo_id = api.photo_id(ann, make_jpeg())
    assert api.delete(bob, f"/api/photos/{photo_id}").status_code == 403
    assert api.get(ann, f"/api/photos/{photo_id}").status_code == 200
    assert api.delete(ann, f"/api/photos/{photo_id}").get_json() == {"deleted": photo_id}
    assert api.get(ann, f"/api/photos/{photo_id}").status_code == 404


def test_feed_shape_and_cursor(api, ann, bob):
    """GET /api/feed answers {photos, next}; following `next` reaches every photo once."""
    api.follow(ann, "bob")
    posted = [api.photo_id(author, make_jpeg()) for author in (ann, bob, ann, bob, ann)]
    body = api.feed(ann, limit=2)
    assert set(body) == {"photos", "next", "next_str"}
    assert api.whole_feed(ann, limit=2) == [
        sorted(posted, reverse=True)[0:2], sorted(posted, reverse=True)[2:4],
        sorted(posted, reverse=True)[4:5],
    ]
    assert api.feed(ann, before=min(posted))["photos"] == []


@pytest.mark.parametrize("query", ["before=abc", "limit=ten", "limit=0", "limit=-3"])
def test_bad_paging_arguments_are_400(api, ann, query):
    """before and limit must be whole numbers, limit at least 1."""
    response = api.client.get(f"/api/feed?{query}", headers=ann.headers)
    assert response.status_code == 400


def test_a_huge_limit_is_clamped(api, ann):
    """limit above the maximum returns at most 50 photos, not an error."""
    for _ in range(3):
        api.photo_id(ann, make_jpeg((8, 8)))
    assert len(api.feed(ann, limit=10_000)["photos"]) == 3


def test_profile_follow_and_unfollow(api, ann, bob):
    """Follow and unfollow change the profile's counts and the `following` flag."""
    assert api.follow(ann, "bob").get_json() == {"following": True}
    profile = api.profile(ann, "bob")
    assert (profile["follower_count"], profile["following"]) == (1, True)
    assert profile["user"]["username"] == "bob"
    assert api.delete(ann, "/api/users/bob/follow").get_json() == {"following": False}
    assert api.profile(ann, "bob")["follower_count"] == 0


def test_following_yourself_is_400_and_unknown_users_404(api, ann):
    """You cannot follow yourself; unknown users are 404."""
    assert api.follow(ann, "ann").status_code == 400
    assert api.follow(ann, "nobody").status_code == 404
    assert api.get(ann, "/api/users/nobody").status_code == 404


def test_like_and_unlike(api, ann, bob):
    """Liking returns the photo liked with its count; unliking takes it back."""
    photo_id = api.photo_id(ann, make_jpeg())
    liked = api.like(bob, photo_id).get_json()
    assert (liked["like_count"], liked["liked"]) == (1, True)
    assert api.get(bob, f"/api/photos/{photo_id}").get_json()["liked"] is True
    assert api.get(ann, f"/api/photos/{photo_id}").get_json()["liked"] is False
    unliked = api.delete(bob, f"/api/photos/{photo_id}/like").get_json()
    assert (unliked["like_count"], unliked["liked"]) == (0, False)


def test_user_photos_route(api, ann, bob):
    """GET /api/users/<name>/photos pages through one user's photos."""
    mine = [api.photo_id(ann, make_jpeg()) for _ in range(3)]
    api.photo_id(bob, make_jpeg())
    body = api.get(bob, "/api/users/ann/photos", limit=2).get_json()
    assert [p["id"] for p in body["photos"]] == sorted(mine, reverse=True)[:2]
    assert body["next"] == sorted(mine, reverse=True)[1]


def test_unknown_routes_and_methods_are_json_errors(api, ann):
    """Unknown API routes are a JSON 404, wrong methods a JSON 405."""
    missing = api.get(ann, "/api/nothing-here")
    assert missing.status_code == 404 and missing.get_json()["status"] == 404
    wrong = api.client.put("/api/feed", headers=ann.headers)
    assert wrong.status_code == 405 and wrong.get_json()["status"] == 405


def test_healthz(client):
    """GET /healthz answers 200 without logging in."""
    response = client.get("/healthz")
    assert response.status_code == 200
