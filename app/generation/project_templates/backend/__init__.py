"""The FastAPI back end's files, rendered from a spec; `fastapi_backend.render_backend` puts them together."""
