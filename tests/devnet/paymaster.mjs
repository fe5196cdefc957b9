// A minimal ERC-7677 paymaster service for the end-to-end tests only (started by `.ci/devnet up`),
// in front of the real `VerifyingPaymaster` of @account-abstraction/contracts@0.7.0 on anvil.
//
//   node paymaster.mjs <rpcUrl> <verifyingPaymaster> <verifyingSignerKey>
//   port: $DEVNET_PAYMASTER_PORT (default 4338), on 127.0.0.1, with CORS (the browser tests fetch it).
//
// Methods (params: [userOp (v0.7 RPC form), entryPoint, chainIdHex, context]):
//   pm_getPaymasterStubData → { paymaster, paymasterData, paymasterVerificationGasLimit,
//                               paymasterPostOpGasLimit, isFinal: false }
//     paymasterData = abi.encode(uint48 validUntil, uint48 validAfter) ‖ a 65-byte dummy signature
//     (one that recovers to some address, so OpenZeppelin's ECDSA.recover does not revert).
//   pm_getPaymasterData     → { paymaster, paymasterData }
//     the signature is the verifying signer's EIP-191 signature of the contract's own
//     `getHash(PackedUserOperation, validUntil, validAfter)`, read with eth_call on anvil.
//   eth_chainId             → the node's (a readiness probe for .ci/devnet).
//
// Test-only context: `{ "badSignature": true }` signs with a key that is not the verifying signer
// (the EntryPoint then refuses the operation with AA34).
//
// Fault endpoints (tests of the library's transport against a misbehaving server). Each POST to
// `/fault/<kind>[/<tag>]` is counted under its full path (a test picks a fresh tag, so reruns and
// parallel tests do not share counts); `GET /fault/count?path=<path>` → `{ "path", "count" }`.
//   /fault/500         HTTP 500 with an HTML body
//   /fault/502-jsonrpc HTTP 502 whose body is a JSON-RPC error (-32603) for the request's id
//   /fault/malformed   HTTP 200, body `{"jsonrpc":"2.0",` (truncated JSON)
//   /fault/wrong-id    HTTP 200, a valid JSON-RPC reply (result "0x7a69") for another id
//   /fault/hang        never answers; the socket is destroyed after 60 s so nothing leaks
//   /fault/reset       the socket is destroyed without an answer (a connection reset)
import { createServer } from "node:http";
import {
  concat,
  decodeFunctionResult,
  encodeAbiParameters,
  encodeFunctionData,
  getAddress,
  isAddressEqual,
  numberToHex,
  pad,
  toHex,
} from "viem";
import { privateKeyToAccount } from "viem/accounts";

const [rpcUrl, paymasterArg, signerKey] = process.argv.slice(2);
if (!signerKey) throw new Error("usage: node paymaster.mjs <rpcUrl> <verifyingPaymaster> <verifyingSignerKey>");
const PORT = Number(process.env.DEVNET_PAYMASTER_PORT || 4338);
const PAYMASTER = getAddress(paymasterArg);
const SIGNER = privateKeyToAccount(signerKey);
// anvil's public dev key #6: not the verifying signer (for `badSignature`).
const WRONG_SIGNER = privateKeyToAccount("0x92db14e403b83dfe3df233f83dfa3a0d7096f21ca9b0d6d6b8d88b2b4ec1564e");
const ENTRY_POINT = "0x0000000071727De22E5E9d8BAf0edAc6f37da032";
const DUMMY_SIG =
  "0xfffffffffffffffffffffffffffffff0000000000000000000000000000000007aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa1c";
// VerifyingPaymaster validation costs ~30k gas (ecrecover, getHash); it has no postOp.
const DEFAULT_VERIFICATION_GAS = 100_000n;
const DEFAULT_POST_OP_GAS = 1n;
const VALIDITY_S = 3600;

const GET_HASH_ABI = [
  {
    type: "function",
    name: "getHash",
    stateMutability: "view",
    inputs: [
      {
        name: "userOp",
        type: "tuple",
        components: [
          { name: "sender", type: "address" },
          { name: "nonce", type: "uint256" },
          { name: "initCode", type: "bytes" },
          { name: "callData", type: "bytes" },
          { name: "accountGasLimits", type: "bytes32" },
          { name: "preVerificationGas", type: "uint256" },
          { name: "gasFees", type: "bytes32" },
          { name: "paymasterAndData", type: "bytes" },
          { name: "signature", type: "bytes" },
        ],
      },
      { name: "validUntil", type: "uint48" },
      { name: "validAfter", type: "uint48" },
    ],
    outputs: [{ name: "", type: "bytes32" }],
  },
];

class RpcError extends Error {
  constructor(code, message) {
    super(message);
    this.code = code;
  }
}

let nodeId = 0;
async function node(method, params = []) {
  const res = await fetch(rpcUrl, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ jsonrpc: "2.0", id: ++nodeId, method, params }),
  });
  const j = await res.json();
  if (j.error) throw new RpcError(-32603, `node ${method}: ${j.error.message}`);
  return j.result;
}

const big = (v, field) => {
  if (v === undefined || v === null) return 0n;
  try {
    return BigInt(v);
  } catch {
    throw new RpcError(-32602, `userOp.${field}: not a quantity: ${v}`);
  }
};
const u128 = (v) => pad(toHex(v), { size: 16 });
const timestamps = (validUntil, validAfter) =>
  encodeAbiParameters([{ type: "uint48" }, { type: "uint48" }], [validUntil, validAfter]);

function checkParams(params) {
  if (!Array.isArray(params) || params.length < 3) throw new RpcError(-32602, "params: [userOp, entryPoint, chainId, context?]");
  const [op, entryPoint, chainId, context] = params;
  if (!op || typeof op !== "object" || !op.sender) throw new RpcError(-32602, "params[0]: a v0.7 user operation");
  if (!isAddressEqual(entryPoint, ENTRY_POINT)) throw new RpcError(-32602, `entry point ${entryPoint} is not supported`);
  return { op, chainId: BigInt(chainId), context: context ?? {} };
}

async function checkChain(chainId) {
  const actual = BigInt(await node("eth_chainId"));
  if (actual !== chainId) throw new RpcError(-32602, `chain ${chainId} is not supported (this paymaster is on ${actual})`);
}

function validity() {
  const now = Math.floor(Date.now() / 1000);
  return { validUntil: now + VALIDITY_S, validAfter: 0 };
}

async function stubData(params) {
  const { chainId } = checkParams(params);
  await checkChain(chainId);
  const { validUntil, validAfter } = validity();
  return {
    paymaster: PAYMASTER,
    paymasterData: concat([timestamps(validUntil, validAfter), DUMMY_SIG]),
    paymasterVerificationGasLimit: numberToHex(DEFAULT_VERIFICATION_GAS),
    paymasterPostOpGasLimit: numberToHex(DEFAULT_POST_OP_GAS),
    isFinal: false,
  };
}

async function paymasterData(params) {
  const { op, chainId, context } = checkParams(params);
  await checkChain(chainId);
  if (op.paymaster && !isAddressEqual(op.paymaster, PAYMASTER)) {
    throw new RpcError(-32602, `userOp.paymaster ${op.paymaster} is not this service's ${PAYMASTER}`);
  }
  const vgl = op.paymasterVerificationGasLimit != null ? big(op.paymasterVerificationGasLimit, "paymasterVerificationGasLimit") : DEFAULT_VERIFICATION_GAS;
  const pogl = op.paymasterPostOpGasLimit != null ? big(op.paymasterPostOpGasLimit, "paymasterPostOpGasLimit") : DEFAULT_POST_OP_GAS;
  const { validUntil, validAfter } = validity();
  const stub = concat([timestamps(validUntil, validAfter), DUMMY_SIG]);
  // getHash reads paymasterAndData[20:52] (the two gas limits), never the data after them.
  const packed = {
    sender: getAddress(op.sender),
    nonce: big(op.nonce, "nonce"),
    initCode: op.factory ? concat([op.factory, op.factoryData ?? "0x"]) : "0x",
    callData: op.callData ?? "0x",
    accountGasLimits: concat([u128(big(op.verificationGasLimit, "verificationGasLimit")), u128(big(op.callGasLimit, "callGasLimit"))]),
    preVerificationGas: big(op.preVerificationGas, "preVerificationGas"),
    gasFees: concat([u128(big(op.maxPriorityFeePerGas, "maxPriorityFeePerGas")), u128(big(op.maxFeePerGas, "maxFeePerGas"))]),
    paymasterAndData: concat([PAYMASTER, u128(vgl), u128(pogl), stub]),
    signature: "0x",
  };
  const data = encodeFunctionData({ abi: GET_HASH_ABI, functionName: "getHash", args: [packed, validUntil, validAfter] });
  const out = await node("eth_call", [{ to: PAYMASTER, data }, "latest"]);
  const hash = decodeFunctionResult({ abi: GET_HASH_ABI, functionName: "getHash", data: out });
  const signer = context && context.badSignature === true ? WRONG_SIGNER : SIGNER;
  const signature = await signer.signMessage({ message: { raw: hash } });
  return { paymaster: PAYMASTER, paymasterData: concat([timestamps(validUntil, validAfter), signature]) };
}

const methods = {
  pm_getPaymasterStubData: stubData,
  pm_getPaymasterData: paymasterData,
  eth_chainId: async () => node("eth_chainId"),
};

async function answer(req) {
  const id = req && "id" in req ? req.id : null;
  try {
    if (!req || req.jsonrpc !== "2.0" || typeof req.method !== "string") throw new RpcError(-32600, "invalid request");
    const fn = methods[req.method];
    if (!fn) throw new RpcError(-32601, `method ${req.method} not found`);
    return { jsonrpc: "2.0", id, result: await fn(req.params ?? []) };
  } catch (e) {
    const code = e instanceof RpcError ? e.code : -32603;
    if (!(e instanceof RpcError)) console.error(e);
    return { jsonrpc: "2.0", id, error: { code, message: e.message } };
  }
}

const CORS = {
  "access-control-allow-origin": "*",
  "access-control-allow-methods": "POST, OPTIONS",
  "access-control-allow-headers": "content-type",
  "access-control-max-age": "600",
};

const faultHits = new Map();
const FAULT_HANG_MS = 60_000;

/** Answer a `/fault/…` request (see the header). */
function fault(req, res, url) {
  if (req.method === "GET" && url.pathname === "/fault/count") {
    const path = url.searchParams.get("path") ?? "";
    res.writeHead(200, { ...CORS, "content-type": "application/json" }).end(JSON.stringify({ path, count: faultHits.get(path) ?? 0 }));
    return;
  }
  if (req.method !== "POST") {
    res.writeHead(405, { ...CORS, allow: "GET, POST, OPTIONS" }).end();
    return;
  }
  faultHits.set(url.pathname, (faultHits.get(url.pathname) ?? 0) + 1);
  const kind = url.pathname.split("/")[2];
  let body = "";
  req.setEncoding("utf8");
  req.on("data", (c) => (body += c));
  req.on("end", () => {
    let id = null;
    try {
      id = JSON.parse(body).id ?? null;
    } catch {}
    const json = (status, text) => res.writeHead(status, { ...CORS, "content-type": "application/json" }).end(text);
    switch (kind) {
      case "500":
        res.writeHead(500, { ...CORS, "content-type": "text/html" }).end("<html><body><h1>500 Internal Server Error</h1></body></html>");
        return;
      case "502-jsonrpc":
        json(502, JSON.stringify({ jsonrpc: "2.0", id, error: { code: -32603, message: "upstream bundler unavailable (test fault)" } }));
        return;
      case "malformed":
        json(200, '{"jsonrpc":"2.0",');
        return;
      case "wrong-id":
        json(200, JSON.stringify({ jsonrpc: "2.0", id: typeof id === "number" ? id + 1000 : 424242, result: "0x7a69" }));
        return;
      case "hang": {
        const timer = setTimeout(() => req.socket.destroy(), FAULT_HANG_MS);
        timer.unref();
        req.socket.once("close", () => clearTimeout(timer));
        return;
      }
      case "reset":
        req.socket.destroy();
        return;
      default:
        res.writeHead(404, CORS).end();
    }
  });
}

const server = createServer((req, res) => {
  const url = new URL(req.url ?? "/", "http://127.0.0.1");
  if (req.method !== "OPTIONS" && url.pathname.startsWith("/fault/")) {
    fault(req, res, url);
    return;
  }
  if (req.method === "OPTIONS") {
    res.writeHead(204, CORS).end();
    return;
  }
  if (req.method !== "POST") {
    res.writeHead(405, { ...CORS, allow: "POST, OPTIONS" }).end();
    return;
  }
  let body = "";
  req.setEncoding("utf8");
  req.on("data", (c) => (body += c));
  req.on("end", async () => {
    let parsed;
    try {
      parsed = JSON.parse(body);
    } catch {
      const reply = { jsonrpc: "2.0", id: null, error: { code: -32700, message: "parse error" } };
      res.writeHead(200, { ...CORS, "content-type": "application/json" }).end(JSON.stringify(reply));
      return;
    }
    const reply = Array.isArray(parsed) ? await Promise.all(parsed.map(answer)) : await answer(parsed);
    if (process.env.DEVNET_PAYMASTER_LOG) console.log(JSON.stringify({ req: parsed, reply }));
    res.writeHead(200, { ...CORS, "content-type": "application/json" }).end(JSON.stringify(reply));
  });
});

server.listen(PORT, "127.0.0.1", () => console.log(`paymaster service for ${PAYMASTER} (signer ${SIGNER.address}) on http://127.0.0.1:${PORT}`));
for (const sig of ["SIGTERM", "SIGINT"]) process.on(sig, () => process.exit(0));
