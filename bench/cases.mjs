// Shared by Node (bench/run.mjs) and Chromium (bench/page.mjs): the inputs, the jobs on both
// sides, and the timing helpers. Plain ESM with no imports, so the page loads it as is.
//
// `ours` is the wasm package's module (initialised); `js` is the JS stack's bundle (bench/js-stack.mjs
// built by esbuild): the same file is measured for size and run here.

export const CHAIN_ID = 11155111; // sepolia
export const PRIVATE_KEY = "0x8b3a350cf5c34c9194ca85829a2df0ec3153be0318b5e2d3348e872092edffba";
export const ACCOUNT = "0x1EDF20dCF613e6c363e4B161f2C4E759e441642f";
export const SESSION_KEY_ADDRESS = "0x9cA4990c869fE808713b2fcC4699196cc3B5F6a8";
export const TOKEN = "0x1c7D4B196Cb0C7B01d743Fbc6116a902379C7238";
// An hour past a fixed date far ahead, so the grant never expires while benchmarking.
export const EXPIRES_AT = 4102448400; // 2100-01-01T01:00:00Z

/** A typical session operation: execute(USDC.transfer(bob, 1e18)) with entity 1's global nonce key. */
export function userOp(nonceKeyHex = "0x101", sender = ACCOUNT) {
  return {
    sender,
    nonce: BigInt(nonceKeyHex) << 64n,
    callData:
      "0xb61d27f60000000000000000000000001c7d4b196cb0c7b01d743fbc6116a902379c72380000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000006000000000000000000000000000000000000000000000000000000000000000" +
      "44a9059cbb000000000000000000000000b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b00000000000000000000000000000000000000000000000000de0b6b3a764000000000000000000000000000000000000000000000000000000000000",
    callGasLimit: 120000n,
    verificationGasLimit: 90000n,
    preVerificationGas: 48000n,
    maxFeePerGas: 3000000000n,
    maxPriorityFeePerGas: 1000000000n,
    signature: "0x",
  };
}

/** A grant with n permissions: ERC-20 limits, contract access and function allowlists over distinct
 *  targets (the SDK refuses two permissions on one target), plus an expiry (TimeRange hook). */
export function grant(n) {
  const permissions = [];
  for (let i = 0; i < n; i++) {
    const address = `0x${(0xa11ce000 + i).toString(16).padStart(40, "0")}`;
    switch (i % 3) {
      case 0:
        permissions.push({ type: "erc20-token-transfer", data: { address, allowance: 10n ** 18n * BigInt(i + 1) } });
        break;
      case 1:
        permissions.push({ type: "contract-access", data: { address } });
        break;
      default:
        permissions.push({ type: "functions-on-contract", data: { address, functions: ["0xa9059cbb", "0x095ea7b3"] } });
    }
  }
  return { chainId: CHAIN_ID, account: ACCOUNT, sessionKey: SESSION_KEY_ADDRESS, entityId: 7, permissions, expiresAt: EXPIRES_AT };
}

// ---------------------------------------------------------------------------------------------
// The jobs
// ---------------------------------------------------------------------------------------------

/** Ours: hash + sign one user operation, result = MAv2 packed signature 0xFF ‖ 0x00 ‖ r ‖ s ‖ v.
 *  The key is held (a `SessionKey`, made once), as viem's account is on the JS side. */
export function oursHashSign(ours) {
  const op = userOp();
  const key = ours.SessionKey.fromPrivateKey(PRIVATE_KEY);
  return () => key.signUserOperation(op, CHAIN_ID);
}

/** viem: getUserOperationHash + the session key account's signMessage({ message: { raw } }) —
 *  what Alchemy's singleSignerMessageSigner.signUserOperationHash does (it then adds 0xFF00). */
export function jsHashSign(js) {
  const op = userOp();
  const account = js.privateKeyToAccount(PRIVATE_KEY);
  return async () => {
    const hash = js.getUserOperationHash({
      chainId: CHAIN_ID,
      entryPointAddress: js.entryPoint07Address,
      entryPointVersion: "0.7",
      userOperation: op,
    });
    return account.signMessage({ message: { raw: hash } });
  };
}

// getValidationData() of a fresh entity: flags 7, no hooks, no selectors (ABI-encoded once with viem).
export const VALIDATION_DATA_EMPTY =
  "0x" +
  [0x20, 7, 0x80, 0xa0, 0xc0, 0, 0, 0].map((w) => w.toString(16).padStart(64, "0")).join("");

/** An offline SDK client (viem custom transport; as tests/vectors/gen/generate.mjs does). */
export const calls = { rpc: 0 };
export async function jsClient(js) {
  const chain = { ...js.sepolia, id: CHAIN_ID };
  const transport = js.custom({
    request: async ({ method }) => {
      calls.rpc++;
      if (method === "eth_chainId") return `0x${CHAIN_ID.toString(16)}`;
      if (method === "eth_getCode") return "0x01"; // deployed account
      if (method === "eth_call") return VALIDATION_DATA_EMPTY; // getValidationData: nothing installed yet
      throw new Error(`offline transport: unexpected ${method}`);
    },
  });
  const signer = js.LocalAccountSigner.privateKeyToAccountSigner(PRIVATE_KEY);
  const account = await js.createModularAccountV2({ chain, transport, signer, accountAddress: ACCOUNT });
  return js.createSmartAccountClient({ chain, transport, account });
}

export function oursEncodeGrant(ours, n) {
  const g = grant(n);
  return () => ours.encodeSessionInstall(g);
}

/** PermissionBuilder.compileRaw with the expiry as the TimeRange hook (the SDK's way). */
export function jsEncodeGrant(js, client, n) {
  const g = grant(n);
  const timeRange = js.getDefaultTimeRangeModuleAddress(client.chain);
  return async () => {
    const hooks = [js.TimeRangeModule.buildHook({ entityId: g.entityId, validUntil: g.expiresAt, validAfter: 0 }, timeRange)];
    const b = new js.PermissionBuilder({
      client,
      key: { publicKey: g.sessionKey, type: "secp256k1" },
      entityId: g.entityId,
      nonce: 0n,
      hooks,
      deadline: 0,
    });
    b.addPermissions({ permissions: g.permissions });
    return b.compileRaw();
  };
}

/** Both sides must produce the same bytes before their speed means anything. */
export async function crossCheck(ours, js, client) {
  const a = await oursHashSign(ours)();
  const b = await jsHashSign(js)();
  if (a.toLowerCase() !== `0xff00${b.slice(2)}`.toLowerCase()) throw new Error(`hash+sign differ: ${a} vs ${b}`);
  for (const n of [1, 10, 50]) {
    const x = await oursEncodeGrant(ours, n)();
    const y = await jsEncodeGrant(js, client, n)();
    if (x.toLowerCase() !== y.toLowerCase()) throw new Error(`grant(${n}) differs`);
  }
  return true;
}

// ---------------------------------------------------------------------------------------------
// Timing
// ---------------------------------------------------------------------------------------------

export const median = (xs) => quantile(xs, 0.5);
export function quantile(xs, q) {
  const s = [...xs].sort((a, b) => a - b);
  if (s.length === 0) return NaN;
  const i = (s.length - 1) * q;
  const lo = Math.floor(i);
  return s[lo] + (s[Math.min(lo + 1, s.length - 1)] - s[lo]) * (i - lo);
}

async function spin(fn, ms, now) {
  let n = 0;
  const t0 = now();
  let t = t0;
  while (t - t0 < ms) {
    await fn();
    n++;
    t = now();
  }
  return (n * 1000) / (t - t0);
}

/** ops/s of each job: warm-up, then `runs` rounds of `ms` each, the jobs interleaved per round so
 *  drift hits both alike. Returns { name: { median, runs: [...] } }. */
export async function compare(jobs, { runs = 7, ms = 300, warmMs = 300, now = () => performance.now() } = {}) {
  for (const fn of Object.values(jobs)) await spin(fn, warmMs, now);
  const out = Object.fromEntries(Object.keys(jobs).map((k) => [k, []]));
  for (let r = 0; r < runs; r++) for (const [k, fn] of Object.entries(jobs)) out[k].push(await spin(fn, ms, now));
  return Object.fromEntries(Object.entries(out).map(([k, v]) => [k, { median: median(v), runs: v }]));
}

/** The speed rows, identical in Node and in the page. */
export async function speedSuite(ours, js, opts = {}) {
  const client = await jsClient(js);
  await crossCheck(ours, js, client);
  const res = {};
  res.hashSign = await compare({ ours: oursHashSign(ours), js: jsHashSign(js) }, opts);
  for (const n of [1, 10, 50]) {
    res[`grant${n}`] = await compare({ ours: oursEncodeGrant(ours, n), js: jsEncodeGrant(js, client, n) }, opts);
  }
  return res;
}
