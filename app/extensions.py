"""Flask extensions, one unbound instance per line, bound in `create_app`."""

from flask_login import LoginManager
from flask_sock import Sock
from htmx_flask import Htmx

htmx = Htmx()
login_manager = LoginManager()
sock = Sock()
