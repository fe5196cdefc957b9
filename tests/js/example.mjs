// A small end-to-end example of the pure encoders, run by `.ci/run`: grant a session key (owner
// call data and deferred typed data), then sign its first operation. It checks what it prints and
// exits non-zero on a mismatch; the expected account, userOpHash and signature are what Alchemy's
// SDK (`predictModularAccountV2Address`) and viem (`getUserOperationHash`, `signMessage` of the raw
// hash) give for the same inputs.
import assert from "node:assert/strict";
import { loadPkg } from "./load.mjs";

const m = await loadPkg();
const owner = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266"; // anvil dev key #0 (public test key)
const sessionPrivateKey = "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d"; // anvil #1
const sessionKey = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8";
const chainId = 11155111;

const account = m.predictAccountAddress({ owner });
console.log("MAv2 account of", owner, "=", account);
assert.equal(account, "0x65b5DE0251f553B2208762a4724303E750294D96");

const grant = {
  chainId, account, sessionKey, entityId: 1,
  permissions: [
    { type: "native-token-transfer", data: { allowance: 10n ** 17n } },
    { type: "contract-access", data: { address: "0x000000000000000000000000000000000000dEaD" } },
  ],
  expiresAt: Math.floor(Date.now() / 1000) + 3600,
};
const install = m.encodeSessionInstall(grant);
console.log("installValidation call data:", install.slice(0, 74) + "…");
// installValidation(bytes25 validationConfig = SingleSigner module ‖ entity 1 ‖ flags 0x01, …)
assert.equal(install.slice(0, 74), "0x1bbf564c00000000000099de0bf6fa90deb851e2a2df7d83000000010100000000000000");

const nonce = (BigInt(m.nonceKey({ entityId: 1, isGlobalValidation: false, isDeferredAction: true })) << 64n);
const deferred = m.buildDeferredSessionInstall({ ...grant, deadline: 0, nonce });
console.log("deferred action typed data for eth_signTypedData_v4:", JSON.stringify(deferred.typedData.domain));
assert.deepEqual(deferred.typedData.domain, { chainId, verifyingContract: account });

const callData = m.encodeExecute({ target: "0x000000000000000000000000000000000000dEaD", value: 1n, data: "0x" }, true);
const userOp = {
  sender: account, nonce, callData, callGasLimit: 100000n, verificationGasLimit: 500000n,
  preVerificationGas: 60000n, maxFeePerGas: 2_000_000_000n, maxPriorityFeePerGas: 1_000_000_000n, signature: "0x",
};
const hash = m.userOperationHash(userOp, chainId);
console.log("userOpHash:", hash);
assert.equal(hash, "0x1bb3ed34fffdf26c6d8e05440a7f773ce19df926bdede7b32fd3b8fd8b547c47");
const signature = m.signUserOperationWithKey(sessionPrivateKey, userOp, chainId);
console.log("session signature:", signature);
// 0xFF ‖ 0x00 (MAv2's signature segment header) ‖ the EIP-191 signature of the hash.
assert.equal(signature, "0xff00cc8d9349ea50549d303c47f37201b5dc8eefa3f228cb1d0dbbccdf8cbc368c9a648aff145e22b69faf11db0fa4060e3c68614d30a3c050ea5bb69e9207ddcad41b");

assert.throws(
  () => m.encodeSessionInstall({ ...grant, permissions: [{ type: "account-functions", data: { functions: ["0x1bbf564c"] } }] }),
  (e) => {
    console.log("refused as expected:", e.code, "at", e.field, "-", e.message);
    assert.equal(e.code, "SELECTOR_NOT_ALLOWED");
    assert.equal(e.field, "permissions[0].data.functions[0]");
    return true;
  },
);
console.log("example: all printed values as expected");
