// A typed app of the `core` + `viem` entries, checked by tsc --strict (viem_account.test.mjs).
import init, { SessionKey, deferredActionDigest } from "mav2-session-keys/core";
import { toOwnerAccount, toSessionAccount, type SessionAccount, type SessionAccountErrorCode } from "mav2-session-keys/viem";
import { createPublicClient, http, type Account, type Chain, type Hex, type Transport, type WalletClient } from "viem";
import { createBundlerClient } from "viem/account-abstraction";
import { sepolia } from "viem/chains";

export async function run(pre: Hex, ownerSig: Hex): Promise<Hex> {
  await init();
  const client = createPublicClient({ chain: sepolia, transport: http() });
  const sessionKey = SessionKey.generate();
  const account: SessionAccount = await toSessionAccount({
    client,
    sessionKey,
    owner: "0x000000000000000000000000000000000000dEaD",
    salt: 1n,
    deferredAction: deferredActionDigest(pre, ownerSig),
  });
  const entity: number = account.signerEntity.entityId;
  const global: boolean = account.signerEntity.isGlobalValidation;
  const bundler = createBundlerClient({ client, transport: http("http://127.0.0.1:4337") });
  await account.signMessage({ message: `entity ${entity} ${global}` });
  return bundler.sendUserOperation({ account, calls: [{ to: account.address, value: 1n }] });
}

export async function refusals(sessionKey: SessionKey): Promise<SessionAccountErrorCode[]> {
  const client = createPublicClient({ chain: sepolia, transport: http() });
  // @ts-expect-error an entity id is a number
  await toSessionAccount({ client, sessionKey, accountAddress: "0x000000000000000000000000000000000000dEaD", signerEntity: { entityId: "1" } });
  // @ts-expect-error a salt is a bigint
  await toSessionAccount({ client, sessionKey, owner: "0x000000000000000000000000000000000000dEaD", salt: 1 });
  const noChain = createPublicClient({ transport: http() });
  // @ts-expect-error the client needs its chain
  await toSessionAccount({ client: noChain, sessionKey, accountAddress: "0x000000000000000000000000000000000000dEaD" });
  return ["MISSING_FIELD", "DEFERRED_ACTION_NONCE_AHEAD"];
}

/** The owner's account sends the grant as an owner operation; a wallet client or a local account signs. */
export async function ownerGrant(wallet: WalletClient<Transport, Chain, Account>, grantCallData: Hex): Promise<Hex> {
  const client = createPublicClient({ chain: sepolia, transport: http() });
  const owner: SessionAccount = await toOwnerAccount({ client, signer: wallet, salt: 0n });
  const bundler = createBundlerClient({ client, transport: http("http://127.0.0.1:4337") });
  // @ts-expect-error the signer must be able to sign a message
  await toOwnerAccount({ client, signer: { address: owner.address } });
  return bundler.sendUserOperation({ account: owner, calls: [{ to: owner.address, data: grantCallData }] });
}
