"""Turning a request into a verified project: request, pipeline, agents, providers, project templates, sandbox."""
