export * from "./mav2_session_keys.js";
import type { InitInput } from "./mav2_session_keys.js";
/** Load and instantiate the WebAssembly module once; later calls return the same promise. */
export function init(options?: { module_or_path: InitInput | Promise<InitInput> }): Promise<void>;
export default init;
