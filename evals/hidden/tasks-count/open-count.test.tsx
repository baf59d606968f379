/** Hidden acceptance test: the Chores page says how many chores are open. */
import { render, screen } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import { createChore } from "../api/chores";
import { ChorePage } from "../pages/ChorePage";

describe("open chores", () => {
  it("shows the number of chores not done", async () => {
    await createChore({ title: "Dishes", done: false });
    await createChore({ title: "Laundry", done: true });
    await createChore({ title: "Trash", done: false });
    render(<ChorePage />);
    expect(await screen.findByText("2 open")).toBeTruthy();
  });
});
