// Runs the benchmarks, in Node and in headless Chromium, and prints one table: ours against the
// JavaScript stack (viem + Alchemy's SDK, bundled from pinned versions by .ci/bench), and the
// marginal price on a viem app: what Alchemy's session pieces add to it against what ours adds.
//
//   node bench/run.mjs [--quick] [--size-only] [--check-size]
//
// Expects target/bench-pkg (wasm-pack build) and target/bench-js/{js-stack,viem-app,
// viem-app-alchemy}.min.js (esbuild), both made by .ci/bench. Times never fail the run;
// --check-size exits 1 when our gzip size is over GZIP_BUDGET or the core route's over
// CORE_GZIP_BUDGET (deterministic for a given
// toolchain and lockfile).
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { createRequire } from "node:module";

import * as cases from "./cases.mjs";

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, "..");
// MAV2_BENCH_PKG: measure another build of the package (CI's size check reuses ./pkg).
const PKG = path.resolve(ROOT, process.env.MAV2_BENCH_PKG ?? "target/bench-pkg");
const OURS_WASM = path.join(PKG, "mav2_session_keys_bg.wasm");
const OURS_GLUE = path.join(PKG, "mav2_session_keys.js");
const JS_BUNDLE = path.join(ROOT, "target/bench-js/js-stack.min.js");
// The marginal-price pair: a viem app alone, and the same app plus Alchemy's MAv2 session pieces.
const VIEM_APP = path.join(ROOT, "target/bench-js/viem-app.min.js");
const VIEM_APP_ALCHEMY = path.join(ROOT, "target/bench-js/viem-app-alchemy.min.js");
const OUT_DIR = path.join(ROOT, "target/bench");
// The core entry (`mav2-session-keys/core`: the crate without its session service), with the viem
// adapter (`mav2-session-keys/viem`) when the package has one: the route of an app that keeps
// sending through its own viem clients, as Alchemy's pieces do.
const CORE_WASM = path.join(PKG, "core/mav2_session_keys_core_bg.wasm");
const CORE_ENTRIES = ["core.js", "viem.js"].map((f) => path.join(PKG, f)).filter((f) => existsSync(f));

/** Our .wasm + our JS (minified as the JS side), gzip -9, must stay at or under this (bytes), just
 *  above the latest measured size (211,082 B). The target is 0.35× the JS stack. */
export const GZIP_BUDGET = 212_000;
const TARGET_RATIO = 0.35;
/** The core route's marginal price (its .wasm + what its JS adds to the viem app, gzip -9) must
 *  stay at or under this, just above the latest measured (86,249 B); the issue's target is 90 KB. */
export const CORE_GZIP_BUDGET = 87_000;
/** The marginal-price target: ours (wasm + glue, gzip -9) at most 90 KB (90,000 B), the issue's
 *  figure, which it set at ≤ 1.7× of what Alchemy's session pieces add to a viem app by its own
 *  measure of that (53 KB; aim: 59 KB, ≈ 1.1×). The row prints this run's measure of it. */
const MARGINAL_TARGET_GZIP = 90_000;

const args = new Set(process.argv.slice(2));
const QUICK = args.has("--quick");
const SPEED = QUICK ? { runs: 5, ms: 150, warmMs: 150 } : { runs: 7, ms: 400, warmMs: 400 };
const COLD_RUNS = QUICK ? 5 : 9;
const STORAGE = QUICK ? { sizes: [1, 100], samples: 30 } : { sizes: [1, 100, 1000], samples: 100 };

const log = (...a) => console.error("[bench]", ...a);

// ---------------------------------------------------------------------------------------------
// Sizes
// ---------------------------------------------------------------------------------------------
function gzip9(file) {
  return execFileSync("gzip", ["-9", "-n", "-c", file], { maxBuffer: 1 << 28 }).length;
}
/** The glue: wasm-bindgen's module plus its snippets (inline_js files it imports). */
function glueFiles() {
  const dir = path.join(PKG, "snippets");
  const snippets = existsSync(dir) ? readdirSync(dir, { recursive: true }).map((f) => path.join(dir, f)).filter((f) => f.endsWith(".js")) : [];
  return [OURS_GLUE, ...snippets];
}
/** Our JS as an app ships it: the package's entry (index.js: the init guard over wasm-bindgen's
 *  module and its snippets) through esbuild with the flags the JS side gets (`--bundle --minify
 *  --format=esm --platform=browser`). The .wasm is a separate asset, counted as is. */
function minifiedGlue() {
  const entry = path.join(PKG, "index.js");
  if (!existsSync(entry)) throw new Error(`${path.relative(ROOT, entry)} is missing: .ci/build-pkg (or .ci/bench) writes it`);
  const out = path.join(ROOT, "target/bench-js/ours-entry.min.js");
  createRequire(import.meta.url)("esbuild").buildSync({
    entryPoints: [entry], bundle: true, minify: true, format: "esm", platform: "browser", outfile: out, logLevel: "warning",
  });
  return out;
}
/** What the core route adds to the viem app: the viem app bundled with the core entry (and the
 *  viem adapter), minus the viem app alone, measured as Alchemy's pieces are (JS they share with
 *  the app costs nothing), plus the core .wasm as is. */
function coreRoute(viemAppGzip) {
  const entry = path.join(ROOT, "target/bench-js/viem-app-ours-core.mjs");
  const lines = [path.join(HERE, "viem-app.mjs"), ...CORE_ENTRIES].map((f) => `export * from ${JSON.stringify(f)};`);
  writeFileSync(entry, `${lines.join("\n")}\n`);
  const out = path.join(ROOT, "target/bench-js/viem-app-ours-core.min.js");
  createRequire(import.meta.url)("esbuild").buildSync({
    entryPoints: [entry], bundle: true, minify: true, format: "esm", platform: "browser", outfile: out, logLevel: "error",
    nodePaths: [path.join(HERE, "node_modules")],
  });
  const jsGzip = gzip9(out) - viemAppGzip;
  const wasmGzip = gzip9(CORE_WASM);
  return { entries: CORE_ENTRIES.map((f) => path.basename(f)), wasmRaw: statSync(CORE_WASM).size, wasmGzip, jsGzip, gzip: wasmGzip + jsGzip };
}
function sizes() {
  for (const f of [OURS_WASM, OURS_GLUE, CORE_WASM, JS_BUNDLE, VIEM_APP, VIEM_APP_ALCHEMY]) {
    if (!existsSync(f)) throw new Error(`${path.relative(ROOT, f)} is missing: bash .ci/bench builds it (the esbuild lines in .ci/run make the JS bundles)`);
  }
  const raw = (f) => statSync(f).size;
  // As shipped in the package (unminified, for the notes line) and as an app's bundler ships it.
  const glue = glueFiles();
  const packageGlueRaw = glue.reduce((n, f) => n + raw(f), 0);
  const packageGlueGzip = glue.reduce((n, f) => n + gzip9(f), 0);
  const minified = minifiedGlue();
  const glueRaw = raw(minified);
  const glueGzip = gzip9(minified);
  const ours = {
    raw: raw(OURS_WASM) + glueRaw, gzip: gzip9(OURS_WASM) + glueGzip, wasmRaw: raw(OURS_WASM), wasmGzip: gzip9(OURS_WASM),
    glueRaw, glueGzip, packageGlueRaw, packageGlueGzip,
  };
  const viemApp = { raw: raw(VIEM_APP), gzip: gzip9(VIEM_APP) };
  const viemAppAlchemy = { raw: raw(VIEM_APP_ALCHEMY), gzip: gzip9(VIEM_APP_ALCHEMY) };
  // Ours imports no viem, so all of its size is what it adds to the app.
  const alchemyGzip = viemAppAlchemy.gzip - viemApp.gzip;
  const core = coreRoute(viemApp.gzip);
  core.ratio = core.gzip / alchemyGzip;
  core.met = core.gzip <= MARGINAL_TARGET_GZIP;
  return {
    ours,
    core,
    js: { raw: raw(JS_BUNDLE), gzip: gzip9(JS_BUNDLE) },
    viemApp,
    viemAppAlchemy,
    marginal: {
      alchemyRaw: viemAppAlchemy.raw - viemApp.raw,
      alchemyGzip,
      oursGzip: ours.gzip,
      ratio: ours.gzip / alchemyGzip,
      targetGzip: MARGINAL_TARGET_GZIP,
      met: ours.gzip <= MARGINAL_TARGET_GZIP,
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Node
// ---------------------------------------------------------------------------------------------
async function nodeSuite() {
  const ours = await import(OURS_GLUE);
  ours.initSync({ module: readFileSync(OURS_WASM) });
  oursNode = ours;
  const js = await import(JS_BUNDLE);
  return cases.speedSuite(ours, js, SPEED);
}

// ---------------------------------------------------------------------------------------------
// Chromium
// ---------------------------------------------------------------------------------------------
const TYPES = { ".html": "text/html", ".mjs": "text/javascript", ".js": "text/javascript", ".wasm": "application/wasm", ".json": "application/json" };
const SERVED = ["/bench/", "/target/bench-pkg/", "/target/bench-js/"];

// An instant local bundler + node for the per-send row: answers the JSON-RPC methods sendCalls
// uses with fixed, valid values (no chain behind it; nothing is checked but the envelope).
let oursNode; // the package loaded in Node: the stub answers eth_sendUserOperation with the real hash
function rpcResult(method, params) {
  const q = (n) => `0x${BigInt(n).toString(16)}`;
  switch (method) {
    case "eth_chainId": return q(cases.CHAIN_ID);
    case "eth_supportedEntryPoints": return ["0x0000000071727De22E5E9d8BAf0edAc6f37da032"];
    case "eth_call": // EntryPoint.getNonce → 0; the SDK's account reads getValidationData (0xd31b575b)
      return params[0].data.startsWith("0x35567e1a") ? `0x${"0".repeat(64)}` : cases.VALIDATION_DATA_EMPTY;
    case "eth_getCode": return "0x01";
    case "pimlico_getUserOperationGasPrice": {
      const f = { maxFeePerGas: q(3e9), maxPriorityFeePerGas: q(1e9) };
      return { slow: f, standard: f, fast: f };
    }
    case "eth_maxPriorityFeePerGas": return q(1e9);
    case "eth_getBlockByNumber": return { number: "0x1", baseFeePerGas: q(1e9) };
    case "eth_estimateUserOperationGas": return { preVerificationGas: q(50000), verificationGasLimit: q(100000), callGasLimit: q(100000) };
    case "eth_sendUserOperation": return oursNode.userOperationHash(params[0], cases.CHAIN_ID, params[1]);
    default: return undefined;
  }
}
function rpc(req, res) {
  let body = "";
  req.on("data", (c) => (body += c));
  req.on("end", () => {
    const one = (m) => {
      const result = rpcResult(m.method, m.params);
      return result === undefined
        ? { jsonrpc: "2.0", id: m.id, error: { code: -32601, message: `method ${m.method} not found` } }
        : { jsonrpc: "2.0", id: m.id, result };
    };
    const msg = JSON.parse(body);
    res.writeHead(200, { "Content-Type": "application/json", "Cache-Control": "no-store" });
    res.end(JSON.stringify(Array.isArray(msg) ? msg.map(one) : one(msg)));
  });
}

function serve() {
  const server = http.createServer((req, res) => {
    const p = decodeURIComponent(new URL(req.url, "http://x").pathname);
    if (p === "/rpc" && req.method === "POST") return rpc(req, res);
    const file = path.join(ROOT, p);
    if (!SERVED.some((s) => p.startsWith(s)) || !file.startsWith(ROOT) || !existsSync(file) || !statSync(file).isFile()) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, {
      "Content-Type": TYPES[path.extname(file)] ?? "application/octet-stream",
      "Cache-Control": "no-store",
      // cross-origin isolated: performance.now() at 5 µs instead of 100 µs
      "Cross-Origin-Opener-Policy": "same-origin",
      "Cross-Origin-Embedder-Policy": "require-corp",
    });
    res.end(readFileSync(file));
  });
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve(server)));
}

const CHROMIUM_ARGS = [
  "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
  "--disable-background-networking", "--disable-component-update", "--no-first-run", "--disable-sync",
];

async function browserSuite() {
  const require = createRequire(import.meta.url);
  const { chromium } = require("playwright-core");
  const server = await serve();
  const url = `http://127.0.0.1:${server.address().port}/bench/page.html`;
  const browser = await chromium.launch({ executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium", args: CHROMIUM_ARGS });
  const run = async (mode, opts) => {
    // a fresh context per run: empty HTTP and code caches, a fresh IndexedDB
    const ctx = await browser.newContext();
    try {
      const page = await ctx.newPage();
      page.on("pageerror", (e) => log("page error:", e.message));
      await page.goto(url);
      await page.waitForFunction(() => window.benchReady === true);
      const r = await page.evaluate(([m, o]) => window.bench(m, o), [mode, opts]);
      if (!r.ok) throw new Error(`${mode}: ${r.error}`);
      return r.value;
    } finally {
      await ctx.close();
    }
  };
  try {
    const out = { version: browser.version(), cold: { ours: [], js: [] } };
    log(`chromium ${out.version}: cold start x${COLD_RUNS}`);
    for (let i = 0; i < COLD_RUNS; i++) {
      out.cold.ours.push(await run("cold-ours"));
      out.cold.js.push(await run("cold-js"));
    }
    log("chromium: speed");
    out.speed = await run("speed", SPEED);
    log("chromium: per-send overhead (sendCalls vs the SDK's sendUserOperation, stub bundler)");
    try {
      out.send = await run("send", { samples: QUICK ? 10 : 30 });
    } catch (e) {
      out.send = { available: true, error: String(e.message).split("\n")[0].slice(0, 160) };
    }
    log("chromium: storage");
    out.storage = await run("storage", STORAGE);
    return out;
  } finally {
    await browser.close();
    server.close();
  }
}

// ---------------------------------------------------------------------------------------------
// Environment
// ---------------------------------------------------------------------------------------------
function tryRun(cmd, argv) {
  try {
    return execFileSync(cmd, argv, { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim();
  } catch {
    return "?";
  }
}
function environment() {
  const v = (p) => JSON.parse(readFileSync(path.join(HERE, "node_modules", p, "package.json"), "utf8")).version;
  const crate = /^version\s*=\s*"([^"]+)"/m.exec(readFileSync(path.join(ROOT, "Cargo.toml"), "utf8"))?.[1];
  const dirty = tryRun("git", ["-C", ROOT, "status", "--porcelain", "--untracked-files=no"]) ? "+dirty" : "";
  return {
    date: new Date().toISOString().replace(/\.\d+Z$/, "Z"),
    cpus: os.availableParallelism?.() ?? os.cpus().length,
    cpu: os.cpus()[0]?.model?.trim() ?? "?",
    memGiB: Math.round(os.totalmem() / 2 ** 30),
    load: os.loadavg().map((x) => x.toFixed(1)).join(" "),
    node: process.version,
    ours: `mav2-session-keys ${crate} (${tryRun("git", ["-C", ROOT, "rev-parse", "--short", "HEAD"])}${dirty})`,
    rustc: tryRun("rustc", ["-V"]),
    wasmOpt: tryRun("wasm-opt", ["--version"]),
    packages: ["viem", "@account-kit/smart-contracts", "@aa-sdk/core", "esbuild", "playwright-core"].map((p) => `${p} ${v(p)}`).join(", "),
  };
}

// ---------------------------------------------------------------------------------------------
// Table
// ---------------------------------------------------------------------------------------------
const kb = (b) => `${(b / 1024).toFixed(1)} KiB`;
const ops = (x) => (x >= 100 ? x.toFixed(0) : x.toFixed(1));
const ms = (x) => (x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(2));
const us = (opsPerSec) => 1e6 / opsPerSec;
const faster = (ratio) => (ratio >= 1 ? `${ratio.toFixed(1)}× faster` : `${(1 / ratio).toFixed(1)}× slower`);

function table(sz, node, chromium, env) {
  const rows = [];
  const row = (item, ours, js, ratio) => rows.push([item, ours, js, ratio]);
  const sizeRatio = sz.ours.gzip / sz.js.gzip;
  row("1. size, raw (.wasm + our JS minified vs esbuild --minify bundle)", kb(sz.ours.raw), kb(sz.js.raw), `${(sz.ours.raw / sz.js.raw).toFixed(2)}×`);
  row(`1. size, gzip -9 (target ≤ ${TARGET_RATIO}×)`, kb(sz.ours.gzip), kb(sz.js.gzip), `${sizeRatio.toFixed(2)}× ${sizeRatio <= TARGET_RATIO ? "(met)" : "(missed)"}`);
  const mg = sz.marginal;
  const withOurs = sz.viemApp.gzip + sz.ours.gzip;
  row("1. size, viem app alone (gzip)", "", kb(sz.viemApp.gzip), "");
  row("1. size, viem app + Alchemy's MAv2 session pieces (gzip; ours: viem app + ours)", kb(withOurs), kb(sz.viemAppAlchemy.gzip), `${(withOurs / sz.viemAppAlchemy.gzip).toFixed(2)}×`);
  row(
    `1. marginal price on a viem app, gzip (target ≤ ${mg.targetGzip / 1000} KB; ours vs Alchemy's with − without)`,
    kb(mg.oursGzip),
    kb(mg.alchemyGzip),
    `${mg.ratio.toFixed(1)}× ${mg.met ? "(met)" : "(missed)"}`,
  );
  row(
    `1. marginal price on a viem app, core route (\`mav2-session-keys/core\`${sz.core.entries.includes("viem.js") ? " + \`/viem\`" : ""}: no store, sends through viem), gzip (target ≤ ${mg.targetGzip / 1000} KB)`,
    kb(sz.core.gzip),
    kb(mg.alchemyGzip),
    `${sz.core.ratio.toFixed(2)}× ${sz.core.met ? "(met)" : "(missed)"}`,
  );
  const speedRows = (env, s) => {
    if (!s) return;
    row(`2. hash + sign one userOp, ${env} (ops/s, median)`, ops(s.hashSign.ours.median), ops(s.hashSign.js.median), faster(s.hashSign.ours.median / s.hashSign.js.median));
    for (const n of [1, 10, 50]) {
      const g = s[`grant${n}`];
      row(`3. encode grant, ${n} permission${n > 1 ? "s" : ""}, ${env} (µs/op)`, ms(us(g.ours.median)), ms(us(g.js.median)), faster(g.ours.median / g.js.median));
    }
    const growth = (side) => (s.grant1[side].median / s.grant50[side].median).toFixed(1);
    row(`3. encode grant, growth 1 → 50 permissions, ${env}`, `×${growth("ours")}`, `×${growth("js")}`, "");
    // The slope: what each added permission costs (the SDK's growth factor is small partly because
    // its fixed cost per grant is large).
    const slope = (side) => (1e6 / s.grant50[side].median - 1e6 / s.grant1[side].median) / 49;
    row(`3. encode grant, cost per added permission (1 → 50), ${env} (µs)`, ms(slope("ours")), ms(slope("js")), faster(slope("js") / slope("ours")));
  };
  speedRows("Node", node);
  speedRows("Chromium", chromium?.speed);
  if (chromium) {
    const c = chromium.cold;
    const mt = (xs) => cases.median(xs.map((x) => x.total));
    const mf = (xs) => cases.median(xs.map((x) => x.firstCall));
    row(`4. cold start, Chromium (ms, median of ${c.ours.length}: load + first hash+sign)`, ms(mt(c.ours)), ms(mt(c.js)), faster(mt(c.js) / mt(c.ours)));
    row("4. … of which the first call (ms)", ms(mf(c.ours)), ms(mf(c.js)), "");
    const st = chromium.storage;
    if (st?.available) {
      for (const n of Object.keys(st.create)) {
        row(`5. storage: create, up to ${n} stored (ms, p50 / p95)`, `${ms(st.create[n].p50)} / ${ms(st.create[n].p95)}`, "n/a (no store)", "");
      }
      for (const n of Object.keys(st.sign)) {
        row(`5. storage: load + decrypt + sign, ${n} stored (ms, p50 / p95)`, `${ms(st.sign[n].p50)} / ${ms(st.sign[n].p95)}`, "n/a (no store)", n === "1000" ? `target p50 ≤ 5 ms: ${st.sign[n].p50 <= 5 ? "met" : "missed"}` : "");
      }
      // Growth with the number of stored sessions (create from 100: the very first create also
      // opens the object stores and is not a per-record cost).
      const ns = Object.keys(st.sign).map(Number).sort((a, b) => a - b);
      const [lo, hi] = [ns[0], ns[ns.length - 1]];
      if (hi > lo) row(`5. storage: load + decrypt + sign, growth ${lo} → ${hi} stored (p50)`, `×${(st.sign[hi].p50 / st.sign[lo].p50).toFixed(2)}`, "", "");
      if (st.create[100] && hi > 100) row(`5. storage: create, growth 100 → ${hi} stored (p50)`, `×${(st.create[hi].p50 / st.create[100].p50).toFixed(2)}`, "", "");
    } else {
      row("5. storage (SessionKeyStore)", "n/a (not yet)", "", "");
    }
  }
  const sd = chromium?.send;
  if (sd?.available && sd.error) row("6. per-send overhead in sendCalls, excl. network", `failed: ${sd.error}`, "", "");
  else if (sd?.available) {
    const j = sd.js;
    row(
      `6. per-send overhead, excl. network, Chromium (ms, p50 / p95; requests ours / JS: ${sd.requests} / ${j ? j.requests : "?"})`,
      `${ms(sd.p50)} / ${ms(sd.p95)}`,
      j ? `${ms(j.p50)} / ${ms(j.p95)}` : "n/a",
      j ? faster(j.p50 / sd.p50) : "",
    );
  } else row("6. per-send overhead in sendCalls, excl. network", "n/a (not yet)", "", "");
  const head = ["item", "ours", "JS stack", "ratio"];
  const lines = [`| ${head.join(" | ")} |`, `|${head.map((_, i) => (i === 0 ? "---" : "---:")).join("|")}|`];
  for (const r of rows) lines.push(`| ${r.join(" | ")} |`);
  const meta = [
    "",
    `- date: ${env.date}`,
    `- machine: ${env.cpus} CPUs (${env.cpu}), ${env.memGiB} GiB, load average at the end ${env.load}`,
    `- Node ${env.node}; Chromium ${chromium?.version ?? "not run"} (headless, playwright-core)`,
    `- ours: ${env.ours}; ${env.rustc}; ${env.wasmOpt}`,
    `- JS stack: ${env.packages}`,
    `- marginal price (gzip -9): viem app ${sz.viemApp.gzip} B, + Alchemy's MAv2 session pieces ${sz.viemAppAlchemy.gzip} B, so Alchemy's route adds ${mg.alchemyGzip} B; ours adds all of its ${mg.oursGzip} B (it imports no viem), ${mg.ratio.toFixed(2)}×; target ≤ ${mg.targetGzip} B (the issue's 90 KB; ${(mg.targetGzip / mg.alchemyGzip).toFixed(2)}× Alchemy's route in this run): ${mg.met ? "met" : "missed"}`,
    `- core route (${sz.core.entries.join(" + ")}): ${kb(sz.core.wasmRaw)} .wasm (${sz.core.wasmGzip} B gzip) + ${sz.core.jsGzip} B gzip its JS adds to the viem app (with − without) = ${sz.core.gzip} B, ${sz.core.ratio.toFixed(2)}× Alchemy's route; budget ${CORE_GZIP_BUDGET} B: ${sz.core.gzip <= CORE_GZIP_BUDGET ? "within" : "OVER"}`,
    `- size: ours = ${kb(sz.ours.wasmRaw)} .wasm (${kb(sz.ours.wasmGzip)} gzip) + ${kb(sz.ours.glueRaw)} JS (${kb(sz.ours.glueGzip)} gzip: index.js, glue and snippets through esbuild --bundle --minify, as the JS side; ${kb(sz.ours.packageGlueGzip)} gzip unminified in the package); gzip budget ${kb(GZIP_BUDGET)} (${GZIP_BUDGET} B): ${sz.ours.gzip <= GZIP_BUDGET ? "within" : "OVER"} (${sz.ours.gzip} B)`,
    `- speed: ops/s = median of ${SPEED.runs} runs of ${SPEED.ms} ms after ${SPEED.warmMs} ms warm-up, both sides interleaved; outputs cross-checked equal first (ours = 0xFF00 ‖ viem's signature; grant call data byte-equal)`,
  ];
  return lines.concat(meta).join("\n");
}

// ---------------------------------------------------------------------------------------------
const env0 = environment();
const sz = sizes();
log(`sizes: ours ${sz.ours.gzip} B gzip, JS stack ${sz.js.gzip} B gzip, viem app ${sz.viemApp.gzip} B, + Alchemy ${sz.viemAppAlchemy.gzip} B`);
if (args.has("--size-only")) {
  // deterministic part only (for CI): sizes, ratio, budget, marginal price on a viem app
  const over = sz.ours.gzip > GZIP_BUDGET || sz.core.gzip > CORE_GZIP_BUDGET;
  console.log(`size gzip -9: ours ${sz.ours.gzip} B (.wasm ${sz.ours.wasmGzip} + minified JS ${sz.ours.glueGzip}), JS stack ${sz.js.gzip} B, ratio ${(sz.ours.gzip / sz.js.gzip).toFixed(2)}× (target ≤ ${TARGET_RATIO}×); budget ${GZIP_BUDGET} B: ${sz.ours.gzip > GZIP_BUDGET ? "OVER" : "within"}; marginal on a viem app: viem app ${sz.viemApp.gzip} B, + Alchemy ${sz.viemAppAlchemy.gzip} B, Alchemy adds ${sz.marginal.alchemyGzip} B, ours ${sz.ours.gzip} B = ${sz.marginal.ratio.toFixed(2)}× (target ≤ ${MARGINAL_TARGET_GZIP} B: ${sz.marginal.met ? "met" : "missed"}); core route ${sz.core.gzip} B (.wasm ${sz.core.wasmGzip} + JS ${sz.core.jsGzip}) = ${sz.core.ratio.toFixed(2)}×, budget ${CORE_GZIP_BUDGET} B: ${sz.core.gzip > CORE_GZIP_BUDGET ? "OVER" : "within"}`);
  process.exit(args.has("--check-size") && over ? 1 : 0);
}
log("node: speed");
const node = await nodeSuite();
const chromium = await browserSuite();
const env = { ...env0, load: os.loadavg().map((x) => x.toFixed(1)).join(" ") };
const md = table(sz, node, chromium, env);
mkdirSync(OUT_DIR, { recursive: true });
writeFileSync(path.join(OUT_DIR, "results.md"), `${md}\n`);
writeFileSync(path.join(OUT_DIR, "results.json"), JSON.stringify({ env, sizes: sz, node, chromium, gzipBudget: GZIP_BUDGET }, null, 1));
console.log(md);
if (args.has("--check-size") && (sz.ours.gzip > GZIP_BUDGET || sz.core.gzip > CORE_GZIP_BUDGET)) {
  console.error(`size budget: ours ${sz.ours.gzip} B gzip (budget ${GZIP_BUDGET} B), core route ${sz.core.gzip} B (budget ${CORE_GZIP_BUDGET} B)`);
  process.exit(1);
}
