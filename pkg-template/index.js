// Loader: call `await init()` once before anything else. In a bundler (Vite, webpack 5) the
// .wasm file is found next to this module; in Node pass the bytes: `init({ module_or_path: bytes })`.
// Every export of the wasm glue is re-exported behind a guard: called before `init()`, it throws an
// Error with `code: "NOT_INITIALIZED"` instead of failing inside the glue. .ci/build-pkg writes the
// guarded exports below the marker from the glue's own list of exports.
import wasmInit, * as wasm from "./mav2_session_keys.js";

let ready = null;
let initialized = false;

export function init(options) {
  if (!ready) {
    ready = wasmInit(options).then(() => {
      initialized = true;
    });
    ready.catch(() => {
      ready = null;
    });
  }
  return ready;
}
export default init;

function notInitialized(name) {
  const e = new Error(`${name}: mav2-session-keys is not initialized; call \`await init()\` first`);
  e.name = "Mav2SessionKeyError";
  e.code = "NOT_INITIALIZED";
  return e;
}

function guardFn(name, f) {
  return function (...args) {
    if (!initialized) throw notInitialized(name);
    return f.apply(this, args);
  };
}

/** A class behind a Proxy: `new` and static methods throw before init; `instanceof` still works. */
function guardClass(name, C) {
  const statics = new Map();
  return new Proxy(C, {
    construct(target, args, newTarget) {
      if (!initialized) throw notInitialized(name);
      return Reflect.construct(target, args, newTarget);
    },
    get(target, prop) {
      const v = Reflect.get(target, prop, target);
      if (typeof v !== "function" || !Object.prototype.hasOwnProperty.call(target, prop)) return v;
      if (!statics.has(prop)) statics.set(prop, guardFn(`${name}.${String(prop)}`, v.bind(target)));
      return statics.get(prop);
    },
  });
}

export function initSync(module) {
  const out = wasm.initSync(module);
  initialized = true;
  return out;
}

// @generated-exports
