// Compiles the EIP-7702 delegate stand-in (Delegate7702.sol, next to this file) offline with
// solc-js, like standin.mjs. Used by deploy.mjs; `node delegate7702.mjs` prints the runtime size.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
const SOURCE = "Delegate7702.sol";

/** `{ abi, runtime }`: the runtime code (0x hex) an EOA's delegation points at. */
export function compileDelegate7702() {
  const solc = require("solc");
  const input = {
    language: "Solidity",
    sources: { [SOURCE]: { content: readFileSync(new URL(SOURCE, import.meta.url), "utf8") } },
    settings: {
      optimizer: { enabled: true, runs: 200 },
      evmVersion: "cancun",
      outputSelection: { "*": { "*": ["abi", "evm.deployedBytecode.object"] } },
    },
  };
  const out = JSON.parse(solc.compile(JSON.stringify(input)));
  const errors = (out.errors ?? []).filter((e) => e.severity === "error");
  if (errors.length) throw new Error(`solc ${solc.version()}: ${errors.map((e) => e.formattedMessage).join("\n")}`);
  const c = out.contracts[SOURCE].Delegate7702;
  return { abi: c.abi, runtime: "0x" + c.evm.deployedBytecode.object };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const c = compileDelegate7702();
  console.log(`Delegate7702 runtime: ${(c.runtime.length - 2) / 2} bytes (solc ${require("solc").version()})`);
}
