"""How long a request line and how large the headers may be: what the app accepts, and what gunicorn is told.

gunicorn reads the request line and the headers before the app sees them. So gunicorn gets room to spare
(app/ops/gunicorn_conf.py) and the app, checking the smaller limits first on every request
(app/web/request_limits.py), answers 414 and 431 in the service's own error shape; what gunicorn still refuses
itself, its workers answer in that shape too (app/ops/gunicorn_workers.py).
"""

from __future__ import annotations

# What the app accepts (gunicorn's own defaults, which clients and proxies already keep to).
MAX_TARGET_BYTES = 4094  # path and query string, as sent
MAX_HEADER_BYTES = 8190  # one header line: name, ": " and value
MAX_HEADERS = 100

# What gunicorn is told: its most for the request line (it allows no more but "unlimited"), twice as much for headers.
GUNICORN_REQUEST_LINE = 8190
GUNICORN_HEADER_BYTES = 2 * MAX_HEADER_BYTES
GUNICORN_HEADERS = 2 * MAX_HEADERS
