// Reads back the call data the package encodes, so the page can show what the owner is asked to
// sign as fields rather than hex: MAv2's installValidation / uninstallValidation, their hooks and
// the modules' install data, and execute / executeBatch. A small ABI reader, for display only.

export const MODULES = {
  "0x00000000000099de0bf6fa90deb851e2a2df7d83": "SingleSignerValidationModule",
  "0x00000000003e826473a313e600b5b9b791f5a59a": "AllowlistModule",
  "0x00000000000001e541f0d090868fbe24b59fbe06": "NativeTokenLimitModule",
  "0x0000000000001aa7a7f7e29abe0be06c72fd42a1": "PaymasterGuardModule",
  "0x00000000000082b8e2012be914dfa4f62a0573ea": "TimeRangeModule",
  "0x0000000000001d9d34e07d9834274df9ae575217": "WebAuthnValidationModule",
};

export const SELECTORS = {
  "0xb61d27f6": "execute(address,uint256,bytes)",
  "0x34fcd5be": "executeBatch((address,uint256,bytes)[])",
  "0x8dd7712f": "executeUserOp(PackedUserOperation,bytes32)",
  "0x1bbf564c": "installValidation(bytes25,bytes4[],bytes,bytes[])",
  "0xb6b1ccfe": "uninstallValidation(bytes24,bytes,bytes[])",
  "0xa9059cbb": "transfer(address,uint256)",
  "0x095ea7b3": "approve(address,uint256)",
  "0x23b872dd": "transferFrom(address,address,uint256)",
  "0xd09de08a": "increment()",
  "0x60fe47b1": "set(uint256)",
};

export const selectorName = (s) => SELECTORS[s.toLowerCase()] ?? s;
export const moduleName = (a) => MODULES[a.toLowerCase()] ?? a;

const INFINITE_ENTITY_OFFSET = 0x7fffffff;

class Reader {
  constructor(hex) {
    this.h = hex.replace(/^0x/, "").toLowerCase();
  }
  bytesAt(byteOff, len) {
    const s = this.h.slice(byteOff * 2, (byteOff + len) * 2);
    if (s.length !== len * 2) throw new Error(`call data too short at byte ${byteOff}`);
    return "0x" + s;
  }
  word(byteOff) {
    return BigInt(this.bytesAt(byteOff, 32));
  }
  num(byteOff) {
    return Number(this.word(byteOff));
  }
  address(byteOff) {
    return "0x" + this.bytesAt(byteOff, 32).slice(26);
  }
  // dynamic `bytes` whose head word (relative to `base`) is at `headOff`
  dynBytes(base, headOff) {
    const at = base + this.num(headOff);
    return this.bytesAt(at + 32, this.num(at));
  }
  // dynamic array: returns [start of elements, length]
  dynArray(base, headOff) {
    const at = base + this.num(headOff);
    return [at + 32, this.num(at)];
  }
}

function pack25(hex) {
  const h = hex.replace(/^0x/, "");
  return {
    module: "0x" + h.slice(0, 40),
    moduleName: moduleName("0x" + h.slice(0, 40)),
    entityId: parseInt(h.slice(40, 48), 16),
    flags: parseInt(h.slice(48, 50) || "0", 16),
  };
}

function hookFlags(flags) {
  const out = [flags & 1 ? "validation hook" : "execution hook"];
  if (flags & 4) out.push("pre");
  if (flags & 2) out.push("post");
  return out.join(", ");
}

function decodeHook(hex) {
  const cfg = pack25(hex.slice(0, 2 + 50));
  const data = "0x" + hex.slice(2 + 50);
  const r = new Reader(data);
  const hook = { ...cfg, kind: hookFlags(cfg.flags) };
  try {
    switch (cfg.moduleName) {
      case "TimeRangeModule": {
        const until = r.num(32);
        const after = r.num(64);
        hook.role = "time window";
        hook.fields = {
          validUntil: `${until} (${new Date(until * 1000).toISOString()})`,
          validAfter: after ? `${after} (${new Date(after * 1000).toISOString()})` : "0 (now)",
        };
        break;
      }
      case "PaymasterGuardModule":
        hook.role = "paymaster guard";
        hook.fields = { paymaster: r.address(32) };
        break;
      case "NativeTokenLimitModule": {
        const isGas = cfg.flags & 1;
        hook.role = isGas ? "gas limit" : "native value limit";
        hook.fields = { [isGas ? "gasLimitWei" : "nativeLimitWei"]: `${r.word(32)} (${formatEth(r.word(32))} ETH)` };
        break;
      }
      case "AllowlistModule": {
        hook.role = cfg.flags & 1 ? "allowlist (targets, functions)" : "ERC-20 spend limits";
        const [start, n] = r.dynArray(0, 32);
        const entries = [];
        for (let i = 0; i < n; i++) {
          const e = start + r.num(start + i * 32);
          const [selStart, selN] = r.dynArray(e, e + 128);
          const selectors = [];
          for (let j = 0; j < selN; j++) selectors.push(selectorName(r.bytesAt(selStart + j * 32, 4)));
          entries.push({
            target: r.address(e),
            functions: r.num(e + 32) ? selectors : "any",
            erc20SpendLimit: r.num(e + 64) ? r.word(e + 96).toString() : "none",
          });
        }
        hook.fields = { entries };
        break;
      }
      default:
        hook.fields = { installData: data };
    }
  } catch (e) {
    hook.fields = { installData: data, note: String(e.message) };
  }
  if (cfg.entityId >= INFINITE_ENTITY_OFFSET) hook.entityNote = "entity id + 0x7FFFFFFF (second hook of the same module)";
  return hook;
}

export function formatEth(wei) {
  const w = BigInt(wei);
  const whole = w / 10n ** 18n;
  const frac = (w % 10n ** 18n).toString().padStart(18, "0").replace(/0+$/, "");
  return frac ? `${whole}.${frac}` : `${whole}`;
}

/** installValidation(bytes25 validationConfig, bytes4[] selectors, bytes installData, bytes[] hooks) */
export function decodeInstallValidation(callData) {
  const r = new Reader(callData);
  const selector = r.bytesAt(0, 4);
  if (selector !== "0x1bbf564c") throw new Error(`not installValidation: ${selector}`);
  const B = 4;
  const validation = pack25(r.bytesAt(B, 25));
  const [selStart, selN] = r.dynArray(B, B + 32);
  const selectors = [];
  for (let i = 0; i < selN; i++) selectors.push(selectorName(r.bytesAt(selStart + i * 32, 4)));
  const installData = r.dynBytes(B, B + 64);
  const idr = new Reader(installData);
  const [hStart, hN] = r.dynArray(B, B + 96);
  const hooks = [];
  for (let i = 0; i < hN; i++) {
    const at = hStart + r.num(hStart + i * 32);
    hooks.push(decodeHook(r.bytesAt(at + 32, r.num(at))));
  }
  return {
    function: SELECTORS[selector],
    validation: {
      module: validation.moduleName,
      entityId: validation.entityId,
      flags: [validation.flags & 1 ? "user-op validation" : null, validation.flags & 4 ? "global" : null, validation.flags & 2 ? "signature validation" : null]
        .filter(Boolean)
        .join(", "),
    },
    selectors,
    // SingleSigner: abi.encode(uint32 entityId, address signer); WebAuthn: (uint32 entityId, uint256 x, uint256 y).
    signer: installData.length === 2 + 2 * 96 ? `P-256 x ${idr.bytesAt(32, 32)}, y ${idr.bytesAt(64, 32)}` : idr.address(32),
    hooks,
  };
}

/** uninstallValidation(bytes24 validationFunction, bytes uninstallData, bytes[] hookUninstallData) */
export function decodeUninstallValidation(callData) {
  const r = new Reader(callData);
  const selector = r.bytesAt(0, 4);
  if (selector !== "0xb6b1ccfe") throw new Error(`not uninstallValidation: ${selector}`);
  const B = 4;
  const fn = pack25(r.bytesAt(B, 24) + "00");
  const [hStart, hN] = r.dynArray(B, B + 64);
  const hookData = [];
  for (let i = 0; i < hN; i++) {
    const at = hStart + r.num(hStart + i * 32);
    const d = new Reader(r.bytesAt(at + 32, r.num(at)));
    const e = d.num(0);
    hookData.push(e >= INFINITE_ENTITY_OFFSET ? `entity ${e - INFINITE_ENTITY_OFFSET} + 0x7FFFFFFF` : `entity ${e}`);
  }
  return {
    function: SELECTORS[selector],
    validation: { module: fn.moduleName, entityId: fn.entityId },
    uninstallData: `entity ${new Reader(r.dynBytes(B, B + 32)).num(0)} (the module clears the session's key)`,
    hookUninstallData: hookData,
  };
}

/** execute(address,uint256,bytes), optionally behind the executeUserOp prefix. */
export function decodeExecute(callData) {
  let h = callData.toLowerCase();
  let prefixed = false;
  if (h.startsWith("0x8dd7712f")) {
    prefixed = true;
    h = "0x" + h.slice(10);
  }
  const r = new Reader(h);
  const selector = r.bytesAt(0, 4);
  if (selector !== "0xb61d27f6") return { function: selectorName(selector), raw: callData };
  const data = r.dynBytes(4, 4 + 64);
  return {
    function: SELECTORS[selector] + (prefixed ? " (behind executeUserOp: the session has execution hooks)" : ""),
    target: r.address(4),
    value: `${r.word(4 + 32)} wei`,
    data: data === "0x" ? "0x (none)" : `${selectorName(data.slice(0, 10))} ${data.length > 10 ? "…" : ""}`,
  };
}
