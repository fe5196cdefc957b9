// The package's own entry (pkg/index.js, as `import … from "mav2-session-keys"` resolves it), from
// Node without a devnet: every export of the wasm glue is re-exported and nothing else (no `raw`);
// before `init()` each throws an Error with `code: "NOT_INITIALIZED"` (a function, a class's
// constructor, a class static such as `SessionKeyStore.open`); after it they work and `instanceof`
// still holds. Needs `bash .ci/build-pkg`.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const pkg = (f) => pathToFileURL(path.join(root, "pkg", f)).href;
const m = await import(pkg("index.js"));
const glue = await import(pkg("mav2_session_keys.js"));
const ACCOUNT = "0x65b5DE0251f553B2208762a4724303E750294D96";

function notInitialized(fn, name) {
  assert.throws(fn, (e) => {
    assert.ok(e instanceof Error, `${name}: not an Error`);
    assert.equal(e.code, "NOT_INITIALIZED", `${name}: ${e.code} ${e.message}`);
    assert.equal(e.name, "Mav2SessionKeyError");
    assert.match(e.message, /init\(\)/);
    return true;
  }, name);
}

test("the entry exports the glue's exports plus init, and no raw", () => {
  const expected = new Set([...Object.keys(glue).filter((k) => k !== "default"), "init", "default"]);
  assert.deepEqual(new Set(Object.keys(m)), expected);
  assert.equal(m.raw, undefined);
  assert.equal(m.default, m.init);
});

test("before init(): functions, constructors and statics throw NOT_INITIALIZED", () => {
  notInitialized(() => m.predictAccountAddress({ owner: ACCOUNT }), "predictAccountAddress");
  notInitialized(() => m.dummySignature(), "dummySignature");
  notInitialized(() => m.version(), "version");
  notInitialized(() => m.SessionKeyStore.open(), "SessionKeyStore.open");
  notInitialized(() => new m.BundlerClient({ bundlerUrl: "http://127.0.0.1:1" }), "new BundlerClient");
  // The guard keeps identity: a static read twice is the same function.
  assert.equal(m.SessionKeyStore.open, m.SessionKeyStore.open);
});

test("after init(): the same exports work, instanceof holds, errors carry code, field and data", async () => {
  const bytes = readFileSync(path.join(root, "pkg/mav2_session_keys_bg.wasm"));
  await Promise.all([m.init({ module_or_path: bytes }), m.init({ module_or_path: bytes })]);
  assert.match(m.version(), /^\d+\.\d+\.\d+/);
  assert.equal(typeof m.predictAccountAddress({ owner: ACCOUNT }), "string");
  const client = new m.BundlerClient({ bundlerUrl: "http://127.0.0.1:1" });
  assert.ok(client instanceof m.BundlerClient);
  assert.ok(client instanceof glue.BundlerClient);
  client.free();
  // A class static runs once initialized (Node has no IndexedDB: the store keeps keys in memory).
  const store = await m.SessionKeyStore.open({ name: "init-guard" });
  assert.ok(store instanceof m.SessionKeyStore);
  assert.equal(store.persistence, "memory");

  const grant = {
    chainId: 1, account: ACCOUNT, sessionKey: "0x70997970C51812dc3A010C7d01b50e0d17dc79C8", entityId: 1,
    permissions: [{ type: "root" }], expiresAt: 2 ** 50,
  };
  assert.throws(() => m.encodeSessionInstall(grant), (e) => {
    assert.equal(e.name, "Mav2SessionKeyError");
    assert.equal(e.code, "TIME_OVER_LIMIT");
    assert.equal(e.field, "expiresAt");
    assert.deepEqual(e.data, { value: 2 ** 50 });
    return true;
  });
  assert.throws(() => m.encodeSessionInstall({ ...grant, chainId: undefined }), (e) => {
    assert.equal(e.code, "MISSING_FIELD");
    assert.equal(e.data, undefined);
    return true;
  });
});

// `mav2-session-keys/core` (pkg/core.js): the same guard over the build without the session service.
const core = await import(pkg("core.js"));
const coreGlue = await import(pkg("core/mav2_session_keys_core.js"));

test("core entry: the core glue's exports plus init; no store, bundler client or viem's hashes", () => {
  const expected = new Set([...Object.keys(coreGlue).filter((k) => k !== "default"), "init", "default"]);
  assert.deepEqual(new Set(Object.keys(core)), expected);
  assert.equal(core.SessionKeyStore, undefined);
  assert.equal(core.BundlerClient, undefined);
  // The core entry is the full one without the session service and without what viem has
  // (viem's getUserOperationHash, toPackedUserOperation, hashAuthorization): a viem app ships those.
  const left = ["SessionKeyStore", "BundlerClient", "userOperationHash", "packUserOperation", "hashAuthorization"];
  for (const k of Object.keys(coreGlue)) assert.ok(k in glue, `${k} only in the core build`);
  for (const k of Object.keys(glue)) {
    assert.equal(k in coreGlue, !left.includes(k), `${k} in the core build: ${k in coreGlue}`);
  }
});

test("core entry: NOT_INITIALIZED before its own init(), working after it", async () => {
  notInitialized(() => core.dummySignature(), "dummySignature");
  notInitialized(() => core.SessionKey.generate(), "SessionKey.generate");
  await core.init({ module_or_path: readFileSync(path.join(root, "pkg/core/mav2_session_keys_core_bg.wasm")) });
  assert.equal(core.predictAccountAddress({ owner: ACCOUNT }), m.predictAccountAddress({ owner: ACCOUNT }));
  const key = core.SessionKey.generate();
  assert.ok(key instanceof core.SessionKey);
  assert.match(key.address, /^0x[0-9a-fA-F]{40}$/);
  key.free();
});
