// The npm package as a user gets it: `npm pack` the built ./pkg, install the tarball into a fresh
// Vite 7 app (tests/vite-app), type-check a typed usage file against the typings, build, serve,
// and run the page in headless Chromium: create a session, reload, find it again, sign.
import { test, after } from "node:test";
import assert from "node:assert/strict";
import { execFileSync, spawn } from "node:child_process";
import { cpSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { launch } from "./chromium.mjs";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const work = mkdtempSync(path.join(tmpdir(), "mav2-pkg-"));
const run = (cmd, args, cwd) => {
  try {
    return execFileSync(cmd, args, { cwd, stdio: ["ignore", "pipe", "pipe"], encoding: "utf8" });
  } catch (e) {
    throw new Error(`${cmd} ${args.join(" ")} failed:\n${e.stdout ?? ""}${e.stderr ?? ""}`);
  }
};
let server;

after(() => {
  if (server?.pid) {
    try { process.kill(-server.pid, "SIGTERM"); } catch {}
  }
  rmSync(work, { recursive: true, force: true });
});

test("npm pack → Vite 7 app (both entries): typecheck, build, run in Chromium, survive a reload", { timeout: 300_000 }, async () => {
  run("npm", ["pack", "--pack-destination", work, "--silent"], path.join(root, "pkg"));
  const tarball = readdirSync(work).find((f) => f.endsWith(".tgz"));
  assert.ok(tarball, "npm pack produced no tarball");
  const files = run("tar", ["-tzf", path.join(work, tarball)], work);
  for (const f of ["package/index.js", "package/index.d.ts", "package/mav2_session_keys_bg.wasm", "package/README.md", "package/core.js", "package/core.d.ts", "package/core/mav2_session_keys_core.js", "package/core/mav2_session_keys_core_bg.wasm", "package/viem.js", "package/viem.d.ts"]) {
    assert.ok(files.includes(f), `${f} missing from the tarball`);
  }

  const app = path.join(work, "app");
  cpSync(path.join(root, "tests/vite-app"), app, { recursive: true, filter: (p) => !p.includes("node_modules") });
  run("npm", ["ci", "--no-audit", "--no-fund", "--loglevel=error"], app);
  run("npm", ["install", "--no-save", "--no-audit", "--no-fund", "--loglevel=error", path.join(work, tarball)], app);
  run("npx", ["tsc", "--noEmit", "-p", "."], app); // throws with tsc's output on a type error
  run("npx", ["vite", "build", "--logLevel", "error"], app);

  const port = 4173 + Math.floor(Math.random() * 500);
  // Vite itself (not the npx wrapper), in its own process group, so `after` stops all of it.
  server = spawn(process.execPath, [path.join(app, "node_modules/vite/bin/vite.js"), "preview", "--host", "127.0.0.1", "--port", String(port), "--strictPort"], {
    cwd: app,
    stdio: "ignore",
    detached: true,
  });
  const url = `http://127.0.0.1:${port}/`;
  for (let i = 0; ; i++) {
    try { if ((await fetch(url)).ok) break; } catch {}
    assert.ok(i < 100, "vite preview did not start");
    await new Promise((r) => setTimeout(r, 200));
  }

  const browser = await launch();
  try {
    const page = await browser.newPage();
    const read = async () => {
      await page.waitForFunction(() => document.getElementById("out")?.textContent?.startsWith("{"), null, { timeout: 30_000 });
      return JSON.parse(await page.textContent("#out"));
    };
    await page.goto(url);
    const first = await read();
    assert.equal(first.ok, true, JSON.stringify(first));
    assert.equal(first.created, true);
    assert.equal(first.persistence, "indexeddb");
    assert.match(first.signature, /^0xff00[0-9a-f]{130}$/i);
    // The core entry resolved and loaded its own .wasm through the bundler, and signs as the full one.
    assert.equal(first.core.address, "0x70997970C51812dc3A010C7d01b50e0d17dc79C8");
    assert.match(first.core.signature, /^0xff00[0-9a-f]{130}$/i);
    assert.equal(first.core.signature, first.core.full);

    await page.reload();
    const second = await read();
    assert.equal(second.ok, true, JSON.stringify(second));
    assert.equal(second.created, false, "the session was not found after a reload");
    assert.equal(second.id, first.id);
    assert.equal(second.address, first.address);
    // RFC 6979: the same key signs the same operation identically, so the key survived the reload.
    assert.equal(second.signature, first.signature);
  } finally {
    await browser.close();
  }
});
