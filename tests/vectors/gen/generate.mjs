// Reference-vector generator for mav2-session-keys.
//
// Every `output` below is produced by Alchemy's SDK (@account-kit/smart-contracts, @aa-sdk/core)
// or by viem, run fully offline through a `custom` transport that answers the few RPC reads the SDK
// makes. Nothing here re-implements an encoding: the generator only chooses random inputs, calls the
// SDK, and (where the brief asks for a composition of SDK pieces) asserts that the composition equals
// what the SDK's own one-shot function returns.
//
// Deterministic: all randomness comes from a sha256(seed/label || counter) stream; no clock value
// reaches the output files (the one SDK error message that embeds Date.now() is sanitised).
//
// Run: `node generate.mjs` (or `npm run gen`) from tests/vectors/gen. Writes ../*.json.

import { createHash } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

import {
  concat,
  custom,
  decodeAbiParameters,
  encodeFunctionResult,
  getAddress,
  hashMessage,
  hashTypedData,
  isAddressEqual,
  maxUint128,
  maxUint256,
  toHex,
  zeroAddress,
} from "viem";
import { sepolia } from "viem/chains";
import { privateKeyToAccount } from "viem/accounts";
import { entryPoint07Address, getUserOperationHash, toPackedUserOperation } from "viem/account-abstraction";
import { LocalAccountSigner, createSmartAccountClient } from "@aa-sdk/core";
import { createModularAccountV2, predictModularAccountV2Address } from "@account-kit/smart-contracts";
import {
  AllowlistModule,
  HookType,
  NativeTokenLimitModule,
  PaymasterGuardModule,
  PermissionBuilder,
  SingleSignerValidationModule,
  TimeRangeModule,
  buildDeferredActionDigest,
  buildFullNonceKey,
  deferralActions,
  getDefaultAllowlistModuleAddress,
  getDefaultNativeTokenLimitModuleAddress,
  getDefaultPaymasterGuardModuleAddress,
  getDefaultSingleSignerValidationModuleAddress,
  getDefaultTimeRangeModuleAddress,
  installValidationActions,
  modularAccountAbi,
} from "@account-kit/smart-contracts/experimental";
// Not re-exported by the package's entry points: deep imports of the same files the package uses.
import { genWebauthn } from "./webauthn.mjs";
import { singleSignerMessageSigner } from "./node_modules/@account-kit/smart-contracts/dist/esm/src/ma-v2/modules/single-signer-validation/signer.js";
import {
  getDefaultMAV2FactoryAddress,
  getDefaultSMAV2BytecodeAddress,
  buildFullNonceKey as buildFullNonceKeyDeep,
} from "./node_modules/@account-kit/smart-contracts/dist/esm/src/ma-v2/utils.js";
import { genEip7702 } from "./eip7702.mjs";

import { genOnchain } from "./onchain.mjs";
import { genViemAccount } from "./viem_account.mjs";

const HERE = dirname(fileURLToPath(import.meta.url));
const OUT_DIR = join(HERE, "..");
const SEED = 20261127;

if (buildFullNonceKey !== buildFullNonceKeyDeep) throw new Error("two module instances of ma-v2/utils.js");

const pkgVersion = (p) => JSON.parse(readFileSync(join(HERE, "node_modules", p, "package.json"), "utf8")).version;
const VERSIONS = {
  sdk: pkgVersion("@account-kit/smart-contracts"),
  aaSdkCore: pkgVersion("@aa-sdk/core"),
  viem: pkgVersion("viem"),
  node: process.version,
};

// ---------------------------------------------------------------------------------------------
// Deterministic random bytes: sha256(seed "/" label || counter_be64), concatenated.
// ---------------------------------------------------------------------------------------------
class Drbg {
  constructor(label) {
    this.prefix = Buffer.from(`${SEED}/${label}/`, "utf8");
    this.counter = 0n;
    this.buf = Buffer.alloc(0);
  }
  bytes(n) {
    while (this.buf.length < n) {
      const c = Buffer.alloc(8);
      c.writeBigUInt64BE(this.counter++);
      this.buf = Buffer.concat([this.buf, createHash("sha256").update(this.prefix).update(c).digest()]);
    }
    const out = this.buf.subarray(0, n);
    this.buf = this.buf.subarray(n);
    return Buffer.from(out);
  }
  hex(n) {
    return n === 0 ? "0x" : `0x${this.bytes(n).toString("hex")}`;
  }
  bits(k) {
    // uniform in [0, 2^k)
    if (k === 0) return 0n;
    const nb = Math.ceil(k / 8);
    let v = BigInt(`0x${this.bytes(nb).toString("hex")}`);
    return v & ((1n << BigInt(k)) - 1n);
  }
  below(n) {
    // uniform in [0, n), n: bigint > 0 (rejection sampling)
    n = BigInt(n);
    const k = n.toString(2).length;
    for (;;) {
      const v = this.bits(k);
      if (v < n) return v;
    }
  }
  int(lo, hi) {
    // uniform integer in [lo, hi] (numbers, |hi-lo| < 2^53)
    return lo + Number(this.below(BigInt(hi - lo + 1)));
  }
  bool(p = 0.5) {
    return Number(this.bits(32)) / 2 ** 32 < p;
  }
  pick(arr) {
    return arr[this.int(0, arr.length - 1)];
  }
  shuffle(arr) {
    const a = arr.slice();
    for (let i = a.length - 1; i > 0; i--) {
      const j = this.int(0, i);
      [a[i], a[j]] = [a[j], a[i]];
    }
    return a;
  }
  // A value of `maxBits` bits at most, with a spread of magnitudes and the edges 0, 1 and max.
  spread(maxBits) {
    const max = (1n << BigInt(maxBits)) - 1n;
    const roll = this.int(0, 19);
    if (roll === 0) return 0n;
    if (roll === 1) return max;
    if (roll === 2) return 1n;
    if (roll === 3) return max - this.bits(8);
    const k = this.int(1, maxBits);
    return (1n << BigInt(k - 1)) | this.bits(k - 1);
  }
}

// ---------------------------------------------------------------------------------------------
// Random domain values
// ---------------------------------------------------------------------------------------------
const SECP_N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;
const MAX_UINT48 = 2 ** 48 - 1;
const MAX_UINT152 = (1n << 152n) - 1n;
const HALF_UINT32 = 2147483647;

const PRIVILEGED_SDK = [
  "0x5998db5c", // performCreate
  "0xf2680c0f", // executeWithRuntimeValidation
  "0x1bbf564c", // installValidation
  "0xb6b1ccfe", // uninstallValidation
  "0x1d37e7d6", // installExecution (SDK's value, not the ABI's)
  "0x0b7cad71", // uninstallExecution (SDK's value, not the ABI's)
  "0x4f1ef286", // upgradeToAndCall
  "0xb61d27f6", // execute (system-managed)
  "0x34fcd5be", // executeBatch (system-managed)
];
const REAL_INSTALL_EXECUTION = ["0x001a63e9", "0x93b1dc61"];
const ALL_FORBIDDEN = new Set([...PRIVILEGED_SDK, ...REAL_INSTALL_EXECUTION]);
const upperHex = (h) => `0x${h.slice(2).toUpperCase()}`;

const randAddress = (r) => {
  for (;;) {
    const a = getAddress(r.hex(20));
    // make sure the checksummed and the lower-case spellings differ (needed by case tests)
    if (a !== a.toLowerCase() && a !== zeroAddress) return a;
  }
};
const randPrivateKey = (r) => {
  for (;;) {
    const k = r.bits(256);
    if (k > 0n && k < SECP_N) return toHex(k, { size: 32 });
  }
};
const randSelector = (r) => {
  for (;;) {
    const s = r.hex(4);
    if (!ALL_FORBIDDEN.has(s)) return s;
  }
};
const randSelectors = (r, lo = 1, hi = 5) => {
  const n = r.int(lo, hi);
  const out = [];
  while (out.length < n) {
    const s = randSelector(r);
    if (!out.includes(s)) out.push(s);
  }
  return out;
};
const randEntityId = (r) => {
  if (r.bool(0.2)) return r.pick([1, 2, 255, 256, 65535, 65536, 2147483646]);
  return r.int(1, HALF_UINT32 - 1);
};
const randChainId = (r) => {
  if (r.bool(0.6)) return r.pick([1, 11155111, 8453, 31337]);
  const k = r.int(1, 53);
  return Number((1n << BigInt(k - 1)) | r.bits(k - 1));
};
// callData-like bytes: empty, 1 byte, short, medium or long (2-5 KB)
const randData = (r, { longLo = 2048, longHi = 5120 } = {}) => {
  const roll = r.int(0, 9);
  if (roll === 0) return { data: "0x", kind: "empty" };
  if (roll === 1) return { data: r.hex(1), kind: "1-byte" };
  if (roll <= 5) return { data: r.hex(r.int(2, 100)), kind: "short" };
  if (roll <= 7) return { data: r.hex(r.int(101, 1000)), kind: "medium" };
  return { data: r.hex(r.int(longLo, longHi)), kind: "long" };
};
// A future timestamp that stays in the future for a long time: [2100-01-01, 2^48-1].
const randFutureTime = (r) => {
  const roll = r.int(0, 9);
  if (roll === 0) return MAX_UINT48;
  if (roll <= 3) return r.int(4102444800, 4102444800 + 10 * 365 * 86400);
  return r.int(4102444800, MAX_UINT48);
};
const randFullMav2Nonce = (r, { entityId, isGlobalValidation, isDeferredAction }) => {
  const nonceKey = r.bool(0.3) ? 0n : r.spread(152);
  const key = buildFullNonceKey({ nonceKey, entityId, isGlobalValidation, isDeferredAction });
  return (key << 64n) | r.spread(64);
};
const randNonce = (r) => {
  const roll = r.int(0, 9);
  if (roll <= 3) return r.spread(256);
  return randFullMav2Nonce(r, {
    entityId: r.bool(0.2) ? 0 : r.int(0, 2 ** 32 - 1),
    isGlobalValidation: r.bool(),
    isDeferredAction: r.bool(0.3),
  });
};

// ---------------------------------------------------------------------------------------------
// Offline SDK environment
// ---------------------------------------------------------------------------------------------
const chainFor = (id) => ({ ...sepolia, id });
const SEL_GET_VALIDATION_DATA = "0xd31b575b";
const SEL_EP_GET_NONCE = "0x35567e1a";

async function makeEnv({ chainId, account, ownerKey, execHook = false, deployed = true, epNonce = 0n, extra = {} }) {
  const chain = chainFor(chainId);
  const request = async ({ method, params }) => {
    switch (method) {
      case "eth_chainId":
        return toHex(chainId);
      case "eth_getCode":
        return deployed ? "0x01" : "0x";
      case "eth_call": {
        const data = params[0].data ?? params[0].input;
        if (data.startsWith(SEL_GET_VALIDATION_DATA)) {
          return encodeFunctionResult({
            abi: modularAccountAbi,
            functionName: "getValidationData",
            result: {
              validationFlags: 7,
              validationHooks: [],
              // one native-token-limit execution hook when the case asks for it
              executionHooks: execHook ? ["0x00000000000001e541f0d090868fbe24b59fbe060000000105"] : [],
              selectors: [],
            },
          });
        }
        if (data.startsWith(SEL_EP_GET_NONCE)) return toHex(epNonce, { size: 32 });
        throw new Error(`offline transport: unexpected eth_call ${data.slice(0, 10)}`);
      }
      default:
        throw new Error(`offline transport: unexpected ${method}`);
    }
  };
  const transport = custom({ request });
  const signer = LocalAccountSigner.privateKeyToAccountSigner(ownerKey);
  const acct = await createModularAccountV2({
    chain,
    transport,
    signer,
    ...(account ? { accountAddress: account } : {}),
    ...extra,
  });
  const client = createSmartAccountClient({ chain, transport, account: acct });
  return { chain, transport, signer, account: acct, client };
}

// ---------------------------------------------------------------------------------------------
// JSON helpers
// ---------------------------------------------------------------------------------------------
const toJsonable = (v) => {
  if (typeof v === "bigint") return toHex(v);
  if (Array.isArray(v)) return v.map(toJsonable);
  if (v && typeof v === "object") {
    const o = {};
    for (const [k, x] of Object.entries(v)) if (x !== undefined) o[k] = toJsonable(x);
    return o;
  }
  return v;
};
const sdkError = (err) => ({
  sdk: err.constructor?.name ?? "Error",
  name: err.name,
  message: (err.shortMessage ?? err.message).replace(/cannot be before now \([0-9.]+\)/, "cannot be before now (<now>)"),
});
const writeFile = (file, cases, extra = {}) => {
  const names = new Set();
  for (const c of cases) {
    if (names.has(c.name)) throw new Error(`duplicate case name ${c.name} in ${file}`);
    names.add(c.name);
  }
  const doc = {
    generator: "tests/vectors/gen/generate.mjs",
    versions: VERSIONS,
    seed: SEED,
    ...extra,
    cases,
  };
  writeFileSync(join(OUT_DIR, file), `${JSON.stringify(doc, null, 1)}\n`);
};
const assertEq = (a, b, what) => {
  const sa = JSON.stringify(toJsonable(a));
  const sb = JSON.stringify(toJsonable(b));
  if (sa !== sb) throw new Error(`cross-check failed: ${what}\n  ${sa.slice(0, 400)}\n  ${sb.slice(0, 400)}`);
};

// ---------------------------------------------------------------------------------------------
// Shared: user operations
// ---------------------------------------------------------------------------------------------
const QTY = [
  "nonce",
  "callGasLimit",
  "verificationGasLimit",
  "preVerificationGas",
  "maxFeePerGas",
  "maxPriorityFeePerGas",
  "paymasterVerificationGasLimit",
  "paymasterPostOpGasLimit",
];
function randUserOp(r, { sender, nonce } = {}) {
  const op = {};
  op.sender = sender ?? randAddress(r);
  op.nonce = toHex(nonce ?? randNonce(r));
  if (r.bool(0.4)) {
    op.factory = randAddress(r);
    op.factoryData = r.bool(0.15) ? "0x" : r.hex(r.int(1, 400));
  }
  op.callData = randData(r).data;
  op.callGasLimit = toHex(r.spread(128));
  op.verificationGasLimit = toHex(r.spread(128));
  op.preVerificationGas = toHex(r.spread(128));
  op.maxFeePerGas = toHex(r.spread(128));
  op.maxPriorityFeePerGas = toHex(r.spread(128));
  if (r.bool(0.45)) {
    op.paymaster = randAddress(r);
    op.paymasterVerificationGasLimit = toHex(r.spread(128));
    op.paymasterPostOpGasLimit = toHex(r.spread(128));
    op.paymasterData = r.bool(0.3) ? "0x" : r.hex(r.int(1, 300));
  }
  const sroll = r.int(0, 5);
  op.signature = sroll === 0 ? "0x" : sroll <= 3 ? r.hex(65) : r.hex(r.int(1, 300));
  return op;
}
const toViemUserOp = (op) => {
  const u = { ...op };
  for (const k of QTY) if (u[k] !== undefined) u[k] = BigInt(u[k]);
  return u;
};
const userOpHash = (op, chainId, entryPoint) =>
  getUserOperationHash({
    userOperation: toViemUserOp(op),
    chainId,
    entryPointAddress: entryPoint,
    entryPointVersion: "0.7",
  });

// ---------------------------------------------------------------------------------------------
// Shared: permission mixes and the install builder
// ---------------------------------------------------------------------------------------------
const SELECTOR_PRODUCING = [
  "erc20-token-transfer",
  "contract-access",
  "account-functions",
  "functions-on-all-contracts",
  "functions-on-contract",
];
function randPermission(r, type) {
  switch (type) {
    case "native-token-transfer":
      return { type, data: { allowance: toHex(r.spread(256)) } };
    case "erc20-token-transfer":
      return { type, data: { address: randAddress(r), allowance: toHex(r.spread(256)) } };
    case "gas-limit":
      return { type, data: { limit: toHex(r.spread(256)) } };
    case "contract-access":
      return { type, data: { address: randAddress(r) } };
    case "account-functions":
      return { type, data: { functions: randSelectors(r) } };
    case "functions-on-all-contracts":
      return { type, data: { functions: randSelectors(r) } };
    case "functions-on-contract":
      return { type, data: { address: randAddress(r), functions: randSelectors(r) } };
    case "root":
      return { type };
    default:
      throw new Error(type);
  }
}
// A random permission mix the SDK accepts: 1-8 permissions, or root alone.
function randPermissions(r) {
  if (r.bool(0.15)) return [{ type: "root" }];
  const n = r.int(1, 8);
  const perms = [];
  let native = false;
  let gas = false;
  while (perms.length < n) {
    const t = r.pick([
      "native-token-transfer",
      "gas-limit",
      ...SELECTOR_PRODUCING,
      "erc20-token-transfer",
      "contract-access",
      "functions-on-contract",
    ]);
    if (t === "native-token-transfer") {
      if (native) continue;
      native = true;
    }
    if (t === "gas-limit") {
      if (gas) continue;
      gas = true;
    }
    perms.push(randPermission(r, t));
  }
  if (!perms.some((p) => SELECTOR_PRODUCING.includes(p.type))) {
    perms.splice(r.int(0, perms.length), 0, randPermission(r, r.pick(SELECTOR_PRODUCING)));
  }
  return perms;
}
// expiresAt / validAfter / paymaster options for a success case
function randHookOptions(r) {
  const o = {};
  if (r.bool(0.45)) {
    o.expiresAt = randFutureTime(r);
    if (r.bool(0.5)) {
      const roll = r.int(0, 4);
      o.validAfter = roll === 0 ? 0 : roll === 1 ? o.expiresAt - 1 : r.int(1, o.expiresAt - 1);
    }
  }
  if (r.bool(0.35)) o.paymaster = randAddress(r);
  return o;
}

// Builds the install exactly as the brief prescribes. Throws the SDK's error on refusal.
async function sdkInstall(env, inp, { deadline = 0, nonce = 0n } = {}) {
  const hooks = [];
  if (inp.expiresAt !== undefined) {
    hooks.push(
      TimeRangeModule.buildHook(
        { entityId: inp.entityId, validUntil: inp.expiresAt, validAfter: inp.validAfter ?? 0 },
        getDefaultTimeRangeModuleAddress(env.chain),
      ),
    );
  }
  if (inp.paymaster !== undefined) {
    hooks.push({
      hookConfig: {
        address: getDefaultPaymasterGuardModuleAddress(env.chain),
        entityId: inp.entityId,
        hookType: HookType.VALIDATION,
        hasPreHooks: true,
        hasPostHooks: false,
      },
      initData: PaymasterGuardModule.encodeOnInstallData({ entityId: inp.entityId, paymaster: inp.paymaster }),
    });
  }
  const builder = new PermissionBuilder({
    client: env.client,
    key: { publicKey: inp.sessionKey, type: "secp256k1" },
    entityId: inp.entityId,
    nonce,
    hooks,
    deadline,
  });
  builder.addPermissions({ permissions: structuredClone(inp.permissions) });
  const callData = await builder.compileRaw();
  return { callData, hasExecutionHooks: builder.hasAssociatedExecHooks, hooks: builder.hooks.slice(), builder };
}

// Uninstall data for each installed hook, in the account's uninstall order.
function hookUninstallDatasFor(chain, hooks) {
  const one = (h) => {
    const a = h.hookConfig.address;
    const entityId = h.hookConfig.entityId;
    if (isAddressEqual(a, getDefaultTimeRangeModuleAddress(chain))) return TimeRangeModule.encodeOnUninstallData({ entityId });
    if (isAddressEqual(a, getDefaultPaymasterGuardModuleAddress(chain)))
      return PaymasterGuardModule.encodeOnUninstallData({ entityId });
    if (isAddressEqual(a, getDefaultNativeTokenLimitModuleAddress(chain)))
      return NativeTokenLimitModule.encodeOnUninstallData({ entityId });
    if (isAddressEqual(a, getDefaultAllowlistModuleAddress(chain))) {
      const [decodedEntityId, tuples] = decodeAbiParameters(
        [
          { type: "uint32" },
          {
            type: "tuple[]",
            components: [
              { type: "address" },
              { type: "bool" },
              { type: "bool" },
              { type: "uint256" },
              { type: "bytes4[]" },
            ],
          },
        ],
        h.initData,
      );
      if (decodedEntityId !== entityId) throw new Error("allowlist entity id mismatch");
      const inputs = tuples.map(([target, hasSelectorAllowlist, hasERC20SpendLimit, erc20SpendLimit, selectors]) => ({
        target,
        hasSelectorAllowlist,
        hasERC20SpendLimit,
        erc20SpendLimit,
        selectors,
      }));
      const data = AllowlistModule.encodeOnUninstallData({ entityId, inputs });
      // Round-trip check: the decoded inputs re-encode to the install data.
      if (AllowlistModule.encodeOnInstallData({ entityId, inputs }).toLowerCase() !== h.initData.toLowerCase())
        throw new Error("allowlist install data round-trip failed");
      return data;
    }
    throw new Error(`unknown hook module ${a}`);
  };
  const validation = hooks.filter((h) => h.hookConfig.hookType === HookType.VALIDATION).reverse();
  const execution = hooks.filter((h) => h.hookConfig.hookType !== HookType.VALIDATION).reverse();
  return [...validation, ...execution].map(one);
}

const installInput = ({ chainId, account, sessionKey, entityId, permissions, expiresAt, validAfter, paymaster }) => {
  const o = { chainId, account, sessionKey, entityId, permissions };
  if (expiresAt !== undefined) o.expiresAt = expiresAt;
  if (validAfter !== undefined) o.validAfter = validAfter;
  if (paymaster !== undefined) o.paymaster = paymaster;
  return o;
};

// ---------------------------------------------------------------------------------------------
// 1. user_op_hash.json
// ---------------------------------------------------------------------------------------------
async function genUserOpHash() {
  const r = new Drbg("user_op_hash");
  const cases = [];
  for (let i = 0; i < 100; i++) {
    const userOp = randUserOp(r);
    const chainId = i < 8 ? [1, 11155111, 8453, 31337][i % 4] : randChainId(r);
    const entryPoint = i % 12 === 11 ? randAddress(r) : entryPoint07Address;
    const hash = userOpHash(userOp, chainId, entryPoint);
    const p = toPackedUserOperation(toViemUserOp(userOp));
    cases.push({
      name: `user_op_hash_${String(i).padStart(3, "0")}`,
      input: { userOp, chainId, entryPoint },
      output: {
        hash,
        packed: {
          sender: p.sender,
          nonce: toHex(p.nonce),
          initCode: p.initCode,
          callData: p.callData,
          accountGasLimits: p.accountGasLimits,
          preVerificationGas: toHex(p.preVerificationGas),
          gasFees: p.gasFees,
          paymasterAndData: p.paymasterAndData,
          signature: p.signature,
        },
      },
    });
  }
  return cases;
}

// ---------------------------------------------------------------------------------------------
// 2. install.json (+ returns the successful inputs for uninstall.json)
// ---------------------------------------------------------------------------------------------
async function genInstall() {
  const r = new Drbg("install");
  const cases = [];
  const successes = [];
  const ownerKey = randPrivateKey(r); // the owner's key does not affect install call data

  const run = async (name, inp, { stricter, expectError } = {}) => {
    const env = await makeEnv({ chainId: inp.chainId, account: inp.account, ownerKey });
    const c = { name, input: installInput(inp) };
    try {
      const res = await sdkInstall(env, inp);
      if (expectError) throw new Error(`case ${name}: expected the SDK to refuse, it accepted`);
      if (stricter) c.stricter = stricter;
      c.output = { callData: res.callData, hasExecutionHooks: res.hasExecutionHooks };
      if (!stricter) successes.push({ name, inp, hooks: res.hooks });
    } catch (err) {
      if (!expectError) throw new Error(`case ${name}: unexpected SDK refusal: ${err.stack}`);
      c.error = sdkError(err);
      if (typeof expectError === "string" && c.error.sdk !== expectError)
        throw new Error(`case ${name}: expected ${expectError}, got ${c.error.sdk}: ${c.error.message}`);
    }
    cases.push(c);
  };
  const base = (overrides = {}) => ({
    chainId: randChainId(r),
    account: randAddress(r),
    sessionKey: randAddress(r),
    entityId: randEntityId(r),
    ...overrides,
  });

  // --- successes: random mixes
  for (let i = 0; i < 170; i++) {
    const inp = base({ permissions: randPermissions(r), ...randHookOptions(r) });
    if (i === 0) inp.entityId = 1;
    if (i === 1) inp.entityId = 2147483646;
    await run(`install_ok_${String(i).padStart(3, "0")}`, inp);
  }
  // --- successes: one of each permission type (plus a selector source where needed)
  let k = 0;
  for (const t of ["native-token-transfer", "gas-limit", ...SELECTOR_PRODUCING, "root"]) {
    for (let j = 0; j < 3; j++) {
      const perms = [randPermission(r, t)];
      if (t === "native-token-transfer" || t === "gas-limit") perms.push(randPermission(r, "account-functions"));
      await run(`install_single_${t}_${j}`, base({ permissions: perms, ...randHookOptions(r) }));
      k++;
    }
  }
  // --- all seven non-root types together, both hook options
  for (let j = 0; j < 4; j++) {
    const perms = r.shuffle(
      ["native-token-transfer", "gas-limit", ...SELECTOR_PRODUCING].map((t) => randPermission(r, t)),
    );
    await run(
      `install_all_types_${j}`,
      base({ permissions: perms, expiresAt: randFutureTime(r), validAfter: j % 2 ? 0 : undefined, paymaster: randAddress(r) }),
    );
  }

  // --- refusals (the SDK throws)
  const E = (name, inp, cls) => run(`install_refuse_${name}`, inp, { expectError: cls });
  const others = ["native-token-transfer", "gas-limit", ...SELECTOR_PRODUCING];
  for (const [j, t] of others.entries()) {
    await E(`root_then_${t}`, base({ permissions: [{ type: "root" }, randPermission(r, t)] }), "RootPermissionOnlyError");
    await E(`${t}_then_root`, base({ permissions: [randPermission(r, t), { type: "root" }] }), "RootPermissionOnlyError");
    if (j < 2) await E(`root_twice_${j}`, base({ permissions: [{ type: "root" }, { type: "root" }] }), "RootPermissionOnlyError");
  }
  for (let j = 0; j < 4; j++) {
    const perms = [
      randPermission(r, "native-token-transfer"),
      randPermission(r, "account-functions"),
      randPermission(r, "native-token-transfer"),
    ];
    if (j % 2) perms.push(randPermission(r, "contract-access"));
    await E(`two_native_${j}`, base({ permissions: perms }), "MultipleNativeTokenTransferError");
  }
  for (let j = 0; j < 4; j++) {
    const perms = [randPermission(r, "gas-limit"), randPermission(r, "gas-limit"), randPermission(r, "contract-access")];
    if (j % 2) perms.reverse();
    await E(`two_gas_limit_${j}`, base({ permissions: perms }), "MultipleGasLimitError");
  }
  for (let j = 0; j < 4; j++) {
    const b = base();
    const t = j % 2 ? "functions-on-contract" : "contract-access";
    const p = randPermission(r, t);
    p.data.address = b.account; // same checksummed string as the account
    const perms = j >= 2 ? [randPermission(r, "account-functions"), p] : [p];
    await E(`account_as_target_${t}_${j}`, { ...b, permissions: perms }, "AccountAddressAsTargetError");
  }
  const dupPairs = [
    ["contract-access", "contract-access"],
    ["contract-access", "functions-on-contract"],
    ["functions-on-contract", "contract-access"],
    ["functions-on-contract", "functions-on-contract"],
  ];
  for (const [j, [a, b2]] of dupPairs.entries()) {
    const p1 = randPermission(r, a);
    const p2 = randPermission(r, b2);
    p2.data.address = p1.data.address;
    const perms = [p1, randPermission(r, "functions-on-all-contracts"), p2];
    await E(`duplicate_target_${j}`, base({ permissions: perms }), "DuplicateTargetAddressError");
  }
  for (const [j, t] of ["account-functions", "functions-on-all-contracts", "functions-on-contract"].entries()) {
    for (let m = 0; m < 2; m++) {
      const p = randPermission(r, t);
      p.data.functions = [];
      const perms = m ? [randPermission(r, "contract-access"), p] : [p];
      await E(`empty_functions_${t}_${m}`, base({ permissions: perms }), "NoFunctionsProvidedError");
    }
  }
  for (const sel of PRIVILEGED_SDK) {
    for (const variant of [sel, upperHex(sel)]) {
      const p = randPermission(r, "account-functions");
      p.data.functions.splice(r.int(0, p.data.functions.length), 0, variant);
      await E(`selector_${variant}`, base({ permissions: [p] }), "SelectorNotAllowed");
    }
  }
  for (const t of ["erc20-token-transfer", "contract-access", "functions-on-contract"]) {
    for (let m = 0; m < 2; m++) {
      const p = randPermission(r, t);
      p.data.address = zeroAddress;
      const perms = m ? [randPermission(r, "account-functions"), p] : [p];
      await E(`zero_address_${t}_${m}`, base({ permissions: perms }), "ZeroAddressError");
    }
  }
  for (const eid of [2147483647, 2147483648, 4294967295, 4294967296]) {
    await E(`entity_id_${eid}`, base({ entityId: eid, permissions: randPermissions(r) }), "InvalidEntityIdError");
  }
  for (let j = 0; j < 3; j++) {
    await E(`entity_id_0_${j}`, base({ entityId: 0, permissions: randPermissions(r) }), "EntityIdOverrideError");
  }
  const noSelector = [
    ["native-token-transfer"],
    ["gas-limit"],
    ["native-token-transfer", "gas-limit"],
    ["gas-limit", "native-token-transfer"],
  ];
  for (const [j, ts] of noSelector.entries()) {
    const inp = base({ permissions: ts.map((t) => randPermission(r, t)), ...(j >= 2 ? randHookOptions(r) : {}) });
    await E(`no_selector_${j}`, inp, "ValidationConfigUnsetError");
  }
  for (const [j, bad] of [
    { type: "erc721-token-transfer", data: { address: null, tokenId: "0x1" } },
    { type: "call-limit", data: { limit: "0x5" } },
    { type: "ROOT" },
    { type: "Native-Token-Transfer", data: { allowance: "0x1" } },
  ].entries()) {
    if (bad.data && "address" in bad.data) bad.data.address = randAddress(r);
    const perms = [randPermission(r, "account-functions"), bad];
    await E(`unsupported_type_${j}`, base({ permissions: j % 2 ? perms.reverse() : perms }), "UnsupportedPermissionTypeError");
  }
  // time range beyond uint48: TimeRangeModule.buildHook throws a plain Error
  for (const [j, [exp, va]] of [
    [2 ** 48, undefined],
    [2 ** 48 + 12345, 0],
    [Number.MAX_SAFE_INTEGER, 100],
    [MAX_UINT48, 2 ** 48],
    [MAX_UINT48, 2 ** 50],
    [MAX_UINT48, Number.MAX_SAFE_INTEGER],
  ].entries()) {
    await E(`time_range_over_uint48_${j}`, base({ permissions: randPermissions(r), expiresAt: exp, validAfter: va }), "Error");
  }

  // --- stricter: the SDK accepts, our library refuses on purpose (SDK output recorded anyway)
  const S = (name, inp, reason) => run(`install_stricter_${name}`, inp, { stricter: reason });
  for (const [j, sel] of [...REAL_INSTALL_EXECUTION, ...REAL_INSTALL_EXECUTION.map(upperHex)].entries()) {
    const p = randPermission(r, "account-functions");
    p.data.functions.splice(r.int(0, p.data.functions.length), 0, sel);
    await S(`real_install_execution_${j}`, base({ permissions: [p] }), "real-install-execution-selector");
  }
  for (let j = 0; j < 4; j++) {
    const b = base();
    const t = j % 2 ? "functions-on-contract" : "contract-access";
    const p = randPermission(r, t);
    p.data.address = b.account.toLowerCase();
    await S(`account_as_target_case_${j}`, { ...b, permissions: [p] }, "account-as-target-case-insensitive");
  }
  // An all-upper-case spelling is not a valid address for viem (checksum mismatch): viem refuses it
  // while encoding, so this one is a refusal on both sides (ours: account as target).
  for (let j = 0; j < 2; j++) {
    const b = base();
    const p = randPermission(r, j ? "functions-on-contract" : "contract-access");
    p.data.address = `0x${b.account.slice(2).toUpperCase()}`;
    await E(`account_as_target_upper_case_${j}`, { ...b, permissions: [p] }, "InvalidAddressError");
  }
  for (const [j, [a, b2]] of dupPairs.entries()) {
    const p1 = randPermission(r, a);
    const p2 = randPermission(r, b2);
    p2.data.address = p1.data.address.toLowerCase();
    await S(`duplicate_target_case_${j}`, base({ permissions: [p1, p2] }), "duplicate-target-case-insensitive");
  }
  for (const [j, exp] of [1000, 1, 1600000000, 1000].entries()) {
    await S(`expired_${j}`, base({ permissions: randPermissions(r), expiresAt: exp, validAfter: j === 3 ? 0 : undefined }), "expired");
  }
  for (let j = 0; j < 4; j++) {
    const exp = randFutureTime(r);
    const va = j % 2 ? exp : Math.min(MAX_UINT48, exp + r.int(1, 1000000));
    await S(`valid_after_not_before_expiry_${j}`, base({ permissions: randPermissions(r), expiresAt: exp, validAfter: va }), "valid-after-not-before-expiry");
  }
  return { cases, successes };
}

// ---------------------------------------------------------------------------------------------
// 3. uninstall.json (same inputs as the successful installs)
// ---------------------------------------------------------------------------------------------
async function genUninstall(successes) {
  const r = new Drbg("uninstall");
  const ownerKey = randPrivateKey(r);
  const cases = [];
  for (const s of successes) {
    const { inp, hooks } = s;
    const env = await makeEnv({ chainId: inp.chainId, account: inp.account, ownerKey });
    const hookUninstallDatas = hookUninstallDatasFor(env.chain, hooks);
    const callData = await installValidationActions(env.client).encodeUninstallValidation({
      moduleAddress: getDefaultSingleSignerValidationModuleAddress(env.chain),
      entityId: inp.entityId,
      uninstallData: SingleSignerValidationModule.encodeOnUninstallData({ entityId: inp.entityId }),
      hookUninstallDatas,
    });
    const { sessionKey, ...rest } = installInput(inp);
    cases.push({
      name: s.name.replace(/^install_/, "uninstall_"),
      input: rest,
      output: { callData, hookUninstallDatas },
    });
  }
  return cases;
}

// ---------------------------------------------------------------------------------------------
// 4. deferred.json
// ---------------------------------------------------------------------------------------------
function typedDataJson(td) {
  return toJsonable({
    domain: td.domain,
    types: td.types,
    primaryType: td.primaryType,
    message: td.message,
  });
}
// Builds a full deferred action via SDK pieces; returns everything for deferred.json / sign.json.
async function sdkDeferred({ inp, ownerKey, deadline, nonce }) {
  const env = await makeEnv({ chainId: inp.chainId, account: inp.account, ownerKey });
  const res = await sdkInstall(env, inp, { deadline: 0 });
  const da = deferralActions(env.client);
  const { typedData } = await da.createDeferredActionTypedDataObject({ callData: res.callData, deadline, nonce });
  const digest = da.buildPreSignatureDeferredActionDigest({ typedData });
  const preSignatureDigest = `0x0${res.hasExecutionHooks ? "1" : "0"}${toHex(nonce, { size: 32 }).slice(2)}${digest.slice(2)}`;

  let crossChecked = false;
  const simpleExpiry =
    inp.validAfter === undefined &&
    inp.paymaster === undefined &&
    ((inp.expiresAt === undefined && deadline === 0) || inp.expiresAt === deadline);
  if (simpleExpiry) {
    const b = new PermissionBuilder({
      client: env.client,
      key: { publicKey: inp.sessionKey, type: "secp256k1" },
      entityId: inp.entityId,
      nonce,
      deadline,
    });
    b.addPermissions({ permissions: structuredClone(inp.permissions) });
    const full = await b.compileDeferred();
    assertEq(typedDataJson(full.typedData), typedDataJson(typedData), "compileDeferred typedData");
    assertEq(full.fullPreSignatureDeferredActionDigest, preSignatureDigest, "compileDeferred fullPreSignatureDeferredActionDigest");
    crossChecked = true;
  }

  const ownerSignature = await privateKeyToAccount(ownerKey).signTypedData(typedData);
  const viaAccount = await env.account.signTypedData(typedData);
  assertEq(viaAccount, concat(["0x00", ownerSignature]), "account.signTypedData(deferred typed data) == 0x00 || sig");
  const deferredActionDigest = buildDeferredActionDigest({
    fullPreSignatureDeferredActionDigest: preSignatureDigest,
    sig: concat(["0x00", ownerSignature]),
  });
  return {
    env,
    callData: res.callData,
    typedData,
    typedDataHash: hashTypedData(typedData),
    preSignatureDigest,
    deferredActionDigest,
    hasExecutionHooks: res.hasExecutionHooks,
    ownerSignature,
    crossChecked,
  };
}

async function genDeferred() {
  const r = new Drbg("deferred");
  const cases = [];
  let crossChecks = 0;
  for (let i = 0; i < 90; i++) {
    const permissions = i % 5 === 4 ? [{ type: "root" }] : randPermissions(r);
    const isRoot = permissions[0].type === "root";
    const inp = {
      chainId: randChainId(r),
      account: randAddress(r),
      sessionKey: randAddress(r),
      entityId: i === 0 ? 1 : i === 1 ? 2147483646 : randEntityId(r),
      permissions,
    };
    const deadline = r.bool(0.3) ? 0 : randFutureTime(r);
    const mode = r.int(0, 9);
    if (mode <= 4) {
      // the compileDeferred-equivalent shape: expiry == deadline, nothing else
      if (deadline !== 0) inp.expiresAt = deadline;
    } else {
      Object.assign(inp, randHookOptions(r));
    }
    const ownerKey = randPrivateKey(r);
    const nonce = randFullMav2Nonce(r, { entityId: inp.entityId, isGlobalValidation: isRoot, isDeferredAction: true });
    const d = await sdkDeferred({ inp, ownerKey, deadline, nonce });
    if (d.crossChecked) crossChecks++;
    cases.push({
      name: `deferred_${String(i).padStart(3, "0")}`,
      input: { ...installInput(inp), deadline, nonce: toHex(nonce), ownerKey, ownerSignature: d.ownerSignature },
      output: {
        typedData: typedDataJson(d.typedData),
        typedDataHash: d.typedDataHash,
        preSignatureDigest: d.preSignatureDigest,
        deferredActionDigest: d.deferredActionDigest,
        hasExecutionHooks: d.hasExecutionHooks,
        crossCheckedWithCompileDeferred: d.crossChecked,
      },
    });
  }
  // refusals from compileDeferred()
  for (const [j, [deadline, cls]] of [
    [1000, "ExpiredDeadlineError"],
    [1, "ExpiredDeadlineError"],
    [1600000000, "ExpiredDeadlineError"],
    [2 ** 48, "DeadlineOverLimitError"],
    [2 ** 48 + 1, "DeadlineOverLimitError"],
    [Number.MAX_SAFE_INTEGER, "DeadlineOverLimitError"],
  ].entries()) {
    const permissions = randPermissions(r);
    const inp = {
      chainId: randChainId(r),
      account: randAddress(r),
      sessionKey: randAddress(r),
      entityId: randEntityId(r),
      permissions,
    };
    const nonce = randFullMav2Nonce(r, {
      entityId: inp.entityId,
      isGlobalValidation: permissions[0].type === "root",
      isDeferredAction: true,
    });
    const ownerKey = randPrivateKey(r);
    const env = await makeEnv({ chainId: inp.chainId, account: inp.account, ownerKey });
    const b = new PermissionBuilder({
      client: env.client,
      key: { publicKey: inp.sessionKey, type: "secp256k1" },
      entityId: inp.entityId,
      nonce,
      deadline,
    });
    b.addPermissions({ permissions: structuredClone(permissions) });
    let error;
    try {
      await b.compileDeferred();
    } catch (e) {
      error = sdkError(e);
    }
    if (!error || error.sdk !== cls) throw new Error(`deferred refusal ${j}: expected ${cls}, got ${JSON.stringify(error)}`);
    cases.push({
      name: `deferred_refuse_${cls}_${j}`,
      input: { ...installInput(inp), deadline, nonce: toHex(nonce), ownerKey },
      error,
    });
  }
  return { cases, crossChecks };
}

// ---------------------------------------------------------------------------------------------
// 5. nonce_key.json
// ---------------------------------------------------------------------------------------------
async function genNonceKey() {
  const r = new Drbg("nonce_key");
  const cases = [];
  for (let i = 0; i < 56; i++) {
    const input = {};
    if (i < 4 ? i !== 0 : r.bool(0.8)) input.nonceKey = toHex(r.spread(152));
    if (i < 4 ? i !== 1 : r.bool(0.8)) input.entityId = Number(r.spread(32));
    if (i < 4 ? i !== 2 : r.bool(0.8)) input.isGlobalValidation = r.bool();
    if (i < 4 ? i !== 3 : r.bool(0.8)) input.isDeferredAction = r.bool();
    const args = { ...input };
    if (args.nonceKey !== undefined) args.nonceKey = BigInt(args.nonceKey);
    cases.push({ name: `nonce_key_${String(i).padStart(3, "0")}`, input, output: { key: toHex(buildFullNonceKey(args)) } });
  }
  cases.push({ name: "nonce_key_all_defaults", input: {}, output: { key: toHex(buildFullNonceKey({})) } });
  // nonceKey wider than 152 bits: buildFullNonceKey silently overflows the 192-bit key; the SDK's
  // getEntityIdAndNonce / account getNonce refuse it (InvalidNonceKeyError). We refuse.
  const env = await makeEnv({ chainId: 1, account: randAddress(r), ownerKey: randPrivateKey(r) });
  for (const [j, nk] of [MAX_UINT152 + 1n, 1n << 160n, 1n << 191n, maxUint256].entries()) {
    const input = { nonceKey: toHex(nk), entityId: randEntityId(r), isGlobalValidation: r.bool(), isDeferredAction: r.bool() };
    let refusal;
    try {
      await deferralActions(env.client).getEntityIdAndNonce({ ...input, nonceKey: nk });
    } catch (e) {
      refusal = sdkError(e);
    }
    if (!refusal || refusal.sdk !== "InvalidNonceKeyError") throw new Error(`nonce key refusal ${j}: ${JSON.stringify(refusal)}`);
    cases.push({
      name: `nonce_key_stricter_over_152_bits_${j}`,
      input,
      stricter: "nonce-key-over-152-bits",
      output: { key: toHex(buildFullNonceKey({ ...input, nonceKey: nk })) },
      sdkRefusalElsewhere: { fn: "deferralActions(client).getEntityIdAndNonce", ...refusal },
    });
  }
  return cases;
}

// ---------------------------------------------------------------------------------------------
// 6. execute.json
// ---------------------------------------------------------------------------------------------
async function genExecute() {
  const r = new Drbg("execute");
  const ownerKey = randPrivateKey(r);
  const cases = [];
  const randCall = (account) => {
    const c = { target: randAddress(r) };
    if (isAddressEqual(c.target, account)) throw new Error("target == account");
    if (r.bool(0.75)) c.value = toHex(r.spread(256));
    c.data = randData(r, { longLo: 1024, longHi: 3072 }).data;
    return c;
  };
  for (let i = 0; i < 76; i++) {
    const batch = i % 2 === 1;
    const withExecutionHooks = Math.floor(i / 2) % 2 === 1;
    const account = randAddress(r);
    const env = await makeEnv({ chainId: randChainId(r), account, ownerKey, execHook: withExecutionHooks });
    const calls = [];
    const n = batch ? (i < 16 ? [0, 1, 0, 6, 2, 0, 1, 0][(i - 1) / 2] : r.int(0, 6)) : 1;
    for (let j = 0; j < n; j++) calls.push(randCall(account));
    const viemCalls = calls.map((c) => ({ ...c, value: c.value === undefined ? undefined : BigInt(c.value) }));
    const callData = batch ? await env.account.encodeBatchExecute(viemCalls) : await env.account.encodeExecute(viemCalls[0]);
    cases.push({
      name: `execute_${String(i).padStart(3, "0")}`,
      input: { account, calls, batch, withExecutionHooks },
      output: { callData },
    });
  }
  return cases;
}

// ---------------------------------------------------------------------------------------------
// 7. sign.json
// ---------------------------------------------------------------------------------------------
async function genSign() {
  const r = new Drbg("sign");
  const cases = [];
  let accountCrossChecks = 0;
  for (let i = 0; i < 64; i++) {
    const privateKey = randPrivateKey(r);
    const chainId = randChainId(r);
    const account = randAddress(r);
    const entityId = randEntityId(r);
    const entryPoint = entryPoint07Address;
    const keySigner = LocalAccountSigner.privateKeyToAccountSigner(privateKey);
    const address = await keySigner.getAddress();
    const withDeferred = i % 6 === 5;
    let deferredAction;
    let deferredActionData;
    let nonce;
    if (withDeferred) {
      const permissions = randPermissions(r);
      const isRoot = permissions[0].type === "root";
      const deadline = r.bool(0.3) ? 0 : randFutureTime(r);
      const inp = { chainId, account, sessionKey: address, entityId, permissions, ...randHookOptions(r) };
      nonce = randFullMav2Nonce(r, { entityId, isGlobalValidation: isRoot, isDeferredAction: true });
      const d = await sdkDeferred({ inp, ownerKey: randPrivateKey(r), deadline, nonce });
      deferredAction = d.deferredActionDigest;
      // what the SDK prepends to the first user-op signature (parseDeferredAction().deferredActionData)
      deferredActionData = `0x${deferredAction.slice(68)}`;
    }
    const userOp = randUserOp(r, { sender: account, nonce });
    userOp.signature = "0x";
    const hash = userOpHash(userOp, chainId, entryPoint);
    const chain = chainFor(chainId);
    const s = singleSignerMessageSigner(keySigner, chain, account, entityId, deferredActionData);
    const dummySignature = s.getDummySignature(); // before signing: the SDK drops the prefix after one use
    const signature = await s.signUserOperationHash(hash);
    if (withDeferred) {
      // Cross-check: an SDK account created from the deferred action prepends the same bytes.
      const env = await makeEnv({
        chainId,
        account,
        ownerKey: privateKey,
        epNonce: nonce,
        extra: { deferredAction, signerEntity: { entityId, isGlobalValidation: false } },
      });
      assertEq(env.account.getDummySignature(), dummySignature, "account dummy signature with deferred action");
      assertEq(await env.account.signUserOperationHash(hash), signature, "account signature with deferred action");
      accountCrossChecks++;
    }
    const input = { privateKey, userOp, chainId, entryPoint, entityId, account };
    if (withDeferred) Object.assign(input, { deferredAction, deferredActionData });
    cases.push({
      name: `sign_${withDeferred ? "deferred_" : ""}${String(i).padStart(3, "0")}`,
      input,
      output: { address, userOpHash: hash, signature, dummySignature },
    });
  }
  return { cases, accountCrossChecks };
}

// ---------------------------------------------------------------------------------------------
// 8. erc1271.json
// ---------------------------------------------------------------------------------------------
async function genErc1271() {
  const r = new Drbg("erc1271");
  const cases = [];
  for (let i = 0; i < 40; i++) {
    const privateKey = randPrivateKey(r);
    const chainId = randChainId(r);
    const account = randAddress(r);
    const entityId = randEntityId(r);
    const len = i % 4 === 0 ? 32 : r.pick([0, 1, 20, 32, 64, r.int(2, 600)]);
    const message = r.hex(len);
    const s = singleSignerMessageSigner(LocalAccountSigner.privateKeyToAccountSigner(privateKey), chainFor(chainId), account, entityId);
    const prepared = await s.prepareSign({ type: "personal_sign", data: { raw: message } });
    const signature = await s.signMessage({ message: { raw: message } });
    cases.push({
      name: `erc1271_${String(i).padStart(3, "0")}`,
      input: { privateKey, chainId, account, entityId, message },
      output: {
        hash: hashMessage({ raw: message }),
        replaySafeHash: hashTypedData(prepared.data),
        signature,
      },
    });
  }
  return cases;
}

// ---------------------------------------------------------------------------------------------
// 9. account.json
// ---------------------------------------------------------------------------------------------
async function genAccount() {
  const r = new Drbg("account");
  const cases = [];
  const chain = chainFor(11155111);
  for (let i = 0; i < 48; i++) {
    const ownerKey = randPrivateKey(r);
    const owner = privateKeyToAccount(ownerKey).address;
    const input = { owner };
    if (i % 4 !== 0) input.salt = toHex(r.spread(256));
    if (i % 6 === 5) input.factory = randAddress(r);
    const salt = input.salt === undefined ? 0n : BigInt(input.salt);
    const factoryAddress = input.factory ?? getDefaultMAV2FactoryAddress(chain);
    const address = predictModularAccountV2Address({
      factoryAddress,
      salt,
      implementationAddress: getDefaultSMAV2BytecodeAddress(chain),
      type: "SMA",
      ownerAddress: owner,
    });
    const env = await makeEnv({
      chainId: chain.id,
      ownerKey,
      deployed: false,
      extra: { ...(input.salt === undefined ? {} : { salt }), ...(input.factory ? { factoryAddress: input.factory } : {}) },
    });
    const factory = await env.account.getFactoryAddress();
    const factoryData = await env.account.getFactoryData();
    assertEq(env.account.address, address, "createModularAccountV2().address == predictModularAccountV2Address");
    assertEq((await env.account.getInitCode()).toLowerCase(), concat([factory, factoryData]).toLowerCase(), "getInitCode");
    if (!isAddressEqual(factory, factoryAddress)) throw new Error("factory mismatch");
    cases.push({ name: `account_${String(i).padStart(3, "0")}`, input, output: { address, factory, factoryData } });
  }
  return cases;
}

// ---------------------------------------------------------------------------------------------
// 10. owner_op.json: the owner's user operation that grants (installValidation) or revokes
//     (uninstallValidation) a session on an SMA, as the SDK builds and signs it
// ---------------------------------------------------------------------------------------------
async function genOwnerOp(successes) {
  const r = new Drbg("owner_op");
  const cases = [];
  const picked = successes.filter((_, i) => i % 9 === 0).slice(0, 24);
  for (let i = 0; i < picked.length; i++) {
    const { inp, hooks } = picked[i];
    const ownerKey = randPrivateKey(r);
    const sequence = r.bool(0.3) ? 0n : r.spread(64);
    const revoke = i % 3 === 2;
    // Offline transport that records the key of EntryPoint.getNonce(sender, key) the account asks for.
    const asked = [];
    const chain = chainFor(inp.chainId);
    const request = async ({ method, params }) => {
      if (method === "eth_chainId") return toHex(inp.chainId);
      if (method === "eth_getCode") return "0x01";
      if (method === "eth_call") {
        const data = params[0].data ?? params[0].input;
        if (data.startsWith(SEL_EP_GET_NONCE)) {
          const [, key] = decodeAbiParameters([{ type: "address" }, { type: "uint192" }], `0x${data.slice(10)}`);
          asked.push(key);
          return toHex((key << 64n) | sequence, { size: 32 });
        }
        if (data.startsWith(SEL_GET_VALIDATION_DATA)) {
          return encodeFunctionResult({
            abi: modularAccountAbi,
            functionName: "getValidationData",
            result: { validationFlags: 7, validationHooks: [], executionHooks: [], selectors: [] },
          });
        }
      }
      throw new Error(`offline transport: unexpected ${method}`);
    };
    const transport = custom({ request });
    const signer = LocalAccountSigner.privateKeyToAccountSigner(ownerKey);
    const account = await createModularAccountV2({ chain, transport, signer, accountAddress: inp.account });
    const client = createSmartAccountClient({ chain, transport, account });
    const actions = installValidationActions(client);
    let callData;
    if (revoke) {
      callData = await actions.encodeUninstallValidation({
        moduleAddress: getDefaultSingleSignerValidationModuleAddress(chain),
        entityId: inp.entityId,
        uninstallData: SingleSignerValidationModule.encodeOnUninstallData({ entityId: inp.entityId }),
        hookUninstallDatas: hookUninstallDatasFor(chain, hooks),
      });
    } else {
      // The grant's installValidation call data (compileRaw), through the owner account's encodeCallData.
      const env = await makeEnv({ chainId: inp.chainId, account: inp.account, ownerKey });
      const { callData: raw } = await sdkInstall(env, inp);
      callData = await account.encodeCallData(raw);
    }
    const nonce = await account.getAccountNonce();
    if (asked.length !== 1) throw new Error(`owner op: expected one getNonce, saw ${asked.length}`);
    const nonceKey = asked[0];
    assertEq(nonceKey, buildFullNonceKey({}), "owner nonce key = buildFullNonceKey defaults");
    const userOp = randUserOp(r, { sender: account.address, nonce });
    delete userOp.factory;
    delete userOp.factoryData;
    userOp.callData = callData;
    userOp.signature = "0x";
    const hash = userOpHash(userOp, inp.chainId, entryPoint07Address);
    const dummySignature = account.getDummySignature();
    const signature = await account.signUserOperationHash(hash);
    const ownerAddress = await signer.getAddress();
    const { sessionKey, ...grantNoKey } = installInput(inp);
    cases.push({
      name: `owner_op_${revoke ? "revoke" : "grant"}_${String(i).padStart(3, "0")}`,
      input: {
        ownerKey,
        action: revoke ? "uninstallValidation" : "installValidation",
        grant: revoke ? grantNoKey : installInput(inp),
        onchainSequence: toHex(sequence),
        userOp,
      },
      output: { owner: ownerAddress, nonceKey: toHex(nonceKey), nonce: toHex(nonce), callData, userOpHash: hash, dummySignature, signature },
    });
  }
  return cases;
}

// ---------------------------------------------------------------------------------------------
// Spread report
// ---------------------------------------------------------------------------------------------
function report(files, notes) {
  const lines = [];
  const inc = (m, k, n = 1) => m.set(k, (m.get(k) ?? 0) + n);
  const show = (title, m) => {
    lines.push(`  ${title}:`);
    for (const [k, v] of [...m.entries()].sort((a, b) => String(a[0]).localeCompare(String(b[0]))))
      lines.push(`    ${String(k).padEnd(58)} ${v}`);
  };
  lines.push("cases per file:");
  let total = 0;
  for (const [f, cs] of Object.entries(files)) {
    lines.push(`  ${f.padEnd(20)} ${cs.length}`);
    total += cs.length;
  }
  lines.push(`  ${"TOTAL".padEnd(20)} ${total}`);

  for (const f of ["install.json", "uninstall.json", "deferred.json"]) {
    const perm = new Map();
    const flags = new Map();
    const refusals = new Map();
    for (const c of files[f]) {
      const i = c.input;
      for (const t of new Set(i.permissions.map((p) => p.type))) inc(perm, t);
      inc(flags, `expiresAt ${i.expiresAt !== undefined ? "yes" : "no"}`);
      inc(flags, `validAfter ${i.validAfter !== undefined ? "yes" : "no"}`);
      inc(flags, `paymaster ${i.paymaster !== undefined ? "yes" : "no"}`);
      inc(flags, `root ${i.permissions.some((p) => p.type === "root") ? "yes" : "no"}`);
      inc(flags, `permissions count ${i.permissions.length}`);
      if (i.entityId === 1 || i.entityId === 2147483646) inc(flags, `entityId edge ${i.entityId}`);
      if (c.output?.hasExecutionHooks !== undefined) inc(flags, `output hasExecutionHooks ${c.output.hasExecutionHooks}`);
      if (f === "deferred.json") {
        inc(flags, `deadline ${i.deadline === 0 ? "0" : "non-zero"}`);
        if (c.output) inc(flags, `cross-checked with compileDeferred ${c.output.crossCheckedWithCompileDeferred}`);
      }
      if (c.error) inc(refusals, `error ${c.error.sdk}${c.error.sdk === "Error" ? ` (${c.error.message.slice(0, 40)})` : ""}`);
      else if (c.stricter) inc(refusals, `stricter ${c.stricter}`);
      else inc(refusals, "success");
    }
    lines.push(`${f}:`);
    show("cases containing permission type", perm);
    show("flags", flags);
    show("outcomes", refusals);
  }
  const uo = new Map();
  for (const f of ["user_op_hash.json", "sign.json"]) {
    for (const c of files[f]) {
      const o = c.input.userOp;
      inc(uo, `${f} factory ${o.factory ? "yes" : "no"}`);
      inc(uo, `${f} paymaster ${o.paymaster ? (o.paymasterData === "0x" ? "yes, empty paymasterData" : "yes, paymasterData") : "no"}`);
      const n = (o.callData.length - 2) / 2;
      inc(uo, `${f} callData ${n === 0 ? "empty" : n === 1 ? "1 byte" : n >= 2048 ? ">=2KB" : "2..2047 bytes"}`);
      inc(uo, `${f} nonce ${BigInt(o.nonce) === 0n ? "0" : BigInt(o.nonce) >= 1n << 192n ? ">=2^192" : "<2^192"}`);
      if (f === "user_op_hash.json") {
        inc(uo, `${f} entryPoint ${o && c.input.entryPoint === entryPoint07Address ? "canonical" : "random"}`);
        inc(uo, `${f} chainId ${[1, 11155111, 8453, 31337].includes(c.input.chainId) ? c.input.chainId : "random"}`);
        for (const k of ["callGasLimit", "maxFeePerGas"]) {
          const v = BigInt(o[k]);
          if (v === 0n) inc(uo, `${f} ${k} 0`);
          if (v === maxUint128) inc(uo, `${f} ${k} max u128`);
        }
      }
      if (f === "sign.json") inc(uo, `${f} deferredAction ${c.input.deferredAction ? "yes" : "no"}`);
    }
  }
  lines.push("user operations:");
  show("flags", uo);
  const ex = new Map();
  for (const c of files["execute.json"]) {
    inc(ex, `batch ${c.input.batch}`);
    inc(ex, `withExecutionHooks ${c.input.withExecutionHooks}`);
    inc(ex, `calls ${c.input.calls.length}`);
    for (const call of c.input.calls) {
      inc(ex, `call value ${call.value === undefined ? "omitted" : "present"}`);
      const n = (call.data.length - 2) / 2;
      inc(ex, `call data ${n === 0 ? "empty" : n === 1 ? "1 byte" : n > 1000 ? ">1000 bytes" : "2..1000 bytes"}`);
    }
  }
  lines.push("execute.json:");
  show("flags", ex);
  const nk = new Map();
  for (const c of files["nonce_key.json"]) {
    for (const k of ["nonceKey", "entityId", "isGlobalValidation", "isDeferredAction"]) inc(nk, `${k} ${k in c.input ? "given" : "omitted"}`);
    if (c.stricter) inc(nk, `stricter ${c.stricter}`);
  }
  lines.push("nonce_key.json:");
  show("flags", nk);
  const ac = new Map();
  for (const c of files["account.json"]) {
    inc(ac, `salt ${c.input.salt === undefined ? "omitted" : "given"}`);
    inc(ac, `factory ${c.input.factory === undefined ? "default" : "custom"}`);
  }
  lines.push("account.json:");
  show("flags", ac);
  lines.push("cross-checks:");
  for (const [k, v] of Object.entries(notes)) lines.push(`  ${k.padEnd(60)} ${v}`);
  return lines.join("\n");
}

// ---------------------------------------------------------------------------------------------
async function main() {
  const userOpHashCases = await genUserOpHash();
  const { cases: installCases, successes } = await genInstall();
  const uninstallCases = await genUninstall(successes);
  const { cases: deferredCases, crossChecks } = await genDeferred();
  const nonceKeyCases = await genNonceKey();
  const executeCases = await genExecute();
  const { cases: signCases, accountCrossChecks } = await genSign();
  const erc1271Cases = await genErc1271();
  const accountCases = await genAccount();
  const ownerOpCases = await genOwnerOp(successes);

  writeFile("user_op_hash.json", userOpHashCases, {
    about: "viem getUserOperationHash(entryPointVersion 0.7) and toPackedUserOperation; quantities are hex strings.",
  });
  writeFile("install.json", installCases, {
    about:
      "PermissionBuilder({key secp256k1, entityId, nonce 0, hooks, deadline 0}).addPermissions().compileRaw(). hooks: TimeRangeModule.buildHook(entityId, validUntil=expiresAt, validAfter=validAfter??0) if expiresAt, then the PaymasterGuard validation hook if paymaster. `error` = the SDK's throw (sdk = class name, message = shortMessage). `stricter` = the SDK accepts (its output recorded), our library refuses on purpose.",
  });
  writeFile("uninstall.json", uninstallCases, {
    about:
      "installValidationActions(client).encodeUninstallValidation(SingleSigner module, entityId, SingleSignerValidationModule.encodeOnUninstallData, hookUninstallDatas). hookUninstallDatas: validation hooks in reverse install order, then execution hooks in reverse install order; each from its module's encodeOnUninstallData (AllowlistModule with the inputs decoded from its install data).",
  });
  writeFile("deferred.json", deferredCases, {
    about:
      "callData = compileRaw() as install.json; typedData = deferralActions.createDeferredActionTypedDataObject; preSignatureDigest = 0x0{execHooks} || nonce32 || buildPreSignatureDeferredActionDigest; deferredActionDigest = buildDeferredActionDigest(preSignatureDigest, 0x00 || ownerSignature). Where crossCheckedWithCompileDeferred is true the generator asserted compileDeferred() gives the identical typedData and digest. ownerSignature = viem signTypedData by ownerKey (asserted equal to the SDK account's signTypedData minus its 0x00 prefix). ExpiredDeadlineError messages embed the clock; it is replaced by <now>.",
  });
  writeFile("nonce_key.json", nonceKeyCases, { about: "buildFullNonceKey(input) with the SDK's defaults for omitted fields." });
  writeFile("execute.json", executeCases, {
    about:
      "SDK account encodeExecute (batch=false) / encodeBatchExecute (batch=true); withExecutionHooks = the offline getValidationData answers one execution hook, so the SDK itself prepends executeUserOp (0x8DD7712F, upper-case as the SDK writes it).",
  });
  writeFile("sign.json", signCases, {
    about:
      "singleSignerMessageSigner(privateKey signer, chain, account, entityId, deferredActionData?). userOpHash from viem (EntryPoint v0.7). signature = signUserOperationHash(userOpHash); dummySignature = getDummySignature() taken before signing. deferredActionData = deferredAction minus its first 33 bytes (flag byte + nonce), exactly what the SDK account prepends; asserted against createModularAccountV2({deferredAction}).",
  });
  writeFile("erc1271.json", erc1271Cases, {
    about:
      "singleSignerMessageSigner(...).signMessage({ message: { raw: message } }). The contract sees hash = hashMessage({raw: message}) (EIP-191) in isValidSignature; the session key signs EIP-712 ReplaySafeHash(hash) with domain {chainId, verifyingContract: SingleSigner module, salt: 12 zero bytes || account} (replaySafeHash), packed 0x00 || entityId(4) || 0xFF || 0x00 || sig65. A Rust sign-1271-of-hash API given output.hash must produce output.signature.",
  });
  writeFile("account.json", accountCases, {
    about:
      "predictModularAccountV2Address({factory, salt, implementation: getDefaultSMAV2BytecodeAddress, type SMA, owner}); factory/factoryData from createModularAccountV2({signer, salt, factoryAddress}) getFactoryAddress/getFactoryData (address asserted equal). salt omitted = 0, factory omitted = the default 0x00000000000017c61b5bEe81050EC8eFc9c6fecd.",
  });

  writeFile("owner_op.json", ownerOpCases, {
    about:
      "The owner's user operation of a session grant / revocation on an SMA, built by the SDK: callData = installValidationActions(client).encodeInstallValidation path (compileRaw() through the owner account's encodeCallData) or encodeUninstallValidation (as uninstall.json); nonce = createModularAccountV2({signer: ownerKey}).getAccountNonce() with the key it asks EntryPoint.getNonce for recorded (asserted = buildFullNonceKey({}) = entity 0, global) and the sequence the offline chain answers (onchainSequence); dummySignature = account.getDummySignature(); signature = account.signUserOperationHash(userOpHash) (nativeSMASigner: personal_sign of the raw hash, packed 0xFF || 0x00 || sig65). userOp gas and fee fields are random; userOpHash from viem (EntryPoint v0.7).",
  });

  await genWebauthn({ Drbg, makeEnv, sdkInstall, hookUninstallDatasFor, randPermission, randPermissions, randHookOptions, randChainId, randAddress, randEntityId, randFutureTime, randPrivateKey, randFullMav2Nonce, typedDataJson, writeFile, assertEq });
  await genEip7702({ Drbg, writeFile, assertEq, toJsonable, chainFor, randPrivateKey, randAddress, randChainId, randEntityId, randPermissions, randHookOptions, randFutureTime, randFullMav2Nonce, randData, sdkInstall, installInput, typedDataJson });
  const viemAccountSpread = await genViemAccount({ Drbg, writeFile, assertEq, toJsonable, chainFor, randPrivateKey, randAddress, randChainId, randEntityId, randPermissions, randHookOptions, randFutureTime, randFullMav2Nonce, randData, sdkDeferred });
  console.log(`viem_account.json: ${JSON.stringify(viemAccountSpread)}`);

  const files = {
    "user_op_hash.json": userOpHashCases,
    "install.json": installCases,
    "uninstall.json": uninstallCases,
    "deferred.json": deferredCases,
    "nonce_key.json": nonceKeyCases,
    "execute.json": executeCases,
    "sign.json": signCases,
    "erc1271.json": erc1271Cases,
    "account.json": accountCases,
  };
  console.log(
    report(files, {
      "deferred: compileDeferred() == composed pieces (asserted)": crossChecks,
      "sign: SDK account with deferredAction == signer output (asserted)": accountCrossChecks,
      "account: createModularAccountV2 == predictModularAccountV2Address": accountCases.length,
    }),
  );
  await genOnchain({ Drbg, writeFile });
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
