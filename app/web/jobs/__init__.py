"""The browser's job pages: template gallery, submission form, job list, live job page, files, zip, share."""

from flask import Blueprint

bp = Blueprint("jobs", __name__)

from app.web.jobs import files, improve, live, log, routes, shared, submit  # noqa: E402, F401 - routes register themselves on bp
