// On the devnet, with only `mav2-session-keys/core` + `mav2-session-keys/viem` and viem (as an app
// that ships viem does): the owner grants a session by deferred action (a viem wallet client signs
// the typed data), then viem's bundler client sends the session's first operation (which deploys
// the account and carries the grant) and a second one without it, through alto, each mined.
//
// The account is tests/devnet/StandInMav2Account.sol (MAv2's signature layout, deferred action and
// executeUserOp, no module or hook), deployed by its factory from the first operation's init code;
// the test deploys that factory itself. MAv2's own validation is proven only by the SDK's vectors
// (viem_account.test.mjs). Skipped without MAV2_DEVNET (bash .ci/devnet up; eval "$(bash .ci/devnet
// env)"; export MAV2_DEVNET=1), as .ci/run sets it.
import { test } from "node:test";
import assert from "node:assert/strict";
import { concat, createPublicClient, createWalletClient, encodeFunctionData, hashTypedData, http, parseEther, toHex } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { createBundlerClient } from "viem/account-abstraction";
import { compileStandIns } from "../devnet/standin.mjs";
import { loadCoreAndViem } from "./pkg_install.mjs";

const skip = !process.env.MAV2_DEVNET && "MAV2_DEVNET is unset: no devnet to send to";

/** The devnet as an app sees it, a stand-in account factory deployed from a fresh funded key, and
 *  a fresh owner (a viem wallet client) whose counterfactual account at `salt` is funded for gas. */
async function devnet(salt) {
  const { core, viem } = await loadCoreAndViem();
  const rpcUrl = process.env.MAV2_DEVNET_RPC_URL ?? "http://127.0.0.1:8545";
  const bundlerUrl = process.env.MAV2_DEVNET_BUNDLER_URL ?? "http://127.0.0.1:4337";
  const chain = {
    id: 31337,
    name: "devnet",
    nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 },
    rpcUrls: { default: { http: [rpcUrl] } },
  };
  const client = createPublicClient({ chain, transport: http(rpcUrl) });
  const setBalance = (address, wei) => client.request({ method: "anvil_setBalance", params: [address, toHex(wei)] });

  // The stand-in account's factory, deployed from a fresh funded key.
  const { StandInMav2AccountFactory: Factory, StandInMav2Account: Account } = compileStandIns();
  const deployer = privateKeyToAccount(generatePrivateKey());
  await setBalance(deployer.address, parseEther("10"));
  const deployerWallet = createWalletClient({ chain, transport: http(rpcUrl), account: deployer });
  const deployHash = await deployerWallet.deployContract({ abi: Factory.abi, bytecode: Factory.bytecode });
  const { contractAddress: factory } = await client.waitForTransactionReceipt({ hash: deployHash });

  // The owner's wallet and its counterfactual account, funded for its operations' gas.
  const owner = createWalletClient({ chain, transport: http(rpcUrl), account: privateKeyToAccount(generatePrivateKey()) });
  const account = await client.readContract({ address: factory, abi: Factory.abi, functionName: "getAddress", args: [owner.account.address, salt] });
  const initCode = concat([factory, encodeFunctionData({ abi: Factory.abi, functionName: "createSemiModularAccount", args: [owner.account.address, salt] })]);
  await setBalance(account, parseEther("1"));
  const bundler = createBundlerClient({ client, transport: http(bundlerUrl), chain });
  return { core, viem, chain, client, bundler, Account, factory, owner, account, initCode };
}

test("devnet: a deferred grant and two session operations through viem's bundler client, core entry only", { skip, timeout: 120_000 }, async () => {
  const { core, viem, chain, client, bundler, Account, factory, owner, account, initCode } = await devnet(7n);
  assert.equal(await client.getCode({ address: account }), undefined, "the account exists before its first operation");

  // The grant: a native-token limit (an execution hook: operations take executeUserOp) and one target.
  const target = privateKeyToAccount(generatePrivateKey()).address;
  const other = privateKeyToAccount(generatePrivateKey()).address;
  const sessionKey = core.SessionKey.generate();
  const entityId = 1;
  const nonce = BigInt(core.nonceKey({ entityId, isGlobalValidation: false, isDeferredAction: true })) << 64n;
  const grant = core.buildDeferredSessionInstall({
    chainId: chain.id,
    account,
    entityId,
    sessionKey: sessionKey.address,
    permissions: [
      { type: "native-token-transfer", data: { allowance: parseEther("0.01") } },
      { type: "contract-access", data: { address: target } },
    ],
    deadline: 0,
    nonce,
  });
  assert.equal(grant.hasExecutionHooks, true);
  // The wallet signs the grant's typed data as the wasm gives it.
  assert.equal(hashTypedData(grant.typedData), grant.typedDataHash, "viem hashes the grant's typed data as the wasm does");
  const ownerSignature = await owner.signTypedData(grant.typedData);
  const deferredAction = core.deferredActionDigest(grant.preSignatureDigest, ownerSignature);

  const sessionAccount = await viem.toSessionAccount({ client, sessionKey, accountAddress: account, initCode, deferredAction });
  assert.deepEqual(sessionAccount.signerEntity, { entityId, isGlobalValidation: false });

  // 1: deploys the account, installs the session (the deferred action), then pays the target.
  const first = await bundler.sendUserOperation({ account: sessionAccount, calls: [{ to: target, value: 1000n }] });
  const r1 = await bundler.waitForUserOperationReceipt({ hash: first, timeout: 60_000 });
  assert.equal(r1.success, true, "first operation failed on chain");
  const op1 = (await bundler.getUserOperation({ hash: first })).userOperation;
  assert.equal(op1.nonce, nonce, "the first operation uses the deferred action's nonce");
  assert.ok(op1.factory && op1.factory.toLowerCase() === factory.toLowerCase(), "the first operation deploys the account");
  assert.ok(op1.callData.toLowerCase().startsWith("0x8dd7712f"), "executeUserOp prefix from the grant's hooks");
  assert.ok(await client.getCode({ address: account }), "the account is deployed");
  const validation = `0x${"00000000000099DE0BF6fA90dEB851E2A2df7d83".toLowerCase()}${entityId.toString(16).padStart(8, "0")}`;
  assert.equal(await client.readContract({ address: account, abi: Account.abi, functionName: "installed", args: [validation] }), true, "the deferred action installed the session");
  assert.equal(await client.getBalance({ address: target }), 1000n);

  // 2: a plain session operation (no deferred action, nonce from the EntryPoint), a batch.
  const second = await bundler.sendUserOperation({ account: sessionAccount, calls: [{ to: target, value: 2000n }, { to: other, value: 3n }] });
  const r2 = await bundler.waitForUserOperationReceipt({ hash: second, timeout: 60_000 });
  assert.equal(r2.success, true, "second operation failed on chain");
  const op2 = (await bundler.getUserOperation({ hash: second })).userOperation;
  const key2 = op2.nonce >> 64n;
  assert.equal(key2 & 2n, 0n, "the second operation's nonce key has no deferred bit");
  assert.equal(Number((key2 >> 8n) & 0xffffffffn), entityId);
  assert.equal(op2.factory ?? null, null, "the second operation deploys nothing");
  assert.equal(op2.signature.length, 2 + 2 * 67, "the second signature is 0xFF ‖ 0x00 ‖ sig65 alone");
  assert.ok(op2.callData.toLowerCase().startsWith("0x8dd7712f"), "executeUserOp prefix read from the account's validation data");
  assert.equal(await client.getBalance({ address: target }), 3000n);
  assert.equal(await client.getBalance({ address: other }), 3n);
  sessionKey.free();
});

test("devnet: an owner-operation grant through toOwnerAccount, then a session operation, core entry only", { skip, timeout: 120_000 }, async () => {
  const { core, viem, chain, client, bundler, Account, factory, owner, account, initCode } = await devnet(3n);

  const sessionKey = core.SessionKey.generate();
  const entityId = 2;
  const target = privateKeyToAccount(generatePrivateKey()).address;
  const grant = core.encodeSessionInstall({
    chainId: chain.id,
    account,
    entityId,
    sessionKey: sessionKey.address,
    permissions: [{ type: "contract-access", data: { address: target } }],
  });
  const ownerAccount = await viem.toOwnerAccount({ client, signer: owner, accountAddress: account, initCode });
  const granted = await bundler.sendUserOperation({ account: ownerAccount, calls: [{ to: account, data: grant }] });
  const r1 = await bundler.waitForUserOperationReceipt({ hash: granted, timeout: 60_000 });
  assert.equal(r1.success, true, "the owner operation failed on chain");
  const op1 = (await bundler.getUserOperation({ hash: granted })).userOperation;
  assert.equal(op1.nonce >> 64n, 1n, "the owner's nonce key: entity 0, global");
  assert.ok(op1.factory && op1.factory.toLowerCase() === factory.toLowerCase(), "the owner operation deploys the account");
  assert.equal(op1.callData.toLowerCase(), grant.toLowerCase(), "installValidation goes as the call's own data");
  const validation = `0x${"00000000000099DE0BF6fA90dEB851E2A2df7d83".toLowerCase()}${entityId.toString(16).padStart(8, "0")}`;
  assert.equal(await client.readContract({ address: account, abi: Account.abi, functionName: "installed", args: [validation] }), true);

  const sessionAccount = await viem.toSessionAccount({ client, sessionKey, accountAddress: account, signerEntity: { entityId, isGlobalValidation: false } });
  const sent = await bundler.sendUserOperation({ account: sessionAccount, calls: [{ to: target, value: 5n }] });
  const r2 = await bundler.waitForUserOperationReceipt({ hash: sent, timeout: 60_000 });
  assert.equal(r2.success, true, "the session operation failed on chain");
  assert.equal(await client.getBalance({ address: target }), 5n);
  sessionKey.free();
});
