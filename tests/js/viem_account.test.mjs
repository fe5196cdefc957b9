// The package's viem adapter (`mav2-session-keys/viem`) against Alchemy's SDK: for every case of
// tests/vectors/viem_account.json, `toSessionAccount` over the same offline world the SDK saw, each
// operation prepared by viem's own `prepareUserOperation` and signed by the account, must give the
// SDK's bytes (nonce, factory and factory data, call data, stub signature, userOpHash, signature)
// and make only eth_calls the SDK made.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { createPublicClient, createWalletClient, custom, decodeAbiParameters, encodeAbiParameters, toHex } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { createBundlerClient, entryPoint07Address, getUserOperationHash, prepareUserOperation } from "viem/account-abstraction";
import { loadCoreAndViem } from "./pkg_install.mjs";
import { sameHex } from "./load.mjs";

const here = path.dirname(fileURLToPath(import.meta.url));
const { core, viem } = await loadCoreAndViem();
const doc = JSON.parse(readFileSync(path.join(here, "../vectors/viem_account.json"), "utf8"));

const SEL_GET_VALIDATION_DATA = "0xd31b575b";
const SEL_EP_GET_NONCE = "0x35567e1a";

/** `getValidationData`'s result: flags 7, one native-limit execution hook or none. */
function validationData(execHook) {
  return encodeAbiParameters(
    [{ type: "tuple", components: [{ type: "uint8" }, { type: "bytes25[]" }, { type: "bytes25[]" }, { type: "bytes4[]" }] }],
    [[7, [], execHook ? ["0x00000000000001e541f0d090868fbe24b59fbe060000000105"] : [], []]],
  );
}

/** The case's world as an EIP-1193 transport, recording each eth_call. */
function world(chainId, w, log) {
  const sequence = BigInt(w.sequence);
  const deferredNonce = w.deferredNonce === undefined ? undefined : BigInt(w.deferredNonce);
  return custom({
    request: async ({ method, params }) => {
      switch (method) {
        case "eth_chainId":
          return toHex(chainId);
        case "eth_getCode":
          return w.deployed ? "0x60016000f3" : "0x";
        case "eth_call": {
          const { to, data } = params[0];
          log.push({ to: to.toLowerCase(), data: data.toLowerCase() });
          if (data.startsWith(SEL_EP_GET_NONCE)) {
            const [, key] = decodeAbiParameters([{ type: "address" }, { type: "uint192" }], `0x${data.slice(10)}`);
            if (deferredNonce !== undefined && key === deferredNonce >> 64n) {
              return toHex(deferredNonce + (w.deferredUsed ? 1n : 0n), { size: 32 });
            }
            return toHex((key << 64n) | sequence, { size: 32 });
          }
          if (data.startsWith(SEL_GET_VALIDATION_DATA)) return validationData(w.execHook);
          throw new Error(`unexpected eth_call ${data.slice(0, 10)}`);
        }
        default:
          throw new Error(`unexpected ${method}`);
      }
    },
  });
}

const chainOf = (id) => ({
  id,
  name: `chain ${id}`,
  nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 },
  rpcUrls: { default: { http: ["http://127.0.0.1:1"] } },
});

function adapterOptions(input, client) {
  const o = { client, sessionKey: core.SessionKey.fromPrivateKey(input.sessionKey) };
  if (input.signerEntity) o.signerEntity = input.signerEntity;
  if (input.owner) o.owner = input.owner;
  if (input.salt) o.salt = BigInt(input.salt);
  if (input.accountAddress) o.accountAddress = input.accountAddress;
  if (input.initCode) o.initCode = input.initCode;
  if (input.deferredAction) o.deferredAction = input.deferredAction;
  return o;
}

const viemCall = (c) => ({ to: c.to, ...(c.value ? { value: BigInt(c.value) } : {}), ...(c.data ? { data: c.data } : {}) });

test("toSessionAccount gives the SDK's bytes for every case of viem_account.json", async () => {
  let ops = 0;
  let deferredOps = 0;
  for (const c of doc.cases.filter((c) => c.output)) {
    const { input, output } = c;
    const log = [];
    const chain = chainOf(input.chainId);
    const transport = world(input.chainId, input.world, log);
    const client = createPublicClient({ chain, transport });
    const bundler = createBundlerClient({ client, transport, chain });
    const account = await viem.toSessionAccount(adapterOptions(input, client));
    assert.ok(sameHex(account.address, output.address), `${c.name}: address`);
    assert.deepEqual(account.signerEntity, output.signerEntity, `${c.name}: signerEntity`);
    for (const [k, op] of input.ops.entries()) {
      const want = output.ops[k];
      const at = `${c.name} op ${k}`;
      const before = log.length;
      const gas = Object.fromEntries(Object.entries(op.gas).map(([f, v]) => [f, BigInt(v)]));
      const prepared = await prepareUserOperation(bundler, { account, calls: op.calls.map(viemCall), ...gas });
      assert.equal(prepared.nonce, BigInt(want.nonce), `${at}: nonce`);
      assert.ok(want.factory === null ? prepared.factory === undefined : sameHex(prepared.factory, want.factory), `${at}: factory`);
      assert.ok(want.factoryData === null ? prepared.factoryData === undefined : sameHex(prepared.factoryData, want.factoryData), `${at}: factoryData`);
      assert.ok(sameHex(prepared.callData, want.callData), `${at}: callData`);
      assert.ok(sameHex(prepared.signature, want.stubSignature), `${at}: stub signature`);
      const { account: _, ...userOp } = prepared;
      const hash = getUserOperationHash({ chainId: input.chainId, entryPointAddress: entryPoint07Address, entryPointVersion: "0.7", userOperation: userOp });
      assert.ok(sameHex(hash, want.userOpHash), `${at}: userOpHash`);
      const signature = await account.signUserOperation(prepared);
      assert.ok(sameHex(signature, want.signature), `${at}: signature`);
      const sdkCalls = new Set(want.calls.map((x) => `${x.to}:${x.data}`));
      for (const x of log.slice(before)) assert.ok(sdkCalls.has(`${x.to}:${x.data}`), `${at}: eth_call the SDK did not make: ${x.data.slice(0, 10)}`);
      ops++;
      if (want.signature.length > 200) deferredOps++;
    }
  }
  assert.ok(ops >= 100, `only ${ops} operations`);
  assert.ok(deferredOps >= 10, `only ${deferredOps} operations carry a deferred action`);
});

test("a deferred action ahead of the EntryPoint's nonce is refused, as the SDK refuses it", async () => {
  const refusals = doc.cases.filter((c) => c.error);
  assert.ok(refusals.length >= 1);
  for (const c of refusals) {
    const chain = chainOf(c.input.chainId);
    const client = createPublicClient({ chain, transport: world(c.input.chainId, c.input.world, []) });
    await assert.rejects(viem.toSessionAccount(adapterOptions(c.input, client)), (e) => {
      assert.equal(e.name, "Mav2SessionKeyError");
      assert.equal(e.code, "DEFERRED_ACTION_NONCE_AHEAD");
      assert.equal(e.field, "deferredAction");
      return true;
    }, c.name);
  }
});

test("toSessionAccount refuses what it cannot wire, each with a code", async () => {
  const c = doc.cases.find((c) => c.output && c.input.accountAddress && !c.input.deferredAction);
  const chain = chainOf(c.input.chainId);
  const client = createPublicClient({ chain, transport: world(c.input.chainId, c.input.world, []) });
  const base = adapterOptions(c.input, client);
  const refuses = async (options, code, field) =>
    assert.rejects(viem.toSessionAccount(options), (e) => e.code === code && e.field === field, `${code} ${field}`);
  await refuses({ ...base, client: undefined }, "MISSING_FIELD", "client");
  await refuses({ ...base, client: createPublicClient({ transport: world(c.input.chainId, c.input.world, []) }) }, "MISSING_FIELD", "client");
  await refuses({ ...base, sessionKey: undefined }, "MISSING_FIELD", "sessionKey");
  await refuses({ ...base, signerEntity: undefined }, "MISSING_FIELD", "signerEntity.entityId");
  await refuses({ ...base, accountAddress: undefined, initCode: undefined }, "MISSING_FIELD", "accountAddress");
  await refuses({ ...base, signerEntity: { entityId: 0 } }, "INVALID_ENTITY_ID", "signerEntity.entityId");
  await refuses({ ...base, signerEntity: { entityId: 2 ** 32 } }, "INVALID_ENTITY_ID", "signerEntity.entityId");

  await refuses({ ...base, deferredAction: "0x02" }, "INVALID_DEFERRED_ACTION", "deferredAction");
  // A digest cut short: its header reads, and the wasm refuses it when the carrying op is signed.
  const d = doc.cases.find((x) => x.output && x.input.deferredAction && !x.input.world.deferredUsed);
  const dClient = createPublicClient({ chain: chainOf(d.input.chainId), transport: world(d.input.chainId, d.input.world, []) });
  const cut = await viem.toSessionAccount({ ...adapterOptions(d.input, dClient), deferredAction: d.input.deferredAction.slice(0, -2) });
  const op = { sender: cut.address, nonce: await cut.getNonce(), callData: "0x", callGasLimit: 1n, verificationGasLimit: 1n, preVerificationGas: 1n, maxFeePerGas: 1n, maxPriorityFeePerGas: 1n };
  await assert.rejects(cut.signUserOperation(op), (e) => e.code === "INVALID_DEFERRED_ACTION");

  // A session's validation has no ERC-1271 signature validation: the account would refuse these.
  const account = await viem.toSessionAccount(base);
  await assert.rejects(account.signMessage({ message: "hello" }), (e) => e.code === "SIGNATURE_UNSUPPORTED");
  const typedData = {
    domain: { chainId: c.input.chainId, verifyingContract: account.address },
    types: { Mail: [{ name: "contents", type: "string" }] },
    primaryType: "Mail",
    message: { contents: "hello" },
  };
  await assert.rejects(account.signTypedData(typedData), (e) => e.code === "SIGNATURE_UNSUPPORTED");
});

test("toOwnerAccount gives the SDK's owner operation for every case of owner_op.json", async () => {
  const owners = JSON.parse(readFileSync(path.join(here, "../vectors/owner_op.json"), "utf8")).cases;
  const big = ["nonce", "callGasLimit", "verificationGasLimit", "preVerificationGas", "maxFeePerGas", "maxPriorityFeePerGas"];
  let n = 0;
  for (const [i, c] of owners.entries()) {
    const { input, output } = c;
    const chain = chainOf(input.grant?.chainId ?? 11155111);
    const client = createPublicClient({ chain, transport: world(chain.id, { sequence: input.onchainSequence, deployed: true }, []) });
    const local = privateKeyToAccount(input.ownerKey);
    // A local account and a wallet client holding it: both sign the raw hash as the SDK's owner signer.
    const signer = i % 2 ? local : createWalletClient({ chain, transport: custom({ request: async () => { throw new Error("no RPC"); } }), account: local });
    const account = await viem.toOwnerAccount({ client, signer, accountAddress: input.userOp.sender });
    assert.equal(local.address, output.owner, c.name);
    assert.deepEqual(account.signerEntity, { entityId: 0, isGlobalValidation: true }, c.name);
    assert.equal(await account.getNonce(), BigInt(output.nonce), `${c.name}: nonce`);
    assert.ok(sameHex(await account.getStubSignature(), output.dummySignature), `${c.name}: stub`);
    // The install / uninstall call to the account itself goes as its bare data (no hooks on entity 0).
    assert.ok(sameHex(await account.encodeCalls([{ to: input.userOp.sender, data: output.callData }]), output.callData), `${c.name}: callData`);
    if (input.action === "installValidation") assert.ok(sameHex(core.encodeSessionInstall(input.grant), output.callData), `${c.name}: grant`);
    const op = { ...input.userOp };
    for (const k of big) op[k] = BigInt(op[k]);
    assert.ok(sameHex(await account.signUserOperation({ ...op, chainId: chain.id }), output.signature), `${c.name}: signature`);
    n++;
  }
  assert.ok(n >= 20, `${n} cases`);
  await assert.rejects(viem.toOwnerAccount({ client: createPublicClient({ chain: chainOf(1), transport: world(1, { sequence: "0x0" }, []) }) }), (e) => e.code === "MISSING_FIELD" && e.field === "signer");
});

test("the adapter imports only viem and the package's core entry", () => {
  const src = readFileSync(path.join(here, "node_modules/mav2-session-keys/viem.js"), "utf8");
  const imports = [...src.matchAll(/^import [^;]*? from "([^"]+)";/gms)].map((m) => m[1]).sort();
  assert.deepEqual(imports, ["./core.js", "viem/account-abstraction", "viem/actions"]);
});

test("viem.d.ts: a typed app of the core and viem entries passes tsc --strict, and wrong options do not", () => {
  // viem-types/usage.ts: @ts-expect-error marks the options that must not type-check.
  execFileSync(path.join(here, "node_modules/.bin/tsc"), ["-p", path.join(here, "viem-types")], { stdio: "pipe" });
});
