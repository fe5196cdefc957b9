// The built package (./pkg) installed as `tests/js/node_modules/mav2-session-keys`, as an app's
// `npm install` lays it out: imports go through its `exports` map, and its `viem` peer resolves to
// tests/js's own viem (pinned 2.45.0). The `viem` adapter (pkg-viem/: not in ./pkg while it would
// put the core route over bench/run.mjs's budget) is laid in as it would ship: its files next to
// core.js and its package.json fields merged in. For the `core` + `viem` entries' tests.
import { cpSync, existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
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
  if (!existsSync(path.join(dest, "viem.js"))) {
    const extra = JSON.parse(readFileSync(path.join(root, "pkg-viem/package.json"), "utf8"));
    for (const f of extra.files) cpSync(path.join(root, "pkg-viem", f), path.join(dest, f));
    const pkg = JSON.parse(readFileSync(path.join(dest, "package.json"), "utf8"));
    pkg.exports = { ...pkg.exports, ...extra.exports };
    pkg.files = [...pkg.files, ...extra.files];
    Object.assign(pkg, { peerDependencies: extra.peerDependencies, peerDependenciesMeta: extra.peerDependenciesMeta });
    writeFileSync(path.join(dest, "package.json"), `${JSON.stringify(pkg, null, 2)}\n`);
  }
  const core = await import("mav2-session-keys/core");
  core.initSync({ module: readFileSync(path.join(dest, "core/mav2_session_keys_core_bg.wasm")) });
  const viem = await import("mav2-session-keys/viem");
  loaded = { core, viem };
  return loaded;
}
