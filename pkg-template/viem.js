// mav2-session-keys/viem: a session key of the `core` entry as a viem `SmartAccount`, so an app
// that already ships viem sends session operations through its own bundler client
// (`bundlerClient.sendUserOperation({ account, calls })`). Wiring only: every byte (call data,
// nonce key, signatures, the deferred action's parts) comes from the wasm; viem makes the reads.
// It behaves as the SDK's `createModularAccountV2({ signer, signerEntity, accountAddress,
// deferredAction })` does for a session key, and tests/js/viem_account.test.mjs holds it to the
// SDK's bytes (tests/vectors/viem_account.json).
import { hashMessage, hashTypedData } from "viem";
import { call, getCode, readContract } from "viem/actions";
import { toSmartAccount } from "viem/account-abstraction";
import {
  accountFactoryData,
  dummySignature,
  encodeCalls,
  encodeGetValidationData,
  hasExecutionHooks,
  nonceKey,
  parseDeferredAction,
} from "./core.js";

const ENTRY_POINT_V07 = "0x0000000071727De22E5E9d8BAf0edAc6f37da032";

/** The one EntryPoint function the account reads (viem's full v0.7 ABI is not needed for it). */
const entryPointAbi = [
  {
    type: "function",
    name: "getNonce",
    stateMutability: "view",
    inputs: [
      { name: "sender", type: "address" },
      { name: "key", type: "uint192" },
    ],
    outputs: [{ name: "nonce", type: "uint256" }],
  },
];

/** The SDK's default nonce key (0): one ordered sequence per validation. viem's own default is
 *  a key from the clock per operation; pass `nonceKeyManager` to choose that. */
const zeroKeyManager = {
  consume: async () => 0,
  increment() {},
  get: async () => 0,
  reset() {},
};

function refusal(code, message, field) {
  const e = new Error(message);
  e.name = "Mav2SessionKeyError";
  e.code = code;
  if (field) e.field = field;
  return e;
}

/** A viem call as the wasm reads it; absent fields stay absent. */
function toCall({ to, value, data }) {
  const c = { target: to };
  if (value !== undefined) c.value = value;
  if (data !== undefined) c.data = data;
  return c;
}

const USER_OP_FIELDS = [
  "nonce", "factory", "factoryData", "callData",
  "callGasLimit", "verificationGasLimit", "preVerificationGas", "maxFeePerGas", "maxPriorityFeePerGas",
];
const PAYMASTER_FIELDS = ["paymaster", "paymasterVerificationGasLimit", "paymasterPostOpGasLimit", "paymasterData"];

/** The v0.7 fields of the operation viem hands over. viem may add others (`authorization`), and
 *  paymaster gas limits from the bundler's estimate without a paymaster, which the hash ignores. */
function toUserOp(op, sender) {
  const out = { sender };
  const fields = op.paymaster ? [...USER_OP_FIELDS, ...PAYMASTER_FIELDS] : USER_OP_FIELDS;
  for (const k of fields) if (op[k] !== undefined && op[k] !== null) out[k] = op[k];
  return out;
}

export async function toSessionAccount(options) {
  const {
    client,
    sessionKey,
    accountAddress,
    owner,
    salt,
    factoryAddress,
    initCode,
    signerEntity,
    deferredAction,
    entryPoint = ENTRY_POINT_V07,
    nonceKeyManager = zeroKeyManager,
  } = options ?? {};
  if (!client) throw refusal("MISSING_FIELD", "toSessionAccount: `client` (a viem client on the account's chain) is required", "client");
  // viem's account reads the chain id from the client for every nonce, and signatures need it.
  if (!client.chain) throw refusal("MISSING_FIELD", "toSessionAccount: `client.chain` is required (createPublicClient({ chain, transport }))", "client.chain");
  if (!sessionKey) throw refusal("MISSING_FIELD", "toSessionAccount: `sessionKey` (a SessionKey) is required", "sessionKey");

  // Counterfactual address and deployment from the owner, as the owner's account was created.
  const predicted =
    owner !== undefined
      ? accountFactoryData({ owner, salt: salt ?? 0n, ...(factoryAddress ? { factory: factoryAddress } : {}) })
      : undefined;
  const address = accountAddress ?? predicted?.address;
  if (!address) {
    throw refusal("MISSING_FIELD", "toSessionAccount: give `accountAddress`, or `owner` (+ `salt`) to derive it", "accountAddress");
  }
  if (initCode !== undefined && !(typeof initCode === "string" && /^0x[0-9a-fA-F]{40}(?:[0-9a-fA-F]{2})*$/.test(initCode))) {
    throw refusal("INVALID_HEX", "toSessionAccount: `initCode` is `factory ‖ factoryData` as 0x hex, at least the factory's 20 bytes", "initCode");
  }
  const factoryArgs = initCode
    ? { factory: initCode.slice(0, 42), factoryData: `0x${initCode.slice(42)}` }
    : predicted
      ? { factory: predicted.factory, factoryData: predicted.factoryData }
      : undefined;

  const readNonce = (key) =>
    readContract(client, { abi: entryPointAbi, address: entryPoint, functionName: "getNonce", args: [address, key] });

  let entityId = signerEntity?.entityId;
  let isGlobalValidation = signerEntity?.isGlobalValidation ?? true;
  // The deferred grant while its operation is not yet signed: that operation takes its nonce,
  // its executeUserOp flag and its bytes in front of the signature (the SDK's account, which
  // also takes the validation from the deferred action's nonce key).
  let pending;
  if (deferredAction !== undefined) {
    const info = parseDeferredAction(deferredAction);
    ({ entityId, isGlobalValidation } = info);
    const nonce = BigInt(info.nonce);
    const next = await readNonce(nonce >> 64n);
    if (nonce === next) pending = { nonce, hasExecutionHooks: info.hasExecutionHooks };
    else if (nonce > next) {
      throw refusal(
        "DEFERRED_ACTION_NONCE_AHEAD",
        `toSessionAccount: the deferred action's nonce ${nonce} is ahead of the EntryPoint's next nonce ${next} for its key`,
        "deferredAction",
      );
    }
  }
  if (entityId === undefined) {
    throw refusal("MISSING_FIELD", "toSessionAccount: `signerEntity.entityId` (the session's entity id) is required", "signerEntity.entityId");
  }
  if (!Number.isInteger(entityId) || entityId < 1 || entityId > 0xffffffff) {
    // Entity id 0 is the owner's own validation, which signs in another layout.
    throw refusal("INVALID_ENTITY_ID", `toSessionAccount: a session's entity id is an integer in [1, 2^32 - 1], got ${entityId}`, "signerEntity.entityId");
  }

  const chainId = client.chain.id;

  /** Code at the account: deployed, or not (an EIP-7702 delegation is another account kind). */
  const deployed = async () => {
    const code = (await getCode(client, { address }))?.toLowerCase();
    if (code?.startsWith("0xef0100")) {
      throw refusal("ACCOUNT_KIND_UNSUPPORTED", "toSessionAccount: the account is an EIP-7702 delegated EOA, not a counterfactual MAv2 account", "accountAddress");
    }
    return Boolean(code);
  };

  /** Whether the session's operations take the executeUserOp prefix: the grant being carried
   *  says so, otherwise the account's record of the validation (none while undeployed). */
  const withExecutionHooks = async () => {
    if (pending?.hasExecutionHooks) return true;
    if (!(await deployed())) return false;
    const { data } = await call(client, { to: address, data: encodeGetValidationData(entityId) });
    return hasExecutionHooks(data ?? "0x");
  };

  const signerEntityOut = { entityId, isGlobalValidation };
  return toSmartAccount({
    client,
    entryPoint: { abi: entryPointAbi, address: entryPoint, version: "0.7" },
    extend: { signerEntity: signerEntityOut },
    nonceKeyManager,
    async getAddress() {
      return address;
    },
    async getFactoryArgs() {
      if (!factoryArgs) {
        throw refusal("MISSING_FIELD", "toSessionAccount: the account has no code; give `owner` (+ `salt`) or `initCode` to deploy it", "owner");
      }
      return factoryArgs;
    },
    async encodeCalls(calls) {
      return encodeCalls(address, calls.map(toCall), await withExecutionHooks());
    },
    async getNonce(parameters) {
      if (pending) return pending.nonce;
      const key = nonceKey({ nonceKey: parameters?.key ?? 0n, entityId, isGlobalValidation });
      return readNonce(BigInt(key));
    },
    async getStubSignature() {
      return dummySignature(pending ? deferredAction : undefined);
    },
    async signUserOperation(parameters) {
      const { chainId: opChainId, ...op } = parameters;
      const userOp = toUserOp(op, address);
      const carries = pending !== undefined && BigInt(userOp.nonce) === pending.nonce;
      const signature = sessionKey.signUserOperation(userOp, opChainId ?? chainId, {
        entryPoint,
        ...(carries ? { deferredAction } : {}),
      });
      if (carries) pending = undefined;
      return signature;
    },
    async signMessage({ message }) {
      return sessionKey.signErc1271Hash(hashMessage(message), chainId, address, entityId);
    },
    async signTypedData(typedData) {
      if (typedData.primaryType === "DeferredAction" && typedData.domain?.verifyingContract?.toLowerCase() === address.toLowerCase()) {
        throw refusal(
          "TYPED_DATA_UNSUPPORTED",
          "toSessionAccount: a deferred action on the account is the owner's to sign, not the session key's",
          "primaryType",
        );
      }
      return sessionKey.signErc1271Hash(hashTypedData(typedData), chainId, address, entityId);
    },
  });
}
