/** Entity forms: what each field type holds, how it is checked and shown, and the form <-> API conversions. */
/** "ref" is a relation: the id of a record of another entity, chosen from a list. */
export type FieldKind = "str" | "text" | "int" | "float" | "bool" | "date" | "datetime" | "ref";

/** A record a relation may point to, as a select offers it. */
export interface Choice {
  value: number;
  label: string;
}

export interface FieldConfig {
  name: string; // the field's key in the API's JSON
  label: string;
  kind: FieldKind;
  required: boolean;
  choices?: () => Promise<Choice[]>; // for a relation: the records it may point to
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
    } else if (field.kind === "int" && !Number.isSafeInteger(Number(text))) {
      // Past 2^53 a JavaScript number is rounded, and the API refuses it.
      errors[field.name] = `${field.label} is too large`;
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

/** A form value as a table cell shows it; a relation by the name of its record (`#id` when not among `choices`). */
export function display(field: FieldConfig, value: string | boolean, choices: Choice[] = []): string {
  if (typeof value === "boolean") return value ? "Yes" : "No";
  if (value === "") return "\u2014";
  if (field.kind === "ref") return choices.find((choice) => String(choice.value) === value)?.label ?? `#${value}`;
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
