// What a web app does on first load and after a reload: open the store, create a session once,
// find it again, and sign a user operation with it; and the same operation signed through the
// `mav2-session-keys/core` entry with a known key. Results go to the page for the test to read.
import init, { SessionKeyStore, encodeExecute, nonceKey, signUserOperationWithKey } from "mav2-session-keys";
import initCore, { SessionKey } from "mav2-session-keys/core";

const out = document.getElementById("out");
const account = "0x65b5DE0251f553B2208762a4724303E750294D96";

try {
  await init();
  const store = await SessionKeyStore.open({ name: "vite-smoke" });
  let [session] = await store.list({ chainId: 11155111, account });
  const created = !session;
  if (!session) {
    session = await store.create({
      chainId: 11155111,
      account,
      permissions: [{ type: "contract-access", data: { address: "0x000000000000000000000000000000000000dEaD" } }],
      expiresAt: Math.floor(Date.now() / 1000) + 3600,
    });
  }
  const userOp = {
    sender: account,
    nonce: BigInt(nonceKey({ entityId: session.entityId, isGlobalValidation: false })) << 64n,
    callData: encodeExecute({ target: "0x000000000000000000000000000000000000dEaD", value: 0n, data: "0x" }, false),
    callGasLimit: 100000n, verificationGasLimit: 200000n, preVerificationGas: 50000n,
    maxFeePerGas: 2_000_000_000n, maxPriorityFeePerGas: 1_000_000_000n, signature: "0x",
  };
  const signature = await store.signUserOperation(session.id, userOp);
  await initCore();
  const anvil1 = "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d"; // public test key
  const key = SessionKey.fromPrivateKey(anvil1);
  const core = { address: key.address, signature: key.signUserOperation(userOp, 11155111), full: signUserOperationWithKey(anvil1, userOp, 11155111) };
  key.free();
  out.textContent = JSON.stringify({ ok: true, created, id: session.id, address: session.address, persistence: store.persistence, signature, core });
} catch (e) {
  out.textContent = JSON.stringify({ ok: false, code: e.code, message: String(e.message ?? e) });
}
