// Vectors for reading a session's on-chain state and decoding reverts (tests/vectors/onchain.json).
//
// Every `output` is viem's encodeFunctionData / encodeFunctionResult / encodeErrorResult over the
// ABIs as Alchemy's SDK ships them (@account-kit/smart-contracts/experimental: modularAccountAbi,
// semiModularAccountBytecodeAbi and the module ABIs) and viem's own entryPoint07Abi. The one ABI
// not shipped by either is MAv2's ExecutionLib wrapper errors (the module-call reverts the account
// rethrows); those are parsed from their Solidity declarations in alchemyplatform/modular-account
// src/libraries/ExecutionLib.sol, and marked `abi: "ExecutionLib.sol"`.
//
// Called once from generate.mjs, which passes its seeded Drbg and its writeFile (same envelope).

import {
  decodeErrorResult,
  decodeFunctionResult,
  encodeErrorResult,
  encodeFunctionData,
  encodeFunctionResult,
  getAddress,
  parseAbi,
  toHex,
} from "viem";
import { entryPoint07Abi } from "viem/account-abstraction";
import {
  allowlistModuleAbi,
  getDefaultAllowlistModuleAddress,
  getDefaultNativeTokenLimitModuleAddress,
  getDefaultPaymasterGuardModuleAddress,
  getDefaultSingleSignerValidationModuleAddress,
  getDefaultTimeRangeModuleAddress,
  modularAccountAbi,
  nativeTokenLimitModuleAbi,
  paymasterGuardModuleAbi,
  semiModularAccountBytecodeAbi,
  serializeModuleEntity,
  singleSignerValidationModuleAbi,
  timeRangeModuleAbi,
} from "@account-kit/smart-contracts/experimental";
import { sepolia } from "viem/chains";

const executionLibAbi = parseAbi([
  "error PostExecHookReverted(bytes24 moduleFunction, bytes revertReason)",
  "error PreExecHookReverted(bytes24 moduleFunction, bytes revertReason)",
  "error PreRuntimeValidationHookReverted(bytes24 moduleFunction, bytes revertReason)",
  "error PreSignatureValidationHookReverted(bytes24 moduleFunction, bytes revertReason)",
  "error PreUserOpValidationHookReverted(bytes24 moduleFunction, bytes revertReason)",
  "error RuntimeValidationFunctionReverted(bytes24 moduleFunction, bytes revertReason)",
  "error SignatureValidationFunctionReverted(bytes24 moduleFunction, bytes revertReason)",
  "error UserOpValidationFunctionReverted(bytes24 moduleFunction, bytes revertReason)",
]);
// The EntryPoint errors a user operation's estimation or validation can end in (the others in
// entryPoint07Abi are simulation results and the reentrancy guard).
const EP_ERRORS = ["FailedOp", "FailedOpWithRevert", "PostOpReverted", "SignatureValidationFailed"];
// Solidity's built-in reverts, the way viem declares them for decodeErrorResult.
const builtinAbi = parseAbi(["error Error(string message)", "error Panic(uint256 reason)"]);

const ABIS = {
  modularAccountAbi,
  semiModularAccountBytecodeAbi,
  allowlistModuleAbi,
  nativeTokenLimitModuleAbi,
  paymasterGuardModuleAbi,
  timeRangeModuleAbi,
  singleSignerValidationModuleAbi,
  entryPoint07Abi: entryPoint07Abi.filter((i) => i.type !== "error" || EP_ERRORS.includes(i.name)),
  "ExecutionLib.sol": executionLibAbi,
  builtin: builtinAbi,
};

const HALF_UINT32 = 2147483647;
const MODULES = {
  allowlist: getAddress(getDefaultAllowlistModuleAddress(sepolia)),
  nativeTokenLimit: getAddress(getDefaultNativeTokenLimitModuleAddress(sepolia)),
  paymasterGuard: getAddress(getDefaultPaymasterGuardModuleAddress(sepolia)),
  timeRange: getAddress(getDefaultTimeRangeModuleAddress(sepolia)),
  singleSigner: getAddress(getDefaultSingleSignerValidationModuleAddress(sepolia)),
};

const json = (v) =>
  typeof v === "bigint" ? toHex(v) : Array.isArray(v) ? v.map(json) : v && typeof v === "object" ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, json(x)])) : v;

// A random value of an ABI type.
function randValue(r, type) {
  if (type.endsWith("[]")) return Array.from({ length: r.int(0, 4) }, () => randValue(r, type.slice(0, -2)));
  if (type === "address") return getAddress(r.hex(20));
  if (type === "bool") return r.bool();
  if (type === "string") return r.pick(["", "AA23 reverted", "AA22 expired or not due", "AA24 signature error", "AA33 reverted", "custom reason ✓"]);
  if (type === "bytes") return r.hex(r.pick([0, 4, 4, 36, 68, r.int(1, 200)]));
  const fixed = type.match(/^bytes(\d+)$/);
  if (fixed) return r.hex(Number(fixed[1]));
  const uint = type.match(/^uint(\d+)$/);
  if (uint) {
    const bits = Number(uint[1]);
    return bits <= 48 ? Number(r.spread(bits)) : r.spread(bits);
  }
  throw new Error(`no generator for ${type}`);
}

// A session entity id, or the hook id E + 0x7FFFFFFF of one.
const randEntity = (r) => (r.bool(0.3) ? r.int(1, HALF_UINT32 - 1) + HALF_UINT32 : r.pick([1, 2, 7, r.int(1, HALF_UINT32 - 1)]));

const FUNCTIONS = [
  ["modularAccountAbi", "getValidationData"],
  ["nativeTokenLimitModuleAbi", "limits"],
  ["allowlistModuleAbi", "erc20SpendLimits"],
  ["timeRangeModuleAbi", "timeRanges"],
  ["paymasterGuardModuleAbi", "paymasters"],
  ["singleSignerValidationModuleAbi", "signers"],
];

function genCalls(Drbg) {
  const r = new Drbg("onchain/calls");
  const cases = [];
  for (const [abiName, fn] of FUNCTIONS) {
    for (let i = 0; i < 24; i++) {
      const entityId = i === 0 ? 0 : i === 1 ? 0xffffffff : randEntity(r);
      const account = getAddress(r.hex(20));
      let input;
      let args;
      if (fn === "getValidationData") {
        const module = i % 3 === 0 ? "0x0000000000000000000000000000000000000000" : r.pick([MODULES.singleSigner, getAddress(r.hex(20))]);
        input = { module, entityId };
        args = [serializeModuleEntity({ moduleAddress: module, entityId })];
      } else if (fn === "limits") {
        input = { entityId, account };
        args = [BigInt(entityId), account];
      } else if (fn === "erc20SpendLimits") {
        const token = getAddress(r.hex(20));
        input = { entityId, token, account };
        args = [entityId, token, account];
      } else {
        input = { entityId, account };
        args = [entityId, account];
      }
      const data = encodeFunctionData({ abi: ABIS[abiName], functionName: fn, args });
      cases.push({ name: `call-${fn}-${i}`, input: { kind: "call", abi: abiName, function: fn, ...input }, output: { data } });
    }
  }
  return cases;
}

function genResults(Drbg) {
  const r = new Drbg("onchain/results");
  const cases = [];
  for (const [abiName, fn] of FUNCTIONS) {
    const item = ABIS[abiName].find((x) => x.type === "function" && x.name === fn);
    for (let i = 0; i < 24; i++) {
      let result;
      if (fn === "getValidationData") {
        const hooks = () => Array.from({ length: r.int(0, i < 4 ? 0 : 6) }, () => r.hex(25));
        result = {
          validationFlags: i < 2 ? 0 : r.int(0, 255),
          validationHooks: hooks(),
          executionHooks: hooks(),
          selectors: Array.from({ length: r.int(0, i < 4 ? 0 : 8) }, () => r.hex(4)),
        };
      } else if (fn === "timeRanges") {
        result = [Number(r.spread(48)), Number(r.spread(48))];
      } else {
        result = randValue(r, item.outputs[0].type);
      }
      const data = encodeFunctionResult({ abi: ABIS[abiName], functionName: fn, result });
      // viem reads back what it wrote (the shape the Rust decoder must give).
      const decoded = decodeFunctionResult({ abi: ABIS[abiName], functionName: fn, data });
      cases.push({ name: `result-${fn}-${i}`, input: { kind: "result", abi: abiName, function: fn, data }, output: { value: json(decoded) } });
    }
  }
  return cases;
}

// Every error of every ABI above, with random arguments.
function genErrors(Drbg) {
  const r = new Drbg("onchain/errors");
  const cases = [];
  const seen = new Map();
  for (const [abiName, abi] of Object.entries(ABIS)) {
    for (const item of abi.filter((x) => x.type === "error")) {
      const sig = `${item.name}(${item.inputs.map((x) => x.type).join(",")})`;
      if (seen.has(sig)) continue; // the same error in two ABIs (account and SMA, or two modules)
      seen.set(sig, abiName);
      for (let i = 0; i < 4; i++) {
        const args = item.inputs.map((x) => randValue(r, x.type));
        const data = encodeErrorResult({ abi: [item], errorName: item.name, args: args.length ? args : undefined });
        const back = decodeErrorResult({ abi: [item], data });
        if (back.errorName !== item.name) throw new Error(`viem round trip of ${sig}`);
        cases.push({
          name: `error-${item.name}-${i}`,
          input: { kind: "error", abi: abiName, error: item.name, signature: sig, args: item.inputs.map((x, k) => ({ name: x.name, type: x.type, value: json(args[k]) })) },
          output: { data },
        });
      }
    }
  }
  return cases;
}

// Errors nested the way the chain nests them: { template, path (outermost first), innermost args,
// the nearest wrapper's module and entity id }.
function genNested(Drbg) {
  const r = new Drbg("onchain/nested");
  const err = (abiName, name, args) => encodeErrorResult({ abi: ABIS[abiName], errorName: name, args });
  const ep = (inner) => err("entryPoint07Abi", "FailedOpWithRevert", [r.below(3n), "AA23 reverted", inner]);
  const hook = (wrapper, module, entityId, inner) =>
    err("ExecutionLib.sol", wrapper, [serializeModuleEntity({ moduleAddress: module, entityId }), inner]);
  const E = () => r.int(1, HALF_UINT32 - 1);
  const templates = {
    "gas-limit": () => {
      const e = E();
      const inner = err("nativeTokenLimitModuleAbi", "ExceededNativeTokenLimit");
      return { data: ep(hook("PreUserOpValidationHookReverted", MODULES.nativeTokenLimit, e + HALF_UINT32, inner)), path: ["FailedOpWithRevert", "PreUserOpValidationHookReverted", "ExceededNativeTokenLimit"], module: MODULES.nativeTokenLimit, entityId: e + HALF_UINT32, sessionEntityId: e };
    },
    "native-limit": () => {
      const e = E();
      const inner = err("nativeTokenLimitModuleAbi", "ExceededNativeTokenLimit");
      return { data: hook("PreExecHookReverted", MODULES.nativeTokenLimit, e, inner), path: ["PreExecHookReverted", "ExceededNativeTokenLimit"], module: MODULES.nativeTokenLimit, entityId: e, sessionEntityId: e };
    },
    "erc20-limit": () => {
      const e = E();
      const inner = err("allowlistModuleAbi", "ExceededTokenLimit");
      return { data: hook("PreExecHookReverted", MODULES.allowlist, e + HALF_UINT32, inner), path: ["PreExecHookReverted", "ExceededTokenLimit"], module: MODULES.allowlist, entityId: e + HALF_UINT32, sessionEntityId: e };
    },
    "target-not-allowed": () => {
      const e = E();
      return { data: ep(hook("PreUserOpValidationHookReverted", MODULES.allowlist, e, err("allowlistModuleAbi", "AddressNotAllowed"))), path: ["FailedOpWithRevert", "PreUserOpValidationHookReverted", "AddressNotAllowed"], module: MODULES.allowlist, entityId: e, sessionEntityId: e };
    },
    "selector-not-allowed": () => {
      const e = E();
      return { data: ep(hook("PreUserOpValidationHookReverted", MODULES.allowlist, e, err("allowlistModuleAbi", "SelectorNotAllowed"))), path: ["FailedOpWithRevert", "PreUserOpValidationHookReverted", "SelectorNotAllowed"], module: MODULES.allowlist, entityId: e, sessionEntityId: e };
    },
    "bad-paymaster": () => {
      const e = E();
      return { data: ep(hook("PreUserOpValidationHookReverted", MODULES.paymasterGuard, e, err("paymasterGuardModuleAbi", "BadPaymasterSpecified"))), path: ["FailedOpWithRevert", "PreUserOpValidationHookReverted", "BadPaymasterSpecified"], module: MODULES.paymasterGuard, entityId: e, sessionEntityId: e };
    },
    "gas-limit-invalid-paymaster": () => {
      const e = E();
      return { data: ep(hook("PreUserOpValidationHookReverted", MODULES.nativeTokenLimit, e + HALF_UINT32, err("nativeTokenLimitModuleAbi", "InvalidPaymaster"))), path: ["FailedOpWithRevert", "PreUserOpValidationHookReverted", "InvalidPaymaster"], module: MODULES.nativeTokenLimit, entityId: e + HALF_UINT32, sessionEntityId: e };
    },
    "validation-missing": () => ({ data: ep(err("modularAccountAbi", "ValidationFunctionMissing", [r.hex(4)])), path: ["FailedOpWithRevert", "ValidationFunctionMissing"], module: null, entityId: null, sessionEntityId: null }),
    "signer-not-authorized": () => {
      const e = E();
      return { data: ep(hook("UserOpValidationFunctionReverted", MODULES.singleSigner, e, err("singleSignerValidationModuleAbi", "NotAuthorized"))), path: ["FailedOpWithRevert", "UserOpValidationFunctionReverted", "NotAuthorized"], module: MODULES.singleSigner, entityId: e, sessionEntityId: e };
    },
    "install-time-range-not-valid": () => ({ data: err("modularAccountAbi", "ModuleInstallCallbackFailed", [MODULES.timeRange, err("timeRangeModuleAbi", "TimeRangeNotValid")]), path: ["ModuleInstallCallbackFailed", "TimeRangeNotValid"], module: MODULES.timeRange, entityId: null, sessionEntityId: null }),
    "runtime-time-range": () => {
      const e = E();
      return { data: hook("PreRuntimeValidationHookReverted", MODULES.timeRange, e, err("timeRangeModuleAbi", "TimeRangeNotValid")), path: ["PreRuntimeValidationHookReverted", "TimeRangeNotValid"], module: MODULES.timeRange, entityId: e, sessionEntityId: e };
    },
    "expired-or-not-due": () => ({ data: err("entryPoint07Abi", "FailedOp", [r.below(3n), "AA22 expired or not due"]), path: ["FailedOp"], module: null, entityId: null, sessionEntityId: null }),
    "unknown-hook-revert": () => {
      const [e, module] = [E(), getAddress(r.hex(20))];
      return { data: ep(hook("PreUserOpValidationHookReverted", module, e, r.hex(4 + 32 * r.int(0, 2)))), path: ["FailedOpWithRevert", "PreUserOpValidationHookReverted"], module, entityId: e, sessionEntityId: null };
    },
    "post-op-reason": () => ({ data: err("entryPoint07Abi", "PostOpReverted", [encodeErrorResult({ abi: builtinAbi, errorName: "Error", args: ["paymaster: out of funds"] })]), path: ["PostOpReverted", "Error"], module: null, entityId: null, sessionEntityId: null }),
  };
  const cases = [];
  for (const [template, make] of Object.entries(templates)) {
    for (let i = 0; i < 4; i++) {
      const { data, ...expect } = make();
      cases.push({ name: `nested-${template}-${i}`, input: { kind: "nested", template, data }, output: json(expect) });
    }
  }
  return cases;
}

export async function genOnchain({ Drbg, writeFile }) {
  const cases = [...genCalls(Drbg), ...genResults(Drbg), ...genErrors(Drbg), ...genNested(Drbg)];
  writeFile("onchain.json", cases, {
    about:
      "Reading a session's on-chain state and decoding reverts. kind call: encodeFunctionData over the SDK's ABI (abi names the export of @account-kit/smart-contracts/experimental; getValidationData's ModuleEntity from serializeModuleEntity({moduleAddress: module, entityId})). kind result: encodeFunctionResult, output.value = decodeFunctionResult of it. kind error: encodeErrorResult for every error of the SDK's account, SMA and module ABIs, viem's entryPoint07Abi (FailedOp, FailedOpWithRevert, PostOpReverted, SignatureValidationFailed), MAv2 ExecutionLib.sol's wrapper errors (absent from the SDK's ABIs) and Error/Panic; random args (uint as 0x hex). kind nested: errors nested as the chain nests them (EntryPoint > ExecutionLib wrapper > module error); output.path outermost first, module / entityId of the nearest wrapper naming one, sessionEntityId = the hook's entity id minus 0x7FFFFFFF when it is a hook id of one of Alchemy's modules.",
  });
  const kinds = {};
  for (const c of cases) kinds[c.input.kind] = (kinds[c.input.kind] ?? 0) + 1;
  console.log(`onchain.json: ${cases.length} cases ${JSON.stringify(kinds)}`);
}
