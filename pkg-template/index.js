// Loader: call `await init()` once before anything else. In a bundler (Vite, webpack 5) the
// .wasm file is found next to this module; in Node pass the bytes: `init({ module_or_path: bytes })`.
import wasmInit, * as wasm from "./mav2_session_keys.js";

let ready = null;

export function init(options) {
  if (!ready) {
    ready = wasmInit(options).then(() => undefined);
  }
  return ready;
}

export * from "./mav2_session_keys.js";
export { wasm as raw };
export default init;
