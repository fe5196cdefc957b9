// Browser side of the bench (bench/page.html), driven by bench/run.mjs through playwright-core.
// Each mode is a fresh page load: `?mode=cold-ours` / `?mode=cold-js` measure the first import;
// `speed` and `storage` load both sides first.
import * as cases from "./cases.mjs";

const OURS_GLUE = "/target/bench-pkg/mav2_session_keys.js";
const OURS_WASM = "/target/bench-pkg/mav2_session_keys_bg.wasm";
const JS_BUNDLE = "/target/bench-js/js-stack.min.js";

async function loadOurs() {
  const ours = await import(OURS_GLUE);
  await ours.default({ module_or_path: OURS_WASM });
  return ours;
}

/** fetch + compile + instantiate + first hash+sign, and the part of it that is the first call. */
async function coldOurs() {
  const op = cases.userOp();
  const t0 = performance.now();
  const ours = await import(OURS_GLUE);
  await ours.default({ module_or_path: OURS_WASM });
  const t1 = performance.now();
  ours.signUserOperationWithKey(cases.PRIVATE_KEY, op, cases.CHAIN_ID);
  const t2 = performance.now();
  return { total: t2 - t0, firstCall: t2 - t1 };
}

/** import the bundle (fetch + parse + evaluate) + first hash+sign. */
async function coldJs() {
  const op = cases.userOp();
  const t0 = performance.now();
  const js = await import(JS_BUNDLE);
  const t1 = performance.now();
  const account = js.privateKeyToAccount(cases.PRIVATE_KEY);
  const hash = js.getUserOperationHash({
    chainId: cases.CHAIN_ID,
    entryPointAddress: js.entryPoint07Address,
    entryPointVersion: "0.7",
    userOperation: op,
  });
  await account.signMessage({ message: { raw: hash } });
  const t2 = performance.now();
  return { total: t2 - t0, firstCall: t2 - t1 };
}

async function speed(opts) {
  const [ours, js] = await Promise.all([loadOurs(), import(JS_BUNDLE)]);
  return cases.speedSuite(ours, js, opts);
}

/** SessionKeyStore: create, then load + decrypt + sign at 1, 100 and 1000 stored sessions. */
async function storage({ sizes = [1, 100, 1000], samples = 50 } = {}) {
  const ours = await loadOurs();
  if (typeof ours.SessionKeyStore !== "function") return { available: false };
  const name = `mav2-bench-${Date.now()}`;
  const store = await ours.SessionKeyStore.open({ name });
  const out = { available: true, persistence: store.persistence, create: {}, sign: {} };
  const records = [];
  let createTimes = [];
  const permissions = [{ type: "contract-access", data: { address: cases.TOKEN } }];
  for (const size of sizes) {
    while (records.length < size) {
      const t0 = performance.now();
      const r = await store.create({ chainId: cases.CHAIN_ID, account: cases.ACCOUNT, permissions, expiresAt: cases.EXPIRES_AT });
      createTimes.push(performance.now() - t0);
      records.push(r);
    }
    out.create[size] = { p50: cases.quantile(createTimes, 0.5), p95: cases.quantile(createTimes, 0.95), n: createTimes.length };
    createTimes = [];
    // load + decrypt + sign: a random stored session each time (ops prepared outside the timing)
    const times = [];
    for (let i = -5; i < samples; i++) { // 5 untimed warm-up signs first
      const r = records[((i + 5) * 7919) % records.length];
      const op = cases.userOp(ours.nonceKey({ entityId: r.entityId, isGlobalValidation: true }));
      const t0 = performance.now();
      await store.signUserOperation(r.id, op);
      if (i >= 0) times.push(performance.now() - t0);
    }
    out.sign[size] = { p50: cases.quantile(times, 0.5), p95: cases.quantile(times, 0.95), n: times.length };
  }
  store.close();
  await ours.SessionKeyStore.deleteDatabase(name);
  return out;
}

/** Counts fetches and the network time of a run: the union of the intervals in which a fetch
 *  (request + whole body) is open. The library's own time = total − network. */
function watchFetch() {
  const realFetch = window.fetch.bind(window);
  const w = { network: 0, requests: 0, restore: () => (window.fetch = realFetch) };
  let open = 0, since = 0;
  window.fetch = async (...a) => {
    if (open++ === 0) since = performance.now();
    w.requests++;
    try {
      const r = await realFetch(...a);
      const body = await r.arrayBuffer();
      return new Response(body, { status: r.status, statusText: r.statusText, headers: r.headers });
    } finally {
      if (--open === 0) w.network += performance.now() - since;
    }
  };
  return w;
}

/** Time `once()` `samples` times after one untimed run (which also checks chain and entry point). */
async function ownTime(w, once, samples) {
  const own = [], req = [];
  for (let i = 0; i < samples + 1; i++) {
    w.network = 0;
    w.requests = 0;
    const t0 = performance.now();
    await once();
    const total = performance.now() - t0;
    if (i === 0) continue;
    own.push(total - w.network);
    req.push(w.requests);
  }
  return { p50: cases.quantile(own, 0.5), p95: cases.quantile(own, 0.95), requests: cases.median(req), n: own.length };
}

const SEND_CALLS = [{ target: cases.TOKEN, value: 0n, data: "0xa9059cbb000000000000000000000000b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b00000000000000000000000000000000000000000000000000de0b6b3a7640000" }];

/** Per-send overhead against the bench server's instant stub bundler (/rpc): ours is
 *  BundlerClient.sendCalls with a stored session; the JS stack is Alchemy's smart account client
 *  (createModularAccountV2 with the session key as entity 1's signer, viem http transport)
 *  sending the same call with sendUserOperation. Both build, estimate, sign and send; neither
 *  waits for a receipt. */
async function send({ samples = 30 } = {}) {
  const [ours, js] = await Promise.all([loadOurs(), import(JS_BUNDLE)]);
  if (typeof ours.BundlerClient !== "function") return { available: false };
  const url = `${location.origin}/rpc`;
  const w = watchFetch();
  const name = `mav2-bench-send-${Date.now()}`;
  const store = await ours.SessionKeyStore.open({ name });
  try {
    const permissions = [{ type: "contract-access", data: { address: cases.TOKEN } }];
    const r = await store.create({ chainId: cases.CHAIN_ID, account: cases.ACCOUNT, permissions, expiresAt: cases.EXPIRES_AT });
    await store.markActive(r.id);
    const client = new ours.BundlerClient({ bundlerUrl: url, rpcUrl: url });
    const oursTime = await ownTime(w, () => client.sendCalls(store, r.id, SEND_CALLS), samples);

    const chain = { ...js.sepolia, id: cases.CHAIN_ID, rpcUrls: { default: { http: [url] } } };
    const transport = js.http(url);
    const signer = js.LocalAccountSigner.privateKeyToAccountSigner(cases.PRIVATE_KEY);
    const account = await js.createModularAccountV2({
      chain, transport, signer, accountAddress: cases.ACCOUNT,
      signerEntity: { entityId: 1, isGlobalValidation: true },
    });
    const sdk = js.createSmartAccountClient({ chain, transport, account });
    const uo = SEND_CALLS.map((c) => ({ target: c.target, data: c.data, value: c.value }));
    const jsTime = await ownTime(w, () => sdk.sendUserOperation({ uo }), samples);
    return { available: true, ...oursTime, js: jsTime };
  } finally {
    w.restore();
    store.close();
    await ours.SessionKeyStore.deleteDatabase(name);
  }
}

const modes = { "cold-ours": coldOurs, "cold-js": coldJs, speed, storage, send };
window.bench = async (mode, opts) => {
  try {
    return { ok: true, value: await modes[mode](opts) };
  } catch (e) {
    return { ok: false, error: `${e && e.stack ? e.stack : e}` };
  }
};
window.benchReady = true;
