// A small end-to-end example of the pure encoders, run by `.ci/demo` until the demo page lands:
// grant a session key (owner call data and deferred typed data), then sign its first operation.
import { loadPkg } from "./load.mjs";

const m = await loadPkg();
const owner = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266"; // anvil dev key #0 (public test key)
const sessionPrivateKey = "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d"; // anvil #1
const sessionKey = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8";
const chainId = 11155111;

const account = m.predictAccountAddress({ owner });
console.log("MAv2 account of", owner, "=", account);

const grant = {
  chainId, account, sessionKey, entityId: 1,
  permissions: [
    { type: "native-token-transfer", data: { allowance: 10n ** 17n } },
    { type: "contract-access", data: { address: "0x000000000000000000000000000000000000dEaD" } },
  ],
  expiresAt: Math.floor(Date.now() / 1000) + 3600,
};
console.log("installValidation call data:", m.encodeSessionInstall(grant).slice(0, 74) + "…");

const nonce = (BigInt(m.nonceKey({ entityId: 1, isGlobalValidation: false, isDeferredAction: true })) << 64n);
const deferred = m.buildDeferredSessionInstall({ ...grant, deadline: 0, nonce });
console.log("deferred action typed data for eth_signTypedData_v4:", JSON.stringify(deferred.typedData.domain));

const callData = m.encodeExecute({ target: "0x000000000000000000000000000000000000dEaD", value: 1n, data: "0x" }, true);
const userOp = {
  sender: account, nonce, callData, callGasLimit: 100000n, verificationGasLimit: 500000n,
  preVerificationGas: 60000n, maxFeePerGas: 2_000_000_000n, maxPriorityFeePerGas: 1_000_000_000n, signature: "0x",
};
console.log("userOpHash:", m.userOperationHash(userOp, chainId));
console.log("session signature:", m.signUserOperationWithKey(sessionPrivateKey, userOp, chainId));
try {
  m.encodeSessionInstall({ ...grant, permissions: [{ type: "account-functions", data: { functions: ["0x1bbf564c"] } }] });
} catch (e) {
  console.log("refused as expected:", e.code, "at", e.field, "-", e.message);
}
