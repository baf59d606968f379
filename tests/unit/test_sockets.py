"""The Origin rule of every WebSocket handshake: the session cookie needs this site's Origin; a token does not."""

import pytest

from app.web.sockets import origin_allowed

HOST = "studio.example:5000"


@pytest.mark.parametrize(("origin", "by_cookie", "allowed"), [
    ("http://studio.example:5000", True, True),
    ("https://STUDIO.example:5000", True, True),
    ("http://evil.example", True, False),
    ("http://studio.example", True, False),  # another port is another origin
    ("null", True, False),
    (None, True, False),  # every browser sends Origin; a client without one signs in with a token
    ("", True, False),
    (None, False, True),
    ("http://evil.example", False, True),  # another site's page does not hold the token
])
def test_origin_rule(origin, by_cookie, allowed):
    assert origin_allowed(origin, HOST, signed_in_by_cookie=by_cookie) is allowed
