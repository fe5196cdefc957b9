// Bad input from JavaScript, against the built package (./pkg, `bash .ci/build-pkg`): for every
// exported function and every field it reads, wrong types, missing fields, null and undefined,
// huge numbers, negative and fractional numbers, odd-length and non-hex strings, and mixed-case
// addresses with a wrong EIP-55 checksum. Each must throw an `Error` with a stable `code` and the
// `field` it is about; never a bare TypeError, a wasm trap, or a silent wrong result.
// README "Bad input" lists the codes this file pins.
import { test } from "node:test";
import assert from "node:assert/strict";
import { loadPkg } from "./load.mjs";

const m = await loadPkg();

const ACCOUNT = "0x65b5DE0251f553B2208762a4724303E750294D96";
const SESSION = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8";
const TARGET = "0x000000000000000000000000000000000000dEaD";
const KEY = "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d"; // anvil #1 (public)
const ABSENT = Symbol("absent");

/** SESSION with one letter's case flipped: mixed case, wrong checksum. */
const BAD_CHECKSUM = (() => {
  const i = SESSION.slice(2).search(/[a-fA-F]/) + 2;
  const c = SESSION[i];
  return SESSION.slice(0, i) + (c === c.toLowerCase() ? c.toUpperCase() : c.toLowerCase()) + SESSION.slice(i + 1);
})();

// ---------- the bad values, per kind of field, with the code each must get ----------

const WRONG_TYPES = [
  ["boolean", true, "INVALID_TYPE"],
  ["object", { a: 1 }, "INVALID_TYPE"],
  ["array", [1], "INVALID_TYPE"],
];
const MISSING = [
  ["absent", ABSENT, "MISSING_FIELD"],
  ["undefined", undefined, "MISSING_FIELD"],
  ["null", null, "MISSING_FIELD"],
];

const BAD = {
  address: [
    ...MISSING,
    ...WRONG_TYPES,
    ["number", 123, "INVALID_TYPE"],
    ["bigint", 5n, "INVALID_ADDRESS"],
    ["short", "0x1234", "INVALID_ADDRESS"],
    ["odd length", SESSION.slice(0, -1), "INVALID_ADDRESS"],
    ["no 0x", SESSION.slice(2), "INVALID_ADDRESS"],
    ["non-hex", "0x" + "g".repeat(40), "INVALID_ADDRESS"],
    ["wrong checksum", BAD_CHECKSUM, "INVALID_ADDRESS_CHECKSUM"],
    ["empty", "", "INVALID_ADDRESS"],
  ],
  quantity: [
    ...MISSING,
    ...WRONG_TYPES,
    ["negative", -1, "INVALID_NUMBER"],
    ["negative bigint", -1n, "INVALID_NUMBER"],
    ["fraction", 1.5, "INVALID_NUMBER"],
    ["NaN", NaN, "INVALID_NUMBER"],
    ["Infinity", Infinity, "INVALID_NUMBER"],
    ["unsafe integer", 2 ** 53, "INVALID_NUMBER"],
    ["1e300", 1e300, "INVALID_NUMBER"],
    ["2^256 bigint", 2n ** 256n, "NUMBER_OUT_OF_RANGE"],
    ["2^256 hex", "0x1" + "0".repeat(64), "NUMBER_OUT_OF_RANGE"],
    ["decimal with a dot", "1.5", "INVALID_NUMBER"],
    ["negative string", "-1", "INVALID_NUMBER"],
    ["empty hex", "0x", "INVALID_HEX"],
    ["non-hex", "0xzz", "INVALID_HEX"],
    ["words", "ten", "INVALID_NUMBER"],
    ["empty", "", "INVALID_NUMBER"],
  ],
  bytes: [
    ...MISSING,
    ...WRONG_TYPES,
    ["number", 5, "INVALID_TYPE"],
    ["odd length", "0x123", "INVALID_HEX"],
    ["no 0x", "1234", "INVALID_HEX"],
    ["non-hex", "0xzz", "INVALID_HEX"],
  ],
  bytes32: [
    ...MISSING,
    ...WRONG_TYPES,
    ["number", 5, "INVALID_TYPE"],
    ["odd length", "0x" + "1".repeat(63), "INVALID_HEX"],
    ["31 bytes", "0x" + "11".repeat(31), "INVALID_LENGTH"],
    ["33 bytes", "0x" + "11".repeat(33), "INVALID_LENGTH"],
    ["non-hex", "0x" + "zz".repeat(32), "INVALID_HEX"],
  ],
  permissions: [
    ...MISSING,
    ["object", { type: "root" }, "INVALID_TYPE"],
    ["string", "root", "INVALID_TYPE"],
    ["unknown type", [{ type: "everything" }], "UNKNOWN_VARIANT"],
    ["type missing", [{ data: {} }], "MISSING_FIELD"],
    ["data missing", [{ type: "contract-access" }], "MISSING_FIELD"],
    ["foreign field", [{ type: "contract-access", data: { address: TARGET, allowance: 1 } }], "UNKNOWN_FIELD"],
    ["bad address inside", [{ type: "contract-access", data: { address: BAD_CHECKSUM } }], "INVALID_ADDRESS_CHECKSUM"],
    ["selector of 3 bytes", [{ type: "functions-on-contract", data: { address: TARGET, functions: ["0x123456"] } }], "INVALID_LENGTH"],
    ["null entry", [null], "MISSING_FIELD"],
  ],
};

/** Optional fields: absent / undefined / null mean "not given" and are accepted. */
const optional = (kind) => BAD[kind].filter(([label]) => !["absent", "undefined", "null"].includes(label));
const only = (kind, ...labels) => BAD[kind].filter(([l]) => labels.includes(l));
/** The same bad values with some codes replaced (fields with their own range rule). */
const withCodes = (list, codes) => list.map(([l, v, c]) => [l, v, codes[l] ?? c]);

// ---------- baselines ----------

const now = () => Math.floor(Date.now() / 1000);
const userOp = () => ({
  sender: ACCOUNT, nonce: "0x1000000000000000000", callData: "0x",
  callGasLimit: 100000, verificationGasLimit: 500000, preVerificationGas: 60000,
  maxFeePerGas: "2000000000", maxPriorityFeePerGas: "0x3b9aca00", signature: "0x",
});
const grant = () => ({
  chainId: 11155111, account: ACCOUNT, sessionKey: SESSION, entityId: 1,
  permissions: [{ type: "contract-access", data: { address: TARGET } }],
  expiresAt: now() + 3600,
});
const revoke = () => { const g = grant(); delete g.sessionKey; return g; };
const deferredGrant = () => ({ ...grant(), deadline: 0, nonce: "0x1020000000000000000" });

const opFields = (arg) => [
  [[arg, "sender"], BAD.address],
  [[arg, "nonce"], BAD.quantity],
  [[arg, "callData"], BAD.bytes],
  [[arg, "callGasLimit"], withCodes(BAD.quantity, { "2^256 bigint": "NUMBER_OUT_OF_RANGE" })],
  [[arg, "verificationGasLimit"], BAD.quantity],
  [[arg, "preVerificationGas"], BAD.quantity],
  [[arg, "maxFeePerGas"], BAD.quantity],
  [[arg, "maxPriorityFeePerGas"], BAD.quantity],
  [[arg, "factory"], optional("address")],
  [[arg, "paymaster"], optional("address")],
  [[arg, "signature"], optional("bytes")],
];
const grantFields = (withKey) => [
  [["chainId"], BAD.quantity],
  [["account"], BAD.address],
  ...(withKey ? [[["sessionKey"], BAD.address]] : []),
  [["entityId"], withCodes(BAD.quantity, { "2^256 bigint": "NUMBER_OUT_OF_RANGE", "2^256 hex": "NUMBER_OUT_OF_RANGE" })],
  [["permissions"], BAD.permissions],
  [["expiresAt"], optional("quantity")],
  [["paymaster"], optional("address")],
];

/**
 * Every export that reads input: how to call it from its argument list, the valid arguments, and
 * the fields to break. A path is [argument index, ...keys]; `name` gives the error's field prefix.
 */
const EXPORTS = [
  { fn: "userOperationHash", args: () => [userOp(), 11155111], names: ["userOp", "chainId"],
    fields: [...opFields(0), [[1], BAD.quantity]] },
  { fn: "packUserOperation", args: () => [userOp()], names: ["userOp"], fields: opFields(0) },
  { fn: "encodeSessionInstall", args: () => [grant()], names: [""], fields: grantFields(true).map(([p, b]) => [[0, ...p], b]) },
  { fn: "encodeSessionUninstall", args: () => [revoke()], names: [""], fields: grantFields(false).map(([p, b]) => [[0, ...p], b]) },
  { fn: "buildDeferredSessionInstall", args: () => [deferredGrant()], names: [""],
    fields: [...grantFields(true).map(([p, b]) => [[0, ...p], b]), [[0, "nonce"], BAD.quantity], [[0, "deadline"], BAD.quantity]] },
  { fn: "deferredActionDigest", args: () => [m.buildDeferredSessionInstall(deferredGrant()).preSignatureDigest, "0x" + "11".repeat(65)],
    names: ["preSignatureDigest", "ownerSignature"], fields: [[[0], BAD.bytes], [[1], BAD.bytes]] },
  { fn: "nonceKey", args: () => [{ entityId: 1, isGlobalValidation: false, isDeferredAction: true }], names: [""],
    fields: [[[0, "entityId"], optional("quantity")], [[0, "nonceKey"], optional("quantity")],
             [[0, "isGlobalValidation"], [["string", "yes", "INVALID_TYPE"], ["number", 1, "INVALID_TYPE"]]]] },
  { fn: "encodeExecute", args: () => [{ target: TARGET, value: 1, data: "0xdeadbeef" }, false], names: ["call"],
    fields: [[[0, "target"], BAD.address], [[0, "value"], optional("quantity")], [[0, "data"], optional("bytes")]] },
  { fn: "encodeExecuteBatch", args: () => [[{ target: TARGET, value: 1, data: "0xdeadbeef" }], false], names: ["calls"],
    fields: [[[0], [...MISSING, ["object", { target: TARGET }, "INVALID_TYPE"], ["string", "x", "INVALID_TYPE"]]],
             [[0, 0, "target"], BAD.address], [[0, 0, "value"], optional("quantity")], [[0, 0, "data"], optional("bytes")]] },
  { fn: "signUserOperationWithKey", args: () => [KEY, userOp(), 11155111], names: ["privateKey", "userOp", "chainId"],
    fields: [[[0], BAD.bytes32], ...opFields(1), [[2], BAD.quantity]] },
  { fn: "predictAccountAddress", args: () => [{ owner: ACCOUNT, salt: 0 }], names: [""],
    fields: [[[0, "owner"], BAD.address], [[0, "salt"], optional("quantity")], [[0, "factory"], optional("address")]] },
  { fn: "accountFactoryData", args: () => [{ owner: ACCOUNT }], names: [""],
    fields: [[[0, "owner"], BAD.address], [[0, "salt"], optional("quantity")]] },
];

function setPath(args, path, value) {
  let o = args;
  for (const k of path.slice(0, -1)) o = o[k];
  const last = path[path.length - 1];
  if (value === ABSENT) {
    if (Array.isArray(o) && o === args) o[last] = undefined;
    else delete o[last];
  } else o[last] = value;
}

/** The `field` the error must name: argument name, then the keys ("userOp.sender", "calls[0].target"). */
function fieldOf(names, path) {
  let f = names[path[0]] ?? "";
  for (const k of path.slice(1)) {
    if (typeof k === "number") f += `[${k}]`;
    else f = f ? `${f}.${k}` : k;
  }
  return f;
}

/** Call, and return the typed refusal { code, field } (or fail the test on anything else). */
function refusal(run, what) {
  let thrown;
  try {
    const got = run();
    return { accepted: true, got };
  } catch (e) {
    thrown = e;
  }
  assert.ok(thrown instanceof Error, `${what}: threw a non-Error ${String(thrown)}`);
  assert.equal(typeof thrown.code, "string", `${what}: ${thrown.name}: ${thrown.message} has no code`);
  assert.match(thrown.code, /^[A-Z0-9_]+$/, what);
  assert.ok(!/unreachable|RuntimeError/.test(thrown.message), `${what}: wasm trap: ${thrown.message}`);
  return { code: thrown.code, field: thrown.field, message: thrown.message };
}

for (const spec of EXPORTS) {
  test(`${spec.fn}: every bad field is a typed error naming the field`, () => {
    // the baseline is accepted
    const base = refusal(() => m[spec.fn](...spec.args()), `${spec.fn} baseline`);
    assert.ok(base.accepted, `${spec.fn} baseline refused: ${base.code} ${base.field} ${base.message}`);
    let n = 0;
    for (const [path, bad] of spec.fields) {
      const field = fieldOf(spec.names, path);
      for (const [label, value, code] of bad) {
        const args = spec.args();
        setPath(args, path, value);
        const what = `${spec.fn} ${field} = ${label}`;
        const r = refusal(() => m[spec.fn](...args), what);
        assert.ok(!r.accepted, `${what}: accepted, returned ${JSON.stringify(r.got, (_, v) => typeof v === "bigint" ? v.toString() : v)}`);
        assert.equal(r.code, code, `${what}: ${r.code} (${r.message})`);
        assert.ok(r.field === field || r.field?.startsWith(field), `${what}: field ${r.field}, expected ${field}`);
        n++;
      }
    }
    assert.ok(n >= spec.fields.length, `${spec.fn}: ${n} cases`);
  });
}

test("whole-argument mistakes: no argument, null, a string, a number, an array", () => {
  const oneObjectArg = ["packUserOperation", "encodeSessionInstall", "encodeSessionUninstall", "buildDeferredSessionInstall",
    "predictAccountAddress", "accountFactoryData", "encodeExecute"];
  for (const fn of oneObjectArg) {
    for (const [label, v, codes] of [
      ["nothing", undefined, ["MISSING_FIELD", "INVALID_TYPE"]], ["null", null, ["MISSING_FIELD", "INVALID_TYPE"]],
      ["string", "{}", ["INVALID_TYPE"]], ["number", 7, ["INVALID_TYPE"]], ["array", [], ["INVALID_TYPE", "MISSING_FIELD", "INVALID_LENGTH"]],
      ["function", () => 1, ["INVALID_TYPE"]], ["symbol", Symbol("x"), ["INVALID_TYPE"]],
    ]) {
      const r = refusal(() => m[fn](v, false), `${fn}(${label})`);
      assert.ok(!r.accepted, `${fn}(${label}) accepted`);
      assert.ok(codes.includes(r.code), `${fn}(${label}): ${r.code} ${r.message}`);
    }
  }
  // extra fields are refused, not ignored (a typo must not silently drop a limit)
  const g = grant();
  g.expiresAT = g.expiresAt;
  delete g.expiresAt;
  const r = refusal(() => m.encodeSessionInstall(g), "typo field");
  assert.equal(r.code, "UNKNOWN_FIELD");
  // cycles and absurd nesting are refused by type, not by a stack overflow
  const cyc = userOp();
  cyc.self = cyc;
  assert.equal(refusal(() => m.packUserOperation(cyc), "cycle").code, "INVALID_TYPE");
  let deep = {};
  for (let i = 0; i < 10000; i++) deep = { a: deep };
  assert.equal(refusal(() => m.packUserOperation(deep), "deep").code, "INVALID_TYPE");
});

test("huge inputs are refused or handled without a crash", () => {
  const op = userOp();
  op.callData = "0x" + "ab".repeat(1 << 20); // 1 MiB of call data hashes fine
  assert.match(m.userOperationHash(op, 1), /^0x[0-9a-f]{64}$/);
  const big = userOp();
  big.nonce = "9".repeat(100_000); // a 100 000-digit decimal
  assert.equal(refusal(() => m.userOperationHash(big, 1), "huge decimal").code, "NUMBER_OUT_OF_RANGE");
  const many = grant();
  many.permissions = Array.from({ length: 2000 }, (_, i) => ({
    type: "contract-access", data: { address: "0x" + (i + 1).toString(16).padStart(40, "0") },
  }));
  assert.match(m.encodeSessionInstall(many), /^0x1bbf564c/);
});

test("trailing optional arguments of the wrong type", () => {
  // entryPoint is an optional string: other types must be typed refusals, not a TypeError.
  for (const [label, v] of [["number", 5], ["object", {}], ["bad checksum", BAD_CHECKSUM], ["short", "0x12"]]) {
    const r = refusal(() => m.userOperationHash(userOp(), 1, v), `entryPoint ${label}`);
    assert.ok(!r.accepted, `entryPoint ${label} accepted`);
    assert.equal(r.field, "entryPoint", `entryPoint ${label}: ${r.code} ${r.field} ${r.message}`);
  }
});

test("withExecutionHooks must be a boolean", () => {
  // (wasm-bindgen's own `bool` would read "yes" as false and 1 as true without a word)
  for (const [v, code] of [["yes", "INVALID_TYPE"], [1, "INVALID_TYPE"], [{}, "INVALID_TYPE"], [undefined, "MISSING_FIELD"], [null, "MISSING_FIELD"]]) {
    for (const fn of ["encodeExecute", "encodeExecuteBatch"]) {
      const arg = fn === "encodeExecute" ? { target: TARGET } : [{ target: TARGET }];
      const r = refusal(() => m[fn](arg, v), `${fn} withExecutionHooks ${String(v)}`);
      assert.ok(!r.accepted, `${fn} withExecutionHooks = ${String(v)} accepted`);
      assert.equal(r.code, code);
      assert.equal(r.field, "withExecutionHooks");
    }
  }
});

test("SessionKeyStore methods refuse bad input with typed errors (memory store in Node)", async () => {
  const warn = console.warn;
  console.warn = () => {}; // Node has no IndexedDB: the store says it keeps keys in memory
  try {
    const store = await m.SessionKeyStore.open({ name: "bad-input" });
    const base = () => ({ chainId: 11155111, account: ACCOUNT, permissions: [{ type: "contract-access", data: { address: TARGET } }], expiresAt: now() + 3600 });
    const cases = [
      ["create()", () => store.create(), "MISSING_FIELD", "options"],
      ["create(null)", () => store.create(null), "MISSING_FIELD", "options"],
      ["create(string)", () => store.create("x"), "INVALID_TYPE", "options"],
      ["create chainId -1", () => store.create({ ...base(), chainId: -1 }), "INVALID_NUMBER", "chainId"],
      ["create chainId 1.5", () => store.create({ ...base(), chainId: 1.5 }), "INVALID_NUMBER", "chainId"],
      ["create chainId 0", () => store.create({ ...base(), chainId: 0 }), "NUMBER_OUT_OF_RANGE", "chainId"],
      ["create chainId 2^64", () => store.create({ ...base(), chainId: 2n ** 64n }), "NUMBER_OUT_OF_RANGE", "chainId"],
      ["create account checksum", () => store.create({ ...base(), account: BAD_CHECKSUM }), "INVALID_ADDRESS_CHECKSUM", "account"],
      ["create account missing", () => { const o = base(); delete o.account; return store.create(o); }, "MISSING_FIELD", "account"],
      ["create expiresAt past", () => store.create({ ...base(), expiresAt: 1 }), "EXPIRED", "expiresAt"],
      ["create expiresAt 2^48", () => store.create({ ...base(), expiresAt: 2 ** 48 }), "NUMBER_OUT_OF_RANGE", "expiresAt"],
      ["create entityId 0", () => store.create({ ...base(), entityId: 0 }), "INVALID_ENTITY_ID", "entityId"],
      ["create entityId -1", () => store.create({ ...base(), entityId: -1 }), "INVALID_NUMBER", "entityId"],
      ["create with privateKey", () => store.create({ ...base(), privateKey: KEY }), "UNKNOWN_FIELD", "privateKey"],
      ["create permissions object", () => store.create({ ...base(), permissions: {} }), "INVALID_TYPE", "permissions"],
      ["create unknown permission", () => store.create({ ...base(), permissions: [{ type: "all" }] }), "UNKNOWN_VARIANT", "permissions[0].type"],
      ["import odd key", () => store.importPrivateKey({ ...base(), privateKey: KEY.slice(0, -1) }), "INVALID_PRIVATE_KEY", "privateKey"],
      ["import key number", () => store.importPrivateKey({ ...base(), privateKey: 5 }), "INVALID_TYPE", "privateKey"],
      ["import no key", () => store.importPrivateKey(base()), "MISSING_FIELD", "privateKey"],
      ["get()", () => store.get(), "MISSING_FIELD", "id"],
      ["get(5)", () => store.get(5), "INVALID_TYPE", "id"],
      ["get('')", () => store.get(""), "MISSING_FIELD", "id"],
      ["get(unknown)", () => store.get("nope"), "SESSION_NOT_FOUND", "id"],
      ["list bad filter", () => store.list({ chainId: "x" }), "INVALID_NUMBER", "chainId"],
      ["list unknown filter", () => store.list({ color: 1 }), "UNKNOWN_FIELD", "color"],
      ["markActive(null)", () => store.markActive(null), "MISSING_FIELD", "id"],
      ["signUserOperation no op", () => store.signUserOperation("nope"), "MISSING_FIELD", "userOp"],
      ["deferredInstall options not an object", () => store.deferredInstall("nope", 5), "INVALID_TYPE", "options"],
      ["attachOwnerSignature odd hex", () => store.attachOwnerSignature("nope", "0x123"), "INVALID_HEX", "signature"],
      ["attachOwnerSignature number", () => store.attachOwnerSignature("nope", 5), "INVALID_TYPE", "signature"],
    ];
    for (const [what, run, code, field] of cases) {
      let e;
      try {
        await run();
      } catch (x) {
        e = x;
      }
      assert.ok(e instanceof Error, `${what}: resolved or threw a non-Error (${String(e)})`);
      assert.equal(e.code, code, `${what}: ${e.code} ${e.field} ${e.message}`);
      // one rule for every export: inside an options object, paths are relative ("chainId")
      assert.equal(e.field, field, `${what}: field ${e.field}, expected ${field}`);
    }
    // a real session, then bad operations for it
    const s = await store.create(base());
    const op = { ...userOp(), nonce: (BigInt(s.entityId) << 72n).toString() };
    for (const [what, patch, code] of [
      ["sender of another account", { sender: SESSION }, "INVALID_ADDRESS"],
      ["nonce of another entity", { nonce: (99n << 72n).toString() }, "NUMBER_OUT_OF_RANGE"],
      ["gas negative", { callGasLimit: -5 }, "INVALID_NUMBER"],
      ["callData odd", { callData: "0xabc" }, "INVALID_HEX"],
      ["unknown field", { gas: 1 }, "UNKNOWN_FIELD"],
    ]) {
      let e;
      try { await store.signUserOperation(s.id, { ...op, ...patch }); } catch (x) { e = x; }
      assert.ok(e instanceof Error && e.code === code, `${what}: ${e?.code} ${e?.message}`);
      assert.match(e.field, /^(userOp\.)?[a-zA-Z]+$/, `${what}: field ${e.field}`);
    }
    assert.match(await store.signUserOperation(s.id, op), /^0xff00[0-9a-f]{130}$/);
    store.close();
    let closed;
    try { await store.get(s.id); } catch (x) { closed = x; }
    assert.equal(closed?.code, "STORE_CLOSED");
  } finally {
    console.warn = warn;
  }
});

test("no secret in any error message", () => {
  for (const bad of [KEY.slice(0, -1), KEY.slice(0, -2), KEY + "00", KEY.slice(0, -2) + "zz", KEY.slice(2)]) {
    const r = refusal(() => m.signUserOperationWithKey(bad, userOp(), 1), `privateKey ${bad.length}`);
    assert.ok(!r.accepted);
    assert.ok(!r.message.toLowerCase().includes(KEY.slice(2, 18)), `the key is echoed: ${r.message}`);
  }
});

test("the package glue needs no eval (strict CSP: script-src 'self' 'wasm-unsafe-eval')", async () => {
  const { readFileSync } = await import("node:fs");
  const glue = readFileSync(new URL("../../pkg/mav2_session_keys.js", import.meta.url), "utf8");
  assert.doesNotMatch(glue, /\bnew Function\b|\beval\s*\(|\bFunction\s*\(\s*["'`]/, "the wasm-bindgen glue evaluates code");
});
