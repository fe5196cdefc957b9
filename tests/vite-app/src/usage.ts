// Typed usage of the public API, checked with `tsc --noEmit --strict` against the published typings.
import init, {
  SessionKeyStore, encodeSessionInstall, buildDeferredSessionInstall, nonceKey, encodeExecute,
  userOperationHash, predictAccountAddress,
  type Permission, type UserOperation, type Hex, type Address, type DeferredSessionInstall,
} from "mav2-session-keys";

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
  void status; void deferred; void callData; void hash;
  return store.signUserOperation(record.id, op);
}
