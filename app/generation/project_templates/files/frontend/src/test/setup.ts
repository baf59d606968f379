/** Runs before the tests: every test starts from an empty page, empty storage, no stubs and no route. */
import { cleanup } from "@testing-library/react";
import { afterEach, vi } from "vitest";

afterEach(() => {
  cleanup();
  localStorage.clear();
  window.location.hash = "";
  vi.unstubAllGlobals();
});
