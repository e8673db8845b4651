"""Response headers that make the browser refuse what the site never does."""

from flask import Flask, Response
from flask.json.provider import DefaultJSONProvider

CONTENT_SECURITY_POLICY_PARTS = [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "media-src 'self' blob:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
]  # fmt: skip
CONTENT_SECURITY_POLICY = "; ".join(CONTENT_SECURITY_POLICY_PARTS)


def content_security_policy(image_origins: tuple[str, ...] = ()) -> str:
    """The site's policy, allowing pictures from these origins too (an operator's map tiles)."""
    if not image_origins:
        return CONTENT_SECURITY_POLICY
    extra = " ".join(image_origins)
    return "; ".join(
        f"{part} {extra}" if part.startswith("img-src ") else part
        for part in CONTENT_SECURITY_POLICY_PARTS
    )


def set_security_headers(response: Response, https: bool) -> Response:
    headers = response.headers
    headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("Referrer-Policy", "same-origin")
    headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
    headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
    if https:
        headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
    return response


class BoundedJSONProvider(DefaultJSONProvider):
    """JSON as Flask reads it, except that nesting deep enough to exhaust Python's stack
    (``[[[[…]]]]`` a hundred thousand times) is malformed input — a 400 from ``get_json``,
    ``None`` from ``get_json(silent=True)`` — not a server error."""

    def loads(self, s, **kwargs):
        try:
            return super().loads(s, **kwargs)
        except RecursionError as error:
            raise ValueError("JSON nested too deeply") from error


def init_security(app: Flask) -> None:
    app.json = BoundedJSONProvider(app)
    https = bool(app.config.get("HTTPS"))
    app.after_request(lambda response: set_security_headers(response, https))
