"""The verbs of the domain, shared by routes, the JSON API, the CLI and the workers."""
