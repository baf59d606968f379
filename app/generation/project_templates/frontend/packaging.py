"""The front end's packaging: nginx.conf and the Docker image that serves the build, and a CI workflow."""

from __future__ import annotations

import textwrap

from .. import GeneratedFile
from ..spec import ProjectSpec
from ..verbatim import verbatim
from .build import proxied_paths
from .typescript import fill


def nginx_conf(spec: ProjectSpec, api_base: str | None) -> GeneratedFile:
    paths = proxied_paths(spec, api_base) if api_base is not None else []
    proxies = "".join("\n" + fill("""

        location [[path]]/ {
            proxy_pass http://backend:8000;
            proxy_set_header Host $host;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
            proxy_set_header X-Forwarded-Proto $scheme;
        }
        """, path=path) for path in paths)
    content = fill("""
        server {
            listen 80;
            server_name _;
            root /usr/share/nginx/html;
            index index.html;
        [[proxies]]
            # Vite puts a content hash in every asset's name, so they can be cached for good.
            location /assets/ {
                expires 1y;
                add_header Cache-Control "public, immutable";
            }

            location / {
                try_files $uri $uri/ /index.html;
            }
        }
        """, proxies=textwrap.indent(proxies, " " * 4))
    return GeneratedFile("nginx.conf", content, "nginx site: serves the built app"
                         + (", proxies the API to the backend service" if paths else ""))


DOCKERFILE = verbatim("frontend", "Dockerfile", "Multi-stage image: npm build, then nginx serving dist/ on port 80",
                      ("package.json", "nginx.conf"))

DOCKERIGNORE = verbatim("frontend", ".dockerignore", "Keeps dependencies, build output and git history out of the "
                        "image's build context")


def ci_workflow(working_directory: str = ".") -> GeneratedFile:
    """A GitHub Actions job that installs, lints, type-checks, tests and builds the front end in `working_directory`."""
    defaults = "" if working_directory == "." else (
        f"    defaults:\n      run:\n        working-directory: {working_directory}\n")
    content = fill("""
        name: CI

        on:
          push:
          pull_request:

        jobs:
          frontend:
            runs-on: ubuntu-latest
        [[defaults]]    steps:
              - uses: actions/checkout@v4
              - uses: actions/setup-node@v4
                with:
                  node-version: 22
              - run: npm install --no-audit --no-fund
              - run: npm run lint
              - run: npm run typecheck
              - run: npm test
              - run: npm run build
        """, defaults=defaults)
    return GeneratedFile(".github/workflows/ci.yml", content, "GitHub Actions: npm install, lint, type check, test, "
                         "build")
