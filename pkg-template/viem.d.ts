import type { Address, Chain, Client, Hex, JsonRpcAccount, LocalAccount, Transport } from "viem";
import type { SmartAccount, SmartAccountImplementation } from "viem/account-abstraction";
import type { SessionKey } from "./core.js";

/** The validation the session signs with, as the SDK's `createModularAccountV2` names it. */
export interface SignerEntity {
  /** The session's entity id, in [1, 2^32 - 1] (0 is the owner's validation). */
  entityId: number;
  /** Whether the validation is global (a root grant); true when absent, as in the SDK. */
  isGlobalValidation?: boolean;
}

/** The account's `entryPoint.abi`: empty, as viem's bundler actions read only the EntryPoint's
 *  address and version (the account reads `getNonce` itself). */
export type SessionEntryPointAbi = readonly [];

export interface ToSessionAccountOptions {
  /** A viem client on the account's chain, with its `chain` (reads: code, EntryPoint nonce,
   *  validation data; the chain id signs). */
  client: Client<Transport, Chain, JsonRpcAccount | LocalAccount | undefined>;
  /** The session key (`SessionKey.generate()` / `fromPrivateKey` of `mav2-session-keys/core`), after `init()`. */
  sessionKey: SessionKey;
  /** The MAv2 account (a SemiModularAccount; an EIP-7702 delegated EOA is not this kind);
   *  derived from `owner` and `salt` when absent. */
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
}

export interface ToOwnerAccountOptions {
  /** A viem client on the account's chain, with its `chain`. */
  client: Client<Transport, Chain, JsonRpcAccount | LocalAccount | undefined>;
  /** The owner's signer: a viem `LocalAccount`, or a `WalletClient` with its `account` (a browser
   *  wallet). It signs the raw userOpHash (`personal_sign`), as the SDK's owner signer does. */
  signer: { signMessage(args: { message: { raw: Hex } }): Promise<Hex>; address?: Address; account?: { address: Address } };
  /** The account's owner; the signer's address when absent. */
  owner?: Address;
  /** The owner's account salt; 0 when absent. */
  salt?: bigint;
  /** The MAv2 account; derived from `owner` and `salt` when absent. */
  accountAddress?: Address;
  /** Another MAv2 account factory than the default one. */
  factoryAddress?: Address;
  /** `factory ‖ factoryData` that deploys the account, instead of `owner` (the SDK's `initCode`). */
  initCode?: Hex;
  /** EntryPoint v0.7 at its canonical address when absent. */
  entryPoint?: Address;
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
  | "INVALID_ENTITY_ID"
  | "INVALID_DEFERRED_ACTION"
  | "DEFERRED_ACTION_NONCE_AHEAD"
  | "SIGNATURE_UNSUPPORTED";

/**
 * A session key as a viem `SmartAccount` for MAv2 (EntryPoint v0.7), byte for byte the SDK's
 * `createModularAccountV2({ signer, signerEntity, accountAddress, initCode, deferredAction })` for
 * a session. The object has the shape viem's `toSmartAccount` returns (built without it).
 * `signMessage` / `signTypedData` reject with `SIGNATURE_UNSUPPORTED`: a session's validation is
 * installed without ERC-1271 signature validation, so the account would refuse what they signed.
 */
export function toSessionAccount(options: ToSessionAccountOptions): Promise<SessionAccount>;

/**
 * The owner's MAv2 account (entity 0, global: the SDK's default signer entity) as a viem
 * `SmartAccount`, for the owner operations of a grant or revocation:
 * `bundlerClient.sendUserOperation({ account, calls: [{ to: account.address, data: encodeSessionInstall(grant) }] })`.
 * Byte for byte the SDK's `createModularAccountV2({ signer })` for those operations (nonce, stub,
 * call data, signature). `signMessage` / `signTypedData` reject with `SIGNATURE_UNSUPPORTED`.
 */
export function toOwnerAccount(options: ToOwnerAccountOptions): Promise<SessionAccount>;
