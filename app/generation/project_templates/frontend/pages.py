"""The front end's UI: the App shell, one page per entity, and the shared form and page components they use."""

from __future__ import annotations

import json
import textwrap

from .. import GeneratedFile
from ..spec import EntitySpec, ProjectSpec
from ..verbatim import verbatim
from .typescript import TS_TYPES, fill, ts_import, ts_names, ts_string

ROUTER_TS = verbatim("frontend", "src/router.ts", "Hash-based routing hook (no router library)")

FORMS_TS = verbatim("frontend", "src/forms.ts", "Field kinds, client-side validation, cell display and form/API value "
                    "conversions")

FIELD_INPUT_TSX = verbatim("frontend", "src/components/FieldInput.tsx", "Labelled input/textarea/checkbox for a field, "
                           "by type, with required mark and error message", ("src/forms.ts",))

RESOURCE_PAGE_TSX = verbatim("frontend", "src/components/ResourcePage.tsx", "Generic list/create/edit/delete page with "
                             "paging and a total, related records by name, validation and status messages",
                             ("src/api/http.ts", "src/forms.ts", "src/components/FieldInput.tsx"))


def app_tsx(spec: ProjectSpec) -> GeneratedFile:
    auth = spec.has("auth")
    names = [(entity, ts_names(entity)) for entity in spec.entities]
    page_imports = "".join(f'import {{ {n.page} }} from "./pages/{n.page}";\n' for _, n in names)
    routes = "".join(f"  {{ path: {ts_string(e.plural_kebab)}, label: {ts_string(e.plural_label)}, Page: {n.page} }},\n"
                     for e, n in names)
    content = fill("""
        /** The application shell: header and navigation between the entity pages[[gate_doc]]. */
        import { type ComponentType[[react_extra]] } from "react";
        [[auth_imports]][[page_imports]]import { useHashPath } from "./router";

        interface Route {
          path: string; // after "#/"
          label: string;
          Page: ComponentType;
        }

        const ROUTES: Route[] = [
        [[routes]]];

        const CURRENT = "bg-indigo-50 text-indigo-700";
        const LINK = "rounded-md px-3 py-2 text-sm font-medium focus:outline-none focus:ring-2 focus:ring-indigo-500";

        export default function App() {
          const path = useHashPath();
        [[token]]  const route = ROUTES.find((candidate) => candidate.path === path) ?? ROUTES[0];
          return (
            <div className="min-h-screen bg-slate-50 text-slate-900">
              <header className="border-b border-slate-200 bg-white">
                <div className="mx-auto flex max-w-6xl flex-wrap items-center gap-x-6 gap-y-2 px-4 py-3">
                  <a href="#/" className="text-lg font-semibold text-indigo-700">
                    [[title]]
                  </a>
        [[nav]][[sign_out]]        </div>
              </header>
              <main className="mx-auto max-w-6xl px-4 py-8">[[main]]</main>
            </div>
          );
        }
        """,
        gate_doc=", behind the sign-in page" if auth else "",
        react_extra=", useSyncExternalStore" if auth else "",
        auth_imports='import { logout } from "./api/auth";\nimport { authToken, onTokenChange } from "./api/session";\n'
        'import { LoginPage } from "./pages/LoginPage";\n' if auth else "",
        page_imports=page_imports, routes=routes, title=spec.title,
        nav=textwrap.indent("{token && (\n" + textwrap.indent(_NAV, "  ") + ")}\n" if auth else _NAV, " " * 10),
        token="  const token = useSyncExternalStore(onTokenChange, authToken);\n" if auth else "",
        sign_out=textwrap.indent(_SIGN_OUT, " " * 10) if auth else "",
        main="{token ? <route.Page key={route.path} /> : <LoginPage />}" if auth else "<route.Page key={route.path} />")
    depends = [n.page_path for _, n in names] + ["src/router.ts"]
    if auth:
        depends += ["src/api/auth.ts", "src/api/session.ts", "src/pages/LoginPage.tsx"]
    return GeneratedFile("src/App.tsx", content, "App shell: header, hash-routed navigation between entity pages"
                         + (", sign-in gate and sign-out" if auth else ""), tuple(depends))


_NAV = fill("""
    <nav aria-label="Main" className="flex-1">
      <ul className="flex flex-wrap gap-1">
        {ROUTES.map((item) => (
          <li key={item.path}>
            <a
              href={`#/${item.path}`}
              aria-current={item === route ? "page" : undefined}
              className={`${LINK} ${item === route ? CURRENT : "text-slate-600 hover:bg-slate-100"}`}
            >
              {item.label}
            </a>
          </li>
        ))}
      </ul>
    </nav>
    """)

_SIGN_OUT = fill("""
    {token && (
      <button type="button" onClick={logout} className={`${LINK} border border-slate-300 text-slate-700`}>
        Sign out
      </button>
    )}
    """)


def _choices(target: EntitySpec) -> str:
    """A function listing the records a relation to `target` may point to, each named by its first text field."""
    n = ts_names(target)
    text = next((f for f in target.fields if f.type in ("str", "text")), None)
    label = f"row.{text.snake}" if text and text.required else (
        f"row.{text.snake} ?? `{target.label} ${{row.id}}`" if text else f"`{target.label} ${{row.id}}`")
    return f"() => {n.list}(100, 0).then((rows) => rows.map((row) => ({{ value: row.id, label: {label} }})))"


def entity_page(entity: EntitySpec, spec: ProjectSpec) -> GeneratedFile:
    n = ts_names(entity)
    targets = {e.snake: e for e in spec.entities}
    to_input, to_values, helpers = [], [], set()
    for f in entity.fields:
        _, required, optional, back = TS_TYPES[f.kind]
        convert = required if f.required else optional
        to_input.append(f"    {f.snake}: {convert}(values.{f.snake}),\n")
        to_values.append(f"    {f.snake}: {back}(row.{f.snake}),\n" if back
                         else f"    {f.snake}: row.{f.snake} === true,\n")
        helpers |= {convert} | ({back} if back else set())
    configs = "".join(f"  {{ name: {ts_string(f.snake)}, label: {ts_string(f.label)}, kind: {ts_string(f.kind)}, "
                      f"required: {json.dumps(f.required)}"
                      + (f", choices: {_choices(targets[f.target])}" if f.target else "") + " },\n"
                      for f in entity.fields)
    own = [n.list] if any(entity.refers_to_itself(f) for f in entity.fields) else []  # its own records as choices
    api_import = ts_import([n.create, n.delete, *own, n.paged, f"type {n.type}", f"type {n.input}", n.update],
                           f"../api/{n.module}")
    linked = sorted({targets[f.target].snake: targets[f.target] for f in entity.fields if f.target}.values(),
                    key=lambda target: ts_names(target).module)
    api_import += "".join("\n" + ts_import([ts_names(t).list], f"../api/{ts_names(t).module}")
                          for t in linked if t != entity)
    form_import = ts_import(["type FieldConfig", "type FormValues", *sorted(helpers)], "../forms")
    content = fill("""
        /** The [[plural]] page: the shared resource page, configured with [[label]]'s fields. */
        [[api_import]]
        import { ResourcePage } from "../components/ResourcePage";
        [[form_import]]

        const FIELDS: FieldConfig[] = [
        [[configs]]];

        const API = { page: [[paged]], create: [[create]], update: [[update]], remove: [[delete]] };

        function toInput(values: FormValues): [[input]] {
          return {
        [[to_input]]  };
        }

        function toValues(row: [[type]]): FormValues {
          return {
        [[to_values]]  };
        }

        export function [[page]]() {
          return (
            <ResourcePage
              singular=[[label_literal]]
              plural=[[plural_literal]]
              fields={FIELDS}
              api={API}
              toInput={toInput}
              toValues={toValues}
            />
          );
        }
        """, plural=entity.plural_label, label=entity.label, create=n.create, delete=n.delete, paged=n.paged,
        type=n.type, input=n.input, update=n.update, api_import=api_import, form_import=form_import, configs=configs,
        to_input="".join(to_input), to_values="".join(to_values), page=n.page,
        label_literal=ts_string(entity.label), plural_literal=ts_string(entity.plural_label))
    return GeneratedFile(n.page_path, content, f"{entity.plural_label} page: table, create/edit form and delete",
                         (n.api_path, *(ts_names(t).api_path for t in linked if t != entity),
                          "src/components/ResourcePage.tsx", "src/forms.ts"))
