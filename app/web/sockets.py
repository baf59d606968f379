"""The one Origin rule of every WebSocket handshake (`/ws` and `/ws/jobs/<id>`).

A browser sends Origin with every WebSocket handshake, and it attaches our session cookie even when another
site's page opens the socket (cross-site WebSocket hijacking). So what the Origin must be depends on what
signs the socket in:

- the session cookie: the Origin must be this site. A missing Origin is refused as well: no browser omits
  it, and a client that is not a browser has no reason to carry the cookie; it signs in with a token.
- a token the client itself presents (an API key or JWT in `/ws`'s `auth` message, a share link's token):
  any Origin, or none. A page of another site does not hold the token, and the cookie gives that socket
  nothing.
"""

from __future__ import annotations

from urllib.parse import urlsplit


def origin_allowed(origin: str | None, host: str, *, signed_in_by_cookie: bool) -> bool:
    """Whether a handshake with this Origin header may open a socket on `host` (the request's Host)."""
    if not signed_in_by_cookie:
        return True
    if not origin:
        return False
    parts = urlsplit(origin)
    return parts.scheme in ("http", "https") and parts.netloc.lower() == host.lower()
