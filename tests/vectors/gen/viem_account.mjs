// Reference vectors for the package's viem adapter (`mav2-session-keys/viem`, `toSessionAccount`),
// written to ../viem_account.json. Called from generate.mjs, which passes its seeded helpers in `h`.
//
// Each case is a session's account as an app drives the SDK: `createModularAccountV2({ signer:
// LocalAccountSigner(session key), signerEntity, accountAddress, initCode, deferredAction })` in a
// `createSmartAccountClient`, then for each operation `buildUserOperation({ uo, overrides: gas })`
// and `signUserOperation({ uoStruct })`. The
// offline transport is the case's world: the account's code (deployed or not), EntryPoint.getNonce
// (the deferred action's key answers its nonce, or one past it when used; other keys a sequence),
// getValidationData (an execution hook or none); it records every eth_call the SDK makes.

import { custom, decodeAbiParameters, encodeFunctionResult, toHex } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { LocalAccountSigner, createSmartAccountClient } from "@aa-sdk/core";
import { createModularAccountV2 } from "@account-kit/smart-contracts";
import { modularAccountAbi } from "@account-kit/smart-contracts/experimental";

const SEL_GET_VALIDATION_DATA = "0xd31b575b";
const SEL_EP_GET_NONCE = "0x35567e1a";
const NATIVE_LIMIT_EXEC_HOOK = "0x00000000000001e541f0d090868fbe24b59fbe060000000105";

function offline({ chainId, deployed, execHook, sequence, deferredNonce, deferredUsed, log }) {
  return custom({
    request: async ({ method, params }) => {
      switch (method) {
        case "eth_chainId":
          return toHex(chainId);
        case "eth_getCode":
          return deployed ? "0x60016000f3" : "0x";
        case "eth_maxPriorityFeePerGas":
          return "0x1";
        case "eth_getBlockByNumber":
          return { baseFeePerGas: "0x1", number: "0x1", hash: `0x${"00".repeat(32)}`, timestamp: "0x1" };
        case "eth_estimateUserOperationGas":
          log.estimates.push(params[0].signature);
          return { preVerificationGas: "0x1", verificationGasLimit: "0x1", callGasLimit: "0x1" };
        case "eth_call": {
          const { to, data: d, input } = params[0];
          const data = (d ?? input).toLowerCase();
          log.calls.push({ to: to.toLowerCase(), data });
          if (data.startsWith(SEL_EP_GET_NONCE)) {
            const [, key] = decodeAbiParameters([{ type: "address" }, { type: "uint192" }], `0x${data.slice(10)}`);
            if (deferredNonce !== undefined && key === deferredNonce >> 64n) {
              return toHex(deferredNonce + (deferredUsed ? 1n : 0n), { size: 32 });
            }
            return toHex((key << 64n) | sequence, { size: 32 });
          }
          if (data.startsWith(SEL_GET_VALIDATION_DATA)) {
            return encodeFunctionResult({
              abi: modularAccountAbi,
              functionName: "getValidationData",
              result: { validationFlags: 7, validationHooks: [], executionHooks: execHook ? [NATIVE_LIMIT_EXEC_HOOK] : [], selectors: [] },
            });
          }
          throw new Error(`offline transport: unexpected eth_call ${data.slice(0, 10)}`);
        }
        default:
          throw new Error(`offline transport: unexpected ${method}`);
      }
    },
  });
}

/** The world a case's JS test answers: the same as the SDK saw. */
const worldOf = ({ deployed, execHook, sequence, deferredNonce, deferredUsed }) => ({
  deployed,
  execHook,
  sequence: toHex(sequence),
  ...(deferredNonce !== undefined ? { deferredNonce: toHex(deferredNonce), deferredUsed } : {}),
});

export async function genViemAccount(h) {
  const { Drbg, writeFile, assertEq, toJsonable, chainFor, randPrivateKey, randAddress, randChainId, randEntityId } = h;
  const { randPermissions, randHookOptions, randFutureTime, randFullMav2Nonce, randData, sdkDeferred } = h;
  const r = new Drbg("viem_account");
  const cases = [];
  const spread = { deployed: 0, undeployed: 0, deferred: 0, deferredUsed: 0, hooks: 0, batch: 0, single: 0, self: 0, ops: 0 };

  for (let i = 0; i < 60; i++) {
    const chainId = randChainId(r);
    const chain = chainFor(chainId);
    const ownerKey = randPrivateKey(r);
    const owner = privateKeyToAccount(ownerKey).address;
    const salt = r.bool(0.4) ? 0n : r.spread(r.pick([8, 64, 256]));
    const sessionKey = randPrivateKey(r);
    const sessionAddress = privateKeyToAccount(sessionKey).address;
    const deployed = i % 4 !== 1;
    // owner: the adapter derives address and factory data; initCode: it is given both;
    // address: a deployed account named by its address only.
    const mode = deployed ? r.pick(["owner", "address", "address"]) : r.pick(["owner", "initCode"]);
    const deferred = i % 3 === 2;
    const deferredUsed = deferred && i % 9 === 8;
    const sequence = r.bool(0.3) ? 0n : r.spread(64);

    // The owner's own account: its address and init code, from the SDK.
    const ownerTransport = offline({ chainId, deployed: false, execHook: false, sequence: 0n, log: { calls: [], estimates: [] } });
    const ownerAccount = await createModularAccountV2({
      chain,
      transport: ownerTransport,
      signer: LocalAccountSigner.privateKeyToAccountSigner(ownerKey),
      salt,
    });
    const accountAddress = mode === "address" ? (r.bool(0.5) ? randAddress(r) : ownerAccount.address) : ownerAccount.address;
    const initCode = await ownerAccount.getInitCode();

    let entityId = i === 0 ? 1 : randEntityId(r);
    let isGlobalValidation = r.bool();
    let deferredAction;
    let deferredNonce;
    let hasExecutionHooks = false;
    if (deferred) {
      const permissions = i % 6 === 5 ? [{ type: "root" }] : randPermissions(r);
      isGlobalValidation = permissions[0].type === "root";
      const inp = { chainId, account: accountAddress, sessionKey: sessionAddress, entityId, permissions };
      const deadline = r.bool(0.3) ? 0 : randFutureTime(r);
      if (r.bool()) Object.assign(inp, randHookOptions(r));
      else if (deadline !== 0) inp.expiresAt = deadline;
      deferredNonce = randFullMav2Nonce(r, { entityId, isGlobalValidation, isDeferredAction: true });
      const d = await sdkDeferred({ inp, ownerKey, deadline, nonce: deferredNonce });
      deferredAction = d.deferredActionDigest;
      hasExecutionHooks = d.hasExecutionHooks;
    }
    // The account's record of the session's validation (hooks a deferred grant installs).
    const execHook = deferred ? hasExecutionHooks && deployed : r.bool(0.4);

    const log = { calls: [], estimates: [] };
    const world = { deployed, execHook, sequence, deferredNonce, deferredUsed };
    const transport = offline({ chainId, ...world, log });
    const signerEntity = { entityId, isGlobalValidation };
    const account = await createModularAccountV2({
      chain,
      transport,
      signer: new LocalAccountSigner(privateKeyToAccount(sessionKey)),
      signerEntity,
      accountAddress,
      initCode,
      ...(deferred ? { deferredAction } : {}),
    });
    const client = createSmartAccountClient({ chain, transport, account });
    assertEq(account.address, accountAddress, "session account address");

    const randCall = (self = false) => {
      const c = { to: self ? accountAddress : randAddress(r) };
      if (r.bool(0.7)) c.value = toHex(r.spread(96));
      if (r.bool(0.9)) c.data = randData(r, { longLo: 200, longHi: 800 }).data;
      return c;
    };
    const ops = [];
    const nOps = r.int(1, 3);
    for (let k = 0; k < nOps; k++) {
      const roll = r.int(0, 9);
      // one call (to the account itself for roll 0: the SDK sends its bare data), none, or a batch
      const calls = roll <= 4 ? [randCall(roll === 0)] : Array.from({ length: roll === 5 ? 0 : r.int(2, 4) }, () => randCall());
      const sdkCall = (c) => ({ target: c.to, data: c.data ?? "0x", value: c.value === undefined ? undefined : BigInt(c.value) });
      const gas = {
        callGasLimit: r.spread(64),
        verificationGasLimit: r.spread(64),
        preVerificationGas: r.spread(64),
        maxFeePerGas: r.spread(64) | 1n,
        maxPriorityFeePerGas: r.spread(48),
      };
      const before = log.calls.length;
      // viem's bundler client encodes one call with `execute` and any other number with `executeBatch`.
      const uo = calls.length === 1 ? sdkCall(calls[0]) : calls.map(sdkCall);
      const built = await client.buildUserOperation({ uo, overrides: gas });
      const signed = toJsonable(await client.signUserOperation({ uoStruct: built }));
      const userOpHash = account.getEntryPoint().getUserOperationHash(signed);
      ops.push({
        input: { calls, gas: toJsonable(gas) },
        output: {
          nonce: signed.nonce,
          factory: signed.factory ?? null,
          factoryData: signed.factoryData ?? null,
          callData: signed.callData,
          stubSignature: built.signature,
          userOpHash,
          signature: signed.signature,
          calls: log.calls.slice(before),
        },
      });
      spread.ops++;
      if (calls.length === 1) spread.single++;
      else spread.batch++;
      if (calls.length === 1 && calls[0].to === accountAddress) spread.self++;
    }
    const adapterInput = { chainId, sessionKey, signerEntity };
    if (mode === "owner") Object.assign(adapterInput, { owner, ...(salt !== 0n ? { salt: toHex(salt) } : {}) });
    else if (mode === "initCode") Object.assign(adapterInput, { accountAddress, initCode });
    else adapterInput.accountAddress = accountAddress;
    if (deferred) adapterInput.deferredAction = deferredAction;

    cases.push({
      name: `viem_account_${String(i).padStart(3, "0")}_${deployed ? "deployed" : "undeployed"}${deferred ? (deferredUsed ? "_deferred_used" : "_deferred") : ""}`,
      input: { ...adapterInput, mode, world: worldOf(world), ops: ops.map((o) => o.input) },
      output: {
        address: accountAddress,
        sessionAddress,
        signerEntity: account.signerEntity,
        ops: ops.map((o) => o.output),
      },
    });
    spread[deployed ? "deployed" : "undeployed"]++;
    if (deferred) spread.deferred++;
    if (deferredUsed) spread.deferredUsed++;
    if (execHook || hasExecutionHooks) spread.hooks++;
  }

  // A deferred action whose nonce is ahead of the EntryPoint's: the SDK refuses to build the account.
  for (let j = 0; j < 2; j++) {
    const chainId = randChainId(r);
    const ownerKey = randPrivateKey(r);
    const sessionKey = randPrivateKey(r);
    const accountAddress = randAddress(r);
    const entityId = randEntityId(r);
    const permissions = randPermissions(r);
    const isGlobalValidation = permissions[0].type === "root";
    const inp = { chainId, account: accountAddress, sessionKey: privateKeyToAccount(sessionKey).address, entityId, permissions };
    const deferredNonce = randFullMav2Nonce(r, { entityId, isGlobalValidation, isDeferredAction: true }) | 1n;
    const d = await sdkDeferred({ inp, ownerKey, deadline: 0, nonce: deferredNonce });
    // the EntryPoint's next nonce for the key is below the deferred action's
    const world = { deployed: true, execHook: false, sequence: 0n, deferredNonce: deferredNonce - 1n, deferredUsed: false };
    const transport = offline({ chainId, ...world, log: { calls: [], estimates: [] } });
    let error;
    try {
      await createModularAccountV2({
        chain: chainFor(chainId),
        transport,
        signer: new LocalAccountSigner(privateKeyToAccount(sessionKey)),
        accountAddress,
        deferredAction: d.deferredActionDigest,
      });
    } catch (e) {
      error = { sdk: e.constructor?.name ?? "Error", name: e.name };
    }
    if (error?.sdk !== "InvalidDeferredActionNonce") throw new Error(`viem_account refusal ${j}: ${JSON.stringify(error)}`);
    cases.push({
      name: `viem_account_refuse_deferred_nonce_ahead_${j}`,
      input: { chainId, sessionKey, accountAddress, deferredAction: d.deferredActionDigest, world: worldOf(world), ops: [] },
      error,
    });
  }

  writeFile("viem_account.json", cases, {
    about:
      "A session key's account as an app drives the SDK: createModularAccountV2({ signer: new LocalAccountSigner(privateKeyToAccount(sessionKey)), signerEntity, accountAddress, initCode (the owner's account's getInitCode()), deferredAction? }) in createSmartAccountClient; per op buildUserOperation({ uo: one call or a batch, overrides: gas }) (stubSignature = the built op's signature) and signUserOperation({ uoStruct }). input: what toSessionAccount takes (mode: owner = owner + salt, initCode = accountAddress + initCode, address = accountAddress only) and the offline world both answer (account code, EntryPoint.getNonce: the deferred key answers its nonce, or one past it when used, other keys key<<64|sequence; getValidationData: one execution hook or none); output.ops[].calls: each eth_call the SDK made for that op (lower case).",
  });
  return spread;
}
