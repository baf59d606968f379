"""The front end's data access under src/api/: fetch, localStorage, the choice between them, one module per entity."""

from __future__ import annotations

from .. import GeneratedFile
from ..spec import EntitySpec, ProjectSpec
from .build import api_prefix
from .typescript import TS_COMMENTS, article, fill, ts_names, ts_string, ts_type


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

        /** One page of a list, and how many records the whole list holds (the API's X-Total-Count). */
        export interface Page<T> {
          rows: T[];
          total: number;
        }

        /** What every resource offers, whether it lives on a server or in this browser. */
        export interface Collection<T extends { id: number }, I> {
          list(limit: number, offset: number): Promise<T[]>;
          page(limit: number, offset: number): Promise<Page<T>>;
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
          const response = await send(baseUrl, path, options);
          if (response.status === 204) return undefined as R;
          return (await response.json()) as R;
        }

        /** A list's page, with its total from X-Total-Count (what it holds so far when a server does not say). */
        export async function requestPage<T>(baseUrl: string, path: string, offset: number): Promise<Page<T>> {
          const response = await send(baseUrl, path);
          const rows = (await response.json()) as T[];
          const total = Number(response.headers.get("X-Total-Count") ?? Number.NaN);
          return { rows, total: Number.isSafeInteger(total) ? total : offset + rows.length };
        }

        async function send(baseUrl: string, path: string, options: RequestOptions = {}): Promise<Response> {
          const headers: Record<string, string> = { Accept: "application/json" };
          if (options.body !== undefined) headers["Content-Type"] = "application/json";
        [[send_token]]  const response = await fetch(baseUrl + path, {
            method: options.method ?? "GET",
            headers,
            body: options.body === undefined ? undefined : JSON.stringify(options.body),
          });
        [[refused_token]]  if (!response.ok) throw new ApiError(response.status, await failureMessage(response));
          return response;
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
            page: (limit, offset) => requestPage<T>(baseUrl, `${path}?limit=${limit}&offset=${offset}`, offset),
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
            async page(limit, offset) {
              const rows = load<T>(key).rows;
              return { rows: rows.slice(offset, offset + limit), total: rows.length };
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


def entity_api(entity: EntitySpec) -> GeneratedFile:
    n = ts_names(entity)
    fields = "".join(f"  {f.snake}: {ts_type(f)};" + (f" // {TS_COMMENTS[f.type]}" if f.type in TS_COMMENTS else "")
                     + "\n" for f in entity.fields)
    content = fill("""
        /** [[label]] records and their API: list, get, create, update and delete. */
        import { collection } from "./client";
        import { type Page } from "./http";

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

        /** One page of [[plural]] and how many there are in all. */
        export function [[paged]](limit = 20, offset = 0): Promise<Page<[[type]]>> {
          return store.page(limit, offset);
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
        list=n.list, paged=n.paged, plural=entity.plural_label.lower(), get=n.get, create=n.create,
        update=n.update, delete=n.delete)
    return GeneratedFile(n.api_path, content, f"{n.type} and {n.input} types and the typed CRUD calls for "
                         f"/{entity.plural_kebab}", ("src/api/client.ts", "src/api/http.ts"))
