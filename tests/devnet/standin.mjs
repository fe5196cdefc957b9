// Compiles the stand-in account (StandInAccount.sol, next to this file) offline with solc-js
// (npm `solc`, pinned in package.json: the compiler is inside the package) through standard JSON.
// Used by deploy.mjs; `node standin.mjs` prints the factory's init code size as a check.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
const SOURCE = "StandInAccount.sol";

/** `{ StandInAccount, StandInAccountFactory }`, each `{ abi, bytecode }` (0x hex init code). */
export function compileStandIn() {
  const solc = require("solc");
  const input = {
    language: "Solidity",
    sources: { [SOURCE]: { content: readFileSync(new URL(SOURCE, import.meta.url), "utf8") } },
    settings: {
      optimizer: { enabled: true, runs: 200 },
      evmVersion: "cancun",
      outputSelection: { "*": { "*": ["abi", "evm.bytecode.object"] } },
    },
  };
  const out = JSON.parse(solc.compile(JSON.stringify(input)));
  const errors = (out.errors ?? []).filter((e) => e.severity === "error");
  if (errors.length) throw new Error(`solc ${solc.version()}: ${errors.map((e) => e.formattedMessage).join("\n")}`);
  const pick = (name) => {
    const c = out.contracts[SOURCE][name];
    return { abi: c.abi, bytecode: "0x" + c.evm.bytecode.object };
  };
  return { StandInAccount: pick("StandInAccount"), StandInAccountFactory: pick("StandInAccountFactory") };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const c = compileStandIn();
  console.log(`StandInAccountFactory init code: ${(c.StandInAccountFactory.bytecode.length - 2) / 2} bytes (solc ${require("solc").version()})`);
}
