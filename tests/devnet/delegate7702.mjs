// The EIP-7702 delegate stand-in (Delegate7702.sol, next to this file), compiled with the other
// stand-ins by standin.mjs (it shares StandInValidations.sol with StandInAccount.sol). Used by
// deploy.mjs; `node delegate7702.mjs` prints the runtime size.
import { createRequire } from "node:module";
import { compileStandIns } from "./standin.mjs";

const require = createRequire(import.meta.url);

/** `{ abi, runtime }`: the runtime code (0x hex) an EOA's delegation points at. Refused when the
 * contract has immutables: its runtime code is placed with `anvil_setCode`, not deployed. */
export function compileDelegate7702() {
  const c = compileStandIns().Delegate7702;
  if (c.hasImmutables) throw new Error("Delegate7702 has immutables: its runtime code cannot be placed with anvil_setCode");
  return { abi: c.abi, runtime: c.deployedBytecode };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const c = compileDelegate7702();
  console.log(`Delegate7702 runtime: ${(c.runtime.length - 2) / 2} bytes (solc ${require("solc").version()})`);
}
