// Reference vectors for MAv2's SemiModularAccount7702 (an EOA delegated with EIP-7702), written
// to ../eip7702.json. Called from generate.mjs, which passes its seeded helpers in `h`.
//
// Every `output` comes from the SDK in 7702 mode (`createModularAccountV2({ mode: "7702" })`,
// driven through `createSmartAccountClient` the way an app drives it) or from viem; the offline
// transport answers the chain reads (eth_getCode = the case's delegation state,
// eth_getTransactionCount = the EOA's nonce, EntryPoint.getNonce, getValidationData) and the
// bundler's eth_estimateUserOperationGas (recording the stub authorization the SDK estimates with).

import {
  concat,
  custom,
  decodeAbiParameters,
  encodeFunctionResult,
  hashTypedData,
  isAddressEqual,
  recoverMessageAddress,
  recoverTypedDataAddress,
  toHex,
} from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { hashAuthorization, recoverAuthorizationAddress } from "viem/utils";
import { entryPoint07Address, formatUserOperationRequest, getUserOperationHash } from "viem/account-abstraction";
import { LocalAccountSigner, createSmartAccountClient } from "@aa-sdk/core";
import { createModularAccountV2 } from "@account-kit/smart-contracts";
import { buildDeferredActionDigest, deferralActions, modularAccountAbi, PermissionBuilder } from "@account-kit/smart-contracts/experimental";

const SMA7702 = "0x69007702764179f14F51cdce752f4f775d74E139";
const SEL_GET_VALIDATION_DATA = "0xd31b575b";
const SEL_EP_GET_NONCE = "0x35567e1a";
const NATIVE_LIMIT_EXEC_HOOK = "0x00000000000001e541f0d090868fbe24b59fbe060000000105";

// The delegation state of a case: what eth_getCode answers for the EOA.
const STATES = ["none", "sma7702", "none", "sma7702", "none", "sma7702", "none", "elsewhere", "none", "sma7702", "none", "contract"];

// An offline chain + bundler for one EOA. `deferredNonce`: the full nonce EntryPoint.getNonce
// answers for that key (a deferred action not yet used); other keys get `sequence`.
// `execHook` / `ownerExecHook`: whether getValidationData lists an execution hook for a session's
// validation / for the owner's (entity 0).
function offline({ chainId, code, accountNonce, sequence, execHook, ownerExecHook, deferredNonce, log }) {
  return custom({
    request: async ({ method, params }) => {
      switch (method) {
        case "eth_chainId":
          return toHex(chainId);
        case "eth_getCode":
          return code;
        case "eth_getTransactionCount":
          return toHex(accountNonce);
        case "eth_maxPriorityFeePerGas":
          return "0x1";
        case "eth_getBlockByNumber":
          return { baseFeePerGas: "0x1", number: "0x1", hash: `0x${"00".repeat(32)}`, timestamp: "0x1" };
        case "eth_estimateUserOperationGas":
          log.estimate.push(params[0].eip7702Auth ?? null);
          return { preVerificationGas: "0x1", verificationGasLimit: "0x1", callGasLimit: "0x1" };
        case "eth_call": {
          const data = params[0].data ?? params[0].input;
          if (data.startsWith(SEL_EP_GET_NONCE)) {
            const [, key] = decodeAbiParameters([{ type: "address" }, { type: "uint192" }], `0x${data.slice(10)}`);
            log.nonceKeys.push(key);
            if (deferredNonce !== undefined && key === deferredNonce >> 64n) return toHex(deferredNonce, { size: 32 });
            return toHex((key << 64n) | sequence, { size: 32 });
          }
          if (data.startsWith(SEL_GET_VALIDATION_DATA)) {
            const entityId = Number.parseInt(data.slice(50, 58), 16); // ModuleEntity = module(20) || entityId(4)
            const hooks = entityId === 0 ? ownerExecHook : execHook;
            return encodeFunctionResult({
              abi: modularAccountAbi,
              functionName: "getValidationData",
              result: { validationFlags: 7, validationHooks: [], executionHooks: hooks ? [NATIVE_LIMIT_EXEC_HOOK] : [], selectors: [] },
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

const QTY = ["nonce", "callGasLimit", "verificationGasLimit", "preVerificationGas", "maxFeePerGas", "maxPriorityFeePerGas"];
const toViem = (op) => {
  const u = { ...op };
  delete u.eip7702Auth;
  for (const k of QTY) if (u[k] !== undefined) u[k] = BigInt(u[k]);
  return u;
};
// viem's authorization object from the SDK's eip7702Auth
const viemAuthorization = (a) => ({
  address: a.address,
  chainId: Number(a.chainId),
  nonce: Number(a.nonce),
  r: a.r,
  s: a.s,
  yParity: Number(a.yParity),
});
const hashes = (op, chainId) => {
  const base = { userOperation: toViem(op), chainId, entryPointAddress: entryPoint07Address, entryPointVersion: "0.7" };
  const without = getUserOperationHash(base);
  if (!op.eip7702Auth) return { withoutAuthorization: without };
  const authorization = viemAuthorization(op.eip7702Auth);
  return {
    withoutAuthorization: without,
    withAuthorization: getUserOperationHash({ ...base, userOperation: { ...base.userOperation, authorization } }),
    // viem's EntryPoint v0.8 rule applied to a v0.7 hash: the 0x7702 factory marker is replaced by
    // the delegate. EntryPoint v0.7 has no such rule; recorded to show the difference.
    withMarkerFactory: getUserOperationHash({
      ...base,
      userOperation: { ...base.userOperation, authorization, factory: "0x7702", factoryData: "0x" },
    }),
  };
};

export async function genEip7702(h) {
  const { Drbg, writeFile, assertEq, toJsonable, chainFor, randPrivateKey, randAddress, randChainId, randEntityId } = h;
  const { randPermissions, randHookOptions, randFutureTime, randFullMav2Nonce, randData, sdkInstall, installInput, typedDataJson } = h;
  const r = new Drbg("eip7702");
  const cases = [];

  // ---- accounts: owner operation, session grant (deferred) and the session's first operation ----
  for (let i = 0; i < 48; i++) {
    const state = STATES[i % STATES.length];
    const ownerKey = randPrivateKey(r);
    const eoa = privateKeyToAccount(ownerKey).address;
    const chainId = randChainId(r);
    const chain = chainFor(chainId);
    const code =
      state === "none" ? "0x" : state === "sma7702" ? concat(["0xef0100", SMA7702]) : state === "elsewhere" ? concat(["0xef0100", randAddress(r)]) : r.hex(r.int(1, 200));
    const accountNonce = r.bool(0.2) ? 0 : Number(r.spread(40));
    const sequence = r.bool(0.3) ? 0n : r.spread(64);
    const execHook = r.bool(0.4);
    const ownerExecHook = r.bool(0.3);
    const log = { estimate: [], nonceKeys: [] };
    const transport = offline({ chainId, code, accountNonce, sequence, execHook, ownerExecHook, log });
    const signer = LocalAccountSigner.privateKeyToAccountSigner(ownerKey);
    const account = await createModularAccountV2({ mode: "7702", chain, transport, signer });
    const client = createSmartAccountClient({ chain, transport, account });
    assertEq(account.address, eoa, "7702 account address == the owner's EOA");

    // The owner's operation, built and signed by the SDK's client.
    const randCall = () => {
      const c = { target: randAddress(r), data: randData(r, { longLo: 200, longHi: 600 }).data };
      if (r.bool(0.7)) c.value = toHex(r.spread(96));
      return c;
    };
    const batch = i % 5 === 2;
    const calls = batch ? Array.from({ length: r.int(0, 4) }, randCall) : [randCall()];
    const viemCall = (c) => ({ target: c.target, data: c.data, value: c.value === undefined ? undefined : BigInt(c.value) });
    const gas = {
      callGasLimit: r.spread(64),
      verificationGasLimit: r.spread(64),
      preVerificationGas: r.spread(64),
      maxFeePerGas: r.spread(64) | 1n,
      maxPriorityFeePerGas: r.spread(48),
    };
    const built = await client.buildUserOperation({ uo: batch ? calls.map(viemCall) : viemCall(calls[0]), overrides: gas });
    const ownerNonceKey = log.nonceKeys.at(-1);
    const signed = await client.signUserOperation({ uoStruct: built });
    const userOp = toJsonable(signed);
    const hash = account.getEntryPoint().getUserOperationHash(userOp);
    const vh = hashes(userOp, chainId);
    assertEq(vh.withoutAuthorization, hash, "viem hash without authorization == the SDK's");
    if (vh.withAuthorization) assertEq(vh.withAuthorization, hash, "viem hash with authorization == the SDK's (no factory)");
    const signature = userOp.signature;
    const ownerSig65 = `0x${signature.slice(6)}`;
    assertEq(await recoverMessageAddress({ message: { raw: hash }, signature: ownerSig65 }), eoa, "owner signature recovers to the EOA");

    // The authorization: signed through the SDK's signer (the same call its userOpSigner makes).
    const authorization = await signer.signAuthorization({ chainId, contractAddress: SMA7702, nonce: accountNonce });
    if (userOp.eip7702Auth) {
      assertEq(viemAuthorization(userOp.eip7702Auth), viemAuthorization({ ...authorization, yParity: toHex(authorization.yParity) }), "op authorization == signAuthorization");
    }
    const unsigned = { address: authorization.address, chainId: authorization.chainId, nonce: authorization.nonce };

    // Session: a deferred grant signed by the owner, then the session's first operation.
    const sessionKey = randPrivateKey(r);
    const sessionAddress = privateKeyToAccount(sessionKey).address;
    const permissions = i % 6 === 5 ? [{ type: "root" }] : randPermissions(r);
    const isRoot = permissions[0].type === "root";
    const inp = { chainId, account: eoa, sessionKey: sessionAddress, entityId: i === 0 ? 1 : randEntityId(r), permissions };
    const deadline = r.bool(0.3) ? 0 : randFutureTime(r);
    // half in compileDeferred's own shape (expiry = deadline, nothing else), cross-checked below
    if (r.bool()) Object.assign(inp, randHookOptions(r));
    else if (deadline !== 0) inp.expiresAt = deadline;
    const deferredNonce = randFullMav2Nonce(r, { entityId: inp.entityId, isGlobalValidation: isRoot, isDeferredAction: true });
    // The grant is built where the owner's validation has no execution hook: with one, the SDK
    // passes the installValidation call through the owner's executeUserOp rule as well.
    const gTransport = offline({ chainId, code, accountNonce, sequence, execHook, ownerExecHook: false, log: { estimate: [], nonceKeys: [] } });
    const gAccount = await createModularAccountV2({ mode: "7702", chain, transport: gTransport, signer });
    const gClient = createSmartAccountClient({ chain, transport: gTransport, account: gAccount });
    const env = { chain, client: gClient };
    const res = await sdkInstall(env, inp, { deadline: 0 });
    const da = deferralActions(gClient);
    const { typedData } = await da.createDeferredActionTypedDataObject({ callData: res.callData, deadline, nonce: deferredNonce });
    if (!isAddressEqual(typedData.domain.verifyingContract, eoa)) throw new Error("deferred domain is not the EOA");
    const preSignatureDigest = `0x0${res.hasExecutionHooks ? "1" : "0"}${toHex(deferredNonce, { size: 32 }).slice(2)}${da
      .buildPreSignatureDeferredActionDigest({ typedData })
      .slice(2)}`;
    let crossChecked = false;
    if (inp.validAfter === undefined && inp.paymaster === undefined && (inp.expiresAt ?? 0) === deadline) {
      const b = new PermissionBuilder({ client: gClient, key: { publicKey: sessionAddress, type: "secp256k1" }, entityId: inp.entityId, nonce: deferredNonce, deadline });
      b.addPermissions({ permissions: structuredClone(permissions) });
      const full = await b.compileDeferred();
      assertEq(typedDataJson(full.typedData), typedDataJson(typedData), "compileDeferred typedData (7702)");
      assertEq(full.fullPreSignatureDeferredActionDigest, preSignatureDigest, "compileDeferred digest (7702)");
      crossChecked = true;
    }
    const ownerTypedSig = await account.signTypedData(typedData); // 0x00 || sig65 (nativeSMASigner)
    const ownerTypedSignature = `0x${ownerTypedSig.slice(4)}`;
    assertEq(await recoverTypedDataAddress({ ...typedData, signature: ownerTypedSignature }), eoa, "deferred signature recovers to the EOA");
    const deferredActionDigest = buildDeferredActionDigest({ fullPreSignatureDeferredActionDigest: preSignatureDigest, sig: ownerTypedSig });

    const slog = { estimate: [], nonceKeys: [] };
    const sTransport = offline({ chainId, code, accountNonce, sequence, execHook, ownerExecHook, deferredNonce, log: slog });
    const sessionAccount = await createModularAccountV2({
      mode: "7702",
      chain,
      transport: sTransport,
      signer: LocalAccountSigner.privateKeyToAccountSigner(sessionKey),
      accountAddress: eoa,
      signerEntity: { entityId: inp.entityId, isGlobalValidation: isRoot },
      deferredAction: deferredActionDigest,
    });
    const sessionCall = randCall();
    const sessionCallData = await sessionAccount.encodeExecute(viemCall(sessionCall));
    const sessionNonce = await sessionAccount.getAccountNonce();
    assertEq(sessionNonce, deferredNonce, "session's first nonce == the deferred action's");
    const sessionOp = {
      sender: eoa,
      nonce: toHex(sessionNonce),
      callData: sessionCallData,
      callGasLimit: toHex(r.spread(64)),
      verificationGasLimit: toHex(r.spread(64)),
      preVerificationGas: toHex(r.spread(64)),
      maxFeePerGas: toHex(r.spread(64)),
      maxPriorityFeePerGas: toHex(r.spread(48)),
      signature: "0x",
    };
    // The delegating operation may be the session's own: it then carries the owner's authorization.
    if (state === "none") {
      sessionOp.eip7702Auth = { ...unsigned, chainId: toHex(unsigned.chainId), nonce: toHex(unsigned.nonce), r: authorization.r, s: authorization.s, yParity: toHex(authorization.yParity) };
    }
    const sh = hashes(sessionOp, chainId);
    const sessionHash = sh.withoutAuthorization;
    if (sh.withAuthorization) assertEq(sh.withAuthorization, sessionHash, "session op: viem hash with authorization == without");
    const sessionDummySignature = sessionAccount.getDummySignature();
    const sessionSignature = await sessionAccount.signUserOperationHash(sessionHash);
    // A later operation of the session (deferred action used): its own nonce key.
    const later = await createModularAccountV2({
      mode: "7702",
      chain,
      transport: sTransport,
      signer: LocalAccountSigner.privateKeyToAccountSigner(sessionKey),
      accountAddress: eoa,
      signerEntity: { entityId: inp.entityId, isGlobalValidation: isRoot },
    });
    await later.getAccountNonce();
    const sessionNonceKey = slog.nonceKeys.at(-1);

    const out = {
      account: account.address,
      implementation: await account.getImplementationAddress(),
      initCode: await account.getInitCode(),
      ownerNonceKey: toHex(ownerNonceKey),
      callData: userOp.callData,
      userOp,
      estimateEip7702Auth: log.estimate.at(-1),
      userOpHash: hash,
      userOpHashes: vh,
      ownerDummySignature: account.getDummySignature(),
      ownerSignature: signature,
      authorization: toJsonable(authorization),
      authorizationHash: hashAuthorization(unsigned),
      authorizationSigner: await recoverAuthorizationAddress({ authorization }),
      viemEip7702Auth: formatUserOperationRequest({ authorization }).eip7702Auth,
      session: {
        typedData: typedDataJson(typedData),
        typedDataHash: hashTypedData(typedData),
        preSignatureDigest,
        ownerTypedDataSignature: ownerTypedSignature,
        deferredActionDigest,
        hasExecutionHooks: res.hasExecutionHooks,
        crossCheckedWithCompileDeferred: crossChecked,
        callData: sessionCallData,
        userOp: sessionOp,
        userOpHash: sessionHash,
        userOpHashes: sh,
        dummySignature: sessionDummySignature,
        signature: sessionSignature,
        laterNonceKey: toHex(sessionNonceKey),
      },
    };
    const c = {
      name: `eip7702_${state}_${String(i).padStart(3, "0")}`,
      input: {
        ownerKey,
        chainId,
        code,
        accountNonce,
        onchainSequence: toHex(sequence),
        installedExecutionHooks: { owner: ownerExecHook, session: execHook },
        calls,
        batch,
        gas: toJsonable(gas),
        session: { sessionKey, grant: installInput(inp), deadline, nonce: toHex(deferredNonce), call: sessionCall },
      },
      output: out,
    };
    if (state === "elsewhere" || state === "contract") {
      // The SDK sends these with an authorization that replaces what is there; we refuse.
      c.stricter = state === "elsewhere" ? "delegated-elsewhere" : "account-has-code";
    }
    cases.push(c);
  }

  // ---- authorizations alone: viem's signing hash and recovery over spread values and shapes ----
  for (let i = 0; i < 40; i++) {
    const key = randPrivateKey(r);
    const chainId = i % 5 === 0 ? 0 : randChainId(r);
    const address = i % 3 === 0 ? SMA7702 : randAddress(r);
    const nonce = r.pick([0, 1, 127, 128, 255, 256, Number.MAX_SAFE_INTEGER, Number(r.spread(53))]);
    const signedAuth = await privateKeyToAccount(key).signAuthorization({ address, chainId, nonce });
    const shape = ["both", "yParity", "v"][i % 3];
    const input = { address: signedAuth.address, chainId: signedAuth.chainId, nonce: signedAuth.nonce, r: signedAuth.r, s: signedAuth.s };
    if (shape !== "v") input.yParity = signedAuth.yParity;
    if (shape !== "yParity") input.v = toHex(signedAuth.v);
    cases.push({
      name: `eip7702_authorization_${shape}_${String(i).padStart(3, "0")}`,
      input: { authorization: input, signer: privateKeyToAccount(key).address },
      output: {
        authorizationHash: hashAuthorization({ address, chainId, nonce }),
        authorizationSigner: await recoverAuthorizationAddress({ authorization: signedAuth }),
        viemEip7702Auth: formatUserOperationRequest({ authorization: signedAuth }).eip7702Auth,
      },
    });
  }

  writeFile("eip7702.json", cases, {
    about:
      "SemiModularAccount7702 (SDK createModularAccountV2({ mode: '7702' }), implementation 0x69007702764179f14F51cdce752f4f775d74E139) offline. " +
      "Account cases: input.code is eth_getCode of the EOA; installedExecutionHooks = whether getValidationData lists an execution hook for the owner's (entity 0) / the session's validation (the grant itself is built with none on the owner's) (none = 0x, sma7702 = 0xef0100||implementation, elsewhere = another delegate, contract = plain code); " +
      "userOp = createSmartAccountClient(...).buildUserOperation({ uo: calls, overrides: gas }) then signUserOperation (owner signature and, when the SDK finds the EOA not delegated to SMA7702, eip7702Auth from signer.signAuthorization); " +
      "estimateEip7702Auth = the stub it sent to eth_estimateUserOperationGas; ownerNonceKey = the key it asked EntryPoint.getNonce for; userOpHash = the SDK EntryPoint's getUserOperationHash (asserted equal to viem v0.7 with and without authorization); " +
      "userOpHashes.withMarkerFactory = viem with factory 0x7702 (the v0.8 rule; not EntryPoint v0.7's). " +
      "session: installValidation call data = PermissionBuilder.compileRaw on the 7702 client; typed data = deferralActions.createDeferredActionTypedDataObject (domain verifyingContract = the EOA); ownerTypedDataSignature = account.signTypedData minus its 0x00 type byte; " +
      "session account = createModularAccountV2({ mode: '7702', signer: session key, accountAddress: EOA, signerEntity, deferredAction }): callData = encodeExecute, nonce = getAccountNonce (the deferred nonce), dummySignature, signature = signUserOperationHash; its userOp carries the owner's authorization when the EOA has no code; laterNonceKey = the key a session account without the deferred action asks for. " +
      "stricter: the SDK attaches an authorization that replaces another delegation or sits on a contract; we refuse. " +
      "Authorization cases: privateKeyToAccount.signAuthorization, viem hashAuthorization / recoverAuthorizationAddress / formatUserOperationRequest({ authorization }).eip7702Auth; input given with yParity, v or both.",
  });
  return cases;
}
