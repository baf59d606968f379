"""The React front end's files, rendered from a spec; `react_app.render_frontend` puts them together."""
