// Loads the wasm package built by .ci/build-pkg (./pkg, --target web) into Node with initSync.
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import path from "node:path";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

export async function loadPkg() {
  const mod = await import(path.join(root, "pkg/mav2_session_keys.js"));
  mod.initSync({ module: readFileSync(path.join(root, "pkg/mav2_session_keys_bg.wasm")) });
  return mod;
}

export function vectors(name) {
  return JSON.parse(readFileSync(path.join(root, "tests/vectors", `${name}.json`), "utf8")).cases;
}

/** Same bytes, whatever the hex case. */
export function sameHex(a, b) {
  return typeof a === "string" && typeof b === "string" && a.toLowerCase() === b.toLowerCase();
}
