// The demo page: plain ES module, no framework, no CDN. Everything cryptographic is the package's
// (./pkg, built by `bash .ci/build-pkg`), except the local development owner's typed-data
// signature (devowner.js), which stands in for a wallet when the browser has none.
import init, * as mav2 from "./pkg/index.js";
import { DEV_OWNER, signDigest } from "./devowner.js";
import { decodeExecute, decodeInstallValidation, decodeUninstallValidation, formatEth, selectorName } from "./decode.js";

const $ = (sel) => document.querySelector(sel);
const el = (tag, attrs = {}, ...kids) => {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === "class") e.className = v;
    else if (k === "text") e.textContent = v;
    else if (k.startsWith("data-")) e.setAttribute(k, v);
    else e[k] = v;
  }
  for (const k of kids) e.append(k);
  return e;
};

const ENTRY_POINT = "0x0000000071727De22E5E9d8BAf0edAc6f37da032";
const MAV2_FACTORY = "0x00000000000017c61b5bEe81050EC8eFc9c6fecd";
// MAv2's SemiModularAccount7702, the code an EOA delegates to (EIP-7702).
const SMA7702 = "0x69007702764179f14F51cdce752f4f775d74E139";
const SETTINGS_KEY = "mav2-demo-settings";
const SELECTED_KEY = "mav2-demo-selected";
const GRANT_KEY = (id) => `mav2-demo-grant:${id}`;
const STORE_NAME = "mav2-demo";

// ---------------------------------------------------------------------------------------------
// Requests to other origins, counted from the browser's own resource timing (nothing is wrapped),
// so step 5 can show that a refused call sent nothing.
performance.setResourceTimingBufferSize?.(100000);
function externalRequests() {
  return performance.getEntriesByType("resource").filter((e) => new URL(e.name).origin !== location.origin).length;
}

// ---------------------------------------------------------------------------------------------
// Errors as a person wants them: what failed, the code, what to do.
class DemoError extends Error {
  constructor(code, message, field) {
    super(message);
    this.code = code;
    if (field) this.field = field;
  }
}

const HINTS = {
  NETWORK_ERROR: () => `Nothing answered. For the local devnet run \`bash .ci/demo\` (or \`bash .ci/devnet up\`); otherwise check the URLs in Network settings.`,
  TIMEOUT: () => "The server took too long. Try again, or check the URLs in Network settings.",
  HTTP_ERROR: () => "The server answered with an HTTP error. Check the URL (and API key) in Network settings.",
  DEVNET_STATE_MISSING: () => "Start the local chain and bundler: `bash .ci/devnet up` (the `bash .ci/demo` command does it for you).",
  WRONG_CHAIN: () => "Switch the wallet to the chain of the RPC in Network settings, or change the settings.",
  DEV_OWNER_WRONG_CHAIN: () => "The local development owner only exists on the local devnet (chain 31337). Use a browser wallet on other networks.",
  NO_OWNER: () => "Connect a wallet in step 1 first.",
  NO_SESSION: () => "Create a session in step 2, or pick one in the list.",
  USER_REJECTED: () => "You declined in the wallet. Click again when you are ready to sign.",
  INVALID_ADDRESS: () => "Write the address as 0x followed by 40 hex digits.",
  INVALID_ADDRESS_CHECKSUM: () => "This mixed-case address has a wrong checksum (a typo?). Paste it again from its source, or write it all in lowercase.",
  INVALID_HEX: () => "Write selectors and data as 0x followed by hex digits.",
  INVALID_LENGTH: () => "A function selector is 4 bytes: 0x and 8 hex digits (e.g. 0xa9059cbb for transfer).",
  INVALID_NUMBER: () => "Write a plain non-negative number (ETH amounts may have up to 18 decimals).",
  NUMBER_OUT_OF_RANGE: () => "The number is too large for this field.",
  ZERO_ADDRESS: () => "The zero address cannot be a target or token; use a real contract address.",
  DUPLICATE_TARGET_ADDRESS: () => "Each contract may appear once: merge its functions into one row (the ERC-20 token is allowed its transfer/approve already).",
  NO_FUNCTIONS_PROVIDED: () => "List at least one selector, or leave the field empty to allow any function.",
  SELECTOR_NOT_ALLOWED: () => "That function would let the session take over the account (install modules, upgrade, …). Sessions may not call it.",
  ACCOUNT_ADDRESS_AS_TARGET: () => "The account itself cannot be an allowlisted contract.",
  VALIDATION_CONFIG_UNSET: () => "Give the session at least one contract it may call.",
  EXPIRED: () => "Choose an expiry in the future.",
  TIME_OVER_LIMIT: () => "Choose a nearer expiry.",
  ENTITY_ID_IN_USE: () => "Another session of this account uses that entity id; create the session again (a free id is picked).",
  OUT_OF_SCOPE_TARGET: () => "Call a contract the session allows, or create a new session whose allowlist includes this one.",
  OUT_OF_SCOPE_SELECTOR: () => "Call a function the session allows on this contract, or create a session that allows it.",
  NATIVE_LIMIT_EXCEEDED: () => "Send less, or create a session with a higher native value limit.",
  ERC20_LIMIT_EXCEEDED: () => "Transfer less, or create a session with a higher ERC-20 limit.",
  SESSION_EXPIRED: () => "This session has expired. Create a new one.",
  SESSION_NOT_YET_VALID: () => "Wait until the session's start time.",
  SESSION_REVOKED: () => "This session was revoked. Create a new one.",
  SESSION_NOT_FOUND: () => "The session is gone from this browser (deleted or storage cleared). Create a new one.",
  DECRYPT_FAILED: () => "The stored key cannot be decrypted in this browser profile. Delete the session and create a new one.",
  STORAGE_FAILED: () => "The browser refused to store data (private mode or full storage?). Free some space or use a normal window.",
  RECEIPT_TIMEOUT: () => "The bundler has not included the operation yet. It may still land: check later with the userOpHash.",
  BUNDLER_AA13: () => "The account could not be deployed: MAv2's factory is missing on this chain, or deployment ran out of gas. Check that MAv2 is deployed on this network (on the local devnet it is not: use the local devnet setting there).",
  BUNDLER_AA21: () => "The account cannot pay for its gas: fund it (on the devnet the page does that for you; try again).",
  BUNDLER_AA24: () => "The account refused the signature: the session key is not (or no longer) installed for this account.",
  BUNDLER_AA25: () => "The nonce was already used or is out of order. Send again: a fresh nonce is read.",
  BUNDLER_AA23: () => "The account's validation reverted: the grant may not be installed, or a permission hook refused.",
  RPC_ERROR: () => "The wallet or the server refused; its message above says why. If you declined in the wallet, click again when ready.",
  ENTRY_POINT_NOT_SUPPORTED: () => "This bundler does not support EntryPoint v0.7. Use one that does.",
  PRECHECK_UNAVAILABLE: () => "This build of the package does not export the pre-check yet. Rebuild it with `bash .ci/build-pkg` once the send path has landed.",
  SEND_UNAVAILABLE: () => "This build of the package cannot send yet. Rebuild it with `bash .ci/build-pkg` once the send path has landed.",
};

function showError(box, what, err) {
  const code = err?.code ?? (err?.name === "DataError" ? "STORAGE_FAILED" : "UNEXPECTED");
  const hint = HINTS[code]?.() ?? (code.startsWith("BUNDLER_") ? "The bundler refused the operation; its message above says why." : "Reload the page and try again; if it persists, report the code and message.");
  box.replaceChildren(
    el("p", { class: "what", text: `${what} failed` }),
    el("p", {}, el("span", { class: "label", text: "Code " }), el("code", { class: "code", text: code }), err?.field ? el("span", { class: "field", text: ` at ${err.field}` }) : ""),
    el("p", { class: "message", text: err?.message ?? String(err) }),
    el("p", { class: "todo" }, el("strong", { text: "What to do: " }), hint),
  );
  box.hidden = false;
  box.dataset.code = code;
  console.warn(`${what}:`, err);
}
const clearError = (box) => {
  box.hidden = true;
  box.replaceChildren();
  delete box.dataset.code;
};

async function guarded(box, what, fn) {
  clearError(box);
  try {
    return await fn();
  } catch (e) {
    showError(box, what, e);
    return undefined;
  }
}

// ---------------------------------------------------------------------------------------------
// Small helpers

function parseEth(text, field) {
  const s = String(text).trim();
  if (s === "") return null;
  const m = /^(\d+)(?:\.(\d{0,18}))?$/.exec(s);
  if (!m) throw new DemoError("INVALID_NUMBER", `"${s}" is not an ETH amount`, field);
  return BigInt(m[1]) * 10n ** 18n + BigInt((m[2] ?? "").padEnd(18, "0") || "0");
}
function parseUint(text, field) {
  const s = String(text).trim();
  if (s === "") return null;
  if (!/^\d+$/.test(s)) throw new DemoError("INVALID_NUMBER", `"${s}" is not a whole number`, field);
  return BigInt(s);
}
const short = (a) => (a ? `${a.slice(0, 8)}…${a.slice(-6)}` : "");
const fmtTime = (secs) => (secs ? new Date(secs * 1000).toLocaleString() : "never");
const relTime = (secs) => {
  if (!secs) return "";
  const d = secs - Math.floor(Date.now() / 1000);
  const abs = Math.abs(d);
  const txt = abs < 90 ? `${abs} s` : abs < 5400 ? `${Math.round(abs / 60)} min` : `${Math.round(abs / 3600)} h`;
  return d >= 0 ? `in ${txt}` : `${txt} ago`;
};
const word = (hex) => hex.replace(/^0x/, "").padStart(64, "0");

let rpcId = 0;
async function rpc(url, method, params = []) {
  let res;
  try {
    res = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ jsonrpc: "2.0", id: ++rpcId, method, params }),
      signal: AbortSignal.timeout(15000),
    });
  } catch (e) {
    throw new DemoError(e.name === "TimeoutError" ? "TIMEOUT" : "NETWORK_ERROR", `${method} to ${url}: ${e.message}`);
  }
  if (!res.ok) throw new DemoError("HTTP_ERROR", `${method} to ${url}: HTTP ${res.status}`);
  const j = await res.json();
  if (j.error) throw new DemoError("RPC_ERROR", `${method}: ${j.error.message ?? JSON.stringify(j.error)}`);
  return j.result;
}

// ---------------------------------------------------------------------------------------------
// State

const state = {
  settings: null, // { mode, rpcUrl, bundlerUrl }
  devnet: null, // .ci/state/devnet.json as served by serve.mjs
  chainId: null,
  owner: null, // { kind: "injected" | "dev", address, label }
  account: null, // predicted MAv2 account
  store: null,
  sessions: [],
  selected: null,
  busy: false,
};

async function loadSettings() {
  try {
    state.devnet = await (await fetch("./devnet.json", { cache: "no-store" })).json();
    if (state.devnet.error) state.devnet = null;
  } catch {
    state.devnet = null;
  }
  const defaults = {
    mode: "devnet",
    rpcUrl: state.devnet?.rpcUrl ?? "http://127.0.0.1:8545",
    bundlerUrl: state.devnet?.bundlerUrl ?? "http://127.0.0.1:4337",
  };
  let saved = {};
  try {
    saved = JSON.parse(localStorage.getItem(SETTINGS_KEY) ?? "{}");
  } catch {}
  // The devnet's URLs come from the running devnet unless the user chose another network.
  state.settings = saved.mode === "mav2" ? { ...defaults, ...saved } : defaults;
  const f = $("#settings-form");
  f.mode.value = state.settings.mode;
  f.rpcUrl.value = state.settings.rpcUrl;
  f.bundlerUrl.value = state.settings.bundlerUrl;
  f.paymasterUrl.value = state.settings.paymasterUrl ?? "";
  f.addEventListener("submit", (ev) => {
    ev.preventDefault();
    const next = { mode: f.mode.value, rpcUrl: f.rpcUrl.value.trim(), bundlerUrl: f.bundlerUrl.value.trim(), paymasterUrl: f.paymasterUrl.value.trim() };
    localStorage.setItem(SETTINGS_KEY, JSON.stringify(next));
    location.reload();
  });
  $("#settings-reset").addEventListener("click", () => {
    localStorage.removeItem(SETTINGS_KEY);
    location.reload();
  });
}
const isDevnet = () => state.settings.mode === "devnet";

// ---------------------------------------------------------------------------------------------
// Step 1: main wallet

async function setupWallet() {
  const box = $("#wallet-error");
  await guarded(box, "Reading the chain", async () => {
    state.chainId = Number(BigInt(await rpc(state.settings.rpcUrl, "eth_chainId")));
  });
  $("#wallet-chain").textContent = state.chainId
    ? `${state.chainId}${state.chainId === 31337 ? " (local devnet, anvil)" : ""} · RPC ${state.settings.rpcUrl}`
    : `unknown (RPC ${state.settings.rpcUrl} did not answer)`;

  if (window.ethereum) {
    $("#wallet-kind").textContent = "Browser wallet (window.ethereum)";
    const connect = $("#wallet-connect");
    const use = async (accounts) => {
      if (!accounts?.length) {
        connect.hidden = false;
        return;
      }
      connect.hidden = true;
      const walletChain = Number(BigInt(await window.ethereum.request({ method: "eth_chainId" })));
      if (state.chainId && walletChain !== state.chainId) {
        throw new DemoError("WRONG_CHAIN", `the wallet is on chain ${walletChain}, the RPC on chain ${state.chainId}`);
      }
      setOwner({ kind: "injected", address: accounts[0], label: "your browser wallet" });
    };
    connect.onclick = () =>
      guarded(box, "Connecting the wallet", async () => use(await window.ethereum.request({ method: "eth_requestAccounts" })));
    window.ethereum.on?.("accountsChanged", () => location.reload());
    window.ethereum.on?.("chainChanged", () => location.reload());
    await guarded(box, "Reading the wallet", async () => use(await window.ethereum.request({ method: "eth_accounts" })));
  } else {
    $("#wallet-kind").replaceChildren(
      el("strong", { class: "devlabel", text: "Local development owner" }),
      " — no browser wallet found, so this page signs as anvil's public dev account #0. Its key is public: for the local devnet only.",
    );
    if (state.chainId && state.chainId !== DEV_OWNER.chainId) {
      showError(box, "Choosing the owner", new DemoError("DEV_OWNER_WRONG_CHAIN", `the RPC is on chain ${state.chainId}`));
      return;
    }
    setOwner({ kind: "dev", address: DEV_OWNER.address, label: DEV_OWNER.label });
  }
}

function setOwner(owner) {
  state.owner = owner;
  $("#wallet-owner").textContent = owner.address;
  state.account = mav2.predictAccountAddress({ owner: owner.address });
  $("#wallet-account").textContent = state.account;
  refreshSessions();
}

async function ownerSignTypedData(typedData, typedDataHash) {
  if (!state.owner) throw new DemoError("NO_OWNER", "no owner");
  if (state.owner.kind === "dev") return signDigest(DEV_OWNER.privateKey, typedDataHash);
  try {
    return await window.ethereum.request({
      method: "eth_signTypedData_v4",
      params: [state.owner.address, JSON.stringify(typedData)],
    });
  } catch (e) {
    if (e?.code === 4001) throw new DemoError("USER_REJECTED", e.message ?? "rejected");
    throw new DemoError(`WALLET_${e?.code ?? "ERROR"}`, e?.message ?? String(e));
  }
}

// ---------------------------------------------------------------------------------------------
// Step 2: create, list

const DEFAULT_ALLOWLIST = [
  { address: "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC", functions: "", note: "recipient (anvil account #2): any call" },
  { address: "0x5FbDB2315678afecb367f032d93F642f64180aa3", functions: "0xd09de08a", note: "a counter contract: increment() only" },
];

function allowlistRow({ address = "", functions = "", note = "" } = {}) {
  const row = el(
    "div",
    { class: "allow-row" },
    el("label", { text: "Contract " }, el("input", { name: "allowAddress", className: "mono", value: address, placeholder: "0x…" })),
    el("label", { text: "Functions " }, el("input", { name: "allowFunctions", className: "mono", value: functions, placeholder: "any" })),
    el("button", { type: "button", className: "secondary small", text: "remove", onclick: () => row.remove() }),
  );
  if (note) row.append(el("span", { class: "hint", text: note }));
  return row;
}

function readPermissions(form) {
  const permissions = [];
  for (const row of form.querySelectorAll(".allow-row")) {
    const address = row.querySelector("[name=allowAddress]").value.trim();
    const fns = row.querySelector("[name=allowFunctions]").value.split(/[\s,]+/).filter(Boolean);
    if (!address) continue;
    permissions.push(
      fns.length
        ? { type: "functions-on-contract", data: { address, functions: fns } }
        : { type: "contract-access", data: { address } },
    );
  }
  const native = parseEth(form.nativeLimit.value, "nativeLimit");
  if (native !== null) permissions.push({ type: "native-token-transfer", data: { allowance: native } });
  const token = form.erc20Token.value.trim();
  const tokenLimit = parseUint(form.erc20Limit.value, "erc20Limit");
  if (token && tokenLimit !== null) permissions.push({ type: "erc20-token-transfer", data: { address: token, allowance: tokenLimit } });
  const gas = parseEth(form.gasLimit.value, "gasLimit");
  if (gas !== null) permissions.push({ type: "gas-limit", data: { limit: gas } });
  const minutes = parseUint(form.expiryMinutes.value, "expiryMinutes");
  const expiresAt = minutes === null ? null : Math.floor(Date.now() / 1000) + Number(minutes) * 60;
  return { permissions, expiresAt };
}

function setupCreate() {
  const form = $("#create-form");
  const list = $("#allowlist");
  for (const r of DEFAULT_ALLOWLIST) list.append(allowlistRow(r));
  $("#allowlist-add").addEventListener("click", () => list.append(allowlistRow()));
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    await guarded($("#create-error"), "Creating the session", async () => {
      if (!state.owner) throw new DemoError("NO_OWNER", "no owner yet");
      const { permissions, expiresAt } = readPermissions(form);
      const eoa = form.accountKind.value === "mav2-7702";
      if (eoa && !state.has7702) throw new DemoError("NO_SMA7702", `SemiModularAccount7702 (${SMA7702}) has no code on chain ${state.chainId}`);
      // A 7702 session's account is the owner's EOA itself; the package serves it with accountKind "mav2-7702".
      const account = eoa ? state.owner.address : state.account;
      const options = { chainId: state.chainId, account, permissions, expiresAt, keyKind: form.keyKind.value };
      // The EOA may hold sessions from other apps already: its entity id is picked past them.
      const rec = eoa && canSend()
        ? await client("mav2-7702").createSession(state.store, { ...options, owner: state.owner.address })
        : await state.store.create(options);
      select(rec.id);
      await refreshSessions();
    });
  });
}

async function refreshSessions() {
  if (!state.store || !state.account) return;
  await guarded($("#create-error"), "Reading the stored sessions", async () => {
    const mine = [state.account, state.owner?.address].filter(Boolean).map((a) => a.toLowerCase());
    state.sessions = (await state.store.list({ chainId: state.chainId }))
      .filter((s) => mine.includes(s.account.toLowerCase()))
      .sort((a, b) => a.createdAt - b.createdAt);
  });
  if (!state.sessions.some((s) => s.id === state.selected)) {
    const live = state.sessions.filter((s) => s.status !== "revoked");
    select(live.length ? live[live.length - 1].id : null);
  }
  const tbody = $("#sessions tbody");
  tbody.replaceChildren(
    ...state.sessions.map((s) => {
      const radio = el("input", { type: "radio", name: "session", value: s.id, checked: s.id === state.selected, title: "use this session" });
      radio.addEventListener("change", () => select(s.id));
      return el(
        "tr",
        { "data-id": s.id, "data-status": s.status, class: s.id === state.selected ? "selected" : "" },
        el("td", {}, radio),
        el("td", { class: "mono", title: keyTitle(s), text: keyLabel(s) }),
        el("td", { text: String(s.entityId) }),
        el("td", {}, el("span", { class: `status status-${s.status}`, text: s.status })),
        el("td", { title: fmtTime(s.expiresAt), text: s.expiresAt ? `${fmtTime(s.expiresAt)} (${relTime(s.expiresAt)})` : "never" }),
        el("td", { class: "grant-cell", text: { none: "not prepared", prepared: "typed data prepared", signed: "owner signed" }[s.deferred] ?? s.deferred }),
      );
    }),
  );
  $("#sessions-empty").hidden = state.sessions.length > 0;
  $("#store-persistence").textContent = state.store
    ? state.store.persistence === "indexeddb"
      ? "kept in IndexedDB: they survive a reload"
      : "kept in memory only (this browser refused to store the encryption key): they vanish on reload"
    : "";
  renderSelected();
}

// A session's key as the table shows it: its address, or for a P-256 key (no address) its x.
const isP256 = (s) => s.keyKind === "p256-webcrypto";
const keyLabel = (s) => (isP256(s) ? `P-256 ${short(s.publicKey.x)}` : short(s.address));
const keyTitle = (s) => (isP256(s) ? `P-256 x ${s.publicKey.x}, y ${s.publicKey.y}` : s.address);

// exportPrivateKey on the selected session: a secp256k1 key comes out (not shown here), a P-256
// key is refused by the package (KEY_NOT_EXPORTABLE): WebCrypto made it non-extractable.
function setupExport() {
  $("#export-try").addEventListener("click", async () => {
    const out = $("#export-result");
    const s = selectedSession();
    if (!s) return;
    try {
      const key = await state.store.exportPrivateKey(s.id);
      out.dataset.outcome = "exported";
      out.textContent = `exported: ${(key.length - 2) / 2} bytes of secp256k1 key left the store as a JS string (not shown). Any script on this page could do the same.`;
    } catch (e) {
      out.dataset.outcome = e.code ?? "error";
      out.textContent = `refused: ${e.code} — ${e.message}`;
    }
    out.hidden = false;
  });
}

function select(id) {
  if (id !== state.selected) {
    $("#scope-result").hidden = true;
    $("#act-progress").hidden = true;
    $("#act-result").hidden = true;
    clearError($("#grant-error"));
    clearError($("#act-error"));
  }
  if (id !== state.selected) $("#export-result").hidden = true;
  state.selected = id;
  if (id) localStorage.setItem(SELECTED_KEY, id);
  else localStorage.removeItem(SELECTED_KEY);
  for (const tr of document.querySelectorAll("#sessions tbody tr")) tr.classList.toggle("selected", tr.dataset.id === id);
  renderSelected();
}
const selectedSession = () => state.sessions.find((s) => s.id === state.selected) ?? null;
function requireSession() {
  const s = selectedSession();
  if (!s) throw new DemoError("NO_SESSION", "no session selected");
  return s;
}

function renderSelected() {
  const s = selectedSession();
  const usable = !!s && s.status !== "revoked" && !state.busy;
  $("#grant-prepare").disabled = !usable;
  $("#export-try").disabled = !s;
  $("#scope-try").disabled = !usable;
  $("#revoke").disabled = !usable;
  $("#act-send").disabled = !usable || !canSend();
  if (!s || s.id !== $("#grant-view").dataset.id) $("#grant-view").hidden = true;
  const saved = s && s.deferred === "signed" ? JSON.parse(localStorage.getItem(GRANT_KEY(s.id)) ?? "null") : null;
  if (saved) showSignature(saved, s);
  else $("#grant-signed").hidden = true;
  renderActingAccount();
  renderChainStatus();
}

// ---------------------------------------------------------------------------------------------
// Step 3: grant

function kvList(obj) {
  const dl = el("dl", { class: "kv" });
  for (const [k, v] of Object.entries(obj)) {
    if (v === undefined) continue;
    let dd;
    if (Array.isArray(v)) dd = el("dd", {}, v.length ? el("ul", {}, ...v.map((x) => el("li", {}, typeof x === "object" ? kvList(x) : String(x)))) : "none");
    else if (v && typeof v === "object") dd = el("dd", {}, kvList(v));
    else dd = el("dd", { text: String(v) });
    dl.append(el("dt", { text: k }), dd);
  }
  return dl;
}

function installView(decoded) {
  return kvList({
    function: decoded.function,
    validation: `${decoded.validation.module}, entity ${decoded.validation.entityId} (${decoded.validation.flags})`,
    "session key (signer)": decoded.signer,
    "account functions it may call": decoded.selectors,
    hooks: decoded.hooks.map((h) => ({
      module: `${h.moduleName} — ${h.role ?? "hook"}`,
      entity: h.entityId >= 0x7fffffff ? `${h.entityId - 0x7fffffff} + 0x7FFFFFFF (the module's second hook for this session)` : String(h.entityId),
      kind: h.kind,
      ...h.fields,
    })),
  });
}

async function prepareGrant() {
  const box = $("#grant-error");
  await guarded(box, "Preparing the grant", async () => {
    const s = requireSession();
    const installHex = await state.store.installCallData(s.id);
    // The deferred action rides in the session's first operation: its nonce uses the session's
    // entity id with the deferred-action bit, and the account's current sequence for that key.
    const key = mav2.nonceKey({ entityId: s.entityId, isGlobalValidation: false, isDeferredAction: true });
    const nonce = await rpc(state.settings.rpcUrl, "eth_call", [
      { to: ENTRY_POINT, data: "0x35567e1a" + word(s.account) + word(key) },
      "latest",
    ]);
    const deadline = s.expiresAt ?? 0;
    const d = await state.store.deferredInstall(s.id, { nonce, deadline });
    const view = $("#grant-view");
    view.dataset.id = s.id;
    $("#grant-install").replaceChildren(installView(decodeInstallValidation(installHex)));
    $("#grant-install-hex").textContent = installHex;
    const m = d.typedData.message;
    const n = BigInt(m.nonce);
    $("#grant-typed").replaceChildren(
      kvList({
        primaryType: d.typedData.primaryType,
        "domain.chainId": String(d.typedData.domain.chainId),
        "domain.verifyingContract": `${d.typedData.domain.verifyingContract} (the MAv2 account)`,
        "message.nonce": `${m.nonce} — key ${"0x" + (n >> 64n).toString(16)} (entity ${s.entityId}, deferred-action bit), sequence ${n & ((1n << 64n) - 1n)}`,
        "message.deadline": m.deadline ? `${m.deadline} (${fmtTime(m.deadline)})` : "0 (no deadline)",
        "message.call": m.call.toLowerCase() === installHex.toLowerCase() ? "the installValidation call above" : m.call,
        "typed data hash (what is signed)": d.typedDataHash,
        "execution hooks": d.hasExecutionHooks ? "yes: the session's operations go through executeUserOp" : "no",
      }),
    );
    $("#grant-typed-json").textContent = JSON.stringify(d.typedData, null, 2);
    view.hidden = false;
    view._deferred = d;
    $("#grant-owner-op").hidden = !canSend() || (!is7702(s) && (isDevnet() || state.owner?.kind !== "injected"));
    $("#grant-signed").hidden = true;
    localStorage.removeItem(GRANT_KEY(s.id));
    await refreshSessions();
  });
}

async function signGrant() {
  const box = $("#grant-error");
  await guarded(box, "Signing the grant", async () => {
    const s = requireSession();
    const d = $("#grant-view")._deferred;
    if (!d) throw new DemoError("DEFERRED_NOT_PREPARED", "show the grant first");
    const btn = $("#grant-sign");
    btn.disabled = true;
    btn.textContent = state.owner.kind === "dev" ? "Signing…" : "Waiting for the wallet…";
    try {
      const signature = await ownerSignTypedData(d.typedData, d.typedDataHash);
      const rec = await state.store.attachOwnerSignature(s.id, signature);
      const saved = { signature, signer: `${state.owner.address} — ${state.owner.label}` };
      localStorage.setItem(GRANT_KEY(s.id), JSON.stringify(saved));
      await refreshSessions();
      showSignature(saved, rec);
    } finally {
      btn.disabled = false;
      btn.textContent = "Sign with the owner";
    }
  });
}

// MAv2 networks with a browser wallet: the other way to grant — the owner sends installValidation
// as its own operation (personal_sign of the userOpHash), and the session becomes active.
async function grantWithOwnerOperation() {
  const box = $("#grant-error");
  await guarded(box, "Granting with an owner operation", async () => {
    const s = requireSession();
    const info = mav2.accountFactoryData({ owner: state.owner.address });
    const btn = $("#grant-owner-op");
    btn.disabled = true;
    btn.textContent = "Waiting for the wallet and the bundler…";
    try {
      const r = is7702(s)
        ? await client("mav2-7702").grantSession(state.store, s.id, {
            wallet: ownerWallet(),
            owner: state.owner.address,
            authorization: await authorizationFor(s),
          })
        : await client("mav2").grantSession(state.store, s.id, {
            wallet: window.ethereum,
            owner: state.owner.address,
            factory: info.factory,
            factoryData: info.factoryData,
          });
      $("#grant-signature").textContent = `owner operation ${r.userOpHash}`;
      $("#grant-signer").textContent = `${state.owner.address} — ${state.owner.label} (personal_sign of the userOpHash)`;
      $("#grant-state").textContent = `installValidation mined in transaction ${r.receipt.receipt.transactionHash}: session active`;
      $("#grant-signed").hidden = false;
    } finally {
      btn.disabled = false;
      btn.textContent = "Or: send installValidation as an owner operation";
    }
    await refreshSessions();
  });
}

function showSignature(saved, rec) {
  $("#grant-signature").textContent = saved.signature;
  $("#grant-signer").textContent = saved.signer;
  $("#grant-state").textContent =
    rec.deferred === "signed"
      ? `attached to session ${keyLabel(rec)} — its first operation will carry the install (status: ${rec.status})`
      : rec.deferred;
  $("#grant-signed").hidden = false;
}

// ---------------------------------------------------------------------------------------------
// Step 4: act, through the package's BundlerClient (sendCalls → waitForReceipt).

const canSend = () => typeof mav2.BundlerClient === "function";
const clients = {};
function client(kind) {
  if (!clients[kind]) {
    const options = { bundlerUrl: state.settings.bundlerUrl, rpcUrl: state.settings.rpcUrl, accountKind: kind };
    if (state.settings.paymasterUrl) options.paymaster = { url: state.settings.paymasterUrl };
    clients[kind] = new mav2.BundlerClient(options);
  }
  return clients[kind];
}

// A session whose account is the owner's own address is an EIP-7702 session.
const is7702 = (s) => !!state.owner && s.account.toLowerCase() === state.owner.address.toLowerCase();
const kindOf = (s) => (is7702(s) ? "mav2-7702" : "mav2");

// The owner's wallet as an EIP-1193 provider: the browser wallet, or on the devnet anvil itself
// (its dev account #0 is unlocked there and answers personal_sign).
function ownerWallet() {
  if (state.owner.kind === "injected") return window.ethereum;
  return { request: ({ method, params }) => rpc(state.settings.rpcUrl, method, params ?? []) };
}

// The EOA's signed EIP-7702 authorization, while the EOA has no code (afterwards: none needed).
// The local development owner signs it in the page (the package's hashAuthorization); browser
// wallets do not sign authorizations for pages, so there the EOA must be delegated in the wallet.
async function authorizationFor(s) {
  if ((await rpc(state.settings.rpcUrl, "eth_getCode", [s.account, "latest"])) !== "0x") return undefined;
  if (state.owner.kind !== "dev") {
    throw new DemoError("AUTHORIZATION_UNAVAILABLE", "this EOA has no code yet and browser wallets do not sign EIP-7702 authorizations for pages: delegate it to SemiModularAccount7702 in the wallet first");
  }
  const nonce = Number(BigInt(await rpc(state.settings.rpcUrl, "eth_getTransactionCount", [s.account, "latest"])));
  const sig = await signDigest(DEV_OWNER.privateKey, mav2.hashAuthorization({ chainId: state.chainId, address: SMA7702, nonce }));
  return { chainId: state.chainId, address: SMA7702, nonce, r: "0x" + sig.slice(2, 66), s: "0x" + sig.slice(66, 130), yParity: parseInt(sig.slice(130, 132), 16) - 27 };
}

// The devnet's acting account: the EntryPoint package's SimpleAccount whose owner is the session key.
async function simpleAccountOf(sessionKey) {
  const factory = state.devnet?.simpleAccountFactory;
  if (!factory) throw new DemoError("DEVNET_STATE_MISSING", "no SimpleAccountFactory address (devnet.json)");
  const ret = await rpc(state.settings.rpcUrl, "eth_call", [{ to: factory, data: "0x8cb84e18" + word(sessionKey) + word("0") }, "latest"]);
  return { address: "0x" + ret.slice(-40), factory, factoryData: "0x5fbfb9cf" + word(sessionKey) + word("0") };
}

// A SimpleAccount's address depends on its owner, so a session (created for the MAv2 account)
// cannot name it in advance. On the devnet only, the page binds a copy of the session key to the
// SimpleAccount (exportPrivateKey → importPrivateKey: the key crosses JS once), with the same
// permissions, and sends with accountKind "simple-account". It is deleted with the session.
const TWIN_KEY = (id) => `mav2-demo-simple-account:${id}`;
const P256_ON_DEVNET =
  "a P-256 session is checked by MAv2's WebAuthn validation module, and this devnet has no MAv2 account: its acting account is a SimpleAccount, which checks secp256k1 signatures only. Grant and act with it on a network where MAv2 is deployed (Network settings).";
async function devnetActor(s) {
  if (isP256(s)) throw new DemoError("P256_NEEDS_MAV2", P256_ON_DEVNET);
  const sa = await simpleAccountOf(s.address);
  const known = localStorage.getItem(TWIN_KEY(s.id));
  if (known) {
    try {
      const r = await state.store.get(known);
      if (r.status !== "revoked" && r.account.toLowerCase() === sa.address) return { id: known, sa };
    } catch {}
  }
  const privateKey = await state.store.exportPrivateKey(s.id);
  const twin = await state.store.importPrivateKey({
    chainId: s.chainId,
    account: sa.address,
    entityId: s.entityId,
    permissions: s.permissions,
    expiresAt: s.expiresAt,
    validAfter: s.validAfter,
    paymaster: s.paymaster,
    privateKey,
  });
  localStorage.setItem(TWIN_KEY(s.id), twin.id);
  return { id: twin.id, sa };
}

let actingGen = 0;
async function renderActingAccount() {
  const gen = ++actingGen;
  const s = selectedSession();
  const note = $("#act-account-note");
  if (s && is7702(s)) {
    note.replaceChildren(
      el("strong", { text: "EIP-7702: " }),
      "the account is the owner's EOA, delegated to SemiModularAccount7702 (",
      el("code", { text: 'accountKind: "mav2-7702"' }),
      "). While the EOA has no code, its first operation carries the EOA's signed authorization (",
      el("code", { text: "eip7702Auth" }),
      ")." + (isDevnet() ? " On this devnet a stand-in delegate (tests/devnet/Delegate7702.sol) sits at SemiModularAccount7702's address: it installs and checks the session like MAv2 would, but it is not MAv2's code." : ""),
    );
    $("#act-account").textContent = `${s.account} (the owner's EOA, EIP-7702)`;
    return;
  }
  if (isDevnet()) {
    note.replaceChildren(
      el("strong", { text: "Local devnet: " }),
      "MAv2 is not deployed here, so the account that acts is the EntryPoint package's ",
      el("code", { text: "SimpleAccount" }),
      ", owned by the session key and signed by it (the package's ",
      el("code", { text: 'accountKind: "simple-account"' }),
      "). The session's permissions are checked by the package before anything is sent, not on chain; the account is funded by the devnet faucet (",
      el("code", { text: "anvil_setBalance" }),
      "). With a network where MAv2 is deployed (Network settings), the same button acts through the MAv2 account.",
    );
  } else {
    note.replaceChildren(
      el("strong", { text: "MAv2: " }),
      "the MAv2 account acts through the session's validation; its first operation deploys the account if needed and carries the owner's signed grant. The account pays its gas (fund it) unless a paymaster is set.",
    );
    if (state.mav2Deployed === false) {
      note.append(el("p", { class: "warn", text: `MAv2's AccountFactory (${MAV2_FACTORY}) has no code on chain ${state.chainId}: the MAv2 flow cannot run on this network.` }));
    }
  }
  if (!s) {
    $("#act-account").textContent = "select a session";
    return;
  }
  if (!isDevnet()) {
    $("#act-account").textContent = `${s.account} (MAv2)`;
    return;
  }
  if (isP256(s)) {
    $("#act-account").textContent = `none on this devnet: ${P256_ON_DEVNET}`;
    return;
  }
  try {
    const sa = await simpleAccountOf(s.address);
    if (gen !== actingGen) return; // the selection changed meanwhile
    $("#act-account").textContent = `${sa.address} (SimpleAccount of session key ${short(s.address)})`;
  } catch (e) {
    if (gen !== actingGen) return;
    $("#act-account").textContent = `unknown: ${e.code ?? ""} ${e.message}`;
  }
}

// The session as the MAv2 account holds it (BundlerClient.sessionStatus): installed or not, and what
// is left of its budgets. Read after each selection and each send.
let chainGen = 0;
async function renderChainStatus() {
  const gen = ++chainGen;
  const out = $("#act-chain");
  const s = selectedSession();
  if (!s || !canSend() || typeof client("mav2").sessionStatus !== "function") {
    out.dataset.state = "unknown";
    out.textContent = s ? "not available in this build" : "select a session";
    return;
  }
  out.textContent = "reading…";
  const kind = kindOf(s);
  try {
    const st = await client(kind).sessionStatus(state.store, s.id);
    if (gen !== chainGen) return;
    out.dataset.state = st.installed ? "installed" : "not-installed";
    const parts = [];
    if (!st.installed) {
      const noCode = kind === "mav2-7702" ? "not installed: the EOA has no code yet (its first operation delegates it with an authorization)" : "not installed: the MAv2 account has no code yet (its first operation deploys it and carries the grant)";
      parts.push(st.deployed === false ? noCode : "not installed");
    } else {
      parts.push(st.matchesGrant ? "installed, as granted" : "installed, but not as granted");
      const left = [];
      if (st.remaining?.native != null) left.push(`native ${formatEth(BigInt(st.remaining.native))} ETH`);
      if (st.remaining?.gas != null) left.push(`gas ${formatEth(BigInt(st.remaining.gas))} ETH`);
      for (const [token, amount] of Object.entries(st.remaining?.erc20 ?? {})) left.push(`${short(token)} ${amount}`);
      if (left.length) parts.push(`left: ${left.join(" · ")}`);
    }
    if (st.reconciled) parts.push(`(the store was updated: ${st.reconciled})`);
    out.textContent = parts.join(" — ");
  } catch (e) {
    if (gen !== chainGen) return;
    out.dataset.state = "error";
    out.textContent = `${e.code ?? "ERROR"}: ${e.message}`;
  }
}

const PHASES = ["estimating", "signed", "sent", "mined"];
let actT0 = 0;
let reached = -1;
// Mark `phase` done at time `at` (default now), with every phase before it.
function progress(phase, detail, at = performance.now()) {
  const list = $("#act-progress");
  list.hidden = false;
  reached = Math.max(reached, PHASES.indexOf(phase));
  for (const li of list.children) {
    const i = PHASES.indexOf(li.dataset.phase);
    li.classList.toggle("done", i <= reached);
    li.classList.toggle("active", i === reached + 1);
  }
  const li = list.querySelector(`[data-phase=${phase}]`);
  li.querySelector(".t").textContent = `+${((at - actT0) / 1000).toFixed(2)} s`;
  if (detail) li.querySelector(".detail").textContent = detail;
}
function resetProgress() {
  reached = -1;
  const list = $("#act-progress");
  list.hidden = false;
  for (const li of list.children) {
    li.classList.remove("done", "failed");
    li.classList.toggle("active", li.dataset.phase === "estimating");
    li.querySelector(".t").textContent = "";
    li.querySelector(".detail").textContent = "";
  }
  $("#act-result").hidden = true;
}

async function act(ev) {
  ev.preventDefault();
  const box = $("#act-error");
  const btn = $("#act-send");
  state.busy = true;
  renderSelected();
  actT0 = performance.now();
  resetProgress();
  // The package says how far the send got (sendCalls' onProgress): estimated and signed (the
  // operation as it leaves, with its gas limits and signature), then taken by the bundler.
  const onProgress = (event) => {
    if (event.stage !== "signed") return;
    const op = event.userOp;
    progress("estimating", `gas: call ${BigInt(op.callGasLimit)} · verification ${BigInt(op.verificationGasLimit)} · pre-verification ${BigInt(op.preVerificationGas)}`);
    const sig = op.signature;
    progress("signed", `by the session key: ${sig.slice(0, 14)}…${sig.slice(-8)} (${(sig.length - 2) / 2} bytes)`);
  };
  try {
    await guarded(box, "Sending the call", async () => {
      if (!canSend()) throw new DemoError("SEND_UNAVAILABLE", "the package build has no BundlerClient export");
      const s = requireSession();
      const f = $("#act-form");
      const calls = [{ target: f.target.value.trim(), value: parseEth(f.value.value, "value") ?? 0n, data: f.data.value.trim() || "0x" }];
      let id = s.id;
      let kind = "mav2";
      let options;
      if (is7702(s)) {
        kind = "mav2-7702";
        options = { authorization: await authorizationFor(s) };
      } else if (isDevnet()) {
        const actor = await devnetActor(s);
        id = actor.id;
        kind = "simple-account";
        options = { factory: actor.sa.factory, factoryData: actor.sa.factoryData };
        const balance = BigInt(await rpc(state.settings.rpcUrl, "eth_getBalance", [actor.sa.address, "latest"]));
        if (balance < 10n ** 16n) await rpc(state.settings.rpcUrl, "anvil_setBalance", [actor.sa.address, "0xde0b6b3a7640000"]); // devnet faucet: 1 ETH
      } else {
        const info = mav2.accountFactoryData({ owner: state.owner.address });
        options = { factory: info.factory, factoryData: info.factoryData };
      }
      const hash = await client(kind).sendCalls(state.store, id, calls, { ...options, onProgress });
      progress("sent", hash);
      $("#act-userophash").textContent = hash;
      const receipt = await client(kind).waitForReceipt(hash, { timeoutMs: 60000 });
      progress("mined", `block ${BigInt(receipt.receipt.blockNumber)}`);
      $("#act-tx").textContent = receipt.receipt.transactionHash;
      $("#act-gas").textContent = `${BigInt(receipt.actualGasUsed)} gas · cost ${formatEth(BigInt(receipt.actualGasCost))} ETH`;
      $("#act-outcome").textContent = receipt.success ? `success — sender ${receipt.sender}` : `reverted (${receipt.reason ?? "no reason"})`;
      $("#act-outcome").className = receipt.success ? "ok" : "warn";
      $("#act-result").hidden = false;
    });
    if (!box.hidden) {
      const active = $("#act-progress li.active");
      active?.classList.replace("active", "failed");
    }
  } finally {
    state.busy = false;
    await refreshSessions();
    renderChainStatus();
  }
}

// ---------------------------------------------------------------------------------------------
// Step 5: out of scope. sendCalls pre-checks the calls against the session's permissions before
// it makes any request; a refused call never reaches the bundler.

const PERMISSION_OF = {
  OUT_OF_SCOPE_TARGET: "contract allowlist (contract-access / functions-on-contract)",
  OUT_OF_SCOPE_SELECTOR: "functions allowed on that contract (functions-on-contract)",
  NATIVE_LIMIT_EXCEEDED: "native value limit (native-token-transfer)",
  ERC20_LIMIT_EXCEEDED: "ERC-20 spend limit (erc20-token-transfer)",
  SESSION_EXPIRED: "expiry (time range)",
  SESSION_NOT_YET_VALID: "start time (time range)",
};

function scopeAttempt(kind, s) {
  const perms = s.permissions;
  const native = perms.find((p) => p.type === "native-token-transfer");
  const erc20 = perms.find((p) => p.type === "erc20-token-transfer");
  const fnRule = perms.find((p) => p.type === "functions-on-contract");
  switch (kind) {
    case "target":
      return { label: "call 0x…dEaD, which is on no allowlist", calls: [{ target: "0x000000000000000000000000000000000000dEaD", value: 0n, data: "0x" }] };
    case "native": {
      const target = perms.find((p) => p.type === "contract-access")?.data.address ?? "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC";
      const limit = native ? BigInt(native.data.allowance) : 10n ** 18n;
      return { label: `send ${formatEth(limit + 10n ** 15n)} ETH to ${short(target)} (limit ${formatEth(limit)} ETH)`, calls: [{ target, value: limit + 10n ** 15n, data: "0x" }] };
    }
    case "erc20": {
      const token = erc20?.data.address ?? "0xe7f1725E7734CE288F8367e1Bb143E90bb3F0512";
      const limit = erc20 ? BigInt(erc20.data.allowance) : 0n;
      const amount = limit + 1n;
      const data = "0xa9059cbb" + word("0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC") + word(amount.toString(16));
      return { label: `transfer ${amount} units of token ${short(token)} (limit ${limit})`, calls: [{ target: token, value: 0n, data }] };
    }
    case "selector": {
      const target = fnRule?.data.address ?? "0x5FbDB2315678afecb367f032d93F642f64180aa3";
      return { label: `call set(uint256) on ${short(target)}, which allows only ${fnRule ? fnRule.data.functions.map(selectorName).join(", ") : "other functions"}`, calls: [{ target, value: 0n, data: "0x60fe47b1" + word("7") }] };
    }
  }
}

async function tryOutOfScope() {
  const out = $("#scope-result");
  const s = selectedSession();
  if (!s) return;
  const kind = $("#scope-kind").value;
  const attempt = scopeAttempt(kind, s);
  // The previous attempt's result goes away at once: what shows next is this attempt's.
  out.hidden = true;
  delete out.dataset.kind;
  const before = externalRequests();
  let refusal = null;
  let hash = null;
  if (!canSend()) {
    refusal = new DemoError("PRECHECK_UNAVAILABLE", "the package's pre-check is not exported by this build yet");
  } else {
    try {
      // The MAv2 session's own permissions, in both modes (on the devnet nothing acts before the
      // pre-check passes, so the SimpleAccount is not involved).
      hash = await client("mav2").sendCalls(state.store, s.id, attempt.calls);
    } catch (e) {
      refusal = e;
    }
  }
  const sent = externalRequests() - before;
  out.dataset.code = refusal?.code ?? "";
  out.dataset.kind = kind;
  const permission = refusal && PERMISSION_OF[refusal.code];
  out.replaceChildren(
    el("p", {}, el("strong", { text: "Attempt: " }), attempt.label),
    refusal
      ? el(
          "div",
          { class: permission ? "refusal" : refusal.code === "PRECHECK_UNAVAILABLE" ? "pending" : "error" },
          el("p", { class: "what", text: permission ? "Refused before signing" : refusal.code === "PRECHECK_UNAVAILABLE" ? "Pre-check pending" : "Sending failed" }),
          el("p", {}, el("span", { class: "label", text: "Code " }), el("code", { class: "code", text: refusal.code ?? "UNEXPECTED" }), refusal.field ? el("span", { class: "field", text: ` at ${refusal.field}` }) : ""),
          permission ? el("p", { class: "permission" }, el("span", { class: "label", text: "Permission broken: " }), permission) : "",
          el("p", { class: "message", text: refusal.message }),
          el("p", { class: "todo" }, el("strong", { text: "What to do: " }), HINTS[refusal.code]?.() ?? ""),
        )
      : el("p", { class: "warn", text: `The session allows this call: it was sent (${hash}).` }),
    el("p", { class: "requests", "data-count": String(sent), text: sent === 0 ? "No request was sent: nothing was signed, nothing left this page." : `${sent} request(s) left this page.` }),
  );
  out.hidden = false;
}

// ---------------------------------------------------------------------------------------------
// Step 6: revoke

async function revoke() {
  const box = $("#revoke-error");
  await guarded(box, "Revoking the session", async () => {
    const s = requireSession();
    const hex = await state.store.uninstallCallData(s.id);
    const dec = decodeUninstallValidation(hex);
    const onChain = s.status === "active" && canSend() && (is7702(s) || (!isDevnet() && state.owner?.kind === "injected"));
    $("#revoke-decoded").replaceChildren(
      kvList({
        function: dec.function,
        validation: `${dec.validation.module}, entity ${dec.validation.entityId}`,
        uninstallData: dec.uninstallData,
        "hook uninstall data": dec.hookUninstallData,
        "who sends it": is7702(s)
          ? onChain
            ? "the owner, as an operation of its own EOA (EIP-7702), signed by personal_sign"
            : "nobody: the grant was never installed on chain, so deleting the key is enough"
          : isDevnet()
          ? "the owner, from the MAv2 account; on this devnet there is no MAv2 account, so nothing is sent — the session key (and its SimpleAccount binding) is deleted"
          : onChain
            ? "the owner, as an operation of the MAv2 account signed by the wallet (personal_sign)"
            : "nobody: the grant was never installed on chain (the session has not acted), so deleting the key is enough",
      }),
    );
    $("#revoke-hex").textContent = hex;
    $("#revoke-view").hidden = false;
    if (onChain) {
      $("#revoke-state").textContent = "Waiting for the wallet and the bundler…";
      const r = await client(kindOf(s)).revokeSession(state.store, s.id, { wallet: ownerWallet(), owner: state.owner.address });
      $("#revoke-state").textContent = `uninstallValidation mined (userOpHash ${r.userOpHash}); session marked revoked…`;
    } else {
      await state.store.markRevoked(s.id);
      $("#revoke-state").textContent = `Session ${keyLabel(s)} marked revoked…`;
    }
    await refreshSessions();
    const twin = localStorage.getItem(TWIN_KEY(s.id));
    if (twin) {
      await state.store.markRevoked(twin).catch(() => {});
      await state.store.delete(twin);
      localStorage.removeItem(TWIN_KEY(s.id));
    }
    await state.store.delete(s.id);
    localStorage.removeItem(GRANT_KEY(s.id));
    select(null);
    await refreshSessions();
    $("#revoke-state").textContent = `Session ${keyLabel(s)} (entity ${s.entityId}) revoked: marked revoked, then its key deleted from this browser.`;
  });
}

// ---------------------------------------------------------------------------------------------

async function main() {
  const boot = $("#boot");
  try {
    await init();
  } catch (e) {
    boot.textContent = "The WebAssembly package did not load. Build it with `bash .ci/build-pkg`, then reload.";
    boot.classList.add("bad");
    throw e;
  }
  $("#pkg-version").textContent = `mav2-session-keys ${mav2.version()}`;
  await loadSettings();
  $("#network-badge").textContent = isDevnet() ? "local devnet" : "MAv2 network";
  state.selected = localStorage.getItem(SELECTED_KEY);

  setupCreate();
  setupExport();
  $("#grant-prepare").addEventListener("click", prepareGrant);
  $("#grant-sign").addEventListener("click", signGrant);
  $("#grant-owner-op").addEventListener("click", grantWithOwnerOperation);
  $("#act-form").addEventListener("submit", act);
  $("#scope-try").addEventListener("click", tryOutOfScope);
  $("#revoke").addEventListener("click", revoke);

  await guarded($("#create-error"), "Opening the session store", async () => {
    state.store = await mav2.SessionKeyStore.open({ name: STORE_NAME });
  });
  if (!isDevnet()) {
    try {
      state.mav2Deployed = (await rpc(state.settings.rpcUrl, "eth_getCode", [MAV2_FACTORY, "latest"])) !== "0x";
    } catch {}
  }
  await setupWallet();
  try {
    state.has7702 = (await rpc(state.settings.rpcUrl, "eth_getCode", [SMA7702, "latest"])) !== "0x";
  } catch {
    state.has7702 = false;
  }
  $("#kind-7702").disabled = !state.has7702;
  $("#kind-7702-note").textContent = state.has7702
    ? `SemiModularAccount7702 (${SMA7702}) has code on chain ${state.chainId ?? "?"}${isDevnet() ? ": on this devnet it is the stand-in delegate (tests/devnet/Delegate7702.sol), not MAv2's code" : ""}.`
    : `Not on this network: SemiModularAccount7702 (${SMA7702}) has no code on chain ${state.chainId ?? "?"}.`;
  await refreshSessions();
  boot.textContent = `Ready · ${isDevnet() ? "local devnet" : "MAv2 network"} · bundler ${state.settings.bundlerUrl}`;
  boot.classList.add("ok");
  document.body.dataset.ready = "1";
}

main();
