/** One labelled form control, chosen by the field's type, with its validation message. */
import { useId } from "react";
import { type Choice, type FieldConfig, type FieldKind, MAX_TEXT_LENGTH } from "../forms";

/** The <input type> of each field kind; "text" is a <textarea>, "bool" a checkbox and "ref" a <select>. */
export const INPUT_TYPES: Record<Exclude<FieldKind, "text" | "bool" | "ref">, string> = { str: "text", int: "number", float: "number", date: "date", datetime: "datetime-local" };

const STEPS: Partial<Record<FieldKind, string>> = { int: "1", float: "any" };

const CONTROL =
  "mt-1 block w-full rounded-md border bg-white px-3 py-2 text-sm shadow-sm focus:border-indigo-500 " +
  "focus:outline-none focus:ring-2 focus:ring-indigo-500/40";
// The asterisk comes from CSS, so the label's text (its accessible name) stays the field's name.
const REQUIRED_MARK = "after:ml-0.5 after:text-red-600 after:content-['*']";
const LABEL = "block text-sm font-medium text-slate-700";

interface FieldInputProps {
  field: FieldConfig;
  choices?: Choice[]; // for a relation: the records it may point to, loaded by the page
  value: string | boolean;
  error?: string;
  onChange: (value: string | boolean) => void;
}

export function FieldInput({ field, choices = [], value, error, onChange }: FieldInputProps) {
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
      {kind === "ref" ? (
        <ChoiceSelect
          id={id}
          field={field}
          choices={choices}
          value={text}
          onChange={onChange}
          className={className}
          described={described}
        />
      ) : kind === "text" ? (
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

interface ChoiceSelectProps {
  id: string;
  field: FieldConfig;
  choices: Choice[];
  value: string;
  onChange: (value: string) => void;
  className: string;
  described: { "aria-invalid"?: boolean; "aria-describedby"?: string };
}

/** A relation's control: the records it may point to. */
function ChoiceSelect({ id, field, choices, value, onChange, className, described }: ChoiceSelectProps) {
  return (
    <select
      id={id}
      required={field.required}
      value={value}
      onChange={(event) => onChange(event.target.value)}
      className={className}
      {...described}
    >
      <option value="">{"\u2014"}</option>
      {choices.map((choice) => (
        <option key={choice.value} value={String(choice.value)}>
          {choice.label}
        </option>
      ))}
    </select>
  );
}
