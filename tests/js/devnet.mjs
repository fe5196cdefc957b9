// The local chain and bundler for the page-level tests (demo.test.mjs, readme.test.mjs): with
// MAV2_DEVNET set (as .ci/run does after `.ci/devnet up` and `eval "$(bash .ci/devnet env)"`) the
// running one is used; otherwise `bash .ci/devnet up` starts it, and `stop` brings it down again
// only if this process started it.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

function devnetCmd(...args) {
  return execFileSync("bash", [path.join(root, ".ci/devnet"), ...args], { cwd: root, encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] });
}

/** One JSON-RPC call; a JSON-RPC error throws with the server's `code`. */
export async function rpc(url, method, params = []) {
  const res = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params }),
  });
  const j = await res.json();
  if (j.error) throw Object.assign(new Error(`${method}: ${JSON.stringify(j.error)}`), { code: j.error.code });
  return j.result;
}

/** The devnet: `{ rpcUrl, bundlerUrl, state, started }`, checked to answer on chain 31337. */
export async function start() {
  let devnet;
  if (process.env.MAV2_DEVNET) {
    devnet = {
      rpcUrl: process.env.MAV2_DEVNET_RPC_URL ?? "http://127.0.0.1:8545",
      bundlerUrl: process.env.MAV2_DEVNET_BUNDLER_URL ?? "http://127.0.0.1:4337",
      state: process.env.MAV2_DEVNET_STATE ?? path.join(root, ".ci/state/devnet.json"),
      started: false,
    };
  } else {
    const running = /^anvil: pid/m.test(devnetCmd("status")) && /^alto: pid/m.test(devnetCmd("status"));
    devnetCmd("up");
    const env = Object.fromEntries([...devnetCmd("env").matchAll(/^export (\w+)=(.*)$/gm)].map((m) => [m[1], m[2]]));
    devnet = { rpcUrl: env.MAV2_DEVNET_RPC_URL, bundlerUrl: env.MAV2_DEVNET_BUNDLER_URL, state: env.MAV2_DEVNET_STATE, started: !running };
  }
  assert.equal(Number(await rpc(devnet.rpcUrl, "eth_chainId")), 31337, "the devnet RPC does not answer with chain 31337");
  return devnet;
}

/** Bring the devnet down if `start` started it. */
export function stop(devnet) {
  if (devnet?.started) devnetCmd("down");
}
