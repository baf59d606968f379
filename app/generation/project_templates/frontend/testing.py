"""The front end's test support: src/test/ (setup, helpers, a fake API), sample values, and the REST client's test."""

from __future__ import annotations

import textwrap
from typing import Any

from .. import GeneratedFile
from ..spec import EntitySpec, FieldSpec
from ..verbatim import verbatim
from .typescript import INPUT_TYPES, fill, ts_names, ts_object

SETUP_TS = verbatim("frontend", "src/test/setup.ts", "Vitest setup: cleans the DOM, localStorage, the URL hash and "
                    "stubbed globals after each test")

HELPERS_TS = verbatim("frontend", "src/test/helpers.ts", "Test helpers: fill a form by labels, describe a labelled "
                      "control, read the table's rows")

_SAMPLES = {
    "int": (("42", 42), ("7", 7)),
    "float": (("12.5", 12.5), ("0.25", 0.25)),
    "date": (("2024-05-17", "2024-05-17"), ("2025-01-31", "2025-01-31")),
    "datetime": (("2024-05-17T09:30", "2024-05-17T09:30:00"), ("2025-01-31T18:45", "2025-01-31T18:45:00")),
    "ref": (("1", 1), ("2", 2)),  # the ids of the records the page tests create first
}


def sample(field: FieldSpec, variant: int = 0) -> tuple[str | bool, str, Any]:
    """(what a person enters, what the table shows, what the API stores) for `field`; variants 0 and 1 differ."""
    if field.type in ("str", "text"):
        value = f"{field.label} {variant + 1}" + (": a longer text" if field.type == "text" else "")
        return value, value, value
    if field.type == "bool":
        checked = variant == 0
        return checked, "Yes" if checked else "No", checked
    typed, stored = _SAMPLES[field.kind][variant]
    return typed, typed.replace("T", " "), stored


def control(field: FieldSpec) -> dict[str, Any]:
    """What `describeControl` reports for the field's input: the form's promise per field type."""
    if field.type == "text":
        return {"tag": "textarea", "type": None, "step": None, "required": field.required}
    if field.type == "bool":
        return {"tag": "input", "type": "checkbox", "step": None, "required": False}
    if field.target:
        return {"tag": "select", "type": None, "step": None, "required": field.required}
    step = {"int": "1", "float": "any"}.get(field.type)
    return {"tag": "input", "type": INPUT_TYPES[field.type], "step": step, "required": field.required}


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
                const page = table.rows.slice(offset, offset + Number(params.get("limit") ?? 50));
                const response = json(200, page);
                response.headers.set("X-Total-Count", String(table.rows.length));
                return response;
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


def http_test(entity: EntitySpec, auth: bool) -> GeneratedFile:
    n = ts_names(entity)
    first = ts_object({f.snake: sample(f, 0)[2] for f in entity.fields})
    second = ts_object({f.snake: sample(f, 1)[2] for f in entity.fields})
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
