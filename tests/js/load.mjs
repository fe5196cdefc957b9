// Loads the wasm package built by .ci/build-pkg (./pkg and its core build ./pkg/core, --target web)
// into Node with initSync.
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import path from "node:path";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

export async function loadPkg() {
  const mod = await import(path.join(root, "pkg/mav2_session_keys.js"));
  mod.initSync({ module: readFileSync(path.join(root, "pkg/mav2_session_keys_bg.wasm")) });
  return mod;
}

/** The `mav2-session-keys/core` build (pkg/core: the crate without its `service` feature). */
export async function loadCore() {
  const mod = await import(path.join(root, "pkg/core/mav2_session_keys_core.js"));
  mod.initSync({ module: readFileSync(path.join(root, "pkg/core/mav2_session_keys_core_bg.wasm")) });
  return mod;
}

/** Both builds, each with its name: the tests of the sync surface run on each. */
export async function loadEntries() {
  return [
    ["full", await loadPkg()],
    ["core", await loadCore()],
  ];
}

export function vectors(name) {
  return JSON.parse(readFileSync(path.join(root, "tests/vectors", `${name}.json`), "utf8")).cases;
}

/** Same bytes, whatever the hex case. */
export function sameHex(a, b) {
  return typeof a === "string" && typeof b === "string" && a.toLowerCase() === b.toLowerCase();
}
