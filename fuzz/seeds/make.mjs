// Seed corpora for the fuzz targets, from the SDK-generated vectors (tests/vectors) plus a few
// hand-written records and replies: `node fuzz/seeds/make.mjs OUT_DIR` writes OUT_DIR/<target>/*.
// Without seeds libFuzzer spends its first minutes discovering JSON; with them it mutates real
// requests from the first second.
import { readFileSync, writeFileSync, mkdirSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const out = path.resolve(process.argv[2] ?? path.join(root, "fuzz/corpus"));
const all = (name) => JSON.parse(readFileSync(path.join(root, "tests/vectors", `${name}.json`), "utf8")).cases;
// cases with an output (others are refusals: still useful as inputs where only the input is used)
const cases = (name) => all(name).filter((c) => c.output);
const hex = (h) => Buffer.from(h.replace(/^0x/, ""), "hex");
let count = 0;
function put(target, name, data) {
  mkdirSync(path.join(out, target), { recursive: true });
  writeFileSync(path.join(out, target, `seed-${name}`), typeof data === "string" ? data : Buffer.from(data));
  count++;
}
const every = (list, n) => list.filter((_, i) => i % Math.max(1, Math.floor(list.length / n)) === 0);

for (const [i, c] of every(cases("user_op_hash"), 30).entries()) {
  put("user_op_json", `op${i}`, JSON.stringify(c.input.userOp));
  put("user_op_json", `req${i}`, JSON.stringify(c.input));
}
for (const [i, c] of every(all("install"), 40).entries()) put("permissions", `install${i}`, JSON.stringify(c.input));
for (const [i, c] of every(cases("install"), 20).entries()) put("permissions", `perms${i}`, JSON.stringify(c.input.permissions));
for (const [i, c] of every(all("uninstall"), 20).entries()) put("permissions", `uninstall${i}`, JSON.stringify(c.input));
for (const [i, c] of every(cases("deferred"), 20).entries()) {
  const { ownerKey, ownerSignature, ...req } = c.input;
  put("permissions", `deferred${i}`, JSON.stringify(req));
  put("deferred", `full${i}`, hex(c.output.deferredActionDigest));
  const pre = hex(c.output.preSignatureDigest);
  const len = Buffer.alloc(2);
  len.writeUInt16BE(Math.min(pre.length, 0xffff));
  put("deferred", `join${i}`, Buffer.concat([len, pre, hex(ownerSignature)]));
}
for (const [i, c] of every(cases("execute"), 30).entries()) put("decode_calls", `exec${i}`, hex(c.output.callData));

// Stored records: the current schema and the first one, as the unit tests write them.
const key = { alg: "AES-GCM", iv: "0x000102030405060708090a0b", ciphertext: "0x" + "ab".repeat(48) };
const v2 = {
  schema: 2, id: "0123456789abcdef0123456789abcdef", address: "0x70997970C51812dc3A010C7d01b50e0d17dc79C8",
  chainId: 11155111, account: "0x65b5DE0251f553B2208762a4724303E750294D96", entityId: 3,
  permissions: [{ type: "contract-access", data: { address: "0x000000000000000000000000000000000000dEaD" } }],
  expiresAt: 1900000000, validAfter: null, paymaster: null, createdAt: 1700000000, status: "pending", key, deferred: null,
};
put("stored_record", "v2", JSON.stringify(v2));
put("stored_record", "v2-deferred", JSON.stringify({ ...v2, deferred: {
  nonce: "0x3020000000000000000", deadline: 0, preSignatureDigest: cases("deferred")[0].output.preSignatureDigest,
  deferredActionDigest: cases("deferred")[0].output.deferredActionDigest } }));
put("stored_record", "v2-root", JSON.stringify({ ...v2, permissions: [{ type: "root" }], status: "active" }));
const { key: _k, validAfter: _v, paymaster: _p, deferred: _d, ...v1 } = v2;
put("stored_record", "v1", JSON.stringify({ ...v1, schema: 1, iv: key.iv, ciphertext: key.ciphertext }));
put("stored_record", "v3", JSON.stringify({ ...v2, schema: 3 }));

// JSON-RPC replies: first byte = (id << 4) | result type (see fuzz_targets/rpc_reply.rs).
const reply = (type, id, body) => Buffer.concat([Buffer.from([(id << 4) | type]), Buffer.from(JSON.stringify(body))]);
const ok = (id, result) => ({ jsonrpc: "2.0", id, result });
const h32 = "0x" + "11".repeat(32);
const receipt = {
  userOpHash: h32, entryPoint: "0x0000000071727De22E5E9d8BAf0edAc6f37da032", sender: v2.account, nonce: "0x0",
  paymaster: null, actualGasCost: "0x1", actualGasUsed: "0x1", success: true, reason: "0x", logs: [],
  receipt: { transactionHash: h32, blockHash: h32, blockNumber: "0x1", status: "0x1" },
};
put("rpc_reply", "gas", reply(0, 1, ok(1, { preVerificationGas: "0x1", verificationGasLimit: "0x2", callGasLimit: "0x3", paymasterVerificationGasLimit: "0x0", paymasterPostOpGasLimit: "0x0" })));
put("rpc_reply", "receipt", reply(1, 2, ok(2, receipt)));
put("rpc_reply", "no-receipt", reply(1, 2, ok(2, null)));
put("rpc_reply", "byhash", reply(2, 3, ok(3, { userOperation: {}, entryPoint: receipt.entryPoint, blockNumber: "0x1", blockHash: h32, transactionHash: h32 })));
put("rpc_reply", "stub", reply(3, 4, ok(4, { paymaster: v2.account, paymasterData: "0x", paymasterVerificationGasLimit: "0x1", isFinal: false })));
put("rpc_reply", "pmdata", reply(4, 5, ok(5, { paymaster: v2.account, paymasterData: "0xabcd" })));
const fees = { maxFeePerGas: "0x2", maxPriorityFeePerGas: "0x1" };
put("rpc_reply", "pimlico", reply(5, 6, ok(6, { slow: fees, standard: fees, fast: fees })));
put("rpc_reply", "hash", reply(6, 7, ok(7, h32)));
put("rpc_reply", "chain", reply(7, 8, ok(8, "0xaa36a7")));
put("rpc_reply", "eps", reply(8, 9, ok(9, [receipt.entryPoint])));
put("rpc_reply", "error", reply(6, 1, { jsonrpc: "2.0", id: 1, error: { code: -32500, message: "AA25 invalid account nonce", data: { x: 1 } } }));
put("rpc_reply", "wrong-id", reply(6, 1, ok("2", h32)));
put("rpc_reply", "message", Buffer.from([0xf0, ...Buffer.from("UserOperation reverted with reason: AA24 signature error")]));

console.log(`${count} seeds in ${out}`);
