"""Flask extensions, one unbound instance per line, bound in `create_app`."""

from flask_htmx import HTMX
from flask_login import LoginManager
from flask_sock import Sock

htmx = HTMX()
login_manager = LoginManager()
sock = Sock()
