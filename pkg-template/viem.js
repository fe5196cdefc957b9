// mav2-session-keys/viem: a session key of the `core` entry as a viem `SmartAccount`, so an app
// that already ships viem sends session operations through its own bundler client
// (`bundlerClient.sendUserOperation({ account, calls })`). It is the SDK's
// `createModularAccountV2({ signer, signerEntity, accountAddress, initCode, deferredAction })` for a
// session key, held to the SDK's bytes and reads by tests/js/viem_account.test.mjs
// (tests/vectors/viem_account.json); `toOwnerAccount` is the same account for its owner (entity 0),
// for owner operations, held to tests/vectors/owner_op.json. The wasm makes the call data, nonce
// key, factory data, dummy and the session's signature. The few byte rules left here (the deferred
// action's header, the self-call and the executeUserOp prefix, the two view calls, the owner
// signature's `0xFF ‖ 0x00` segment) are the SDK's own, in JS because this file counts
// against the core route's size budget (bench/run.mjs); for the same reason it builds the account
// object itself, in the shape viem's `toSmartAccount` returns, rather than ship `toSmartAccount`.
import { call, getCode } from "viem/actions";
import { getUserOperationHash } from "viem/account-abstraction";
import { accountFactoryData, dummySignature, encodeExecute, encodeExecuteBatch, nonceKey } from "./core.js";

/** An ABI word of a hex string (address or key), as the call data of the two reads takes it. */
const word = (hex) => hex.replace(/^0x/, "").padStart(64, "0");

/** `Mav2SessionKeyError` with `code` and `field` (viem.d.ts lists the codes). */
function refusal(code, field) {
  return Object.assign(new Error(`mav2-session-keys/viem: ${code} (${field})`), { name: "Mav2SessionKeyError", code, field });
}

/** A session key's account: its operations signed by the `SessionKey` inside the wasm. */
export async function toSessionAccount(options) {
  if (!options?.sessionKey) throw refusal("MISSING_FIELD", "sessionKey");
  return mav2Account(options, undefined);
}

/** The owner's own account (entity 0, the SDK's default signer entity), for the owner operations
 *  of a grant or a revocation: `calls: [{ to: account, data: encodeSessionInstall(grant) }]`.
 *  `signer` is a viem `LocalAccount` or a `WalletClient` with its account: it signs the raw
 *  userOpHash (`personal_sign`), as the SDK's owner signer does. */
export async function toOwnerAccount(options) {
  const signer = options?.signer;
  if (!signer?.signMessage) throw refusal("MISSING_FIELD", "signer");
  return mav2Account({ owner: signer.address ?? signer.account?.address, ...options }, signer);
}

async function mav2Account(options, signer) {
  const {
    client,
    sessionKey,
    owner,
    salt = 0n,
    factoryAddress,
    initCode,
    signerEntity,
    deferredAction,
    entryPoint = "0x0000000071727De22E5E9d8BAf0edAc6f37da032",
  } = options ?? {};
  // viem's account takes the chain id from the client for nonces; signatures need it too.
  if (!client?.chain) throw refusal("MISSING_FIELD", "client");
  const chainId = client.chain.id;

  // The owner's counterfactual account, or `factory ‖ factoryData` as given (the SDK's `initCode`).
  const predicted = owner && accountFactoryData({ owner, salt, ...(factoryAddress && { factory: factoryAddress }) });
  const address = options.accountAddress ?? predicted?.address;
  if (!address) throw refusal("MISSING_FIELD", "accountAddress");
  const factoryArgs = initCode ? { factory: initCode.slice(0, 42), factoryData: `0x${initCode.slice(42)}` } : predicted;

  /** EntryPoint v0.7 `getNonce(address, uint192)`. */
  const readNonce = async (key) =>
    BigInt((await call(client, { to: entryPoint, data: `0x35567e1a${word(address)}${word(key.toString(16))}` })).data);

  // The owner signs for the account's own validation: entity 0, global.
  let { entityId, isGlobalValidation = true } = signer ? { entityId: 0 } : signerEntity ?? {};
  // The SDK's `parseDeferredAction`: a flag byte (0x01: the grant has execution hooks), then the
  // nonce of the operation that carries it, whose key names the validation. While the EntryPoint
  // has not used that nonce, the next operation carries the grant: its nonce, the executeUserOp
  // prefix when flagged, and the action's on-chain bytes (after flag and nonce) before the dummy
  // and the signature. Signing it makes the later operations plain ones.
  let pending;
  if (deferredAction !== undefined && !signer) {
    if (!/^0x0[01][\da-f]{64}/i.test(deferredAction)) throw refusal("INVALID_DEFERRED_ACTION", "deferredAction");
    const nonce = BigInt(`0x${deferredAction.slice(4, 68)}`);
    entityId = Number((nonce >> 72n) & 0xffffffffn);
    isGlobalValidation = ((nonce >> 64n) & 1n) === 1n;
    const next = await readNonce(nonce >> 64n);
    if (nonce > next) throw refusal("DEFERRED_ACTION_NONCE_AHEAD", "deferredAction");
    if (nonce === next) pending = { nonce, hooks: deferredAction[3] === "1", prefix: deferredAction.slice(68) };
  }
  // Entity id 0 is the owner's validation (toOwnerAccount).
  if (!signer && !(entityId >= 1 && entityId <= 0xffffffff && Number.isInteger(entityId))) {
    throw refusal(entityId === undefined ? "MISSING_FIELD" : "INVALID_ENTITY_ID", "signerEntity.entityId");
  }

  let deployed = false;
  const isDeployed = async () => (deployed ||= Boolean(await getCode(client, { address })));

  /** The SDK's `encodeCallData` rule: the grant being carried says so, else the account's
   *  `getValidationData(ModuleEntity(module 0, entityId))` lists execution hooks (none while
   *  undeployed). Its result: offset of the tuple, then flags and the offsets of its three arrays,
   *  each from the tuple's start; the execution hooks are the second array. */
  const withExecutionHooks = async () => {
    if (pending) return pending.hooks;
    if (!(await isDeployed())) return false;
    const validationFunction = `${entityId.toString(16).padStart(48, "0")}`.padEnd(64, "0");
    const { data } = await call(client, { to: address, data: `0xd31b575b${validationFunction}` });
    const at = (i) => Number(BigInt(`0x${data.slice(2 + 64 * i, 66 + 64 * i)}`));
    return at(1 + at(3) / 32) > 0;
  };

  // The PermissionBuilder installs a session without ERC-1271 signature validation: the account
  // would refuse whatever the key signed. The owner's ERC-1271 layout is not built here.
  const signatureUnsupported = async () => {
    throw refusal("SIGNATURE_UNSUPPORTED", signer ? "signer" : "sessionKey");
  };

  return {
    address,
    client,
    // viem reads only the address and version; the account calls getNonce itself.
    entryPoint: { abi: [], address: entryPoint, version: "0.7" },
    signerEntity: { entityId, isGlobalValidation },
    type: "smart",
    isDeployed,
    async getAddress() {
      return address;
    },
    async getFactoryArgs() {
      if (await isDeployed()) return {};
      if (!factoryArgs) throw refusal("MISSING_FIELD", "owner");
      return { factory: factoryArgs.factory, factoryData: factoryArgs.factoryData };
    },
    async encodeCalls(calls) {
      const hooks = await withExecutionHooks();
      const list = calls.map(({ to, value, data }) => ({ target: to, ...(value !== undefined && { value }), ...(data && { data }) }));
      const [one] = list;
      if (list.length !== 1) return encodeExecuteBatch(list, hooks);
      // The account calling itself: the SDK sends the call's own data.
      if (one.target.toLowerCase() === address.toLowerCase()) return `0x${hooks ? "8dd7712f" : ""}${(one.data ?? "0x").slice(2)}`;
      return encodeExecute(one, hooks);
    },
    /** Key 0 as the SDK (one sequence per validation) unless the caller gives a parallel key. */
    async getNonce(parameters) {
      return pending ? pending.nonce : readNonce(BigInt(nonceKey({ nonceKey: parameters?.key ?? 0n, entityId, isGlobalValidation })));
    },
    async getStubSignature() {
      return `0x${pending ? pending.prefix : ""}${dummySignature().slice(2)}`;
    },
    async signUserOperation({ chainId: opChainId = chainId, ...op }) {
      // The v0.7 fields only; the paymaster's gas limits only with a paymaster (viem fills them
      // from the bundler's estimate without one, and the hash ignores them then).
      const userOp = { sender: address };
      const fields = "nonce factory factoryData callData callGasLimit verificationGasLimit preVerificationGas maxFeePerGas maxPriorityFeePerGas";
      for (const k of `${fields}${op.paymaster ? " paymaster paymasterVerificationGasLimit paymasterPostOpGasLimit paymasterData" : ""}`.split(" ")) {
        if (op[k] != null) userOp[k] = op[k];
      }
      if (signer) {
        // The SDK's owner signer: personal_sign of the raw userOpHash, packed as 0xFF ‖ 0x00 ‖ sig.
        const hash = getUserOperationHash({ chainId: opChainId, entryPointAddress: entryPoint, entryPointVersion: "0.7", userOperation: userOp });
        return `0xff00${(await signer.signMessage({ message: { raw: hash } })).slice(2)}`;
      }
      const carries = pending && BigInt(userOp.nonce) === pending.nonce;
      const signature = sessionKey.signUserOperation(userOp, opChainId, { entryPoint, ...(carries && { deferredAction }) });
      if (carries) pending = undefined;
      return signature;
    },
    signMessage: signatureUnsupported,
    signTypedData: signatureUnsupported,
  };
}
