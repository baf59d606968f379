"""The React front end's files that vary little with the spec: build config, the API client, shared components."""

from __future__ import annotations

import json
import re
import textwrap

from . import GeneratedFile
from .spec import ProjectSpec

_MARK = re.compile(r"\[\[(\w+)\]\]")

# Caret ranges checked with npm install, build and test on Node 20.19: jsdom 30+, Vitest 5 and jest-dom 7 need Node 22.
DEPENDENCIES = {"react": "^19.2.0", "react-dom": "^19.2.0"}
DEV_DEPENDENCIES = {
    "@tailwindcss/vite": "^4.1.0",
    "@testing-library/dom": "^10.4.0",
    "@testing-library/react": "^16.3.0",
    "@types/react": "^19.2.0",
    "@types/react-dom": "^19.2.0",
    "@vitejs/plugin-react": "^6.0.0",
    "jsdom": "^29.0.0",
    "tailwindcss": "^4.1.0",
    "typescript": "^5.9.0",
    "vite": "^8.0.0",
    "vitest": "^4.1.0",
}
NODE_ENGINES = "^20.19.0 || >=22.12.0"

# The <input type> of each field type; "text" is a <textarea> and "bool" a checkbox.
INPUT_TYPES = {"str": "text", "int": "number", "float": "number", "date": "date", "datetime": "datetime-local"}


def fill(text: str, **values: str) -> str:
    """Dedent a snippet of generated code and replace its [[placeholders]] (TypeScript's `${...}` stays as is)."""
    return _MARK.sub(lambda match: values[match.group(1)], textwrap.dedent(text).lstrip("\n"))


def ts_string(text: str) -> str:
    return json.dumps(text)


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


# --- Build and tool configuration -------------------------------------------------------------------------------


def package_json(spec: ProjectSpec) -> GeneratedFile:
    package = {
        "name": spec.slug,
        "private": True,
        "version": "0.1.0",
        "type": "module",
        "engines": {"node": NODE_ENGINES},
        "scripts": {"dev": "vite", "build": "tsc --noEmit && vite build", "preview": "vite preview",
                    "test": "vitest run"},
        "dependencies": DEPENDENCIES,
        "devDependencies": DEV_DEPENDENCIES,
    }
    return GeneratedFile("package.json", json.dumps(package, indent=2) + "\n",
                         "npm manifest: React, Vite, Tailwind CSS and Vitest versions, and the dev/build/test scripts")


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
        server = ("  // `npm run dev` hands API calls to the back end (uvicorn on port 8000).\n"
                  f"  server: {{\n    proxy: {{\n{routes}    }},\n  }},\n")
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


TSCONFIG = GeneratedFile("tsconfig.json", json.dumps({
    "compilerOptions": {
        "target": "ES2022",
        "lib": ["ES2022", "DOM", "DOM.Iterable"],
        "module": "ESNext",
        "moduleResolution": "bundler",
        "jsx": "react-jsx",
        "strict": True,
        "noUnusedLocals": True,
        "noUnusedParameters": True,
        "noFallthroughCasesInSwitch": True,
        "isolatedModules": True,
        "verbatimModuleSyntax": True,
        "skipLibCheck": True,
        "noEmit": True,
        "types": ["vite/client"],
    },
    "include": ["src", "vite.config.ts"],
}, indent=2) + "\n", "TypeScript compiler options (strict) for `tsc --noEmit`")

VITE_ENV = GeneratedFile("src/vite-env.d.ts", fill("""
    /// <reference types="vite/client" />

    interface ImportMetaEnv {
      /** Base URL of the REST API, such as http://localhost:8000/api. */
      readonly VITE_API_URL?: string;
    }

    interface ImportMeta {
      readonly env: ImportMetaEnv;
    }
    """), "Types for Vite's import.meta.env, with VITE_API_URL")

INDEX_CSS = GeneratedFile("src/index.css", '@import "tailwindcss";\n', "Tailwind CSS 4 entry point")

MAIN_TSX = GeneratedFile("src/main.tsx", fill("""
    import { StrictMode } from "react";
    import { createRoot } from "react-dom/client";
    import App from "./App";
    import "./index.css";

    const root = document.getElementById("root");
    if (!root) throw new Error("index.html has no element with id 'root'");

    createRoot(root).render(
      <StrictMode>
        <App />
      </StrictMode>,
    );
    """), "Mounts <App> into index.html's #root", ("src/App.tsx", "src/index.css"))

GITIGNORE = GeneratedFile(".gitignore", "node_modules/\ndist/\ncoverage/\n*.log\n.env.local\n.env.*.local\n",
                          "Keeps dependencies, build output and local env files out of git")


# --- The API client ---------------------------------------------------------------------------------------------


def http_ts(auth: bool) -> GeneratedFile:
    content = fill(r"""
        /** Talking to the REST API: JSON requests, errors with the server's message, one collection per resource. */
        [[imports]]
        /** A request the server refused; `status` is its HTTP status (401, 404, 422...). */
        export class ApiError extends Error {
          readonly status: number;

          constructor(status: number, message: string) {
            super(message);
            this.name = "ApiError";
            this.status = status;
          }
        }

        /** What every resource offers, whether it lives on a server or in this browser. */
        export interface Collection<T extends { id: number }, I> {
          list(limit: number, offset: number): Promise<T[]>;
          get(id: number): Promise<T>;
          create(input: I): Promise<T>;
          update(id: number, input: I): Promise<T>;
          remove(id: number): Promise<void>;
        }

        interface RequestOptions {
          method?: "GET" | "POST" | "PUT" | "DELETE";
          body?: unknown;
        }

        export async function request<R>(baseUrl: string, path: string, options: RequestOptions = {}): Promise<R> {
          const headers: Record<string, string> = { Accept: "application/json" };
          if (options.body !== undefined) headers["Content-Type"] = "application/json";
        [[send_token]]  const response = await fetch(baseUrl + path, {
            method: options.method ?? "GET",
            headers,
            body: options.body === undefined ? undefined : JSON.stringify(options.body),
          });
        [[refused_token]]  if (!response.ok) throw new ApiError(response.status, await failureMessage(response));
          if (response.status === 204) return undefined as R;
          return (await response.json()) as R;
        }

        async function failureMessage(response: Response): Promise<string> {
          try {
            const body = (await response.json()) as { detail?: unknown };
            if (typeof body.detail === "string") return body.detail;
            // FastAPI's validation errors: a list of {loc, msg, type}.
            if (Array.isArray(body.detail)) {
              const messages = body.detail.map((item: { msg?: unknown }) => String(item.msg ?? "")).filter(Boolean);
              if (messages.length > 0) return messages.join("; ");
            }
          } catch {
            // Not JSON: the status line says enough.
          }
          return `Request failed: ${response.status} ${response.statusText}`.trim();
        }

        export function errorText(error: unknown): string {
          return error instanceof Error ? error.message : String(error);
        }

        /** The REST routes of one resource: GET/POST `path`, GET/PUT/DELETE `path/{id}`. */
        export function httpCollection<T extends { id: number }, I>(baseUrl: string, path: string): Collection<T, I> {
          return {
            list: (limit, offset) => request<T[]>(baseUrl, `${path}?limit=${limit}&offset=${offset}`),
            get: (id) => request<T>(baseUrl, `${path}/${id}`),
            create: (input) => request<T>(baseUrl, path, { method: "POST", body: input }),
            update: (id, input) => request<T>(baseUrl, `${path}/${id}`, { method: "PUT", body: input }),
            remove: (id) => request<void>(baseUrl, `${path}/${id}`, { method: "DELETE" }),
          };
        }
        """,
        imports='import { authToken, clearToken } from "./session";\n' if auth else "",
        send_token="  const token = authToken();\n  if (token) headers.Authorization = `Bearer ${token}`;\n"
        if auth else "",
        refused_token="  // A token the server no longer accepts is forgotten, so the app asks to sign in again.\n"
        "  if (response.status === 401 && token) clearToken();\n" if auth else "")
    return GeneratedFile("src/api/http.ts", content, "fetch wrapper: JSON bodies, "
                         + ("bearer token, " if auth else "") + "ApiError, and the REST collection of a resource",
                         ("src/api/session.ts",) if auth else ())


def local_ts(spec: ProjectSpec) -> GeneratedFile:
    content = fill("""
        /** Resources kept in this browser's localStorage, so the app works with no server at all. */
        import { ApiError, type Collection } from "./http";

        const PREFIX = [[prefix]];

        interface Table<T> {
          nextId: number;
          rows: T[];
        }

        function load<T>(key: string): Table<T> {
          const saved = localStorage.getItem(key);
          return saved ? (JSON.parse(saved) as Table<T>) : { nextId: 1, rows: [] };
        }

        function save<T>(key: string, table: Table<T>): void {
          localStorage.setItem(key, JSON.stringify(table));
        }

        /** The same operations as the REST collection, answering like the API would (ids from 1, 404 when missing). */
        export function localCollection<T extends { id: number }, I extends object>(name: string): Collection<T, I> {
          const key = `${PREFIX}:${name}`;

          function indexOf(table: Table<T>, id: number): number {
            const index = table.rows.findIndex((row) => row.id === id);
            if (index < 0) throw new ApiError(404, `No ${name} with id ${id}`);
            return index;
          }

          return {
            async list(limit, offset) {
              return load<T>(key).rows.slice(offset, offset + limit);
            },
            async get(id) {
              const table = load<T>(key);
              return table.rows[indexOf(table, id)];
            },
            async create(input) {
              const table = load<T>(key);
              const row = { ...input, id: table.nextId } as unknown as T;
              save(key, { nextId: table.nextId + 1, rows: [...table.rows, row] });
              return row;
            },
            async update(id, input) {
              const table = load<T>(key);
              const row = { ...input, id } as unknown as T;
              table.rows[indexOf(table, id)] = row;
              save(key, table);
              return row;
            },
            async remove(id) {
              const table = load<T>(key);
              table.rows.splice(indexOf(table, id), 1);
              save(key, table);
            },
          };
        }
        """, prefix=ts_string(spec.slug))
    return GeneratedFile("src/api/local.ts", content, "localStorage-backed collections with the REST interface",
                         ("src/api/http.ts",))


def client_ts(api_base: str | None) -> GeneratedFile:
    if api_base is None:
        content = fill("""
            /** Where the data lives: the REST API at VITE_API_URL when set, otherwise this browser's localStorage. */
            import { type Collection, httpCollection } from "./http";
            import { localCollection } from "./local";

            /** The API's base URL without a trailing slash, or null to keep the data in localStorage. */
            export const API_URL: string | null = import.meta.env.VITE_API_URL?.replace(/\\/+$/, "") || null;

            export function collection<T extends { id: number }, I extends object>(path: string): Collection<T, I> {
              return API_URL === null ? localCollection<T, I>(path) : httpCollection<T, I>(API_URL, `/${path}`);
            }
            """)
        return GeneratedFile("src/api/client.ts", content, "Chooses the data source: REST API when VITE_API_URL is "
                             "set, else localStorage", ("src/api/http.ts", "src/api/local.ts"))
    content = fill("""
        /** Where the data lives: the REST API, at VITE_API_URL when it is set, otherwise at [[shown]]. */
        import { type Collection, httpCollection } from "./http";

        /** The API's base URL without a trailing slash. */
        export const API_URL: string = import.meta.env.VITE_API_URL?.replace(/\\/+$/, "") || [[base]];

        export function collection<T extends { id: number }, I extends object>(path: string): Collection<T, I> {
          return httpCollection<T, I>(API_URL, `/${path}`);
        }
        """, shown=api_prefix(api_base) or "the site's root", base=ts_string(api_prefix(api_base)))
    return GeneratedFile("src/api/client.ts", content, "The API base URL (VITE_API_URL or the default) and the REST "
                         "collection factory", ("src/api/http.ts",))


def session_ts(spec: ProjectSpec) -> GeneratedFile:
    content = fill("""
        /** The signed-in user's access token, kept in localStorage so that a reload keeps the session. */
        const KEY = [[key]];
        const listeners = new Set<() => void>();

        export function authToken(): string | null {
          return localStorage.getItem(KEY);
        }

        export function storeToken(token: string): void {
          localStorage.setItem(KEY, token);
          notify();
        }

        export function clearToken(): void {
          localStorage.removeItem(KEY);
          notify();
        }

        /** Calls `listener` whenever the token changes; returns the unsubscribe function, for useSyncExternalStore. */
        export function onTokenChange(listener: () => void): () => void {
          listeners.add(listener);
          return () => {
            listeners.delete(listener);
          };
        }

        function notify(): void {
          for (const listener of listeners) listener();
        }
        """, key=ts_string(f"{spec.slug}:token"))
    return GeneratedFile("src/api/session.ts", content, "Access token storage with change notifications")


def auth_ts(api_base: str | None) -> GeneratedFile:
    local = api_base is None
    content = fill("""
        /** Signing in and registering[[how]]. */
        import { API_URL } from "./client";
        import { request } from "./http";
        import { clearToken, storeToken } from "./session";

        export interface Credentials {
          email: string;
          password: string;
        }

        interface TokenAnswer {
          access_token: string;
          token_type: string;
        }

        export async function login(credentials: Credentials): Promise<void> {
        [[local_login]]  const answer = await request<TokenAnswer>(API_URL, "/auth/token", {
            method: "POST",
            body: credentials,
          });
          storeToken(answer.access_token);
        }

        export async function register(credentials: Credentials): Promise<void> {
          [[register_call]]
          await login(credentials);
        }

        export function logout(): void {
          clearToken();
        }
        """,
        how=": with no API configured, a session is opened locally" if local else " against the API",
        local_login="  if (API_URL === null) {\n    // No server to ask: well-formed credentials open a session "
        "in this browser.\n    storeToken(`local:${credentials.email}`);\n    return;\n  }\n" if local else "",
        register_call=("if (API_URL !== null) " if local else "")
        + 'await request<unknown>(API_URL, "/auth/register", { method: "POST", body: credentials });')
    return GeneratedFile("src/api/auth.ts", content, "login/register/logout: POST /auth/token and /auth/register"
                         + (", or a local session without an API" if local else ""),
                         ("src/api/client.ts", "src/api/http.ts", "src/api/session.ts"))


# --- Shared UI --------------------------------------------------------------------------------------------------

FORMS_TS = GeneratedFile("src/forms.ts", fill(r"""
    /** Entity forms: what each field type holds, how it is checked and shown, and the form <-> API conversions. */
    export type FieldKind = "str" | "text" | "int" | "float" | "bool" | "date" | "datetime";

    export interface FieldConfig {
      name: string; // the field's key in the API's JSON
      label: string;
      kind: FieldKind;
      required: boolean;
    }

    /** What the inputs hold: text for most fields, true/false for checkboxes. */
    export type FormValues = Record<string, string | boolean>;
    export type FormErrors = Record<string, string>;

    /** The API's limit for short text ("str") fields. */
    export const MAX_TEXT_LENGTH = 255;

    export function emptyValues(fields: FieldConfig[]): FormValues {
      return Object.fromEntries(fields.map((field) => [field.name, field.kind === "bool" ? false : ""]));
    }

    /** A message per field that cannot be saved as it is; empty when the form is fine. */
    export function validate(fields: FieldConfig[], values: FormValues): FormErrors {
      const errors: FormErrors = {};
      for (const field of fields) {
        const value = values[field.name];
        if (typeof value === "boolean") continue;
        const text = value.trim();
        if (text === "") {
          if (field.required) errors[field.name] = `${field.label} is required`;
        } else if (field.kind === "int" && !Number.isInteger(Number(text))) {
          errors[field.name] = `${field.label} must be a whole number`;
        } else if (field.kind === "float" && !Number.isFinite(Number(text))) {
          errors[field.name] = `${field.label} must be a number`;
        } else if (field.kind === "str" && text.length > MAX_TEXT_LENGTH) {
          errors[field.name] = `${field.label} must be at most ${MAX_TEXT_LENGTH} characters`;
        } else if (field.kind === "date" && !/^\d{4}-\d{2}-\d{2}$/.test(text)) {
          errors[field.name] = `${field.label} must be a date (YYYY-MM-DD)`;
        } else if (field.kind === "datetime" && !/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/.test(text)) {
          errors[field.name] = `${field.label} must be a date and time`;
        }
      }
      return errors;
    }

    /** A form value as a table cell shows it. */
    export function display(field: FieldConfig, value: string | boolean): string {
      if (typeof value === "boolean") return value ? "Yes" : "No";
      if (value === "") return "\u2014";
      return field.kind === "datetime" ? value.replace("T", " ") : value;
    }

    export function toText(value: string | boolean): string {
      return String(value).trim();
    }

    export function toOptionalText(value: string | boolean): string | null {
      return toText(value) || null;
    }

    export function toNumber(value: string | boolean): number {
      return Number(toText(value));
    }

    export function toOptionalNumber(value: string | boolean): number | null {
      return toText(value) === "" ? null : toNumber(value);
    }

    export function isChecked(value: string | boolean): boolean {
      return value === true;
    }

    /** datetime-local inputs hold "YYYY-MM-DDTHH:mm"; the API takes ISO 8601 with seconds. */
    export function toDateTime(value: string | boolean): string {
      const text = toText(value);
      return text.length === 16 ? `${text}:00` : text;
    }

    export function toOptionalDateTime(value: string | boolean): string | null {
      return toText(value) === "" ? null : toDateTime(value);
    }

    export function fromText(value: string | null): string {
      return value ?? "";
    }

    export function fromNumber(value: number | null): string {
      return value === null ? "" : String(value);
    }

    export function fromDateTime(value: string | null): string {
      return value ? value.slice(0, 16) : "";
    }
    """), "Field kinds, client-side validation, cell display and form/API value conversions")

FIELD_INPUT_TSX = GeneratedFile("src/components/FieldInput.tsx", fill("""
    /** One labelled form control, chosen by the field's type, with its validation message. */
    import { useId } from "react";
    import { type FieldConfig, type FieldKind, MAX_TEXT_LENGTH } from "../forms";

    /** The <input type> of each field kind; "text" is a <textarea> and "bool" a checkbox. */
    export const INPUT_TYPES: Record<Exclude<FieldKind, "text" | "bool">, string> = [[types]];

    const STEPS: Partial<Record<FieldKind, string>> = { int: "1", float: "any" };

    const CONTROL =
      "mt-1 block w-full rounded-md border bg-white px-3 py-2 text-sm shadow-sm focus:border-indigo-500 " +
      "focus:outline-none focus:ring-2 focus:ring-indigo-500/40";
    // The asterisk comes from CSS, so the label's text (its accessible name) stays the field's name.
    const REQUIRED_MARK = "after:ml-0.5 after:text-red-600 after:content-['*']";
    const LABEL = "block text-sm font-medium text-slate-700";

    interface FieldInputProps {
      field: FieldConfig;
      value: string | boolean;
      error?: string;
      onChange: (value: string | boolean) => void;
    }

    export function FieldInput({ field, value, error, onChange }: FieldInputProps) {
      const id = useId();
      const errorId = `${id}-error`;
      const kind = field.kind;
      const described = {
        "aria-invalid": error ? true : undefined,
        "aria-describedby": error ? errorId : undefined,
      };
      const message = error ? (
        <p id={errorId} className="mt-1 text-sm text-red-600">
          {error}
        </p>
      ) : null;

      if (kind === "bool") {
        return (
          <div>
            <div className="flex items-center gap-2">
              <input
                id={id}
                type="checkbox"
                checked={value === true}
                onChange={(event) => onChange(event.target.checked)}
                className="h-4 w-4 rounded border-slate-300 accent-indigo-600"
                {...described}
              />
              <label htmlFor={id} className="text-sm font-medium text-slate-700">
                {field.label}
              </label>
            </div>
            {message}
          </div>
        );
      }

      const text = typeof value === "string" ? value : "";
      const className = `${CONTROL} ${error ? "border-red-500" : "border-slate-300"}`;
      return (
        <div>
          <label htmlFor={id} className={`${LABEL} ${field.required ? REQUIRED_MARK : ""}`}>
            {field.label}
          </label>
          {kind === "text" ? (
            <textarea
              id={id}
              rows={4}
              required={field.required}
              value={text}
              onChange={(event) => onChange(event.target.value)}
              className={className}
              {...described}
            />
          ) : (
            <input
              id={id}
              type={INPUT_TYPES[kind]}
              step={STEPS[kind]}
              maxLength={kind === "str" ? MAX_TEXT_LENGTH : undefined}
              required={field.required}
              value={text}
              onChange={(event) => onChange(event.target.value)}
              className={className}
              {...described}
            />
          )}
          {message}
        </div>
      );
    }
    """, types="{ " + ", ".join(f"{kind}: {ts_string(html)}" for kind, html in INPUT_TYPES.items()) + " }"),
    "Labelled input/textarea/checkbox for a field, by type, with required mark and error message",
    ("src/forms.ts",))

RESOURCE_PAGE_TSX = GeneratedFile("src/components/ResourcePage.tsx", fill("""
    /** The page of one entity: a paged table of its rows with edit and delete, and a form to create or edit one. */
    import { type FormEvent, useCallback, useEffect, useId, useState } from "react";
    import { errorText } from "../api/http";
    import { display, emptyValues, type FieldConfig, type FormErrors, type FormValues, validate } from "../forms";
    import { FieldInput } from "./FieldInput";

    const PAGE_SIZE = 20;

    export interface ResourceApi<T, I> {
      list(limit: number, offset: number): Promise<T[]>;
      create(input: I): Promise<T>;
      update(id: number, input: I): Promise<T>;
      remove(id: number): Promise<void>;
    }

    interface ResourcePageProps<T extends { id: number }, I> {
      singular: string;
      plural: string;
      fields: FieldConfig[];
      api: ResourceApi<T, I>; // keep it a module-level constant: a new object on every render reloads the list
      toInput: (values: FormValues) => I;
      toValues: (row: T) => FormValues;
    }

    const BUTTON =
      "rounded-md px-3 py-1.5 text-sm font-medium focus:outline-none focus:ring-2 focus:ring-indigo-500/60";
    const PRIMARY = `${BUTTON} bg-indigo-600 text-white hover:bg-indigo-700 disabled:opacity-50`;
    const SECONDARY = `${BUTTON} border border-slate-300 bg-white text-slate-700 hover:bg-slate-50 disabled:opacity-50`;
    const CELL = "px-3 py-2";

    export function ResourcePage<T extends { id: number }, I>(props: ResourcePageProps<T, I>) {
      const { singular, plural, fields, api, toInput, toValues } = props;
      const headingId = useId();
      const formHeadingId = useId();
      const [rows, setRows] = useState<T[]>([]);
      const [offset, setOffset] = useState(0);
      const [hasMore, setHasMore] = useState(false);
      const [loading, setLoading] = useState(true);
      const [editing, setEditing] = useState<T | null>(null);
      const [values, setValues] = useState<FormValues>(() => emptyValues(fields));
      const [errors, setErrors] = useState<FormErrors>({});
      const [saving, setSaving] = useState(false);
      const [notice, setNotice] = useState("");
      const [failure, setFailure] = useState("");

      const load = useCallback(
        async (from: number) => {
          setLoading(true);
          try {
            // One row more than a page tells whether there is a next page.
            const page = await api.list(PAGE_SIZE + 1, from);
            setRows(page.slice(0, PAGE_SIZE));
            setHasMore(page.length > PAGE_SIZE);
            setOffset(from);
            setFailure("");
          } catch (error) {
            setFailure(errorText(error));
          } finally {
            setLoading(false);
          }
        },
        [api],
      );

      useEffect(() => {
        void load(0);
      }, [load]);

      function resetForm() {
        setEditing(null);
        setValues(emptyValues(fields));
        setErrors({});
      }

      function startEditing(row: T) {
        setEditing(row);
        setValues(toValues(row));
        setErrors({});
        setNotice("");
      }

      async function save(event: FormEvent<HTMLFormElement>) {
        event.preventDefault();
        const problems = validate(fields, values);
        setErrors(problems);
        if (Object.keys(problems).length > 0) return;
        setSaving(true);
        try {
          if (editing) await api.update(editing.id, toInput(values));
          else await api.create(toInput(values));
          setNotice(`${singular} ${editing ? "updated" : "created"}`);
          resetForm();
          await load(offset);
        } catch (error) {
          setFailure(errorText(error));
        } finally {
          setSaving(false);
        }
      }

      async function remove(row: T) {
        try {
          await api.remove(row.id);
          if (editing?.id === row.id) resetForm();
          setNotice(`${singular} deleted`);
          // Deleting the last row of a page shows the page before it.
          await load(rows.length === 1 && offset > 0 ? Math.max(0, offset - PAGE_SIZE) : offset);
        } catch (error) {
          setFailure(errorText(error));
        }
      }

      return (
        <section aria-labelledby={headingId} className="space-y-4">
          <h1 id={headingId} className="text-2xl font-semibold tracking-tight">
            {plural}
          </h1>
          <p role="status" className="min-h-5 text-sm text-emerald-700">
            {notice}
          </p>
          {failure && (
            <p role="alert" className="rounded-md border border-red-200 bg-red-50 p-3 text-sm text-red-700">
              {failure}
            </p>
          )}
          <div className="grid items-start gap-6 lg:grid-cols-3">
            <div className="overflow-x-auto rounded-lg border border-slate-200 bg-white shadow-sm lg:col-span-2">
              {rows.length === 0 ? (
                <p className="p-4 text-sm text-slate-500">
                  {loading ? "Loading..." : `No ${plural.toLowerCase()} yet.`}
                </p>
              ) : (
                <table className="min-w-full divide-y divide-slate-200 text-sm">
                  <caption className="sr-only">{plural}</caption>
                  <thead className="bg-slate-50 text-left text-xs font-semibold uppercase tracking-wide text-slate-600">
                    <tr>
                      <th scope="col" className="px-3 py-2">
                        #
                      </th>
                      {fields.map((field) => (
                        <th key={field.name} scope="col" className="px-3 py-2">
                          {field.label}
                        </th>
                      ))}
                      <th scope="col" className="px-3 py-2">
                        <span className="sr-only">Actions</span>
                      </th>
                    </tr>
                  </thead>
                  <tbody className="divide-y divide-slate-100">
                    {rows.map((row) => {
                      const shown = toValues(row);
                      return (
                        <tr key={row.id} className={editing?.id === row.id ? "bg-indigo-50" : undefined}>
                          <td className="px-3 py-2 text-slate-500">{row.id}</td>
                          {fields.map((field) => (
                            <td key={field.name} className={field.kind === "text" ? `${CELL} max-w-xs truncate` : CELL}>
                              {display(field, shown[field.name])}
                            </td>
                          ))}
                          <td className="space-x-2 whitespace-nowrap px-3 py-2 text-right">
                            <button
                              type="button"
                              className={SECONDARY}
                              onClick={() => startEditing(row)}
                              aria-label={`Edit ${singular} ${row.id}`}
                            >
                              Edit
                            </button>
                            <button
                              type="button"
                              className={`${SECONDARY} text-red-700`}
                              onClick={() => void remove(row)}
                              aria-label={`Delete ${singular} ${row.id}`}
                            >
                              Delete
                            </button>
                          </td>
                        </tr>
                      );
                    })}
                  </tbody>
                </table>
              )}
              {(offset > 0 || hasMore) && (
                <nav
                  aria-label={`${plural} pages`}
                  className="flex items-center justify-between border-t border-slate-200 px-3 py-2 text-sm"
                >
                  <button
                    type="button"
                    className={SECONDARY}
                    disabled={offset === 0 || loading}
                    onClick={() => void load(Math.max(0, offset - PAGE_SIZE))}
                  >
                    Previous
                  </button>
                  <span className="text-slate-500">
                    {offset + 1} to {offset + rows.length}
                  </span>
                  <button
                    type="button"
                    className={SECONDARY}
                    disabled={!hasMore || loading}
                    onClick={() => void load(offset + PAGE_SIZE)}
                  >
                    Next
                  </button>
                </nav>
              )}
            </div>
            <form
              noValidate
              aria-labelledby={formHeadingId}
              onSubmit={(event) => void save(event)}
              className="space-y-4 rounded-lg border border-slate-200 bg-white p-4 shadow-sm"
            >
              <h2 id={formHeadingId} className="text-lg font-semibold">
                {editing ? `Edit ${singular} ${editing.id}` : `New ${singular}`}
              </h2>
              {fields.map((field) => (
                <FieldInput
                  key={field.name}
                  field={field}
                  value={values[field.name]}
                  error={errors[field.name]}
                  onChange={(value) => setValues((current) => ({ ...current, [field.name]: value }))}
                />
              ))}
              <div className="flex gap-2">
                <button type="submit" className={PRIMARY} disabled={saving}>
                  {editing ? "Save changes" : `Create ${singular}`}
                </button>
                {editing && (
                  <button type="button" className={SECONDARY} onClick={resetForm}>
                    Cancel
                  </button>
                )}
              </div>
            </form>
          </div>
        </section>
      );
    }
    """), "Generic list/create/edit/delete page with paging, validation and status messages",
    ("src/api/http.ts", "src/forms.ts", "src/components/FieldInput.tsx"))

ROUTER_TS = GeneratedFile("src/router.ts", fill("""
    /** A tiny hash router: "#/tasks" names the page to show, so links, reloads and the back button all work. */
    import { useSyncExternalStore } from "react";

    function subscribe(onChange: () => void): () => void {
      window.addEventListener("hashchange", onChange);
      return () => window.removeEventListener("hashchange", onChange);
    }

    function currentPath(): string {
      return window.location.hash.replace(/^#\\/?/, "");
    }

    /** The path after "#/", re-rendering the caller when it changes. */
    export function useHashPath(): string {
      return useSyncExternalStore(subscribe, currentPath);
    }
    """), "Hash-based routing hook (no router library)")


def login_page_tsx(api_base: str | None) -> GeneratedFile:
    local = api_base is None
    content = fill(r"""
        /** Sign in, or create an account and sign in[[how]]. */
        import { type FormEvent, useId, useState } from "react";
        import { login, register } from "../api/auth";
        [[client_import]]import { errorText } from "../api/http";

        const CONTROL =
          "mt-1 block w-full rounded-md border border-slate-300 bg-white px-3 py-2 text-sm shadow-sm " +
          "focus:border-indigo-500 focus:outline-none focus:ring-2 focus:ring-indigo-500/40";
        const CARD = "mx-auto max-w-sm rounded-lg border border-slate-200 bg-white p-6 shadow-sm";
        const SUBMIT =
          "w-full rounded-md bg-indigo-600 px-3 py-2 text-sm font-medium text-white hover:bg-indigo-700 " +
          "focus:outline-none focus:ring-2 focus:ring-indigo-500/60 disabled:opacity-50";

        export function LoginPage() {
          const headingId = useId();
          const emailId = useId();
          const passwordId = useId();
          const [creating, setCreating] = useState(false);
          const [email, setEmail] = useState("");
          const [password, setPassword] = useState("");
          const [failure, setFailure] = useState("");
          const [busy, setBusy] = useState(false);

          async function submit(event: FormEvent<HTMLFormElement>) {
            event.preventDefault();
            const credentials = { email: email.trim(), password };
            let problem = "";
            if (!/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(credentials.email)) problem = "Enter a valid email address";
            else if (creating && password.length < 8) problem = "Use a password of at least 8 characters";
            else if (!password) problem = "Enter your password";
            setFailure(problem);
            if (problem) return;
            setBusy(true);
            try {
              await (creating ? register : login)(credentials);
              // Signed in: the app shows its pages instead of this one, so no state is left to update.
            } catch (error) {
              setFailure(errorText(error));
              setBusy(false);
            }
          }

          return (
            <section aria-labelledby={headingId} className={CARD}>
              <h1 id={headingId} className="text-xl font-semibold">
                {creating ? "Create an account" : "Sign in"}
              </h1>
        [[local_note]]      <form noValidate onSubmit={(event) => void submit(event)} className="mt-4 space-y-4">
                {failure && (
                  <p role="alert" className="rounded-md border border-red-200 bg-red-50 p-3 text-sm text-red-700">
                    {failure}
                  </p>
                )}
                <div>
                  <label htmlFor={emailId} className="block text-sm font-medium text-slate-700">
                    Email
                  </label>
                  <input
                    id={emailId}
                    type="email"
                    autoComplete="email"
                    required
                    value={email}
                    onChange={(event) => setEmail(event.target.value)}
                    className={CONTROL}
                  />
                </div>
                <div>
                  <label htmlFor={passwordId} className="block text-sm font-medium text-slate-700">
                    Password
                  </label>
                  <input
                    id={passwordId}
                    type="password"
                    autoComplete={creating ? "new-password" : "current-password"}
                    required
                    minLength={creating ? 8 : undefined}
                    value={password}
                    onChange={(event) => setPassword(event.target.value)}
                    className={CONTROL}
                  />
                </div>
                <button type="submit" disabled={busy} className={SUBMIT}>
                  {creating ? "Create account" : "Sign in"}
                </button>
              </form>
              <button
                type="button"
                onClick={() => {
                  setCreating(!creating);
                  setFailure("");
                }}
                className="mt-4 text-sm text-indigo-700 hover:underline"
              >
                {creating ? "I already have an account" : "Create an account"}
              </button>
            </section>
          );
        }
        """,
        how="; with no API configured, any credentials open a session in this browser" if local else "",
        client_import='import { API_URL } from "../api/client";\n' if local else "",
        local_note="      {API_URL === null && (\n        <p className=\"mt-2 text-sm text-slate-500\">No server is "
        "configured: any email and password open a session in this browser.</p>\n      )}\n" if local else "")
    depends = ("src/api/auth.ts", "src/api/http.ts") + (("src/api/client.ts",) if local else ())
    return GeneratedFile("src/pages/LoginPage.tsx", content, "Sign-in and registration form", depends)


# --- Test support -----------------------------------------------------------------------------------------------

SETUP_TS = GeneratedFile("src/test/setup.ts", fill("""
    /** Runs before the tests: every test starts from an empty page, empty storage, no stubs and no route. */
    import { cleanup } from "@testing-library/react";
    import { afterEach, vi } from "vitest";

    afterEach(() => {
      cleanup();
      localStorage.clear();
      window.location.hash = "";
      vi.unstubAllGlobals();
    });
    """), "Vitest setup: cleans the DOM, localStorage, the URL hash and stubbed globals after each test")

HELPERS_TS = GeneratedFile("src/test/helpers.ts", fill("""
    /** Using forms and reading tables the way a person does: by label and by visible text. */
    import { fireEvent, screen, within } from "@testing-library/react";

    /** Fills controls found by their label: text for inputs, true/false for checkboxes. */
    export function fillForm(values: Record<string, string | boolean>): void {
      for (const [label, value] of Object.entries(values)) {
        const control = screen.getByLabelText(label);
        if (typeof value === "boolean") {
          if ((control as HTMLInputElement).checked !== value) fireEvent.click(control);
        } else {
          fireEvent.change(control, { target: { value } });
        }
      }
    }

    /** What a person (and a screen reader) learns about the control a label names. */
    export function describeControl(label: string) {
      const control = screen.getByLabelText(label);
      return {
        tag: control.tagName.toLowerCase(),
        type: control.getAttribute("type"),
        step: control.getAttribute("step"),
        required: control.hasAttribute("required"),
      };
    }

    /** The text of each body row's cells, the actions column left out; [] when no table is shown. */
    export function tableRows(): string[][] {
      const table = screen.queryByRole("table");
      if (!table) return [];
      return within(table)
        .getAllByRole("row")
        .slice(1)
        .map((row) =>
          within(row)
            .getAllByRole("cell")
            .slice(0, -1)
            .map((cell) => cell.textContent ?? ""),
        );
    }
    """), "Test helpers: fill a form by labels, describe a labelled control, read the table's rows")


def fake_api_ts(auth: bool) -> GeneratedFile:
    auth_routes = fill("""
        if (path === "/auth/register" && method === "POST") {
          const { email, password } = body as { email: string; password: string };
          if (accounts.has(email)) return json(409, { detail: "An account with this email already exists" });
          accounts.set(email, password);
          return json(201, { id: accounts.size, email });
        }
        if (path === "/auth/token" && method === "POST") {
          const { email, password } = body as { email: string; password: string };
          if (accounts.get(email) !== password) return json(401, { detail: "Incorrect email or password" });
          return json(200, { access_token: FAKE_TOKEN, token_type: "bearer" });
        }
        if (new Headers(init.headers).get("Authorization") !== `Bearer ${FAKE_TOKEN}`) {
          return json(401, { detail: "Not authenticated" });
        }
        """)
    content = fill(r"""
        /** A stand-in for the REST API behind a stubbed fetch: the back end's routes, statuses and JSON, in memory. */
        import { vi } from "vitest";

        [[token]]export interface FakeCall {
          method: string;
          path: string; // after the base URL, with the query string
          body: unknown;
        }

        export interface FakeApi {
          calls: FakeCall[];
        [[accounts_field]]}

        type Row = Record<string, unknown> & { id: number };

        function json(status: number, body: unknown): Response {
          return new Response(JSON.stringify(body), { status, headers: { "Content-Type": "application/json" } });
        }

        /** Replaces fetch for the current test (setup.ts restores it) with an API served under `baseUrl`. */
        export function fakeApi(baseUrl: string): FakeApi {
          const tables = new Map<string, { nextId: number; rows: Row[] }>();
        [[accounts_map]]  const calls: FakeCall[] = [];

          async function answer(url: string, init: RequestInit): Promise<Response> {
            const method = init.method ?? "GET";
            const path = url.startsWith(baseUrl) ? url.slice(baseUrl.length) : url;
            const body: unknown = typeof init.body === "string" ? JSON.parse(init.body) : undefined;
            calls.push({ method, path, body });
        [[auth_routes]]
            const [route, query = ""] = path.split("?");
            const match = /^\/([a-z0-9-]+)(?:\/(\d+))?$/.exec(route);
            if (!match) return json(404, { detail: "Not Found" });
            const table = tables.get(match[1]) ?? { nextId: 1, rows: [] };
            tables.set(match[1], table);
            if (match[2] === undefined) {
              if (method === "GET") {
                const params = new URLSearchParams(query);
                const offset = Number(params.get("offset") ?? 0);
                return json(200, table.rows.slice(offset, offset + Number(params.get("limit") ?? 50)));
              }
              if (method !== "POST") return json(405, { detail: "Method Not Allowed" });
              const row = { ...(body as object), id: table.nextId } as Row;
              table.nextId += 1;
              table.rows.push(row);
              return json(201, row);
            }
            const id = Number(match[2]);
            const index = table.rows.findIndex((row) => row.id === id);
            if (index < 0) return json(404, { detail: "Not found" });
            if (method === "GET") return json(200, table.rows[index]);
            if (method === "PUT") {
              table.rows[index] = { ...(body as object), id } as Row;
              return json(200, table.rows[index]);
            }
            if (method !== "DELETE") return json(405, { detail: "Method Not Allowed" });
            table.rows.splice(index, 1);
            return new Response(null, { status: 204 });
          }

          vi.stubGlobal("fetch", (input: RequestInfo | URL, init: RequestInit = {}) => answer(String(input), init));
          return { calls[[accounts_value]] };
        }
        """,
        token='/** The token the fake issues and then requires on every resource route. */\n'
              'export const FAKE_TOKEN = "fake-token";\n\n' if auth else "",
        accounts_field="  accounts: Map<string, string>; // email -> password\n" if auth else "",
        accounts_map="  const accounts = new Map<string, string>();\n" if auth else "",
        auth_routes=textwrap.indent(auth_routes, " " * 4) if auth else "",
        accounts_value=", accounts" if auth else "")
    return GeneratedFile("src/test/fakeApi.ts", content, "In-memory stand-in for the REST API behind a stubbed fetch "
                         "(routes, status codes, JSON" + (", tokens" if auth else "") + ")")


# --- Packaging --------------------------------------------------------------------------------------------------


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


DOCKERFILE = GeneratedFile("Dockerfile", fill("""
    # Build the static site with Node, then serve it with nginx.
    FROM node:22-alpine AS build
    WORKDIR /app
    COPY package.json ./
    RUN npm install --no-audit --no-fund
    COPY . .
    ARG VITE_API_URL=""
    ENV VITE_API_URL=$VITE_API_URL
    RUN npm run build

    FROM nginx:1.27-alpine
    COPY nginx.conf /etc/nginx/conf.d/default.conf
    COPY --from=build /app/dist /usr/share/nginx/html
    EXPOSE 80
    """), "Multi-stage image: npm build, then nginx serving dist/ on port 80", ("package.json", "nginx.conf"))

DOCKERIGNORE = GeneratedFile(".dockerignore", "node_modules\ndist\ncoverage\n.git\n.github\n*.log\n.env*\n",
                             "Keeps dependencies, build output and git history out of the image's build context")


def ci_workflow(working_directory: str = ".") -> GeneratedFile:
    """A GitHub Actions job that installs, builds and tests the front end in `working_directory`."""
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
              - run: npm run build
              - run: npm test
        """, defaults=defaults)
    return GeneratedFile(".github/workflows/ci.yml", content, "GitHub Actions: npm install, build (type check), test")
