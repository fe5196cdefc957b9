// The wasm build's JS surface, called the way a web app calls it, against the vectors that
// Alchemy's SDK generated (tests/vectors). Proves the JS boundary (argument parsing, bigint,
// hex formatting, error objects) on top of what the native suite proves for the core. Every test
// runs on both builds: the full entry and `mav2-session-keys/core` (which leaves
// `userOperationHash`, `packUserOperation` and `hashAuthorization` to viem).
import { test } from "node:test";
import assert from "node:assert/strict";
import { loadEntries, vectors, sameHex } from "./load.mjs";


/** A checksummed address with one letter's case flipped: still mixed case, checksum now wrong. */
function flipFirstLetterCase(addr) {
  const i = addr.slice(2).search(/[a-fA-F]/) + 2;
  const ch = addr[i];
  const flipped = ch === ch.toLowerCase() ? ch.toUpperCase() : ch.toLowerCase();
  return addr.slice(0, i) + flipped + addr.slice(i + 1);
}

function expectRefusal(fn, name) {
  assert.throws(fn, (e) => {
    assert.ok(e instanceof Error, `${name}: not an Error`);
    assert.equal(typeof e.code, "string", `${name}: no code`);
    assert.match(e.code, /^[A-Z0-9_]+$/, `${name}: code ${e.code}`);
    return true;
  }, name);
}

for (const [entry, m] of await loadEntries()) {
  test(`${entry}: userOperationHash equals viem's getUserOperationHash`, { skip: !m.userOperationHash && "viem's: the core entry leaves it to the app's viem" }, () => {
    const cases = vectors("user_op_hash");
    for (const c of cases) {
      const got = m.userOperationHash(c.input.userOp, c.input.chainId, c.input.entryPoint);
      assert.ok(sameHex(got, c.output.hash), c.name);
    }
    assert.ok(cases.length >= 80);
  });

  test(`${entry}: hashAuthorization equals viem's hashAuthorization (EIP-7702)`, { skip: !m.hashAuthorization && "viem's: the core entry leaves it to the app's viem" }, () => {
    const cases = vectors("eip7702").filter((c) => c.output.authorization);
    for (const c of cases) {
      const a = c.output.authorization;
      assert.ok(sameHex(m.hashAuthorization({ chainId: a.chainId, address: a.address, nonce: a.nonce }), c.output.authorizationHash), c.name);
      assert.ok(sameHex(m.hashAuthorization({ chainId: BigInt(a.chainId), contractAddress: a.address, nonce: BigInt(a.nonce) }), c.output.authorizationHash), c.name);
    }
    assert.ok(cases.length >= 1);
    assert.throws(() => m.hashAuthorization({ chainId: 1, nonce: 0 }), (e) => e.code === "MISSING_FIELD" && e.field === "address");
  });

  test(`${entry}: userOperationHash takes bigint numbers too`, { skip: !m.userOperationHash && "viem's: the core entry leaves it to the app's viem" }, () => {
    const c = vectors("user_op_hash")[0];
    const op = { ...c.input.userOp };
    for (const k of ["nonce", "callGasLimit", "verificationGasLimit", "preVerificationGas", "maxFeePerGas", "maxPriorityFeePerGas"]) {
      op[k] = BigInt(op[k]);
    }
    assert.ok(sameHex(m.userOperationHash(op, BigInt(c.input.chainId), c.input.entryPoint), c.output.hash));
  });

  test(`${entry}: encodeSessionInstall equals PermissionBuilder.compileRaw, and refuses where the SDK throws`, () => {
    let ok = 0, refused = 0;
    for (const c of vectors("install")) {
      if (c.error || c.stricter) {
        expectRefusal(() => m.encodeSessionInstall(c.input), c.name);
        refused++;
      } else {
        assert.ok(sameHex(m.encodeSessionInstall(c.input), c.output.callData), c.name);
        ok++;
      }
    }
    assert.ok(ok >= 150 && refused >= 50, `${ok} ok, ${refused} refused`);
  });

  test(`${entry}: encodeSessionUninstall equals the SDK's uninstallValidation encoding`, () => {
    const cases = vectors("uninstall");
    for (const c of cases) {
      assert.ok(sameHex(m.encodeSessionUninstall(c.input), c.output.callData), c.name);
    }
    assert.ok(cases.length >= 60);
  });

  test(`${entry}: buildDeferredSessionInstall + deferredActionDigest equal compileDeferred + buildDeferredActionDigest`, () => {
    let ok = 0;
    for (const c of vectors("deferred")) {
      const { ownerKey, ownerSignature, ...input } = c.input;
      if (c.error) {
        expectRefusal(() => m.buildDeferredSessionInstall(input), c.name);
        continue;
      }
      const out = m.buildDeferredSessionInstall(input);
      assert.ok(sameHex(out.preSignatureDigest, c.output.preSignatureDigest), c.name);
      const t = out.typedData, e = c.output.typedData;
      assert.equal(t.primaryType, "DeferredAction");
      assert.equal(Number(t.domain.chainId), Number(e.domain.chainId), c.name);
      assert.ok(sameHex(t.domain.verifyingContract, e.domain.verifyingContract), c.name);
      assert.equal(BigInt(t.message.nonce), BigInt(e.message.nonce), c.name);
      assert.equal(Number(t.message.deadline), Number(e.message.deadline), c.name);
      assert.ok(sameHex(t.message.call, e.message.call), c.name);
      assert.deepEqual(t.types.DeferredAction, e.types.DeferredAction);
      const digest = m.deferredActionDigest(out.preSignatureDigest, ownerSignature);
      assert.ok(sameHex(digest, c.output.deferredActionDigest), c.name);
      ok++;
    }
    assert.ok(ok >= 50);
  });

  test(`${entry}: nonceKey equals buildFullNonceKey`, () => {
    for (const c of vectors("nonce_key")) {
      if (c.stricter) {
        expectRefusal(() => m.nonceKey(c.input), c.name);
      } else {
        assert.equal(BigInt(m.nonceKey(c.input)), BigInt(c.output.key), c.name);
      }
    }
  });

  test(`${entry}: encodeExecute / encodeExecuteBatch equal the SDK account's encoders`, () => {
    for (const c of vectors("execute")) {
      const { calls, batch, withExecutionHooks } = c.input;
      const got = batch ? m.encodeExecuteBatch(calls, withExecutionHooks) : m.encodeExecute(calls[0], withExecutionHooks);
      assert.ok(sameHex(got, c.output.callData), c.name);
    }
  });

  test(`${entry}: signUserOperationWithKey equals the SDK's single-signer signature`, () => {
    let n = 0;
    for (const c of vectors("sign")) {
      if (c.input.deferredAction) continue; // the deferred prefix is the store's job (attachOwnerSignature)
      const got = m.signUserOperationWithKey(c.input.privateKey, c.input.userOp, c.input.chainId, c.input.entryPoint);
      assert.ok(sameHex(got, c.output.signature), c.name);
      n++;
    }
    assert.ok(n >= 40);
  });

  test(`${entry}: predictAccountAddress equals predictModularAccountV2Address`, () => {
    for (const c of vectors("account")) {
      assert.equal(m.predictAccountAddress(c.input), c.output.address, c.name);
    }
  });

  test(`${entry}: refusals are Errors with a stable code and the field`, () => {
    const base = vectors("install").find((c) => c.output && !c.stricter).input;
    const cases = [
      [{ ...base, account: "0x1234" }, "INVALID_ADDRESS", "account"],
      [{ ...base, account: flipFirstLetterCase(base.account) }, "INVALID_ADDRESS_CHECKSUM", "account"],
      [{ ...base, entityId: -1 }, "INVALID_NUMBER", "entityId"],
      [{ ...base, entityId: 1.5 }, "INVALID_NUMBER", "entityId"],
      [{ ...base, entityId: undefined }, "MISSING_FIELD", "entityId"],
      [{ ...base, entityId: null }, "MISSING_FIELD", "entityId"],
      [{ ...base, chainId: "0x" }, "INVALID_HEX", "chainId"],
      [{ ...base, permissions: [{ type: "account-functions", data: { functions: ["0x123"] } }] }, "INVALID_HEX", "permissions[0].data.functions[0]"],
      [{ ...base, permissions: [{ type: "account-functions", data: { functions: ["0x1bbf564c"] } }] }, "SELECTOR_NOT_ALLOWED", "permissions[0].data.functions[0]"],
      [{ ...base, permissions: [{ type: "bogus" }] }, "UNKNOWN_VARIANT", "permissions[0]"],
      [{ ...base, expiresAt: 2n ** 48n }, "TIME_OVER_LIMIT", "expiresAt"],
    ];
    for (const [input, code, field] of cases) {
      try {
        m.encodeSessionInstall(input);
        assert.fail(`accepted ${JSON.stringify(input, (k, v) => (typeof v === "bigint" ? String(v) : v))}`);
      } catch (e) {
        assert.ok(e instanceof Error);
        assert.equal(e.code, code, `${field}: ${e.message}`);
        assert.ok(String(e.field).startsWith(field), `${code}: field ${e.field} (${e.message})`);
        // Its own words in both builds (the core wasm carries only its own errors' templates).
        assert.ok(e.message.startsWith(`${e.field}: `) && e.message.length > e.field.length + 8, `${code}: ${e.message}`);
      }
    }
    expectRefusal(() => m.signUserOperationWithKey("0x00", vectors("sign")[0].input.userOp, 1), "short key");
  });
}
