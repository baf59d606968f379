"""Flask extensions, one unbound instance per line, bound in `create_app`."""

from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_sock import Sock
from flask_wtf import CSRFProtect
from htmx_flask import Htmx

csrf = CSRFProtect()
htmx = Htmx()
# Redis away: count in memory (never a refusal or a wait for the storage); see app/web/rate_limits.py.
limiter = Limiter(key_func=get_remote_address, default_limits=[], headers_enabled=True,
                  in_memory_fallback_enabled=True, swallow_errors=True)
login_manager = LoginManager()
sock = Sock()
