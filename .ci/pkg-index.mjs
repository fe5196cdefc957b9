// Writes pkg/index.js and pkg/core.js: pkg-template/index.js with, below its `// @generated-exports`
// marker, one guarded re-export per export of wasm-bindgen's glue (pkg/mav2_session_keys.js, and
// pkg/core/mav2_session_keys_core.js for the `core` entry), so no export of a glue is missing from
// its entry and none can be called before `init()`. pkg/core.d.ts is index.d.ts over the core glue.
// Usage: node .ci/pkg-index.mjs <pkg dir>
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";

const dir = path.resolve(process.argv[2] ?? "pkg");
const template = readFileSync(path.join(dir, "index.js"), "utf8");
const types = readFileSync(path.join(dir, "index.d.ts"), "utf8");
const marker = "// @generated-exports";
if (!template.includes(marker)) throw new Error(`${marker} missing from index.js`);
const FULL = "./mav2_session_keys.js";

async function entry(out, glueFile) {
  const glue = await import(pathToFileURL(path.join(dir, glueFile)).href);
  const own = new Set(["default", "initSync"]); // written by hand in the template
  const lines = [];
  for (const name of Object.keys(glue).sort()) {
    if (own.has(name)) continue;
    const v = glue[name];
    if (typeof v !== "function") throw new Error(`glue export ${name} is not a function or class`);
    const isClass = /^class\b/.test(Function.prototype.toString.call(v));
    const wrap = isClass ? "guardClass" : "guardFn";
    lines.push(`export const ${name} = /* @__PURE__ */ ${wrap}(${JSON.stringify(name)}, wasm.${name});`);
  }
  const js = template.replace(FULL, `./${glueFile}`).replace(marker, `${marker} (.ci/pkg-index.mjs)\n${lines.join("\n")}`);
  writeFileSync(path.join(dir, out), js);
  console.log(`pkg/${out}: ${lines.length} guarded exports`);
}

if (!template.includes(`from "${FULL}"`) || !types.includes(`from "${FULL}"`)) throw new Error(`${FULL} import missing`);
await entry("index.js", "mav2_session_keys.js");
await entry("core.js", "core/mav2_session_keys_core.js");
writeFileSync(
  path.join(dir, "core.d.ts"),
  types
    .replace(`from "${FULL}"`, `from "./core/mav2_session_keys_core.js"`)
    .replaceAll("mav2_session_keys_bg.wasm", "core/mav2_session_keys_core_bg.wasm"),
);
