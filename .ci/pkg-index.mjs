// Writes pkg/index.js: pkg-template/index.js with, below its `// @generated-exports` marker, one
// guarded re-export per export of wasm-bindgen's glue (pkg/mav2_session_keys.js), so no export of
// the glue is missing from the package and none can be called before `init()`.
// Usage: node .ci/pkg-index.mjs <pkg dir>
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";

const dir = path.resolve(process.argv[2] ?? "pkg");
const glue = await import(pathToFileURL(path.join(dir, "mav2_session_keys.js")).href);
const template = readFileSync(path.join(dir, "index.js"), "utf8");
const marker = "// @generated-exports";
if (!template.includes(marker)) throw new Error(`${marker} missing from index.js`);

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
writeFileSync(path.join(dir, "index.js"), template.replace(marker, `${marker} (.ci/pkg-index.mjs)\n${lines.join("\n")}`));
console.log(`pkg/index.js: ${lines.length} guarded exports`);
