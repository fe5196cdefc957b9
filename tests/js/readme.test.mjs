// The npm README's devnet block (pkg-template/README.md, "On a local devnet"), run exactly as written
// in headless Chromium (the package as a page imports it: IndexedDB, WebCrypto, fetch) against the
// local chain and bundler: create → grant → act → revoke, on the stand-in account
// (tests/devnet/StandInAccount.sol). The block is taken from the README itself, so the README
// cannot drift from what runs; this test only supplies the names the block leaves to the reader
// (bundlerUrl, rpcUrl, account, wallet, factory, factoryData) and checks what happened.
//
// Devnet: with MAV2_DEVNET set (as .ci/run does after `.ci/devnet up` and
// `eval "$(bash .ci/devnet env)"`) the running one is used; otherwise this test runs
// `bash .ci/devnet up` itself and, if it started it, `bash .ci/devnet down` at the end.
// Package: ./pkg (bash .ci/build-pkg).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { createServer } from "node:http";
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { launch } from "./chromium.mjs";
import { rpc, start, stop } from "./devnet.mjs";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const pkgDir = path.join(root, "pkg");
const OWNER = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266"; // anvil dev account #0: the wallet's first account
const DEAD = "0x000000000000000000000000000000000000dEaD";
// StandInAccount.sol: installed(bytes24), and its two events (topic0).
const INSTALLED = "0x475b5298";
const VALIDATION_INSTALLED = "0xa2f70a3b6af8e43d43002ec60869cce5f0894e3c40506eda8e6f399652085092";
const VALIDATION_UNINSTALLED = "0x405f3b0d03299aa10fcb17801f22a280c7c221d05409aea44129bb38213548fd";
// SimpleAccountFactory's interface, which the stand-in's factory shares.
const GET_ADDRESS = "0x8cb84e18"; // getAddress(address,uint256)
const CREATE_ACCOUNT = "0x5fbfb9cf"; // createAccount(address,uint256)

let devnet; // { rpcUrl, bundlerUrl, state, started }
let server; // serves the page and ./pkg on 127.0.0.1
let origin;
let browser;

/** The README's devnet block, as written. */
function readmeBlock() {
  const readme = readFileSync(path.join(root, "pkg-template/README.md"), "utf8");
  const m = /### On a local devnet\n[\s\S]*?```js\n([\s\S]*?)```/.exec(readme);
  assert.ok(m, "pkg-template/README.md has no js block under \"### On a local devnet\"");
  return m[1];
}

const word = (hex) => hex.toLowerCase().replace(/^0x/, "").padStart(64, "0");
/** The `bytes` of ABI data holding one `bytes` value. */
const oneBytes = (data) => {
  const h = data.replace(/^0x/, "");
  const len = parseInt(h.slice(64, 128), 16);
  return "0x" + h.slice(128, 128 + 2 * len);
};

before(async () => {
  assert.ok(existsSync(path.join(pkgDir, "mav2_session_keys_bg.wasm")), `no package in ${pkgDir}: run bash .ci/build-pkg first`);
  devnet = await start();

  // The page: an import map sends "mav2-session-keys" to ./pkg, as a bundler would.
  const page = `<!doctype html><meta charset="utf-8"><title>README block</title>
<script type="importmap">{ "imports": { "mav2-session-keys": "/pkg/index.js" } }</script>`;
  const types = { ".js": "text/javascript", ".wasm": "application/wasm", ".html": "text/html" };
  server = createServer((req, res) => {
    const url = new URL(req.url, "http://x");
    if (url.pathname === "/") return res.writeHead(200, { "content-type": "text/html" }).end(page);
    const file = path.join(pkgDir, path.normalize(url.pathname.replace(/^\/pkg\//, "/")));
    if (!url.pathname.startsWith("/pkg/") || !file.startsWith(pkgDir) || !existsSync(file)) return res.writeHead(404).end();
    res.writeHead(200, { "content-type": types[path.extname(file)] ?? "application/octet-stream" }).end(readFileSync(file));
  });
  await new Promise((ok) => server.listen(0, "127.0.0.1", ok));
  origin = `http://127.0.0.1:${server.address().port}`;
  browser = await launch();
});

after(async () => {
  await browser?.close();
  server?.close();
  stop(devnet);
});

test("the npm README's devnet block runs as written: create → grant → act → revoke", { timeout: 120_000 }, async () => {
  const { rpcUrl, bundlerUrl } = devnet;
  const factory = JSON.parse(readFileSync(devnet.state, "utf8")).standInAccountFactory;
  assert.ok(factory, `no standInAccountFactory in ${devnet.state}: the devnet predates the stand-in account (bash .ci/devnet down; up)`);

  // The owner's own stand-in account (a fresh salt per run), funded for its operations' gas.
  const salt = BigInt(Date.now()) * 1000n + BigInt(Math.floor(Math.random() * 1000));
  const args = word(OWNER) + word(salt.toString(16));
  const account = "0x" + (await rpc(rpcUrl, "eth_call", [{ to: factory, data: GET_ADDRESS + args }, "latest"])).slice(-40);
  const factoryData = CREATE_ACCOUNT + args;
  await rpc(rpcUrl, "anvil_setBalance", [account, "0xde0b6b3a7640000"]);
  assert.equal(await rpc(rpcUrl, "eth_getCode", [account, "latest"]), "0x", "a fresh, undeployed account");
  const deadBefore = BigInt(await rpc(rpcUrl, "eth_getBalance", [DEAD, "latest"]));

  // The package in Node, for the pure encoders the checks below compare with.
  const pkg = await import(pathToFileURL(path.join(pkgDir, "index.js")));
  await pkg.default({ module_or_path: readFileSync(path.join(pkgDir, "mav2_session_keys_bg.wasm")) });

  // The page runs the block as a module importing "mav2-session-keys", with the names it leaves to
  // the reader defined in front (the owner's wallet: an EIP-1193 provider in front of anvil, whose
  // unlocked dev accounts answer eth_accounts and personal_sign) and its results kept after.
  const context = await browser.newContext();
  const page = await context.newPage();
  const problems = [];
  page.on("pageerror", (e) => problems.push(`pageerror: ${e.message}`));
  await page.goto(origin + "/");
  const module =
    "const { bundlerUrl, rpcUrl, account, factory, factoryData } = window.__readmeDevnet;\n" +
    "window.__walletRequests = [];\n" +
    "const wallet = { request: async ({ method, params }) => { window.__walletRequests.push(method);\n" +
    "  const res = await fetch(rpcUrl, { method: 'POST', headers: { 'content-type': 'application/json' },\n" +
    "    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params: params ?? [] }) });\n" +
    "  const j = await res.json(); if (j.error) throw Object.assign(new Error(j.error.message), { code: j.error.code });\n" +
    "  return j.result; } };\n" +
    readmeBlock() +
    "\nwindow.__readme = { store, session, granted, userOpHash, receipt, revoked };\n";
  await page.evaluate(async ({ module, names }) => {
    window.__readmeDevnet = names;
    const url = URL.createObjectURL(new Blob([module], { type: "text/javascript" }));
    try {
      await import(url);
    } catch (e) {
      throw new Error(`the README block threw: ${e.code ?? ""} ${e.message}`);
    }
  }, { module, names: { bundlerUrl, rpcUrl, account, factory, factoryData } });
  const out = await page.evaluate(() => {
    const { session, granted, userOpHash, receipt, revoked } = window.__readme;
    return JSON.parse(JSON.stringify({ session, granted, userOpHash, receipt, revoked }, (_, v) => (typeof v === "bigint" ? v.toString() : v)));
  });
  const requests = await page.evaluate(() => window.__walletRequests);

  // 1. Created pending, for that account.
  assert.equal(out.session.status, "pending");
  assert.equal(out.session.account.toLowerCase(), account.toLowerCase());
  assert.equal(out.session.chainId, 31337);

  // 2. Granted: mined, the session active, the account deployed and holding exactly the
  //    installValidation call the pure encoder gives for this session.
  assert.equal(out.granted.receipt.success, true, JSON.stringify(out.granted.receipt));
  assert.equal(out.granted.session.status, "active");
  assert.ok(requests.includes("personal_sign"), `the wallet signed: ${requests}`);
  assert.notEqual(await rpc(rpcUrl, "eth_getCode", [account, "latest"]), "0x", "deployed by the grant");
  const grant = {
    chainId: 31337,
    account,
    sessionKey: out.session.address,
    entityId: out.session.entityId,
    permissions: [{ type: "contract-access", data: { address: DEAD } }],
    expiresAt: out.session.expiresAt,
  };
  const installCall = pkg.encodeSessionInstall(grant);
  const validation = "0x" + installCall.slice(10, 10 + 48); // validationConfig's module ‖ entity id
  const logs = async (topic) =>
    (await rpc(rpcUrl, "eth_getLogs", [{ address: account, fromBlock: "0x0", toBlock: "latest", topics: [topic] }])).map((l) => oneBytes(l.data));
  assert.deepEqual(await logs(VALIDATION_INSTALLED), [installCall.toLowerCase()]);

  // 3. Acted: the session key's operation was mined and moved 1 wei.
  assert.equal(out.receipt.success, true, JSON.stringify(out.receipt));
  assert.equal(out.receipt.userOpHash, out.userOpHash);
  assert.equal(BigInt(await rpc(rpcUrl, "eth_getBalance", [DEAD, "latest"])) - deadBefore, 1n);

  // 4. Revoked: mined, recorded as the uninstallValidation call for this session, no longer
  //    installed; the local record went with prune().
  assert.equal(out.revoked.receipt.success, true, JSON.stringify(out.revoked.receipt));
  assert.equal(out.revoked.session.status, "revoked");
  const { sessionKey: _, ...uninstall } = grant;
  assert.deepEqual(await logs(VALIDATION_UNINSTALLED), [pkg.encodeSessionUninstall(uninstall).toLowerCase()]);
  const installed = await rpc(rpcUrl, "eth_call", [{ to: account, data: INSTALLED + validation.slice(2).padEnd(64, "0") }, "latest"]);
  assert.equal(BigInt(installed), 0n, "uninstalled on chain");
  const after = await page.evaluate(async (id) => {
    const { store } = window.__readme;
    const gone = await store.get(id).then(() => "found", (e) => e.code);
    return { gone, left: (await store.list()).length, persistence: store.persistence };
  }, out.session.id);
  assert.deepEqual(after, { gone: "SESSION_NOT_FOUND", left: 0, persistence: "indexeddb" }, "in the page's IndexedDB");
  assert.deepEqual(problems, []);
  await context.close();
});
