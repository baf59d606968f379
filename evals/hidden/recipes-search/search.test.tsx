/** Hidden acceptance test: the Recipes page filters by a "Search" box. */
import { fireEvent, render, screen, waitFor } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import { createRecipe } from "../api/recipes";
import { RecipePage } from "../pages/RecipePage";
import { tableRows } from "../test/helpers";

describe("recipe search", () => {
  it("shows only recipes whose title contains the search text, ignoring case", async () => {
    await createRecipe({ title: "Tomato Soup", minutes: 20 });
    await createRecipe({ title: "Apple Pie", minutes: 60 });
    await createRecipe({ title: "soup of the day", minutes: 15 });
    render(<RecipePage />);
    await waitFor(() => expect(tableRows().length).toBe(3));
    fireEvent.change(screen.getByLabelText("Search"), { target: { value: "SOUP" } });
    await waitFor(() => expect(tableRows().map((row) => row[1])).toEqual(["Tomato Soup", "soup of the day"]));
  });
});
