/** Hidden acceptance test: contacts are listed by name, A to Z. */
import { render, waitFor } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import { createContact } from "../api/contacts";
import { ContactPage } from "../pages/ContactPage";
import { tableRows } from "../test/helpers";

describe("contact order", () => {
  it("lists contacts sorted by name whatever the order they were added in", async () => {
    await createContact({ name: "Zoe", email: "zoe@example.com" });
    await createContact({ name: "Adam", email: "adam@example.com" });
    await createContact({ name: "Maya", email: "maya@example.com" });
    render(<ContactPage />);
    await waitFor(() => expect(tableRows().map((row) => row[1])).toEqual(["Adam", "Maya", "Zoe"]));
  });
});
