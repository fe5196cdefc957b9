// The LOCAL DEVELOPMENT OWNER: anvil's public dev account #0, for the local devnet only (chain
// 31337). Its private key is printed by every anvil and published in Foundry's docs: never send
// anything of value to it on a real chain.
//
// It signs the EIP-712 hash the package returns (`typedDataHash`) right here in the page, with a
// small secp256k1 signer: RFC 6979 deterministic nonce (HMAC-SHA-256 from WebCrypto), low-s, and
// v = 27 + recovery id — the same 65 bytes anvil's own `eth_signTypedData_v4` returns for this
// account (the browser test checks that). Plain BigInt arithmetic: fine for a demo key, not
// constant-time, so never use it for a key that matters.

export const DEV_OWNER = Object.freeze({
  label: "local development owner (anvil dev account #0)",
  address: "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266",
  privateKey: "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80",
  chainId: 31337,
});

const P = 0xfffffffffffffffffffffffffffffffffffffffffffffffffffffffefffffc2fn;
const N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;
const GX = 0x79be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798n;
const GY = 0x483ada7726a3c4655da4fbfc0e1108a8fd17b448a68554199c47d08ffb10d4b8n;

const mod = (a, m) => ((a % m) + m) % m;
function inv(a, m) {
  // extended Euclid
  let [r0, r1, s0, s1] = [mod(a, m), m, 1n, 0n];
  while (r1 !== 0n) {
    const q = r0 / r1;
    [r0, r1] = [r1, r0 - q * r1];
    [s0, s1] = [s1, s0 - q * s1];
  }
  if (r0 !== 1n) throw new Error("not invertible");
  return mod(s0, m);
}

// Jacobian coordinates [X, Y, Z]; Z = 0 is the point at infinity.
const INF = [0n, 1n, 0n];
function dbl([x, y, z]) {
  if (z === 0n || y === 0n) return INF;
  const ysq = mod(y * y, P);
  const s = mod(4n * x * ysq, P);
  const m = mod(3n * x * x, P);
  const nx = mod(m * m - 2n * s, P);
  const ny = mod(m * (s - nx) - 8n * ysq * ysq, P);
  const nz = mod(2n * y * z, P);
  return [nx, ny, nz];
}
function add(a, b) {
  if (a[2] === 0n) return b;
  if (b[2] === 0n) return a;
  const [x1, y1, z1] = a;
  const [x2, y2, z2] = b;
  const z1z1 = mod(z1 * z1, P);
  const z2z2 = mod(z2 * z2, P);
  const u1 = mod(x1 * z2z2, P);
  const u2 = mod(x2 * z1z1, P);
  const s1 = mod(y1 * z2 * z2z2, P);
  const s2 = mod(y2 * z1 * z1z1, P);
  if (u1 === u2) return s1 === s2 ? dbl(a) : INF;
  const h = mod(u2 - u1, P);
  const r = mod(s2 - s1, P);
  const hh = mod(h * h, P);
  const hhh = mod(h * hh, P);
  const v = mod(u1 * hh, P);
  const nx = mod(r * r - hhh - 2n * v, P);
  const ny = mod(r * (v - nx) - s1 * hhh, P);
  const nz = mod(z1 * z2 * h, P);
  return [nx, ny, nz];
}
function mulG(k) {
  let acc = INF;
  let pt = [GX, GY, 1n];
  while (k > 0n) {
    if (k & 1n) acc = add(acc, pt);
    pt = dbl(pt);
    k >>= 1n;
  }
  const zi = inv(acc[2], P);
  return [mod(acc[0] * zi * zi, P), mod(acc[1] * zi * zi * zi, P)];
}

const hexToBytes = (h) => Uint8Array.from(h.replace(/^0x/, "").match(/../g), (b) => parseInt(b, 16));
const bytesToBig = (b) => BigInt("0x" + ([...b].map((x) => x.toString(16).padStart(2, "0")).join("") || "0"));
const big32 = (n) => hexToBytes(n.toString(16).padStart(64, "0"));
const cat = (...parts) => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) (out.set(p, o), (o += p.length));
  return out;
};

async function hmac(key, data) {
  const k = await crypto.subtle.importKey("raw", key, { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  return new Uint8Array(await crypto.subtle.sign("HMAC", k, data));
}

// RFC 6979 §3.2 nonce for secp256k1 / SHA-256 (qlen = hlen = 256).
async function rfc6979(d, h) {
  const x = big32(d);
  const h1 = big32(mod(bytesToBig(h), N));
  let V = new Uint8Array(32).fill(1);
  let K = new Uint8Array(32);
  K = await hmac(K, cat(V, [0], x, h1));
  V = await hmac(K, V);
  K = await hmac(K, cat(V, [1], x, h1));
  V = await hmac(K, V);
  for (;;) {
    V = await hmac(K, V);
    const k = bytesToBig(V);
    if (k >= 1n && k < N) return k;
    K = await hmac(K, cat(V, [0]));
    V = await hmac(K, V);
  }
}

/** Sign a 32-byte digest (no prefix added): 65 bytes r ‖ s ‖ v as 0x hex, v ∈ {27, 28}. */
export async function signDigest(privateKeyHex, digestHex) {
  const d = bytesToBig(hexToBytes(privateKeyHex));
  const h = hexToBytes(digestHex);
  if (h.length !== 32) throw new Error("digest must be 32 bytes");
  const z = bytesToBig(h);
  const k = await rfc6979(d, h);
  const [rx, ry] = mulG(k);
  const r = mod(rx, N);
  let s = mod(inv(k, N) * (z + r * d), N);
  let recovery = (ry & 1n ? 1 : 0) | (rx >= N ? 2 : 0);
  if (s > N >> 1n) {
    s = N - s;
    recovery ^= 1;
  }
  const hex = (n) => n.toString(16).padStart(64, "0");
  return `0x${hex(r)}${hex(s)}${(27 + recovery).toString(16)}`;
}
