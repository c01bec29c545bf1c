"""Domain errors: each maps to one HTTP status in the web layer."""


class PhotoAppError(Exception):
    """Base of every error a use case raises on purpose."""

    status = 400


class InvalidInput(PhotoAppError):
    """The request is missing a field or has a bad value."""

    status = 400


class InvalidImage(PhotoAppError):
    """The upload is not a JPEG, PNG or WebP we are willing to decode."""

    status = 415


class ImageTooLarge(PhotoAppError):
    """The upload is too big in bytes or in pixels (a decompression bomb)."""

    status = 413


class Unauthorized(PhotoAppError):
    """No valid login was presented."""

    status = 401


class Forbidden(PhotoAppError):
    """The user is logged in but may not touch this object."""

    status = 403


class NotFound(PhotoAppError):
    """No such user or photo."""

    status = 404


class Conflict(PhotoAppError):
    """The object exists already (a taken username)."""

    status = 409


class Unavailable(PhotoAppError):
    """A dependency (database pool, blob store) could not answer in time."""

    status = 503
