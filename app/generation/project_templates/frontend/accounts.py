"""What the `auth` feature adds to the front end: the token store, sign-in calls, the sign-in page and its test."""

from __future__ import annotations

import textwrap

from .. import GeneratedFile
from ..spec import ProjectSpec
from .typescript import fill, ts_string


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
