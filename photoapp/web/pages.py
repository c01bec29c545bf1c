"""HTML pages: the same use cases as the API, for people with a browser."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import Blueprint, flash, g, redirect, render_template, request, session, url_for
from werkzeug.wrappers import Response

from photoapp.errors import PhotoAppError
from photoapp.web.context import cursor_args, page_user_id, service

bp = Blueprint("pages", __name__)

Page = str | Response


def login_required(view: Callable[..., Page]) -> Callable[..., Page]:
    """Send anonymous visitors to the login page, remembering where they wanted to go."""

    @wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Page:
        user_id = page_user_id()
        user = service().find_user(user_id) if user_id is not None else None
        if user is None:  # never logged in, or the account is gone (a reset database)
            session.clear()
            return redirect(url_for("pages.login", next=request.path))
        g.user = user
        return view(*args, **kwargs)

    return wrapped


@bp.app_context_processor
def current_user() -> dict[str, Any]:
    """Make the logged-in user (or None) available to every template, error pages included."""
    if "user" not in g:
        # Pages outside login_required (404, /login) still show who is logged in.
        user_id = page_user_id()
        g.user = service().find_user(user_id) if user_id is not None else None
    return {"me": g.user}


@bp.get("/")
@login_required
def feed() -> Page:
    """Show the logged-in user's feed."""
    view = service().feed_view(g.user.id, *cursor_args())
    return render_template("feed.html", page=view.page, liked=view.liked)


@bp.route("/register", methods=["GET", "POST"])
def register() -> Page:
    """Show the sign-up form, or create the account and log in."""
    if request.method == "GET":
        return render_template("register.html")
    try:
        user = service().register(request.form["username"], request.form["password"])
    except PhotoAppError as error:
        flash(str(error), "error")
        return render_template("register.html"), error.status  # type: ignore[return-value]
    _log_in(user.id)
    return redirect(url_for("pages.feed"))


@bp.route("/login", methods=["GET", "POST"])
def login() -> Page:
    """Show the login form, or check the password and start a session."""
    if request.method == "GET":
        return render_template("login.html")
    try:
        user = service().authenticate(request.form["username"], request.form["password"])
    except PhotoAppError as error:
        flash(str(error), "error")
        return render_template("login.html"), error.status  # type: ignore[return-value]
    _log_in(user.id)
    return redirect(_safe_next(request.args.get("next")))


@bp.post("/logout")
def logout() -> Page:
    """Forget the session."""
    session.clear()
    return redirect(url_for("pages.login"))


@bp.route("/upload", methods=["GET", "POST"])
@login_required
def upload() -> Page:
    """Show the upload form, or store the photo and show it."""
    if request.method == "GET":
        return render_template("upload.html")
    file = request.files.get("file")
    try:
        photo = service().upload(g.user.id, file.read() if file else b"",
                                 request.form.get("caption", ""))
    except PhotoAppError as error:
        flash(str(error), "error")
        return render_template("upload.html"), error.status  # type: ignore[return-value]
    return redirect(url_for("pages.photo", photo_id=photo.id))


@bp.get("/photos/<int:photo_id>")
@login_required
def photo(photo_id: int) -> Page:
    """Show one photo at full size."""
    view = service().photo_view(g.user.id, photo_id)
    liked = {photo_id} if view.liked else set()
    return render_template("photo.html", photo=view.photo, liked=liked)


@bp.post("/photos/<int:photo_id>/delete")
@login_required
def delete_photo(photo_id: int) -> Page:
    """Delete one of your own photos."""
    service().delete_photo(g.user.id, photo_id)
    flash("Photo deleted.", "info")
    return redirect(url_for("pages.profile", username=g.user.username))


@bp.post("/photos/<int:photo_id>/like")
@login_required
def like(photo_id: int) -> Page:
    """Like or unlike a photo, then go back where the form was."""
    if request.form.get("action") == "unlike":
        service().unlike(g.user.id, photo_id)
    else:
        service().like(g.user.id, photo_id)
    return redirect(_safe_next(request.form.get("next")))


@bp.get("/users/<username>")
@login_required
def profile(username: str) -> Page:
    """Show a user's profile and photos."""
    view = service().profile_page(g.user.id, username, *cursor_args())
    return render_template("profile.html", profile=view.profile.profile, page=view.photos.page,
                           following=view.profile.following, liked=view.photos.liked)


@bp.post("/users/<username>/follow")
@login_required
def follow(username: str) -> Page:
    """Follow or unfollow a user, then show their profile."""
    if request.form.get("action") == "unfollow":
        service().unfollow(g.user.id, username)
    else:
        service().follow(g.user.id, username)
    return redirect(url_for("pages.profile", username=username))


def _log_in(user_id: int) -> None:
    """Start a fresh signed-cookie session for this user."""
    session.clear()
    session["uid"] = user_id
    session.permanent = True


def _safe_next(target: str | None) -> str:
    """Only follow local paths after login, never another site (open redirect)."""
    if target and target.startswith("/") and not target.startswith("//"):
        return target
    return url_for("pages.feed")
