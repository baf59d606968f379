/** The page of one entity: a paged table of its rows with edit and delete, and a form to create or edit one. */
import { type FormEvent, useCallback, useEffect, useId, useState } from "react";
import { errorText, type Page } from "../api/http";
import {
  type Choice,
  display,
  emptyValues,
  type FieldConfig,
  type FormErrors,
  type FormValues,
  validate,
} from "../forms";
import { FieldInput } from "./FieldInput";

const PAGE_SIZE = 20;

export interface ResourceApi<T, I> {
  page(limit: number, offset: number): Promise<Page<T>>;
  create(input: I): Promise<T>;
  update(id: number, input: I): Promise<T>;
  remove(id: number): Promise<void>;
}

interface ResourcePageProps<T extends { id: number }, I> {
  singular: string;
  plural: string;
  fields: FieldConfig[]; // module-level constants too, for the same reason as `api`
  api: ResourceApi<T, I>; // keep it a module-level constant: a new object on every render reloads the list
  toInput: (values: FormValues) => I;
  toValues: (row: T) => FormValues;
}

type Choices = Record<string, Choice[]>; // field name -> the records a relation may point to

const BUTTON =
  "rounded-md px-3 py-1.5 text-sm font-medium focus:outline-none focus:ring-2 focus:ring-indigo-500/60";
const PRIMARY = `${BUTTON} bg-indigo-600 text-white hover:bg-indigo-700 disabled:opacity-50`;
const SECONDARY = `${BUTTON} border border-slate-300 bg-white text-slate-700 hover:bg-slate-50 disabled:opacity-50`;
const CELL = "px-3 py-2";

/** Each relation's choices; one that cannot be read offers none (saving then says what is missing). */
async function loadChoices(fields: FieldConfig[]): Promise<Choices> {
  const loaded = await Promise.all(
    fields.map(async (field): Promise<[string, Choice[]]> => {
      if (!field.choices) return [field.name, []];
      return [field.name, await field.choices().catch(() => [])];
    }),
  );
  return Object.fromEntries(loaded);
}

export function ResourcePage<T extends { id: number }, I>(props: ResourcePageProps<T, I>) {
  const { singular, plural, fields, api, toInput, toValues } = props;
  const headingId = useId();
  const formHeadingId = useId();
  const [rows, setRows] = useState<T[]>([]);
  const [total, setTotal] = useState(0);
  const [offset, setOffset] = useState(0);
  const [choices, setChoices] = useState<Choices>({});
  const [loading, setLoading] = useState(true);
  const [editing, setEditing] = useState<T | null>(null);
  const [values, setValues] = useState<FormValues>(() => emptyValues(fields));
  const [errors, setErrors] = useState<FormErrors>({});
  const [saving, setSaving] = useState(false);
  const [notice, setNotice] = useState("");
  const [failure, setFailure] = useState("");

  // The page from `from` on with the API's total, and the records each relation may point to: a name for every
  // id the table shows, and the form's choices, fresh after each change (a new record may be a parent).
  const fetchView = useCallback(
    async (from: number) => {
      const [page, loaded] = await Promise.all([api.page(PAGE_SIZE, from), loadChoices(fields)]);
      return { from, page, loaded };
    },
    [api, fields],
  );

  const showView = useCallback(({ from, page, loaded }: Awaited<ReturnType<typeof fetchView>>) => {
    setRows(page.rows);
    setTotal(page.total);
    setOffset(from);
    setChoices(loaded);
    setFailure("");
  }, []);

  const showFailure = useCallback((error: unknown) => setFailure(errorText(error)), []);

  useEffect(() => {
    let current = true; // a page left before its first answer came ignores that answer
    void fetchView(0)
      .then(
        (view) => {
          if (current) showView(view);
        },
        (error: unknown) => {
          if (current) showFailure(error);
        },
      )
      .finally(() => {
        if (current) setLoading(false);
      });
    return () => {
      current = false;
    };
  }, [fetchView, showView, showFailure]);

  const hasMore = offset + rows.length < total;

  async function load(from: number): Promise<void> {
    setLoading(true);
    try {
      showView(await fetchView(from));
    } catch (error) {
      showFailure(error);
    } finally {
      setLoading(false);
    }
  }

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
      <div className="flex items-baseline justify-between gap-4">
        <h1 id={headingId} className="text-2xl font-semibold tracking-tight">
          {plural}
        </h1>
        {total > 0 && (
          <p className="text-sm text-slate-500">
            {total} {(total === 1 ? singular : plural).toLowerCase()}
          </p>
        )}
      </div>
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
                          {display(field, shown[field.name], choices[field.name])}
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
                {offset + 1} to {offset + rows.length} of {total}
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
              choices={choices[field.name]}
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
