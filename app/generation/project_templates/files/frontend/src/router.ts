/** A tiny hash router: "#/tasks" names the page to show, so links, reloads and the back button all work. */
import { useSyncExternalStore } from "react";

function subscribe(onChange: () => void): () => void {
  window.addEventListener("hashchange", onChange);
  return () => window.removeEventListener("hashchange", onChange);
}

function currentPath(): string {
  return window.location.hash.replace(/^#\/?/, "");
}

/** The path after "#/", re-rendering the caller when it changes. */
export function useHashPath(): string {
  return useSyncExternalStore(subscribe, currentPath);
}
