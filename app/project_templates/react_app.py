"""The `react-app` project template: React, TypeScript, Tailwind CSS and Vitest, a page per entity."""

from __future__ import annotations

import json
import textwrap
from dataclasses import dataclass
from typing import Any

from .. import naming
from . import Check, GeneratedFile, ProjectTemplate, register
from . import react_parts as parts
from .react_parts import fill, ts_string
from .spec import EntitySpec, FieldSpec, ProjectSpec

# Names an entity's types and page cannot take: globals the generated modules use, and their own exports.
_TAKEN = frozenset({
    "Array", "Boolean", "Date", "Document", "Element", "Error", "Event", "Function", "Headers", "JSON", "Map",
    "Math", "Node", "Number", "Object", "Omit", "Partial", "Pick", "Promise", "Readonly", "Record", "Request",
    "Required", "Response", "Set", "Storage", "String", "Symbol", "URL", "Window", "React", "JSX",
    "ApiError", "Collection", "ComponentType", "Credentials", "FieldConfig", "FieldInput", "FormErrors",
    "FormEvent", "FormValues", "LoginPage", "ResourceApi", "ResourcePage", "Route",
})

# TypeScript type, form -> API conversion (required, optional) and API -> form conversion of each field type.
_TS_TYPES = {
    "str": ("string", "toText", "toOptionalText", "fromText"),
    "text": ("string", "toText", "toOptionalText", "fromText"),
    "int": ("number", "toNumber", "toOptionalNumber", "fromNumber"),
    "float": ("number", "toNumber", "toOptionalNumber", "fromNumber"),
    "bool": ("boolean", "isChecked", "isChecked", None),
    "date": ("string", "toText", "toOptionalText", "fromText"),
    "datetime": ("string", "toDateTime", "toOptionalDateTime", "fromDateTime"),
}
_TS_COMMENTS = {"date": "YYYY-MM-DD", "datetime": "ISO 8601, such as 2024-05-17T09:30:00"}


@dataclass(frozen=True)
class TsNames:
    """What one entity is called in the front end's TypeScript."""

    type: str  # Task
    input: str  # TaskInput
    page: str  # TaskPage
    module: str  # tasks: src/api/tasks.ts
    list: str  # listTasks
    get: str
    create: str
    update: str
    delete: str

    @property
    def api_path(self) -> str:
        return f"src/api/{self.module}.ts"

    @property
    def page_path(self) -> str:
        return f"src/pages/{self.page}.tsx"


def ts_names(entity: EntitySpec) -> TsNames:
    base = entity.class_name
    if {base, f"{base}Input", f"{base}Page"} & _TAKEN:
        base += "Record"
    return TsNames(type=base, input=f"{base}Input", page=f"{base}Page", module=entity.plural_camel,
                   list=f"list{naming.plural(base)}", get=f"get{base}", create=f"create{base}",
                   update=f"update{base}", delete=f"delete{base}")


def article(label: str) -> str:
    return f"{'an' if label[:1].lower() in 'aeiou' else 'a'} {label}"


def ts_import(names: list[str], module: str) -> str:
    """An import statement, one name per line when a single line would be long (as Prettier writes it)."""
    line = f'import {{ {", ".join(names)} }} from "{module}";'
    if len(line) <= 100:
        return line
    return "import {\n" + "".join(f"  {name},\n" for name in names) + f'}} from "{module}";'


def ts_type(field: FieldSpec) -> str:
    return _TS_TYPES[field.type][0] + ("" if field.required else " | null")


def render_frontend(spec: ProjectSpec, api_base: str | None = None) -> list[GeneratedFile]:
    """Every file of the front end, paths relative to its root; `api_base` None means no server (localStorage)."""
    auth = spec.has("auth")
    files = [
        parts.package_json(spec),
        parts.index_html(spec),
        parts.vite_config(spec, api_base),
        parts.TSCONFIG,
        parts.VITE_ENV,
        parts.INDEX_CSS,
        parts.MAIN_TSX,
        _app(spec),
        parts.ROUTER_TS,
        parts.http_ts(auth),
        parts.client_ts(api_base),
        parts.FORMS_TS,
        parts.FIELD_INPUT_TSX,
        parts.RESOURCE_PAGE_TSX,
    ]
    if api_base is None:
        files.append(parts.local_ts(spec))
    if auth:
        files += [parts.session_ts(spec), parts.auth_ts(api_base), parts.login_page_tsx(api_base)]
    for entity in spec.entities:
        files += [_entity_api(entity), _entity_page(entity), entity_test(entity, api_base, auth)]
    files += [_app_test(spec, api_base), http_test(spec.entities[0], auth), parts.SETUP_TS, parts.HELPERS_TS,
              parts.fake_api_ts(auth)]
    if auth:
        files.append(login_test(api_base))
    if spec.has("docker"):
        files += [parts.DOCKERFILE, parts.nginx_conf(spec, api_base), parts.DOCKERIGNORE]
    files.append(parts.GITIGNORE)
    return files


def render(spec: ProjectSpec) -> list[GeneratedFile]:
    files = [*render_frontend(spec), readme(spec)]
    if spec.has("ci"):
        files.append(parts.ci_workflow())
    return files


# --- Per entity: API module and page ----------------------------------------------------------------------------


def _entity_api(entity: EntitySpec) -> GeneratedFile:
    n = ts_names(entity)
    fields = "".join(f"  {f.snake}: {ts_type(f)};" + (f" // {_TS_COMMENTS[f.type]}" if f.type in _TS_COMMENTS else "")
                     + "\n" for f in entity.fields)
    content = fill("""
        /** [[label]] records and their API: list, get, create, update and delete. */
        import { collection } from "./client";

        /** The fields a client sends to create or replace [[a_label]]. */
        export interface [[input]] {
        [[fields]]}

        /** [[A_label]] as the API returns it. */
        export interface [[type]] extends [[input]] {
          id: number;
        }

        const store = collection<[[type]], [[input]]>([[path]]);

        export function [[list]](limit = 50, offset = 0): Promise<[[type]][]> {
          return store.list(limit, offset);
        }

        export function [[get]](id: number): Promise<[[type]]> {
          return store.get(id);
        }

        export function [[create]](input: [[input]]): Promise<[[type]]> {
          return store.create(input);
        }

        export function [[update]](id: number, input: [[input]]): Promise<[[type]]> {
          return store.update(id, input);
        }

        export function [[delete]](id: number): Promise<void> {
          return store.remove(id);
        }
        """, label=entity.label, a_label=article(entity.label), A_label="A" + article(entity.label)[1:],
        input=n.input, type=n.type, fields=fields, path=ts_string(entity.plural_kebab),
        list=n.list, get=n.get, create=n.create, update=n.update, delete=n.delete)
    return GeneratedFile(n.api_path, content, f"{n.type} and {n.input} types and the typed CRUD calls for "
                         f"/{entity.plural_kebab}", ("src/api/client.ts",))


def _entity_page(entity: EntitySpec) -> GeneratedFile:
    n = ts_names(entity)
    to_input, to_values, helpers = [], [], set()
    for f in entity.fields:
        _, required, optional, back = _TS_TYPES[f.type]
        convert = required if f.required else optional
        to_input.append(f"    {f.snake}: {convert}(values.{f.snake}),\n")
        to_values.append(f"    {f.snake}: {back}(row.{f.snake}),\n" if back
                         else f"    {f.snake}: row.{f.snake} === true,\n")
        helpers |= {convert} | ({back} if back else set())
    configs = "".join(f"  {{ name: {ts_string(f.snake)}, label: {ts_string(f.label)}, kind: {ts_string(f.type)}, "
                      f"required: {json.dumps(f.required)} }},\n" for f in entity.fields)
    api_import = ts_import([n.create, n.delete, n.list, f"type {n.type}", f"type {n.input}", n.update],
                           f"../api/{n.module}")
    form_import = ts_import(["type FieldConfig", "type FormValues", *sorted(helpers)], "../forms")
    content = fill("""
        /** The [[plural]] page: the shared resource page, configured with [[label]]'s fields. */
        [[api_import]]
        import { ResourcePage } from "../components/ResourcePage";
        [[form_import]]

        const FIELDS: FieldConfig[] = [
        [[configs]]];

        const API = { list: [[list]], create: [[create]], update: [[update]], remove: [[delete]] };

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
        """, plural=entity.plural_label, label=entity.label, create=n.create, delete=n.delete, list=n.list,
        type=n.type, input=n.input, update=n.update, api_import=api_import, form_import=form_import, configs=configs,
        to_input="".join(to_input), to_values="".join(to_values), page=n.page,
        label_literal=ts_string(entity.label), plural_literal=ts_string(entity.plural_label))
    return GeneratedFile(n.page_path, content, f"{entity.plural_label} page: table, create/edit form and delete",
                         (n.api_path, "src/components/ResourcePage.tsx", "src/forms.ts"))


# --- The shell ---------------------------------------------------------------------------------------------------


def _app(spec: ProjectSpec) -> GeneratedFile:
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


# --- Tests --------------------------------------------------------------------------------------------------------

_SAMPLES = {
    "int": (("42", 42), ("7", 7)),
    "float": (("12.5", 12.5), ("0.25", 0.25)),
    "date": (("2024-05-17", "2024-05-17"), ("2025-01-31", "2025-01-31")),
    "datetime": (("2024-05-17T09:30", "2024-05-17T09:30:00"), ("2025-01-31T18:45", "2025-01-31T18:45:00")),
}


def sample(field: FieldSpec, variant: int = 0) -> tuple[str | bool, str, Any]:
    """(what a person enters, what the table shows, what the API stores) for `field`; variants 0 and 1 differ."""
    if field.type in ("str", "text"):
        value = f"{field.label} {variant + 1}" + (": a longer text" if field.type == "text" else "")
        return value, value, value
    if field.type == "bool":
        checked = variant == 0
        return checked, "Yes" if checked else "No", checked
    typed, stored = _SAMPLES[field.type][variant]
    return typed, typed.replace("T", " "), stored


def control(field: FieldSpec) -> dict[str, Any]:
    """What `describeControl` reports for the field's input: the form's promise per field type."""
    if field.type == "text":
        return {"tag": "textarea", "type": None, "step": None, "required": field.required}
    if field.type == "bool":
        return {"tag": "input", "type": "checkbox", "step": None, "required": False}
    step = {"int": "1", "float": "any"}.get(field.type)
    return {"tag": "input", "type": parts.INPUT_TYPES[field.type], "step": step, "required": field.required}


def _ts_object(items: dict[str, Any], quote_keys: bool = False, indent: int = 0) -> str:
    pairs = [f"{json.dumps(key) if quote_keys else key}: {json.dumps(value)}" for key, value in items.items()]
    line = "{ " + ", ".join(pairs) + " }" if pairs else "{}"
    if len(line) + indent <= 90:
        return line
    return "{\n" + "".join(f"{' ' * (indent + 2)}{pair},\n" for pair in pairs) + " " * indent + "}"


def _empty_value(field: FieldSpec) -> tuple[str, Any]:
    return ("No", False) if field.type == "bool" else ("\u2014", None)


def entity_test(entity: EntitySpec, api_base: str | None, auth: bool) -> GeneratedFile:
    n, remote = ts_names(entity), api_base is not None
    fields = entity.fields

    def form(variant: int) -> str:  # what a person types, by label
        return _ts_object({f.label: sample(f, variant)[0] for f in fields}, quote_keys=True)

    def stored(variant: int) -> str:  # what the API keeps, by JSON key
        return _ts_object({f.snake: sample(f, variant)[2] for f in fields})

    required_form = {f.label: sample(f, 0)[0] for f in fields if f.required}
    required_row = json.dumps(["1", *(sample(f, 0)[1] if f.required else _empty_value(f)[0] for f in fields)])
    required_stored = {f.snake: sample(f, 0)[2] if f.required else _empty_value(f)[1] for f in fields}
    missing = [f for f in fields if f.required and f.type != "bool"]
    whole = next((f for f in fields if f.type == "int"), None)
    create_button = f'screen.getByRole("button", {{ name: {ts_string("Create " + entity.label)} }})'
    empty_text = ts_string(f"No {entity.plural_label.lower()} yet.")
    call = (lambda method, path, body: f"  expect(api.calls).toContainEqual({{ method: \"{method}\", path: "
            f"\"/{entity.plural_kebab}{path}\", body: {body} }});\n") if remote else (lambda *_: "")
    tests = [fill("""
          it("labels a control of the right kind for every field", async () => {
            await openPage();
          [[checks]]});
        """, checks="".join(f"  expect(describeControl({ts_string(f.label)})).toEqual({_ts_object(control(f))});\n"
                           for f in fields))]
    if missing:
        tests.append(fill("""
              it("shows what is missing instead of saving", async () => {
                await openPage();
                fireEvent.click([[create]]);
                expect(await screen.findByText([[first]])).toBeTruthy();
              [[others]]  expect(screen.getByLabelText([[label]]).getAttribute("aria-invalid")).toBe("true");
                expect(await [[list]]()).toEqual([]);
              });
            """, create=create_button, first=ts_string(f"{missing[0].label} is required"),
            others="".join(f"  expect(screen.getByText({ts_string(f.label + ' is required')})).toBeTruthy();\n"
                           for f in missing[1:]), label=ts_string(missing[0].label), list=n.list))
    if whole:
        tests.append(fill("""
              it("asks for a whole number", async () => {
                await openPage();
                fillForm({ ...FIRST_FORM, [[label]]: "1.5" });
                fireEvent.click([[create]]);
                expect(await screen.findByText([[message]])).toBeTruthy();
                expect(await [[list]]()).toEqual([]);
              });
            """, label=ts_string(whole.label), create=create_button, list=n.list,
            message=ts_string(f"{whole.label} must be a whole number")))
    tests.append(fill("""
          it("creates, edits and deletes [[lower]]", async () => {
            await openPage();
            fillForm(FIRST_FORM);
            fireEvent.click([[create]]);
            await waitFor(() => expect(tableRows()).toEqual([["1", ...FIRST_ROW]]));
            expect(screen.getByRole("status").textContent).toBe([[created]]);
            expect(await [[list]]()).toEqual([{ id: 1, ...FIRST }]);
          [[post]]
            fireEvent.click(screen.getByRole("button", { name: [[edit]] }));
            expect(screen.getByRole("heading", { name: [[edit]] })).toBeTruthy();
            fillForm(SECOND_FORM);
            fireEvent.click(screen.getByRole("button", { name: "Save changes" }));
            await waitFor(() => expect(tableRows()).toEqual([["1", ...SECOND_ROW]]));
            expect(await [[get]](1)).toEqual({ id: 1, ...SECOND });
          [[put]]
            fireEvent.click(screen.getByRole("button", { name: [[delete]] }));
            expect(await screen.findByText([[empty]])).toBeTruthy();
            expect(screen.getByRole("status").textContent).toBe([[deleted]]);
            expect(await [[list]]()).toEqual([]);
          [[delete_call]]});
        """, lower=article(entity.label.lower()), create=create_button, created=ts_string(f"{entity.label} created"),
        list=n.list, get=n.get, post=call("POST", "", "FIRST"), put=call("PUT", "/1", "SECOND"),
        edit=ts_string(f"Edit {entity.label} 1"), delete=ts_string(f"Delete {entity.label} 1"), empty=empty_text,
        deleted=ts_string(f"{entity.label} deleted"), delete_call=call("DELETE", "/1", "undefined")))
    if not all(f.required for f in fields):
        tests.append(fill("""
              it("saves optional fields left empty as null", async () => {
                await openPage();
                fillForm([[form]]);
                fireEvent.click([[create]]);
                await waitFor(() => expect(tableRows()).toEqual([[[row]]]));
                expect(await [[list]]()).toEqual([[[stored]]]);
              });
            """, form=_ts_object(required_form, quote_keys=True, indent=2), create=create_button, row=required_row,
            list=n.list, stored=_ts_object({"id": 1, **required_stored}, indent=2)))
    tests.append(fill("""
          it("lists the [[plural]] saved before it opened", async () => {
            await [[create]](FIRST);
            await [[create]](SECOND);
            render(<[[page]] />);
            await waitFor(() => expect(tableRows()).toEqual([["1", ...FIRST_ROW], ["2", ...SECOND_ROW]]));
          });
        """, plural=entity.plural_label.lower(), create=n.create, page=n.page))

    imports = ['import { fireEvent, render, screen, waitFor } from "@testing-library/react";',
               f'import {{ {"beforeEach, " if remote else ""}describe, expect, it }} from "vitest";']
    if remote:
        imports.append('import { API_URL } from "../api/client";')
    if remote and auth:
        imports.append('import { storeToken } from "../api/session";')
    imports.append(ts_import([n.create, n.get, n.list, f"type {n.input}"], f"../api/{n.module}"))
    if remote:
        imports.append(f'import {{ {"FAKE_TOKEN, " if auth else ""}type FakeApi, fakeApi }} from "../test/fakeApi";')
    imports += ['import { describeControl, fillForm, tableRows } from "../test/helpers";',
                f'import {{ {n.page} }} from "./{n.page}";']
    setup = ""
    if remote:
        setup = fill("""
            let api: FakeApi;

            beforeEach(() => {
              api = fakeApi(API_URL);
            [[token]]});

            """, token="  storeToken(FAKE_TOKEN);\n" if auth else "")
    content = fill("""
        /** [[page]] against [[source]]: its form controls, validation, create, edit, delete and listing. */
        [[imports]]

        const FIRST: [[input]] = [[first]];
        const SECOND: [[input]] = [[second]];
        const FIRST_FORM = [[first_form]];
        const SECOND_FORM = [[second_form]];
        const FIRST_ROW = [[first_row]];
        const SECOND_ROW = [[second_row]];

        [[setup]]async function openPage(): Promise<void> {
          render(<[[page]] />);
          expect(await screen.findByText([[empty]])).toBeTruthy();
        }

        describe("[[page]]", () => {
        [[tests]]});
        """, page=n.page, source="a stubbed REST API" if remote else "the localStorage store",
        imports="\n".join(imports), input=n.input, first=stored(0), second=stored(1), first_form=form(0),
        second_form=form(1),
        first_row=json.dumps([sample(f, 0)[1] for f in fields]),
        second_row=json.dumps([sample(f, 1)[1] for f in fields]),
        setup=setup, empty=empty_text, tests="\n".join(textwrap.indent(test, "  ") for test in tests))
    depends = [n.api_path, "src/test/helpers.ts", n.page_path]
    if remote:
        depends[:0] = ["src/api/client.ts"] + (["src/api/session.ts"] if auth else [])
        depends.insert(-1, "src/test/fakeApi.ts")
    return GeneratedFile(n.page_path.replace(".tsx", ".test.tsx"), content,
                         f"Vitest: the {entity.plural_label} page's controls, validation and create/edit/delete "
                         + ("against the stubbed API" if remote else "with localStorage"), tuple(depends))


def http_test(entity: EntitySpec, auth: bool) -> GeneratedFile:
    n = ts_names(entity)
    first = _ts_object({f.snake: sample(f, 0)[2] for f in entity.fields})
    second = _ts_object({f.snake: sample(f, 1)[2] for f in entity.fields})
    refused = fill("""

          it("sends the bearer token, and forgets a token the server refuses", async () => {
            expect(await resource.create(FIRST)).toEqual({ id: 1, ...FIRST });
            storeToken("expired");
            await expect(resource.list(10, 0)).rejects.toMatchObject({ status: 401, message: "Not authenticated" });
            expect(authToken()).toBeNull();
          });
        """)
    content = fill("""
        /** The REST client against a stubbed fetch: URLs, methods, JSON bodies, status codes and error messages. */
        import { beforeEach, describe, expect, it } from "vitest";
        import { [[fake_imports]] } from "../test/fakeApi";
        import { ApiError, httpCollection } from "./http";
        [[session_import]]import type { [[type]], [[input]] } from "./[[module]]";

        const BASE = "http://api.test/api";
        const FIRST: [[input]] = [[first]];
        const SECOND: [[input]] = [[second]];
        const resource = httpCollection<[[type]], [[input]]>(BASE, "/[[path]]");
        let api: FakeApi;

        beforeEach(() => {
          api = fakeApi(BASE);
        [[token]]});

        describe("httpCollection", () => {
          it("creates with POST and takes the id from the 201 answer", async () => {
            expect(await resource.create(FIRST)).toEqual({ id: 1, ...FIRST });
            expect(api.calls).toEqual([{ method: "POST", path: "/[[path]]", body: FIRST }]);
          });

          it("pages the list with limit and offset", async () => {
            await resource.create(FIRST);
            await resource.create(SECOND);
            expect(await resource.list(1, 1)).toEqual([{ id: 2, ...SECOND }]);
            expect(api.calls.at(-1)).toEqual({ method: "GET", path: "/[[path]]?limit=1&offset=1", body: undefined });
          });

          it("reads one, replaces it with PUT and deletes it (204, no body)", async () => {
            await resource.create(FIRST);
            expect(await resource.update(1, SECOND)).toEqual({ id: 1, ...SECOND });
            expect(await resource.get(1)).toEqual({ id: 1, ...SECOND });
            await expect(resource.remove(1)).resolves.toBeUndefined();
            expect(api.calls.map((call) => `${call.method} ${call.path}`)).toEqual([
              "POST /[[path]]",
              "PUT /[[path]]/1",
              "GET /[[path]]/1",
              "DELETE /[[path]]/1",
            ]);
          });

          it("turns an error answer into an ApiError carrying the server's message", async () => {
            const failure = resource.get(99);
            await expect(failure).rejects.toBeInstanceOf(ApiError);
            await expect(failure).rejects.toMatchObject({ status: 404, message: "Not found" });
          });[[refused]]
        });
        """, fake_imports="FAKE_TOKEN, type FakeApi, fakeApi" if auth else "type FakeApi, fakeApi",
        session_import='import { authToken, storeToken } from "./session";\n' if auth else "",
        type=n.type, input=n.input, module=n.module, first=first, second=second, path=entity.plural_kebab,
        token="  storeToken(FAKE_TOKEN);\n" if auth else "", refused=textwrap.indent(refused, "  ").rstrip()
        if auth else "")
    depends = ["src/test/fakeApi.ts", "src/api/http.ts"] + (["src/api/session.ts"] if auth else []) + [n.api_path]
    return GeneratedFile("src/api/http.test.ts", content, "Vitest: the fetch client's URLs, methods, bodies, statuses "
                         "and errors" + (", bearer token" if auth else ""), tuple(depends))


def _app_test(spec: ProjectSpec, api_base: str | None) -> GeneratedFile:
    auth, remote = spec.has("auth"), api_base is not None
    first, last = spec.entities[0], spec.entities[-1]
    labels = json.dumps([e.plural_label for e in spec.entities])
    sign_in = "  storeToken(TOKEN);\n" if auth else ""

    def heading(entity: EntitySpec) -> str:
        return f'screen.findByRole("heading", {{ level: 1, name: {ts_string(entity.plural_label)} }})'

    tests = [fill("""
        it("opens on the [[label]] page, with every page in the navigation", async () => {
        [[sign_in]]  render(<App />);
          expect(await [[heading]]).toBeTruthy();
          const nav = screen.getByRole("navigation", { name: "Main" });
          expect(within(nav).getAllByRole("link").map((link) => link.textContent)).toEqual([[labels]]);
          expect(within(nav).getByRole("link", { name: [[label_literal]] }).getAttribute("aria-current")).toBe("page");
        });
        """, label=first.plural_label, sign_in=sign_in, heading=heading(first), labels=labels,
        label_literal=ts_string(first.plural_label)),
        fill("""
        it("falls back to the first page for an unknown address", async () => {
        [[sign_in]]  window.location.hash = "#/nowhere";
          render(<App />);
          expect(await [[heading]]).toBeTruthy();
        });
        """, sign_in=sign_in, heading=heading(first))]
    if len(spec.entities) > 1:
        tests.append(fill("""
            it("switches pages from the navigation and the address", async () => {
            [[sign_in]]  render(<App />);
              await [[first]];
              fireEvent.click(screen.getByRole("link", { name: [[label]] }));
              expect(await [[last]]).toBeTruthy();
              expect(window.location.hash).toBe([[hash]]);
              window.location.hash = "#/[[first_path]]";
              expect(await [[first]]).toBeTruthy();
            });
            """, sign_in=sign_in, first=heading(first), last=heading(last), label=ts_string(last.plural_label),
            hash=ts_string(f"#/{last.plural_kebab}"), first_path=first.plural_kebab))
    if auth:
        tests.append(fill("""
            it("asks to sign in first, then shows the pages until signing out", async () => {
            [[account]]  render(<App />);
              expect(screen.getByRole("heading", { level: 1, name: "Sign in" })).toBeTruthy();
              expect(screen.queryByRole("navigation", { name: "Main" })).toBeNull();
              fillForm({ Email: "ada@example.com", Password: "correct horse battery" });
              fireEvent.click(screen.getByRole("button", { name: "Sign in" }));
              expect(await [[heading]]).toBeTruthy();
              fireEvent.click(screen.getByRole("button", { name: "Sign out" }));
              expect(await screen.findByRole("heading", { level: 1, name: "Sign in" })).toBeTruthy();
              expect(authToken()).toBeNull();
            });
            """, heading=heading(first),
            account='  api.accounts.set("ada@example.com", "correct horse battery");\n' if remote else ""))
    rtl = "fireEvent, render, screen, within" if len(spec.entities) > 1 or auth else "render, screen, within"
    imports = [f'import {{ {rtl} }} from "@testing-library/react";',
               f'import {{ {"beforeEach, " if remote else ""}describe, expect, it }} from "vitest";']
    if remote:
        imports.append('import { API_URL } from "./api/client";')
    if auth:
        imports.append('import { authToken, storeToken } from "./api/session";')
    if remote:
        imports.append(f'import {{ {"FAKE_TOKEN, type FakeApi, " if auth else ""}fakeApi }} from "./test/fakeApi";')
    if auth:
        imports.append('import { fillForm } from "./test/helpers";')
    imports.append('import App from "./App";')
    preamble = ""
    if auth:
        preamble += f"const TOKEN = {'FAKE_TOKEN' if remote else ts_string('local:ada@example.com')};\n"
    if remote and auth:
        preamble += "let api: FakeApi;\n\nbeforeEach(() => {\n  api = fakeApi(API_URL);\n});\n"
    elif remote:
        preamble += "beforeEach(() => {\n  fakeApi(API_URL);\n});\n"
    content = fill("""
        /** The app shell: the page it opens on, its navigation[[auth_doc]]. */
        [[imports]]

        [[preamble]]describe("App", () => {
        [[tests]]});
        """, auth_doc=" and the sign-in gate" if auth else "", imports="\n".join(imports),
        preamble=preamble + "\n" if preamble else "", tests="\n".join(textwrap.indent(t, "  ") for t in tests))
    depends = ["src/App.tsx"] + (["src/api/client.ts", "src/test/fakeApi.ts"] if remote else [])
    depends += ["src/api/session.ts", "src/test/helpers.ts"] if auth else []
    return GeneratedFile("src/App.test.tsx", content, "Vitest: the first page, navigation between pages"
                         + (", sign-in and sign-out" if auth else ""), tuple(depends))


def login_test(api_base: str | None) -> GeneratedFile:
    remote = api_base is not None
    common = fill("""
        it("refuses a malformed email without asking anyone", async () => {
          [[stub]]render(<LoginPage />);
          fillForm({ Email: "not-an-email", Password: "correct horse battery" });
          fireEvent.click(screen.getByRole("button", { name: "Sign in" }));
          expect((await screen.findByRole("alert")).textContent).toBe("Enter a valid email address");
          expect(authToken()).toBeNull();
        [[no_calls]]});

        it("asks for 8 characters when creating an account", async () => {
          render(<LoginPage />);
          fireEvent.click(screen.getByRole("button", { name: "Create an account" }));
          fillForm({ Email: "ada@example.com", Password: "short" });
          fireEvent.click(screen.getByRole("button", { name: "Create account" }));
          expect((await screen.findByRole("alert")).textContent).toBe("Use a password of at least 8 characters");
          expect(authToken()).toBeNull();
        });
        """, stub="const api = fakeApi(API_URL);\n  " if remote else "",
        no_calls="  expect(api.calls).toEqual([]);\n" if remote else "")
    if remote:
        specific = fill("""
            it("creates an account, then signs in with it", async () => {
              const api = fakeApi(API_URL);
              render(<LoginPage />);
              fireEvent.click(screen.getByRole("button", { name: "Create an account" }));
              fillForm({ Email: "ada@example.com", Password: "correct horse battery" });
              fireEvent.click(screen.getByRole("button", { name: "Create account" }));
              await waitFor(() => expect(authToken()).toBe(FAKE_TOKEN));
              const credentials = { email: "ada@example.com", password: "correct horse battery" };
              expect(api.calls).toEqual([
                { method: "POST", path: "/auth/register", body: credentials },
                { method: "POST", path: "/auth/token", body: credentials },
              ]);
            });

            it("shows the server's refusal of wrong credentials", async () => {
              fakeApi(API_URL).accounts.set("ada@example.com", "correct horse battery");
              render(<LoginPage />);
              fillForm({ Email: "ada@example.com", Password: "wrong horse battery" });
              fireEvent.click(screen.getByRole("button", { name: "Sign in" }));
              expect((await screen.findByRole("alert")).textContent).toBe("Incorrect email or password");
              expect(authToken()).toBeNull();
            });
            """)
        imports = ('import { API_URL } from "../api/client";\nimport { authToken } from "../api/session";\n'
                   'import { FAKE_TOKEN, fakeApi } from "../test/fakeApi";\n')
    else:
        specific = fill("""
            it("opens a session in this browser when no server is configured", async () => {
              render(<LoginPage />);
              expect(screen.getByText(/No server is configured/)).toBeTruthy();
              fillForm({ Email: "ada@example.com", Password: "anything" });
              fireEvent.click(screen.getByRole("button", { name: "Sign in" }));
              await waitFor(() => expect(authToken()).toBe("local:ada@example.com"));
            });
            """)
        imports = 'import { authToken } from "../api/session";\n'
    content = fill("""
        /** The sign-in page: client-side checks[[doc]]. */
        import { fireEvent, render, screen, waitFor } from "@testing-library/react";
        import { describe, expect, it } from "vitest";
        [[imports]]import { fillForm } from "../test/helpers";
        import { LoginPage } from "./LoginPage";

        describe("LoginPage", () => {
        [[tests]]});
        """, doc=", registering and signing in against the API" if remote else " and the local session",
        imports=imports, tests=textwrap.indent(common + "\n" + specific, "  "))
    depends = (["src/api/client.ts"] if remote else []) + ["src/api/session.ts"]
    depends += (["src/test/fakeApi.ts"] if remote else []) + ["src/test/helpers.ts", "src/pages/LoginPage.tsx"]
    return GeneratedFile("src/pages/LoginPage.test.tsx", content, "Vitest: sign-in checks, "
                         + ("registration and sign-in against the stubbed API" if remote else "the local session"),
                         tuple(depends))


# --- README and registration --------------------------------------------------------------------------------------

_INPUT_NAMES = {"text": "textarea", "bool": "checkbox"}
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
            f"{_INPUT_NAMES.get(f.type) or parts.INPUT_TYPES[f.type]} |" for f in e.fields)
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

    Node.js 20.19+ or 22.12+:

    ```bash
    npm install
    npm run dev       # http://localhost:5173
    npm test          # Vitest, once
    npm run build     # type check (tsc), then the production build in dist/
    npm run preview   # serve dist/
    ```
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

TEMPLATE = register(ProjectTemplate(
    id="react-app",
    name="React Application",
    description="Modern React app with TypeScript and Tailwind CSS",
    category="frontend",
    complexity="medium",
    features=("auth", "docker", "tests", "ci"),
    languages=("TypeScript",),
    frameworks=("React", "Vite", "Tailwind CSS", "Vitest"),
    render=render,
    checks=(Check("node", "."),),
    starter_entities=(
        {"name": "Task", "fields": [{"name": "title", "type": "str", "required": True},
                                    {"name": "done", "type": "bool", "required": True},
                                    {"name": "due", "type": "date", "required": False}]},
        {"name": "Note", "fields": [{"name": "title", "type": "str", "required": True},
                                    {"name": "body", "type": "text", "required": False}]},
    ),
))
