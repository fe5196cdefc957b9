export * from "./mav2_session_keys.js";

/** Where `init()` finds the WebAssembly module. */
export interface InitOptions {
  /**
   * Leave it out in a bundler (Vite, webpack 5) or a browser ES module: the `.wasm` shipped next to
   * this module is fetched (`new URL("mav2_session_keys_bg.wasm", import.meta.url)`).
   * Give it where fetching a file URL does not work, e.g. in Node:
   * `init({ module_or_path: readFileSync(fileURLToPath(import.meta.resolve("mav2-session-keys/mav2_session_keys_bg.wasm"))) })`.
   * Accepts the bytes (`BufferSource`), a compiled `WebAssembly.Module`, a URL or `Request` to fetch,
   * a `Response`, or a promise of one of these.
   */
  module_or_path?: RequestInfo | URL | Response | BufferSource | WebAssembly.Module
    | Promise<RequestInfo | URL | Response | BufferSource | WebAssembly.Module>;
}
/**
 * Load and instantiate the WebAssembly module. Call it once and await it before anything else:
 * any other export called earlier throws a `Mav2SessionKeyError` with `code: "NOT_INITIALIZED"`.
 * Later calls return the same promise.
 */
export function init(options?: InitOptions): Promise<void>;
export default init;
