"""The front end's Vitest tests of what a person sees: one per entity page, and one of the App shell."""

from __future__ import annotations

import textwrap
from typing import Any

from .. import GeneratedFile
from ..relation_order import ancestors, ordered_entities
from ..spec import EntitySpec, FieldSpec, ProjectSpec
from .testing import control, sample
from .typescript import article, fill, ts_import, ts_names, ts_object, ts_string, ts_value


def _empty_value(field: FieldSpec) -> tuple[str, Any]:
    return ("No", False) if field.type == "bool" else ("\u2014", None)


_EMPTY_CHOICE = "\u2014"  # FieldInput.tsx's first option: no record chosen


def _choice_label(target: EntitySpec, variant: int) -> str:
    text = next((f for f in target.fields if f.type in ("str", "text")), None)
    return str(sample(text, variant)[2]) if text else f"{target.label} {variant + 1}"


def entity_test(entity: EntitySpec, spec: ProjectSpec, api_base: str | None) -> GeneratedFile:
    n, remote, auth = ts_names(entity), api_base is not None, spec.has("auth")
    fields = entity.fields
    parents = ancestors(spec.entities, entity)
    targets = {e.snake: e for e in spec.entities}

    own = [f for f in fields if entity.refers_to_itself(f)]  # left empty: the first record has none to refer to
    # A relation closing a cycle is left empty too: the records it names refer back to this entity's.
    deferred = [f for f in fields if spec.is_deferred(entity, f)]
    blank = own + deferred

    def shown(f: FieldSpec, variant: int) -> str:  # a table cell: a relation shows its record's name
        if f in blank:
            return _EMPTY_CHOICE
        return _choice_label(targets[f.target], variant) if f.target else sample(f, variant)[1]

    def form(variant: int) -> str:  # what a person types, by label
        return ts_object({f.label: "" if f in blank else sample(f, variant)[0] for f in fields}, quote_keys=True)

    def stored(variant: int) -> str:  # what the API keeps, by JSON key
        return ts_object({f.snake: None if f in blank else sample(f, variant)[2] for f in fields})

    required_form = {f.label: sample(f, 0)[0] for f in fields if f.required}
    required_row = ts_value(["1", *(shown(f, 0) if f.required else _empty_value(f)[0] for f in fields)])
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
        """, checks="".join(f"  expect(describeControl({ts_string(f.label)})).toEqual({ts_object(control(f))});\n"
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
    for f in own:
        tests.append(fill("""
              it("offers the saved [[plural]] as the [[field]] of another", async () => {
                await [[create]](FIRST);
                render(<[[page]] />);
                await waitFor(() => expect(choiceTexts([[label]])).toEqual([[choices]]));
                fillForm({ ...SECOND_FORM, [[label]]: "1" });
                fireEvent.click([[create_button]]);
                await waitFor(() => expect(tableRows()).toHaveLength(2));
                expect(tableRows()[1][[index]]).toBe([[first_name]]);
                expect((await [[get]](2)).[[key]]).toBe(1);
              });
            """, plural=entity.plural_label.lower(), field=f.label.lower(), create=n.create, page=n.page,
            label=ts_string(f.label), choices=ts_value([_EMPTY_CHOICE, _choice_label(entity, 0)]),
            create_button=create_button, index=f"[{fields.index(f) + 1}]", get=n.get, key=f.snake,
            first_name=ts_string(_choice_label(entity, 0))))
    chains = {f.snake: _chain(spec, entity, targets[f.target]) for f in deferred}
    for f in deferred:
        target = targets[f.target]
        tests.append(fill("""
              it("offers the saved [[targets]] as the [[field]] of [[lower]]", async () => {
                await [[create]](FIRST);
                await [[create]](SECOND);
              [[chain]]  render(<[[page]] />);
                await waitFor(() => expect(choiceTexts([[label]])).toEqual([[choices]]));
                fillForm({ ...SECOND_FORM, [[label]]: "1" });
                fireEvent.click([[create_button]]);
                await waitFor(() => expect(tableRows()).toHaveLength(3));
                expect(tableRows()[2][[index]]).toBe([[first_name]]);
                expect((await [[get]](3)).[[key]]).toBe(1);
              });
            """, targets=target.plural_label.lower(), field=f.label.lower(), lower=article(entity.label.lower()),
            create=n.create, chain=_seed(spec, chains[f.snake]), page=n.page, label=ts_string(f.label),
            choices=ts_value([_EMPTY_CHOICE, *(_choice_label(target, v) for v in (0, 1))]),
            create_button=create_button, index=f"[{fields.index(f) + 1}]", get=n.get, key=f.snake,
            first_name=ts_string(_choice_label(target, 0))))
    if not all(f.required for f in fields):
        tests.append(fill("""
              it("saves optional fields left empty as null", async () => {
                await openPage();
                fillForm([[form]]);
                fireEvent.click([[create]]);
                await waitFor(() => expect(tableRows()).toEqual([[[row]]]));
                expect(await [[list]]()).toEqual([[[stored]]]);
              });
            """, form=ts_object(required_form, quote_keys=True, indent=2), create=create_button, row=required_row,
            list=n.list, stored=ts_object({"id": 1, **required_stored}, indent=2)))
    tests.append(fill("""
          it("lists the [[plural]] saved before it opened", async () => {
            await [[create]](FIRST);
            await [[create]](SECOND);
            render(<[[page]] />);
            await waitFor(() => expect(tableRows()).toEqual([["1", ...FIRST_ROW], ["2", ...SECOND_ROW]]));
            expect(screen.getByText([[count]])).toBeTruthy();
          });
        """, plural=entity.plural_label.lower(), create=n.create, page=n.page,
        count=ts_string(f"2 {entity.plural_label.lower()}")))

    imports = ['import { fireEvent, render, screen, waitFor } from "@testing-library/react";',
               f'import {{ {"beforeEach, " if remote or parents else ""}describe, expect, it }} from "vitest";']
    if remote:
        imports.append('import { API_URL } from "../api/client";')
    if remote and auth:
        imports.append('import { storeToken } from "../api/session";')
    imports.append(ts_import([n.create, n.get, n.list, f"type {n.input}"], f"../api/{n.module}"))
    seeded = parents + [a for chain in chains.values() for a in chain if a not in parents]
    seeded = [a for a in spec.entities if a in seeded and a != entity]
    imports += [ts_import([ts_names(p).create], f"../api/{ts_names(p).module}") for p in seeded]
    if remote:
        imports.append(f'import {{ {"FAKE_TOKEN, " if auth else ""}type FakeApi, fakeApi }} from "../test/fakeApi";')
    imports += ['import { describeControl, fillForm, tableRows } from "../test/helpers";',
                f'import {{ {n.page} }} from "./{n.page}";']
    # The records a relation points to, ids 1 and 2 of each entity it reaches, created as a person would first.
    seed = _seed(spec, parents)
    setup = ""
    if remote:
        setup = fill("""
            let api: FakeApi;

            beforeEach([[is_async]]() => {
              api = fakeApi(API_URL);
            [[token]][[seed]]});

            """, token="  storeToken(FAKE_TOKEN);\n" if auth else "", seed=seed, is_async="async " if seed else "")
    elif seed:
        setup = fill("""
            beforeEach(async () => {
            [[seed]]});

            """, seed=seed)
    # A relation's select offers the records it may point to, each by its first text (pages.py).
    choices_loaded = "".join(
        f"  await waitFor(() => expect(choiceTexts({ts_string(f.label)})).toEqual("
        f"{ts_value([_EMPTY_CHOICE, *(_choice_label(targets[f.target], v) for v in (0, 1))])}));\n"
        for f in fields if f.target and f not in blank)
    content = fill("""
        /** [[page]] against [[source]]: its form controls, validation, create, edit, delete and listing. */
        [[imports]]

        const FIRST: [[input]] = [[first]];
        const SECOND: [[input]] = [[second]];
        const FIRST_FORM = [[first_form]];
        const SECOND_FORM = [[second_form]];
        const FIRST_ROW = [[first_row]];
        const SECOND_ROW = [[second_row]];

        [[setup]][[choice_texts]]async function openPage(): Promise<void> {
          render(<[[page]] />);
          expect(await screen.findByText([[empty]])).toBeTruthy();
        [[choices_loaded]]}

        describe("[[page]]", () => {
        [[tests]]});
        """, page=n.page, source="a stubbed REST API" if remote else "the localStorage store",
        imports="\n".join(imports), input=n.input, first=stored(0), second=stored(1), first_form=form(0),
        second_form=form(1),
        first_row=ts_value([shown(f, 0) for f in fields]),
        second_row=ts_value([shown(f, 1) for f in fields]),
        setup=setup, empty=empty_text, choices_loaded=choices_loaded,
        choice_texts=_CHOICE_TEXTS if choices_loaded or blank else "",
        tests="\n".join(textwrap.indent(test, "  ") for test in tests))
    depends = [n.api_path, *(ts_names(p).api_path for p in seeded), "src/test/helpers.ts", n.page_path]
    if remote:
        depends[:0] = ["src/api/client.ts"] + (["src/api/session.ts"] if auth else [])
        depends.insert(-1, "src/test/fakeApi.ts")
    return GeneratedFile(n.page_path.replace(".tsx", ".test.tsx"), content,
                         f"Vitest: the {entity.plural_label} page's controls, validation and create/edit/delete "
                         + ("against the stubbed API" if remote else "with localStorage"), tuple(depends))


def _chain(spec: ProjectSpec, entity: EntitySpec, target: EntitySpec) -> list[EntitySpec]:
    """What a deferred relation's records need beyond `entity`'s own (ids 1 and 2) and its parents: the target and
    the entities it refers to, in the order they can be created."""
    around = {a.snake for a in ancestors(spec.entities, entity)} | {entity.snake}
    needed = {a.snake for a in ancestors(spec.entities, target)} | {target.snake}
    return [a for a in ordered_entities(spec.entities) if a.snake in needed - around]


def _seed(spec: ProjectSpec, entities: list[EntitySpec]) -> str:
    """Creates records 1 and 2 of each entity, as a person would first; a relation closing a cycle is left empty
    (the records it names come later)."""
    def body(entity: EntitySpec, variant: int) -> str:
        return ts_object({f.snake: None if spec.is_deferred(entity, f) else sample(f, variant)[2]
                          for f in entity.fields})

    return "".join(f"  await {ts_names(a).create}({body(a, v)});\n" for a in entities for v in (0, 1))


def app_test(spec: ProjectSpec, api_base: str | None) -> GeneratedFile:
    auth, remote = spec.has("auth"), api_base is not None
    first, last = spec.entities[0], spec.entities[-1]
    labels = ts_value([e.plural_label for e in spec.entities])
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
              // In the navigation: the header's title link may carry the same name ("Recipes").
              const nav = screen.getByRole("navigation", { name: "Main" });
              fireEvent.click(within(nav).getByRole("link", { name: [[label]] }));
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


_CHOICE_TEXTS = """function choiceTexts(label: string): (string | null)[] {
  return Array.from(screen.getByLabelText(label).querySelectorAll("option"), (option) => option.textContent);
}

"""
