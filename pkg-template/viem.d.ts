import type { Address, Chain, Client, Hex, JsonRpcAccount, LocalAccount, NonceManager, Transport } from "viem";
import type { SmartAccount, SmartAccountImplementation } from "viem/account-abstraction";
import type { SessionKey } from "./core.js";

/** The validation the session signs with, as the SDK's `createModularAccountV2` names it. */
export interface SignerEntity {
  /** The session's entity id, in [1, 2^32 - 1] (0 is the owner's validation). */
  entityId: number;
  /** Whether the validation is global (a root grant); true when absent, as in the SDK. */
  isGlobalValidation?: boolean;
}

/** The one EntryPoint v0.7 function the account reads. */
export type SessionEntryPointAbi = readonly [
  {
    readonly type: "function";
    readonly name: "getNonce";
    readonly stateMutability: "view";
    readonly inputs: readonly [
      { readonly name: "sender"; readonly type: "address" },
      { readonly name: "key"; readonly type: "uint192" },
    ];
    readonly outputs: readonly [{ readonly name: "nonce"; readonly type: "uint256" }];
  },
];

export interface ToSessionAccountOptions {
  /** A viem client on the account's chain, with its `chain` (reads: code, EntryPoint nonce,
   *  validation data; the chain id signs). */
  client: Client<Transport, Chain, JsonRpcAccount | LocalAccount | undefined>;
  /** The session key (`SessionKey.generate()` / `fromPrivateKey` of `mav2-session-keys/core`), after `init()`. */
  sessionKey: SessionKey;
  /** The MAv2 account; derived from `owner` and `salt` when absent. */
  accountAddress?: Address;
  /** The account's owner: gives the counterfactual address and the factory data that deploys it. */
  owner?: Address;
  /** The owner's account salt; 0 when absent. */
  salt?: bigint;
  /** Another MAv2 account factory than the default one (with `owner`). */
  factoryAddress?: Address;
  /** `factory ‖ factoryData` that deploys the account, instead of `owner` (the SDK's `initCode`). */
  initCode?: Hex;
  /** The session's validation. Taken from `deferredAction` when that is given, as the SDK does. */
  signerEntity?: SignerEntity;
  /**
   * The owner-signed grant (`deferredActionDigest(preSignatureDigest, ownerSignature)`). While the
   * EntryPoint has not used its nonce, the next operation carries it: that nonce, the deferred
   * bytes in front of the stub and the signature, and the `executeUserOp` prefix when the grant has
   * execution hooks. Once signed, later operations are plain session operations.
   */
  deferredAction?: Hex;
  /** EntryPoint v0.7 at its canonical address when absent. */
  entryPoint?: Address;
  /**
   * Where `getNonce` takes the parallel nonce key (the upper 152 bits) from. The default is the
   * SDK's: key 0, one ordered sequence per validation. viem's clock-based manager gives each
   * operation a new key, so several can be in flight at once (each new key costs some gas).
   */
  nonceKeyManager?: NonceManager;
}

export type SessionAccountImplementation = SmartAccountImplementation<
  SessionEntryPointAbi,
  "0.7",
  { signerEntity: Required<SignerEntity> }
>;

/** A viem smart account whose operations the session key signs inside the wasm. */
export type SessionAccount = SmartAccount<SessionAccountImplementation>;

/** Codes of the refusals `toSessionAccount` and its account's methods throw themselves (the wasm
 *  calls they make throw the core entry's `Mav2SessionKeyError` codes). */
export type SessionAccountErrorCode =
  | "MISSING_FIELD"
  | "INVALID_HEX"
  | "INVALID_ENTITY_ID"
  | "DEFERRED_ACTION_NONCE_AHEAD"
  | "ACCOUNT_KIND_UNSUPPORTED"
  | "TYPED_DATA_UNSUPPORTED";

/**
 * A session key as a viem `SmartAccount` for MAv2 (EntryPoint v0.7), byte for byte the SDK's
 * `createModularAccountV2({ signer, signerEntity, accountAddress, deferredAction })` for a session.
 * `signMessage` / `signTypedData` sign ERC-1271 as the session's validation (ERC-6492-wrapped by
 * viem while the account is undeployed); a deferred action's typed data is refused
 * (`TYPED_DATA_UNSUPPORTED`: the owner signs it).
 */
export function toSessionAccount(options: ToSessionAccountOptions): Promise<SessionAccount>;
