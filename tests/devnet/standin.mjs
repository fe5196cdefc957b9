// Compiles the stand-ins next to this file (StandInAccount.sol, Delegate7702.sol and the base they
// share, StandInValidations.sol; StandInModules.sol; WebAuthnVerifier.sol; StandInMav2Account.sol)
// offline with solc-js (npm `solc`, pinned in package.json: the compiler is inside the package)
// through standard JSON. Used by deploy.mjs (the 7702 delegate through delegate7702.mjs) and
// tests/js/viem_devnet.test.mjs; `node standin.mjs` prints their sizes as a check.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
const SOURCES = [
  "StandInValidations.sol",
  "StandInAccount.sol",
  "StandInModules.sol",
  "Delegate7702.sol",
  "WebAuthnVerifier.sol",
  "StandInMav2Account.sol",
];

let compiled;

/** Every contract of the stand-in sources by name, each `{ abi, bytecode, deployedBytecode,
 * hasImmutables }` (0x hex: init code, runtime code; runtime code with immutables is incomplete). */
export function compileStandIns() {
  if (compiled) return compiled;
  const solc = require("solc");
  const input = {
    language: "Solidity",
    sources: Object.fromEntries(
      SOURCES.map((f) => [f, { content: readFileSync(new URL(f, import.meta.url), "utf8") }]),
    ),
    settings: {
      optimizer: { enabled: true, runs: 200 },
      evmVersion: "cancun",
      outputSelection: { "*": { "*": ["abi", "evm.bytecode.object", "evm.deployedBytecode.object", "evm.deployedBytecode.immutableReferences"] } },
    },
  };
  const out = JSON.parse(solc.compile(JSON.stringify(input)));
  const errors = (out.errors ?? []).filter((e) => e.severity === "error");
  if (errors.length) throw new Error(`solc ${solc.version()}: ${errors.map((e) => e.formattedMessage).join("\n")}`);
  compiled = {};
  for (const file of SOURCES) {
    for (const [name, c] of Object.entries(out.contracts[file])) {
      compiled[name] = {
        abi: c.abi,
        bytecode: "0x" + c.evm.bytecode.object,
        deployedBytecode: "0x" + c.evm.deployedBytecode.object,
        hasImmutables: Object.keys(c.evm.deployedBytecode.immutableReferences ?? {}).length > 0,
      };
    }
  }
  return compiled;
}

/** `{ StandInAccount, StandInAccountFactory }`. */
export function compileStandIn() {
  const { StandInAccount, StandInAccountFactory } = compileStandIns();
  return { StandInAccount, StandInAccountFactory };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const size = (hex) => (hex.length - 2) / 2;
  for (const [name, c] of Object.entries(compileStandIns())) {
    console.log(`${name}: init ${size(c.bytecode)} bytes, runtime ${size(c.deployedBytecode)} bytes`);
  }
  console.log(`solc ${require("solc").version()}`);
}
