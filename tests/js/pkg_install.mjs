// The built package (./pkg) installed as `tests/js/node_modules/mav2-session-keys`, as an app's
// `npm install` lays it out: imports go through its `exports` map, and its `viem` peer resolves to
// tests/js's own viem (pinned 2.45.0). For the `core` + `viem` entries' tests.
import { cpSync, readFileSync, rmSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, "../..");
const dest = path.join(here, "node_modules/mav2-session-keys");

let loaded;

/** `{ core, viem }`: the package's `core` entry (initialized) and its `viem` adapter. */
export async function loadCoreAndViem() {
  if (loaded) return loaded;
  rmSync(dest, { recursive: true, force: true });
  cpSync(path.join(root, "pkg"), dest, { recursive: true });
  const core = await import("mav2-session-keys/core");
  core.initSync({ module: readFileSync(path.join(dest, "core/mav2_session_keys_core_bg.wasm")) });
  const viem = await import("mav2-session-keys/viem");
  loaded = { core, viem };
  return loaded;
}
