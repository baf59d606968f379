"""The front end's README.md: how to run and test it, where its data lives, its entities and layout."""

from __future__ import annotations

from .. import GeneratedFile
from ..spec import ProjectSpec
from .typescript import INPUT_TYPES, fill

_INPUT_NAMES = {"text": "textarea", "bool": "checkbox", "ref": "select"}
_README_ROUTES = (
    ("GET", "?limit=&offset=", "list (JSON array)"),
    ("POST", "", "create; answers 201 and the {} with its `id`"),
    ("GET", "/{id}", "one {}"),
    ("PUT", "/{id}", "replace (all fields)"),
    ("DELETE", "/{id}", "delete; answers 204"),
)


def readme(spec: ProjectSpec) -> GeneratedFile:
    auth = spec.has("auth")
    routes = [(method, f"/{e.plural_kebab}{suffix}", what.format(e.label.lower()))
              for e in spec.entities for method, suffix, what in _README_ROUTES]
    if auth:
        routes[:0] = [("POST", "/auth/register", 'create an account from `{"email", "password"}`'),
                      ("POST", "/auth/token", 'answers `{"access_token", "token_type"}`')]
    entities = "\n\n".join(
        f"### {e.plural_label} (`#/{e.plural_kebab}`)\n\n| field | JSON key | type | required | input |\n"
        "| --- | --- | --- | --- | --- |\n" + "\n".join(
            f"| {f.label} | `{f.snake}` | {f.type} | {'yes' if f.required else 'no'} | "
            f"{_INPUT_NAMES.get(f.kind) or INPUT_TYPES[f.kind]} |" for f in e.fields)
        for e in spec.entities)
    sections = [
        f"# {spec.title}",
        spec.description.strip(),
        "A React single-page app in TypeScript, styled with Tailwind CSS, built by Vite and tested with Vitest and "
        "Testing Library. Each entity has a page with a table, a form to create and edit, and delete buttons.",
        fill(_README_RUN),
        fill(_README_DATA, routes="\n".join(f"| {m} | `{path}` | {what} |" for m, path, what in routes),
             auth_note="\nWith an API, every request carries `Authorization: Bearer <token>`." if auth else ""),
    ]
    if auth:
        sections.append(fill(_README_AUTH))
    sections.append("## Entities\n\n" + entities)
    if spec.has("docker"):
        sections.append(fill(_README_DOCKER, slug=spec.slug))
    sections.append(fill(_README_LAYOUT, example=f"#/{spec.entities[0].plural_kebab}",
                         auth="src/pages/LoginPage.tsx   sign-in and registration\n" if auth else ""))
    content = "\n\n".join(section.strip() for section in sections if section.strip()) + "\n"
    return GeneratedFile("README.md", content, "What the app is, how to run and test it, its data source and entities")


_README_RUN = """
    ## Run it

    Node.js 20.19+, 22.13+ or 24+:

    ```bash
    npm install
    npm run dev         # http://localhost:5173
    npm test            # Vitest, once
    npm run lint        # ESLint (eslint.config.js); a warning fails it too
    npm run typecheck   # tsc, no output
    npm run build       # type check, then the production build in dist/
    npm run preview     # serve dist/
    ```

    CI runs lint, type check, tests and build; so does Codegen Studio before it calls the project verified. A
    verified project carries `package-lock.json` with the exact versions its checks passed with: `npm ci` installs
    exactly those.
    """

_README_DATA = """
    ## Data

    Out of the box the app needs no server: records are kept in this browser's localStorage. To use a REST API
    instead, set `VITE_API_URL` when running or building, for example in `.env.local`:

    ```
    VITE_API_URL=http://localhost:8000/api
    ```

    The API must offer, under that URL:

    | method | path | what it does |
    | --- | --- | --- |
    [[routes]]

    JSON keys are the snake_case field names; dates are `YYYY-MM-DD` and date-times ISO 8601
    (`2024-05-17T09:30:00`); an empty optional field is `null`.[[auth_note]]
    """

_README_AUTH = """
    ## Accounts

    The app opens on a sign-in page and keeps the access token in localStorage. With an API, signing in posts
    `{"email", "password"}` to `/auth/token` and creating an account posts the same body to `/auth/register`.
    **Without an API (localStorage mode) there is no server to check a password: any well-formed email and
    password open a local session.** That lets you try the app; it protects nothing.
    """

_README_DOCKER = """
    ## Docker

    ```bash
    docker build -t [[slug]] --build-arg VITE_API_URL=http://localhost:8000/api .
    docker run --rm -p 8080:80 [[slug]]
    ```

    The image builds the app with Node and serves `dist/` with nginx on port 80 (here http://localhost:8080).
    Leave out the build argument to keep the data in the browser.
    """

_README_LAYOUT = """
    ## Layout

    ```
    src/main.tsx              mounts <App>
    src/App.tsx               header, navigation (hash routes such as [[example]])
    src/router.ts             the hash router hook
    src/api/                  typed client: one module per entity; http.ts (fetch), local.ts (localStorage)
    src/forms.ts              field types, validation, form <-> API conversions
    src/components/           ResourcePage (table + form), FieldInput (one labelled control)
    src/pages/                one page per entity, each with its Vitest test
    [[auth]]src/test/                 test setup, helpers, a fake API behind a stubbed fetch
    ```
    """
