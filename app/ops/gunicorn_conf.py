"""How gunicorn serves the app, for `codegen up` and the container alike:
`gunicorn -c python:app.ops.gunicorn_conf --bind HOST:PORT app.web.wsgi:app` (options on the command line win)."""

from app.ops.http_limits import GUNICORN_HEADER_BYTES, GUNICORN_HEADERS, GUNICORN_REQUEST_LINE

# gunicorn's worker classes, answering what gunicorn refuses itself (a longer line) in the service's error shape.
WORKER_CLASSES = {"gevent": "app.ops.gunicorn_workers.GeventWorker",
                  "gthread": "app.ops.gunicorn_workers.ThreadWorker"}

# gevent holds a WebSocket cheaply: 10,000 connections per process instead of 1,000 (docs/benchmarks.md).
worker_class = WORKER_CLASSES["gevent"]
worker_connections = 10_000
# Room to spare above what the app accepts, so the app answers oversized requests itself (http_limits.py).
limit_request_line = GUNICORN_REQUEST_LINE
limit_request_field_size = GUNICORN_HEADER_BYTES
limit_request_fields = GUNICORN_HEADERS
control_socket_disable = True


def thread_options(threads: int) -> list[str]:
    """Command-line options for the gthread worker class instead: a WebSocket holds its thread until it closes,
    so the pool is sized for sockets plus HTTP (docs/benchmarks.md)."""
    return ["--worker-class", WORKER_CLASSES["gthread"], "--threads", str(threads), "--worker-connections",
            str(threads)]
