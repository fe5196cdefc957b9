// Deploys what the end-to-end tests need onto a running anvil, idempotently, with plain JSON-RPC
// (viem only for the CREATE2 address): EntryPoint v0.7 at its canonical address through the deterministic deployer
// (shared/tooling.md), SimpleAccountFactory and VerifyingPaymaster (CREATE2, fixed salt, so their
// addresses are stable across runs), the stand-in account's factory (StandInAccount.sol, compiled
// here by solc-js: standin.mjs), the module stand-ins (StandInModules.sol) at the MAv2 modules'
// fixed addresses with `anvil_setCode`, the EIP-7702 delegate stand-in's runtime code at SMA7702's
// address (Delegate7702.sol: delegate7702.mjs; anvil_setCode, so the library's delegate check
// holds), the WebAuthn signature check's stand-in (WebAuthnVerifier.sol, CREATE2), funds the
// bundler's executor and utility accounts, and tops up the paymaster's EntryPoint deposit to 100 ETH.
// Usage: node deploy.mjs <rpcUrl> <executorAddr> <utilityAddr> <paymasterSigner>  → JSON on stdout.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { getContractAddress } from "viem";
import { compileStandIns } from "./standin.mjs";
import { compileDelegate7702 } from "./delegate7702.mjs";

const require = createRequire(import.meta.url);
const [rpcUrl, executor, utility, paymasterSigner] = process.argv.slice(2);
if (!paymasterSigner) throw new Error("usage: node deploy.mjs <rpcUrl> <executor> <utility> <paymasterSigner>");

const DEPLOYER = "0x4e59b44847b379578588920ca78fbf26c0b4956c"; // deterministic deployer (anvil has it)
const EP_SALT = "0x90d8084deab30c2a37c45e8d47f49f2f7965183cb6990a98943ef94940681de3";
const EP_ADDR = "0x0000000071727De22E5E9d8BAf0edAc6f37da032";
const ZERO_SALT = "0x" + "00".repeat(32);
const FUNDER = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266"; // anvil dev account 0 (unlocked)

let id = 0;
async function rpc(method, params = []) {
  const res = await fetch(rpcUrl, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ jsonrpc: "2.0", id: ++id, method, params }),
  });
  const j = await res.json();
  if (j.error) throw new Error(`${method}: ${JSON.stringify(j.error)}`);
  return j.result;
}

const artifact = (name) =>
  JSON.parse(readFileSync(require.resolve(`@account-abstraction/contracts/artifacts/${name}.json`), "utf8"));
const pad32 = (addr) => addr.toLowerCase().replace(/^0x/, "").padStart(64, "0");
const strip = (h) => h.replace(/^0x/, "");

async function create2(initCode, salt) {
  const addr = getContractAddress({ opcode: "CREATE2", from: DEPLOYER, salt, bytecode: initCode });
  const code = await rpc("eth_getCode", [addr, "latest"]);
  if (code && code !== "0x") return addr; // already deployed: idempotent
  const hash = await rpc("eth_sendTransaction", [{ from: FUNDER, to: DEPLOYER, data: salt + strip(initCode), gas: "0x1c9c380" }]);
  const receipt = await waitReceipt(hash);
  if (receipt.status !== "0x1") throw new Error(`deploy via ${DEPLOYER} failed: ${hash}`);
  const after = await rpc("eth_getCode", [addr, "latest"]);
  if (!after || after === "0x") throw new Error(`no code at ${addr} after deploy`);
  return addr;
}

async function waitReceipt(hash) {
  for (let i = 0; i < 100; i++) {
    const r = await rpc("eth_getTransactionReceipt", [hash]);
    if (r) return r;
    await new Promise((ok) => setTimeout(ok, 100));
  }
  throw new Error(`no receipt for ${hash}`);
}

async function entryPoint() {
  const code = await rpc("eth_getCode", [EP_ADDR, "latest"]);
  if (code && code !== "0x") return EP_ADDR;
  const hash = await rpc("eth_sendTransaction", [
    { from: FUNDER, to: DEPLOYER, data: EP_SALT + strip(artifact("EntryPoint").bytecode), gas: "0x1c9c380" },
  ]);
  const receipt = await waitReceipt(hash);
  if (receipt.status !== "0x1") throw new Error("EntryPoint deploy failed");
  const after = await rpc("eth_getCode", [EP_ADDR, "latest"]);
  if (!after || after === "0x") throw new Error("EntryPoint is not at its canonical address after deploy");
  return EP_ADDR;
}

const ep = await entryPoint();
const factory = await create2(artifact("SimpleAccountFactory").bytecode + pad32(ep), ZERO_SALT);
const paymaster = await create2(artifact("VerifyingPaymaster").bytecode + pad32(ep) + pad32(paymasterSigner), ZERO_SALT);
const standIns = compileStandIns();
const standInFactory = await create2(standIns.StandInAccountFactory.bytecode + pad32(ep), ZERO_SALT);
const webauthnVerifier = await create2(standIns.StandInWebAuthnVerifier.bytecode, ZERO_SALT);

// The modules' addresses as src/addresses.rs has them (tests/e2e_onchain.rs checks they still agree).
// Their runtime code is placed, not deployed: the crate calls these exact addresses.
const MODULES = {
  NativeTokenLimitModule: "0x00000000000001e541f0D090868FBe24b59Fbe06",
  AllowlistModule: "0x00000000003e826473a313e600b5b9b791f5a59a",
  TimeRangeModule: "0x00000000000082B8e2012be914dFA4f62A0573eA",
  PaymasterGuardModule: "0x0000000000001aA7A7F7E29abe0be06c72FD42A1",
  SingleSignerValidationModule: "0x00000000000099DE0BF6fA90dEB851E2A2df7d83",
};
for (const [module, addr] of Object.entries(MODULES)) {
  const c = standIns[`StandIn${module}`];
  if (c.hasImmutables) throw new Error(`StandIn${module} has immutables: its runtime code cannot be placed with anvil_setCode`);
  await rpc("anvil_setCode", [addr, c.deployedBytecode]);
  if ((await rpc("eth_getCode", [addr, "latest"])) !== c.deployedBytecode.toLowerCase()) throw new Error(`no StandIn${module} code at ${addr}`);
}

// SemiModularAccount7702 v1.0.0's address (src/eip7702.rs SMA7702_IMPL) holds the stand-in here.
const SMA7702 = "0x69007702764179f14F51cdce752f4f775d74E139";
await rpc("anvil_setCode", [SMA7702, compileDelegate7702().runtime]);

const TEN_THOUSAND_ETH = "0x21e19e0c9bab2400000";
for (const who of [executor, utility]) await rpc("anvil_setBalance", [who, TEN_THOUSAND_ETH]);

// The paymaster pays from its EntryPoint deposit: top it up to 100 ETH with `deposit()` (payable),
// sent by anvil's dev account 0 (anvil signs eth_sendTransaction for its dev accounts itself).
const HUNDRED_ETH = 100n * 10n ** 18n;
const deposit = BigInt(await rpc("eth_call", [{ to: paymaster, data: "0xc399ec88" /* getDeposit() */ }, "latest"]));
if (deposit < HUNDRED_ETH) {
  const value = "0x" + (HUNDRED_ETH - deposit).toString(16);
  const hash = await rpc("eth_sendTransaction", [{ from: FUNDER, to: paymaster, data: "0xd0e30db0" /* deposit() */, value }]);
  if ((await waitReceipt(hash)).status !== "0x1") throw new Error(`paymaster deposit failed: ${hash}`);
}
const paymasterDeposit = BigInt(await rpc("eth_call", [{ to: paymaster, data: "0xc399ec88" }, "latest"]));
if (paymasterDeposit < HUNDRED_ETH) throw new Error(`paymaster deposit is ${paymasterDeposit} wei after deposit()`);

const chainId = parseInt(await rpc("eth_chainId"), 16);
process.stdout.write(
  JSON.stringify(
    { chainId, entryPoint: ep, simpleAccountFactory: factory, standInAccountFactory: standInFactory, standInModules: MODULES, delegate7702: SMA7702, webauthnVerifier, verifyingPaymaster: paymaster, paymasterSigner, paymasterDeposit: paymasterDeposit.toString(), executor, utility },
    null,
    2,
  ) + "\n",
);
