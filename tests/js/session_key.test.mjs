// `SessionKey`, the key held in wasm memory (both builds: the full entry and
// `mav2-session-keys/core`): its signatures and addresses against the SDK's vectors
// (tests/vectors/sign.json: `singleSignerMessageSigner`, with and without a deferred action, the
// SDK's own `deferredAction` digest given as is), its explicit export, and typed refusals.
import { test } from "node:test";
import assert from "node:assert/strict";
import { loadEntries, vectors, sameHex } from "./load.mjs";

const cases = vectors("sign");

function refuses(f, code, field) {
  assert.throws(f, (e) => {
    assert.ok(e instanceof Error, "not an Error");
    assert.equal(e.code, code, e.message);
    if (field !== undefined) assert.equal(e.field, field, e.message);
    return true;
  }, `${code} ${field ?? ""}`);
}

for (const [entry, m] of await loadEntries()) {
  test(`${entry}: signUserOperation and address equal the SDK's session signer, deferred action included`, () => {
    let deferred = 0;
    for (const c of cases) {
      const key = m.SessionKey.fromPrivateKey(c.input.privateKey);
      try {
        assert.equal(key.address, c.output.address, c.name);
        const options = { entryPoint: c.input.entryPoint };
        if (c.input.deferredAction) {
          options.deferredAction = c.input.deferredAction;
          deferred++;
        }
        const got = key.signUserOperation(c.input.userOp, c.input.chainId, options);
        assert.ok(sameHex(got, c.output.signature), c.name);
      } finally {
        key.free();
      }
    }
    assert.ok(deferred >= 8, `only ${deferred} deferred cases`);
  });

  test(`${entry}: options and entryPoint are optional (EntryPoint v0.7)`, () => {
    const c = cases.find((x) => !x.input.deferredAction && /^0x0000000071727De22E5E9d8BAf0edAc6f37da032$/i.test(x.input.entryPoint));
    assert.ok(c, "no v0.7 case");
    const key = m.SessionKey.fromPrivateKey(c.input.privateKey);
    for (const sig of [key.signUserOperation(c.input.userOp, c.input.chainId), key.signUserOperation(c.input.userOp, c.input.chainId, {}), key.signUserOperation(c.input.userOp, BigInt(c.input.chainId), null)]) {
      assert.ok(sameHex(sig, c.output.signature), c.name);
    }
    key.free();
  });

  test(`${entry}: generate() makes distinct keys; exportPrivateKey is the only way out and round-trips`, () => {
    const a = m.SessionKey.generate();
    const b = m.SessionKey.generate();
    assert.match(a.address, /^0x[0-9a-fA-F]{40}$/);
    assert.notEqual(a.address, b.address);
    const secret = a.exportPrivateKey();
    assert.match(secret, /^0x[0-9a-f]{64}$/);
    const again = m.SessionKey.fromPrivateKey(secret);
    assert.equal(again.address, a.address);
    const op = cases[0].input.userOp;
    assert.equal(again.signUserOperation(op, 1), a.signUserOperation(op, 1)); // RFC 6979: same key, same bytes
    assert.ok(!JSON.stringify(a).includes(secret.slice(2)), "the key object serializes its secret");
    assert.ok(!String(a).includes(secret.slice(2)));
    for (const k of [a, b, again]) k.free();
  });

  test(`${entry}: bad input is a typed error naming the field; a freed key refuses, it does not crash`, () => {
    const c = cases.find((x) => x.input.deferredAction);
    const op = c.input.userOp;
    refuses(() => m.SessionKey.fromPrivateKey("0x00"), "INVALID_LENGTH", "privateKey");
    refuses(() => m.SessionKey.fromPrivateKey(`0x${"00".repeat(32)}`), "INVALID_PRIVATE_KEY", "privateKey");
    refuses(() => m.SessionKey.fromPrivateKey(`0x${"ff".repeat(32)}`), "INVALID_PRIVATE_KEY", "privateKey");
    refuses(() => m.SessionKey.fromPrivateKey(undefined), "MISSING_FIELD", "privateKey");
    const key = m.SessionKey.fromPrivateKey(c.input.privateKey);
    refuses(() => key.signUserOperation({ ...op, sender: undefined }, 1), "MISSING_FIELD", "userOp.sender");
    refuses(() => key.signUserOperation(op, -1), "INVALID_NUMBER", "chainId");
    refuses(() => key.signUserOperation(op, 1, { entryPoint: "0x1234" }), "INVALID_ADDRESS", "entryPoint");
    refuses(() => key.signUserOperation(op, 1, { entrypoint: c.input.entryPoint }), "UNKNOWN_FIELD", "entrypoint");
    refuses(() => key.signUserOperation(op, 1, { deferredAction: "0x01" }), "INVALID_DEFERRED_ACTION");
    refuses(() => key.signUserOperation(op, 1, { deferredAction: c.input.deferredAction.slice(0, -2) }), "INVALID_DEFERRED_ACTION");
    refuses(() => key.signUserOperation(op, 1, "yes"), "INVALID_TYPE", "options");
    try {
      key.signUserOperation({ ...op, nonce: "x" }, 1);
    } catch (e) {
      assert.ok(!e.message.includes(c.input.privateKey.slice(2)), "the key in an error message");
    }
    key.free();
    assert.throws(() => key.signUserOperation(op, 1), Error);
    assert.throws(() => key.address, Error);
  });
}
