// The JS → Rust boundary (src/web/convert.rs): plain data crosses as one JSON.stringify with a
// bigint-writing replacer; anything JSON would silently change makes it fall back to the
// field-by-field walk. These inputs each exercise one reason to fall back, and check the result is
// what the walk gives (viem's hash of the SDK case, or the same refusal naming the field), so a
// fast path that skipped a check would fail here.
import { test } from "node:test";
import assert from "node:assert/strict";
import { loadPkg, vectors, sameHex } from "./load.mjs";

const m = await loadPkg();

// One of the SDK-generated cases (viem's getUserOperationHash), with its quantities as a web app
// passes them: bigints, a hex string, a number.
const c = vectors("user_op_hash")[0];
const op = () => ({
  ...c.input.userOp,
  nonce: BigInt(c.input.userOp.nonce),
  callGasLimit: BigInt(c.input.userOp.callGasLimit),
  maxFeePerGas: BigInt(c.input.userOp.maxFeePerGas),
  maxPriorityFeePerGas: Number(c.input.userOp.maxPriorityFeePerGas),
});
const hash = (o, chainId = c.input.chainId) => m.userOperationHash(o, chainId, c.input.entryPoint);
const isSdkHash = (h) => assert.ok(sameHex(h, c.output.hash), `${h} is not the SDK's ${c.output.hash}`);

test("the case reads as plain data and hashes as viem does", () => {
  isSdkHash(hash(op()));
});

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
    isSdkHash(hash(op()));
    isSdkHash(hash(op(), BigInt(c.input.chainId)));
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
  isSdkHash(hash(new Op(op())));
  isSdkHash(hash(Object.assign(Object.create(null), op())));
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
  assert.equal(c.input.userOp.maxPriorityFeePerGas, "0x0");
  isSdkHash(hash({ ...op(), maxPriorityFeePerGas: -0 }));
  refuses(() => m.packUserOperation({ ...op(), callGasLimit: -1n }), "userOp.callGasLimit");
});

test("functions and symbols are refused, not dropped as JSON.stringify would", () => {
  refuses(() => m.packUserOperation({ ...op(), callData: () => "0x" }), "userOp.callData", "INVALID_TYPE");
  refuses(() => m.packUserOperation({ ...op(), callData: Symbol("x") }), "userOp.callData", "INVALID_TYPE");
});

test("undefined properties are absent, as before", () => {
  isSdkHash(hash({ ...op(), factory: undefined, factoryData: undefined }));
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
