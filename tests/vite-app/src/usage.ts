// Typed usage of the public API, checked with `tsc --noEmit --strict` against the published typings.
import init, {
  SessionKeyStore, encodeSessionInstall, buildDeferredSessionInstall, nonceKey, encodeExecute,
  userOperationHash, predictAccountAddress, packUserOperation, BundlerClient,
  type Permission, type UserOperation, type Hex, type Address, type DeferredSessionInstall,
  type ErrorCode, type Mav2SessionKeyError, type SendProgress, type PackedUserOperation,
  type SessionRecord, type KeyKind,
} from "mav2-session-keys";
import initCore, { SessionKey, type SignUserOperationOptions, encodeExecute as coreEncodeExecute } from "mav2-session-keys/core";

/** The core entry: a key held in wasm, signing with typed options. */
export async function typedCore(op: UserOperation, deferredAction?: Hex): Promise<Hex> {
  await initCore();
  const key: SessionKey = SessionKey.generate();
  const address: Address = key.address;
  const options: SignUserOperationOptions = { deferredAction };
  const callData: Hex = coreEncodeExecute({ target: address }, false);
  const sig: Hex = key.signUserOperation({ ...op, callData }, 1n, options);
  key.free();
  return sig;
}

/** The record narrows on its key kind: a P-256 session has a public key and no address. */
export function signerOf(r: SessionRecord): string {
  const kind: KeyKind = r.keyKind;
  if (r.keyKind === "p256-webcrypto") {
    const none: null = r.address;
    void none;
    return `${kind} ${r.publicKey.x} ${r.publicKey.y}`;
  }
  const address: Address = r.address;
  return `${kind} ${address}`;
}

export async function typedP256(store: SessionKeyStore, account: Address): Promise<void> {
  const r = await store.create({ chainId: 1, account, permissions: [{ type: "root" }], keyKind: "p256-webcrypto" });
  try {
    await store.exportPrivateKey(r.id);
  } catch (e) {
    const code: ErrorCode = (e as Mav2SessionKeyError).code;
    if (code !== "KEY_NOT_EXPORTABLE") throw e;
  }
}

/** Errors narrow on their typed code; `data` is typed too. */
export function describe(e: unknown): string {
  const err = e as Mav2SessionKeyError;
  const code: ErrorCode = err.code;
  switch (code) {
    case "NATIVE_LIMIT_EXCEEDED": return `asked ${err.data?.requested ?? "?"}, limit ${err.data?.limit ?? "?"}`;
    case "WALLET_REJECTED": return `declined (${err.data?.walletCode ?? 4001})`;
    case "NOT_INITIALIZED": return "call init() first";
    default: return `${code}${err.field ? ` at ${err.field}` : ""}`;
  }
}

export async function typedSend(store: SessionKeyStore, id: string, target: Address): Promise<Hex> {
  const bundler = new BundlerClient({ bundlerUrl: "http://127.0.0.1:4337" });
  const stages: SendProgress["stage"][] = [];
  const hash: Hex = await bundler.sendCalls(store, id, [{ target, value: 1n }], {
    onProgress: (p: SendProgress) => { stages.push(p.stage); },
  });
  const receipt = await bundler.waitForReceipt(hash, { timeoutMs: 1000 });
  const ok: boolean = receipt.success;
  void ok;
  return hash;
}

export async function typedUsage(owner: Address): Promise<Hex> {
  await init();
  const account: string = predictAccountAddress({ owner });
  const permissions: Permission[] = [
    { type: "erc20-token-transfer", data: { address: "0x1c7D4B196Cb0C7B01d743Fbc6116a902379C7238", allowance: 10n ** 6n } },
    { type: "root" },
  ];
  const callData: Hex = encodeSessionInstall({ chainId: 1, account: account as Address, sessionKey: owner, entityId: 1, permissions });
  const deferred: DeferredSessionInstall = buildDeferredSessionInstall({
    chainId: 1n, account: account as Address, sessionKey: owner, entityId: 1, permissions, deadline: 0, nonce: 0n,
  });
  const store: SessionKeyStore = await SessionKeyStore.open({ name: "typed" });
  const record = await store.create({ chainId: 1, account: account as Address, permissions, expiresAt: 2_000_000_000 });
  const status: "pending" | "active" | "expired" | "revoked" = record.status;
  const op: UserOperation = {
    sender: account as Address, nonce: BigInt(nonceKey({ entityId: record.entityId })) << 64n,
    callData: encodeExecute({ target: owner }, false), callGasLimit: 1n, verificationGasLimit: 1n,
    preVerificationGas: 1n, maxFeePerGas: 1n, maxPriorityFeePerGas: 1n,
  };
  const hash: Hex = userOperationHash(op, 1);
  const packed: PackedUserOperation = packUserOperation(op);
  const gasFees: Hex = packed.gasFees;
  void status; void deferred; void callData; void hash; void gasFees;
  return store.signUserOperation(record.id, op);
}
