// The JS → Rust boundary (src/web/convert.rs): plain data crosses as one JSON.stringify with a
// bigint-writing replacer; anything JSON would silently change makes it fall back to the
// field-by-field walk. These inputs each exercise one reason to fall back, and check the result is
// what the walk gives (the same bytes as plain data, or the same refusal naming the field), so a
// fast path that skipped a check would fail here.
import { test } from "node:test";
import assert from "node:assert/strict";
import { loadPkg } from "./load.mjs";

const m = await loadPkg();

const op = () => ({
  sender: "0x65b5DE0251f553B2208762a4724303E750294D96",
  nonce: 0x101n << 64n,
  callData: "0xb61d27f6",
  callGasLimit: 120000n,
  verificationGasLimit: 90000,
  preVerificationGas: "0xbb80",
  maxFeePerGas: 3000000000n,
  maxPriorityFeePerGas: 1000000000n,
  signature: "0x",
});
const plain = m.packUserOperation(op());

function refuses(f, field, code) {
  assert.throws(f, (e) => {
    assert.equal(e.field, field, `field of ${e.code}: ${e.message}`);
    if (code) assert.equal(e.code, code, e.message);
    return true;
  });
}

test("bigints are written as hex even when BigInt.prototype.toJSON is patched (a common hack)", () => {
  let called = 0;
  BigInt.prototype.toJSON = function () {
    called++;
    return this.toString(); // decimal: would be read as a different number if taken as is
  };
  try {
    assert.deepEqual(m.packUserOperation(op()), plain);
    assert.equal(m.userOperationHash(op(), 11155111n), m.userOperationHash(op(), 11155111));
    assert.equal(called, 0, "toJSON was called");
  } finally {
    delete BigInt.prototype.toJSON;
  }
});

test("class instances and null-prototype objects read like plain objects", () => {
  class Op {
    constructor(o) {
      Object.assign(this, o);
    }
  }
  assert.deepEqual(m.packUserOperation(new Op(op())), plain);
  assert.deepEqual(m.packUserOperation(Object.assign(Object.create(null), op())), plain);
});

test("an own toJSON method is refused as the walk refuses it, not called", () => {
  let called = false;
  const o = { ...op(), toJSON() { called = true; return {}; } };
  refuses(() => m.packUserOperation(o), "userOp.toJSON", "INVALID_TYPE");
  assert.equal(called, false);
});

test("a Date or a boxed string is not taken for its JSON text", () => {
  refuses(() => m.packUserOperation({ ...op(), callData: new String("0xb61d27f6") }), "userOp.callData");
  refuses(() => m.packUserOperation({ ...op(), callGasLimit: new Date(0) }), "userOp.callGasLimit");
});

test("numbers JSON would round or drop are refused with their field", () => {
  for (const bad of [NaN, Infinity, 1.5, 2 ** 60]) {
    refuses(() => m.packUserOperation({ ...op(), callGasLimit: bad }), "userOp.callGasLimit");
  }
  assert.deepEqual(m.packUserOperation({ ...op(), verificationGasLimit: 90000 - 0 }), plain);
  refuses(() => m.packUserOperation({ ...op(), callGasLimit: -1n }), "userOp.callGasLimit");
});

test("functions and symbols are refused, not dropped as JSON.stringify would", () => {
  refuses(() => m.packUserOperation({ ...op(), callData: () => "0x" }), "userOp.callData", "INVALID_TYPE");
  refuses(() => m.packUserOperation({ ...op(), callData: Symbol("x") }), "userOp.callData", "INVALID_TYPE");
});

test("undefined properties are absent, as before", () => {
  assert.deepEqual(m.packUserOperation({ ...op(), paymaster: undefined, factory: undefined }), plain);
  refuses(() => m.packUserOperation({ ...op(), sender: undefined }), "userOp.sender", "MISSING_FIELD");
});

test("cycles and deep nesting are refused with the walk's error", () => {
  const cyclic = op();
  cyclic.extra = cyclic;
  assert.throws(() => m.packUserOperation(cyclic), (e) => typeof e.code === "string" && e.field.startsWith("userOp"));
  let deep = [];
  for (let i = 0; i < 40; i++) deep = [deep];
  assert.throws(() => m.packUserOperation({ ...op(), callData: deep }), (e) => {
    assert.match(e.message, /nested too deeply/);
    return e.field.startsWith("userOp.callData[0]");
  });
});
