"""The front end's build and tool configuration: package.json, index.html, Vite, TypeScript, the entry point."""

from __future__ import annotations

import json

from .. import GeneratedFile
from ..spec import ProjectSpec
from ..verbatim import verbatim
from .typescript import fill, ts_string

# Caret ranges checked with npm install, build, lint and test on Node 20.19: jsdom 30+, Vitest 5 and jest-dom 7 need
# Node 22.
DEPENDENCIES = {"react": "^19.2.0", "react-dom": "^19.2.0"}
DEV_DEPENDENCIES = {
    "@eslint/js": "^10.0.0",
    "@tailwindcss/vite": "^4.1.0",
    "@testing-library/dom": "^10.4.0",
    "@testing-library/react": "^16.3.0",
    "@types/react": "^19.2.0",
    "@types/react-dom": "^19.2.0",
    "@vitejs/plugin-react": "^6.0.0",
    "eslint": "^10.0.0",
    "eslint-plugin-react-hooks": "^7.1.0",
    "globals": "^17.0.0",
    "jsdom": "^29.0.0",
    "tailwindcss": "^4.1.0",
    "typescript": "^5.9.0",
    "typescript-eslint": "^8.56.0",
    "vite": "^8.0.0",
    "vitest": "^4.1.0",
}
NODE_ENGINES = "^20.19.0 || ^22.13.0 || >=24"  # ESLint 10's (Vite 8 takes ^20.19.0 || >=22.12.0)


def api_prefix(api_base: str) -> str:
    """"/api/" and "/api" both mean "/api"; "" and "/" mean the API sits at the site's root."""
    return api_base.rstrip("/")


def proxied_paths(spec: ProjectSpec, api_base: str) -> list[str]:
    """The same-origin paths a dev server or nginx hands to the back end; none for an absolute URL."""
    base = api_prefix(api_base)
    if base.startswith("/"):
        return [base]
    if base:
        return []
    return [f"/{entity.plural_kebab}" for entity in spec.entities] + (["/auth"] if spec.has("auth") else [])


def package_json(spec: ProjectSpec) -> GeneratedFile:
    package = {
        "name": spec.slug,
        "private": True,
        "version": "0.1.0",
        "type": "module",
        "engines": {"node": NODE_ENGINES},
        "scripts": {"dev": "vite", "build": "tsc --noEmit && vite build", "preview": "vite preview",
                    "test": "vitest run", "lint": "eslint . --max-warnings=0", "typecheck": "tsc --noEmit"},
        "dependencies": DEPENDENCIES,
        "devDependencies": DEV_DEPENDENCIES,
    }
    return GeneratedFile("package.json", json.dumps(package, indent=2) + "\n",
                         "npm manifest: React, Vite, Tailwind CSS, Vitest and ESLint versions, and the "
                         "dev/build/test/lint scripts")


def index_html(spec: ProjectSpec) -> GeneratedFile:
    description = " ".join(spec.description.split()) or f"{spec.title}, built with React"
    content = fill("""
        <!doctype html>
        <html lang="en">
          <head>
            <meta charset="UTF-8" />
            <meta name="viewport" content="width=device-width, initial-scale=1.0" />
            <meta name="description" content="[[description]]" />
            <title>[[title]]</title>
          </head>
          <body>
            <div id="root"></div>
            <script type="module" src="/src/main.tsx"></script>
          </body>
        </html>
        """, description=_html(description[:300]), title=_html(spec.title))
    return GeneratedFile("index.html", content, "The page Vite serves and builds; loads src/main.tsx",
                         ("src/main.tsx",))


def _html(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


def vite_config(spec: ProjectSpec, api_base: str | None) -> GeneratedFile:
    paths = proxied_paths(spec, api_base) if api_base is not None else []
    server = ""
    if paths:
        routes = "".join(f'      {ts_string(path)}: "http://localhost:8000",\n' for path in paths)
        server = ("  // `npm run dev` hands API calls to the back end (uvicorn on port 8000). The folder above holds\n"
                  "  // api-contract.json, read by src/api/contract.test.ts (Vite's deny list still keeps .env out).\n"
                  f"  server: {{\n    proxy: {{\n{routes}    }},\n"
                  '    fs: { allow: [".."] },\n  },\n')
    content = fill("""
        import tailwindcss from "@tailwindcss/vite";
        import react from "@vitejs/plugin-react";
        import { defineConfig } from "vitest/config";

        export default defineConfig({
          plugins: [react(), tailwindcss()],
        [[server]]  test: {
            environment: "jsdom",
            setupFiles: ["./src/test/setup.ts"],
            // Tests choose their data source themselves, whatever the shell has set.
            env: { VITE_API_URL: "" },
          },
        });
        """, server=server)
    return GeneratedFile("vite.config.ts", content, "Vite config: React and Tailwind plugins"
                         + (", dev proxy to the API" if paths else "") + ", Vitest on jsdom", ("src/test/setup.ts",))


TSCONFIG = verbatim("frontend", "tsconfig.json", "TypeScript compiler options (strict) for `tsc --noEmit`")

VITE_ENV = verbatim("frontend", "src/vite-env.d.ts", "Types for Vite's import.meta.env, with VITE_API_URL")

INDEX_CSS = verbatim("frontend", "src/index.css", "Tailwind CSS 4 entry point")

MAIN_TSX = verbatim("frontend", "src/main.tsx", "Mounts <App> into index.html's #root",
                    ("src/App.tsx", "src/index.css"))

ESLINT_CONFIG = verbatim("frontend", "eslint.config.js", "ESLint flat config: recommended JavaScript, "
                         "typescript-eslint and React Hooks rules for `npm run lint`")

GITIGNORE = verbatim("frontend", ".gitignore", "Keeps dependencies, build output and local env files out of git")
