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
