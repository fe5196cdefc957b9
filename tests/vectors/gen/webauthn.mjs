// Reference vectors for sessions validated by MAv2's WebAuthnValidationModule (webauthn.json).
//
// Called from generate.mjs with its shared helpers (`ctx`), so the random inputs, the offline SDK
// environment and the hooks come from the same code as install.json / deferred.json. Every output
// is the SDK's: `installValidationActions(client).encodeInstallValidation` with the WebAuthn
// module's install data and the PermissionBuilder's own selectors, flags and hooks;
// `webauthnSigningFunctions(...).signUserOperationHash` with a `getFn` that answers the request it
// is given (ox `WebAuthnP256.getSignPayload` for authenticatorData / clientDataJSON, P-256 signed
// by @noble/curves); `deferralActions` for the deferred grant.
//
// Deterministic: one Drbg stream labelled "webauthn"; P-256 signatures are RFC 6979.

import { concat, hashMessage, hashTypedData, sha256, toHex } from "viem";
import { sepolia } from "viem/chains";
import { privateKeyToAccount } from "viem/accounts";
import * as WebAuthnP256 from "ox/WebAuthnP256";
import { p256 } from "@noble/curves/p256";
import {
  WebAuthnValidationModule,
  buildDeferredActionDigest,
  deferralActions,
  getDefaultWebauthnValidationModuleAddress,
  installValidationActions,
} from "@account-kit/smart-contracts/experimental";
import { webauthnSigningFunctions } from "./node_modules/@account-kit/smart-contracts/dist/esm/src/ma-v2/modules/webauthn-validation/signingMethods.js";

const P256_N = p256.CURVE.n;
const PERMISSION_TYPES = [
  "native-token-transfer",
  "erc20-token-transfer",
  "gas-limit",
  "contract-access",
  "account-functions",
  "functions-on-all-contracts",
  "functions-on-contract",
  "root",
];
// UP; UP|UV; UP|BE; UP|UV|BE|BS; UP|BE|BS
const FLAGS = [0x01, 0x05, 0x09, 0x1d, 0x19];

const randP256Key = (r) => {
  const d = r.below(P256_N - 1n) + 1n;
  const priv = toHex(d, { size: 32 });
  const pub = toHex(p256.getPublicKey(priv.slice(2), false));
  return { priv, pub, x: BigInt(`0x${pub.slice(4, 68)}`), y: BigInt(`0x${pub.slice(68)}`) };
};
const label = (r) => {
  const abc = "abcdefghijklmnopqrstuvwxyz0123456789";
  let s = "";
  for (let i = r.int(1, 12); i > 0; i--) s += abc[r.int(0, abc.length - 1)];
  return s;
};
const randRp = (r) => {
  const roll = r.int(0, 5);
  if (roll === 0) return { rpId: "localhost", origin: `http://localhost:${r.int(1, 65535)}` };
  if (roll === 1) {
    const id = Array.from({ length: 32 }, () => "abcdefghijklmnop"[r.int(0, 15)]).join("");
    return { rpId: id, origin: `chrome-extension://${id}` };
  }
  const host = [label(r), ...(r.bool() ? [label(r)] : []), r.pick(["com", "xyz", "io", "example"])].join(".");
  const port = roll === 2 ? `:${r.int(1, 65535)}` : "";
  return { rpId: host, origin: `https://${host}${port}` };
};
const randSignCount = (r) => r.pick([0, 1, 2 ** 32 - 1, r.int(0, 2 ** 32 - 1), r.int(0, 1000)]);

// The SDK's encoding of one assertion over `uoHash`, through webauthnSigningFunctions. Returns the
// SDK's signature(s) and what the getFn saw and made.
async function sdkSign({ chainId, account, entityId, key, rp, flag, signCount, flipS, uoHash, deferredActionData }) {
  const seen = {};
  let sc = signCount;
  const getFn = async (options) => {
    const challenge = toHex(options.publicKey.challenge);
    if (options.publicKey.rpId !== rp.rpId) throw new Error("getFn: rpId not passed through");
    for (;;) {
      const { metadata, payload } = WebAuthnP256.getSignPayload({
        challenge,
        origin: rp.origin,
        rpId: rp.rpId,
        flag,
        signCount: sc,
        crossOrigin: false,
      });
      const sig = p256.sign(payload.slice(2), key.priv.slice(2), { prehash: true, lowS: false });
      const s = flipS ? P256_N - sig.s : sig.s;
      // ox's parseAsn1Signature reads 32-byte integers only: re-sign (next count) when r or s is short.
      if (sig.r < 1n << 248n || s < 1n << 248n) {
        sc = (sc + 1) % 2 ** 32;
        continue;
      }
      const der = new p256.Signature(sig.r, s).toDERRawBytes();
      Object.assign(seen, { challenge, metadata, payload, r: sig.r, s, signCount: sc });
      const buf = (hex) => Uint8Array.from(Buffer.from(hex.slice(2), "hex")).buffer;
      return {
        response: {
          authenticatorData: buf(metadata.authenticatorData),
          clientDataJSON: new TextEncoder().encode(metadata.clientDataJSON).buffer,
          signature: der.buffer.slice(der.byteOffset, der.byteOffset + der.byteLength),
        },
      };
    }
  };
  const chain = { ...sepolia, id: chainId };
  const credential = { id: "AAAA", publicKey: key.pub };
  const plain = await webauthnSigningFunctions(credential, getFn, rp.rpId, chain, account, entityId).signUserOperationHash(uoHash);
  const out = { plain, seen: { ...seen } };
  if (deferredActionData) {
    const f = webauthnSigningFunctions(credential, getFn, rp.rpId, chain, account, entityId, deferredActionData);
    out.withDeferred = await f.signUserOperationHash(uoHash);
    // The SDK prepends it to the first signature only.
    const second = await f.signUserOperationHash(uoHash);
    if (second !== plain) throw new Error("webauthn signer: second signature still carries the deferred action");
  }
  if (out.seen.challenge !== hashMessage({ raw: uoHash })) throw new Error("challenge is not the EIP-191 hash of the userOpHash");
  const low = out.seen.s > P256_N / 2n ? P256_N - out.seen.s : out.seen.s;
  if (!WebAuthnP256.verify({ challenge: out.seen.challenge, metadata: { ...out.seen.metadata, userVerificationRequired: false }, publicKey: { prefix: 4, x: key.x, y: key.y }, signature: { r: out.seen.r, s: low } }))
    throw new Error("ox WebAuthnP256.verify refused the assertion");
  return out;
}

// The WebAuthn grant through the SDK's generic install: PermissionBuilder's flags, selectors and
// hooks, the WebAuthn module and its install data. Cross-checked: the same generic call with the
// builder's own (SingleSigner) module and install data equals compileRaw().
async function sdkWebauthnInstall(ctx, env, inp, key) {
  const res = await ctx.sdkInstall(env, { ...inp, sessionKey: inp.placeholderKey });
  const b = res.builder;
  const actions = installValidationActions(env.client);
  const viaBuilder = await actions.encodeInstallValidation({
    validationConfig: b.validationConfig,
    selectors: b.selectors,
    installData: b.installData,
    hooks: b.hooks,
  });
  ctx.assertEq(viaBuilder, res.callData, "generic installValidation with the builder's pieces == compileRaw()");
  const module = getDefaultWebauthnValidationModuleAddress(env.chain);
  const installData = WebAuthnValidationModule.encodeOnInstallData({ entityId: inp.entityId, x: key.x, y: key.y });
  const callData = await actions.encodeInstallValidation({
    validationConfig: { ...b.validationConfig, moduleAddress: module },
    selectors: b.selectors,
    installData,
    hooks: b.hooks,
  });
  const uninstallCallData = await actions.encodeUninstallValidation({
    moduleAddress: module,
    entityId: inp.entityId,
    uninstallData: WebAuthnValidationModule.encodeOnUninstallData({ entityId: inp.entityId }),
    hookUninstallDatas: ctx.hookUninstallDatasFor(env.chain, res.hooks),
  });
  return { installData, callData, uninstallCallData, hasExecutionHooks: res.hasExecutionHooks };
}

const publicKeyInput = (r, key) => (r.bool(0.25) ? `0x${key.pub.slice(4)}` : key.pub);
const grantInput = (inp, publicKey) => {
  const o = { chainId: inp.chainId, account: inp.account, publicKey, entityId: inp.entityId, permissions: inp.permissions };
  for (const k of ["expiresAt", "validAfter", "paymaster"]) if (inp[k] !== undefined) o[k] = inp[k];
  return o;
};

export async function genWebauthn(ctx) {
  const r = new ctx.Drbg("webauthn");
  const cases = [];
  const seenTypes = new Set();

  // 1. grants: install, uninstall
  for (let i = 0; i < 64; i++) {
    let permissions = ctx.randPermissions(r);
    const forced = PERMISSION_TYPES[i % PERMISSION_TYPES.length];
    if (i < PERMISSION_TYPES.length * 2 && !permissions.some((p) => p.type === forced)) {
      if (forced === "root") permissions = [{ type: "root" }];
      else {
        if (permissions[0].type === "root") permissions = [ctx.randPermission(r, "contract-access")];
        permissions.splice(r.int(0, permissions.length), 0, ctx.randPermission(r, forced));
      }
    }
    for (const p of permissions) seenTypes.add(p.type);
    const key = randP256Key(r);
    const inp = {
      chainId: ctx.randChainId(r),
      account: ctx.randAddress(r),
      placeholderKey: ctx.randAddress(r),
      entityId: i === 0 ? 1 : i === 1 ? 2147483646 : ctx.randEntityId(r),
      permissions,
      ...ctx.randHookOptions(r),
    };
    const env = await ctx.makeEnv({ chainId: inp.chainId, account: inp.account, ownerKey: ctx.randPrivateKey(r) });
    const out = await sdkWebauthnInstall(ctx, env, inp, key);
    cases.push({ name: `install_${String(i).padStart(3, "0")}`, kind: "install", input: grantInput(inp, publicKeyInput(r, key)), output: out });
  }
  for (const t of PERMISSION_TYPES) if (!seenTypes.has(t)) throw new Error(`webauthn: no install case with ${t}`);

  // 2. signatures over a userOpHash, given the assertion's fields
  for (let i = 0; i < 48; i++) {
    const key = randP256Key(r);
    const c = {
      chainId: ctx.randChainId(r),
      account: ctx.randAddress(r),
      entityId: ctx.randEntityId(r),
      key,
      rp: randRp(r),
      flag: r.pick(FLAGS),
      signCount: randSignCount(r),
      flipS: i % 2 === 1,
      uoHash: r.hex(32),
    };
    const s = await sdkSign(c);
    cases.push({
      name: `signature_${String(i).padStart(3, "0")}`,
      kind: "signature",
      input: {
        userOpHash: c.uoHash,
        rpId: c.rp.rpId,
        origin: c.rp.origin,
        flags: c.flag,
        signCount: s.seen.signCount,
        publicKey: key.pub,
        signatureP1363: concat([toHex(s.seen.r, { size: 32 }), toHex(s.seen.s, { size: 32 })]),
      },
      output: {
        challenge: s.seen.challenge,
        authenticatorData: s.seen.metadata.authenticatorData,
        clientDataJSON: s.seen.metadata.clientDataJSON,
        challengeIndex: s.seen.metadata.challengeIndex,
        typeIndex: s.seen.metadata.typeIndex,
        message: s.seen.payload,
        messageSha256: sha256(s.seen.payload),
        highS: s.seen.s > P256_N / 2n,
        signature: s.plain,
      },
    });
  }

  // 3. deferred grants and the first operation that carries them
  for (let i = 0; i < 40; i++) {
    const permissions = i % 5 === 4 ? [{ type: "root" }] : ctx.randPermissions(r);
    const isRoot = permissions[0].type === "root";
    const key = randP256Key(r);
    const ownerKey = ctx.randPrivateKey(r);
    const inp = {
      chainId: ctx.randChainId(r),
      account: ctx.randAddress(r),
      placeholderKey: ctx.randAddress(r),
      entityId: ctx.randEntityId(r),
      permissions,
    };
    const deadline = r.bool(0.3) ? 0 : ctx.randFutureTime(r);
    if (r.int(0, 9) <= 4) {
      if (deadline !== 0) inp.expiresAt = deadline;
    } else {
      Object.assign(inp, ctx.randHookOptions(r));
    }
    const nonce = ctx.randFullMav2Nonce(r, { entityId: inp.entityId, isGlobalValidation: isRoot, isDeferredAction: true });
    const env = await ctx.makeEnv({ chainId: inp.chainId, account: inp.account, ownerKey });
    const ins = await sdkWebauthnInstall(ctx, env, inp, key);
    const da = deferralActions(env.client);
    const { typedData } = await da.createDeferredActionTypedDataObject({ callData: ins.callData, deadline, nonce });
    const digest = da.buildPreSignatureDeferredActionDigest({ typedData });
    const preSignatureDigest = `0x0${ins.hasExecutionHooks ? "1" : "0"}${toHex(nonce, { size: 32 }).slice(2)}${digest.slice(2)}`;
    const ownerSignature = await privateKeyToAccount(ownerKey).signTypedData(typedData);
    const deferredActionDigest = buildDeferredActionDigest({ fullPreSignatureDeferredActionDigest: preSignatureDigest, sig: concat(["0x00", ownerSignature]) });
    const deferredActionData = `0x${deferredActionDigest.slice(2 + 66)}`;
    const rp = randRp(r);
    const c = { chainId: inp.chainId, account: inp.account, entityId: inp.entityId, key, rp, flag: r.pick(FLAGS), signCount: randSignCount(r), flipS: r.bool(), uoHash: r.hex(32), deferredActionData };
    const s = await sdkSign(c);
    cases.push({
      name: `deferred_${String(i).padStart(3, "0")}`,
      kind: "deferred",
      input: {
        ...grantInput(inp, publicKeyInput(r, key)),
        deadline,
        nonce: toHex(nonce),
        ownerSignature,
        firstOp: {
          userOpHash: c.uoHash,
          rpId: rp.rpId,
          origin: rp.origin,
          flags: c.flag,
          signCount: s.seen.signCount,
          signatureP1363: concat([toHex(s.seen.r, { size: 32 }), toHex(s.seen.s, { size: 32 })]),
        },
      },
      output: {
        callData: ins.callData,
        hasExecutionHooks: ins.hasExecutionHooks,
        typedData: ctx.typedDataJson(typedData),
        typedDataHash: hashTypedData(typedData),
        preSignatureDigest,
        deferredActionDigest,
        deferredActionData,
        firstOpSignature: s.plain,
        sdkFirstOpSignatureWithDeferred: s.withDeferred,
      },
    });
  }

  // 4. the SDK's gas-estimation signature
  const dummy = webauthnSigningFunctions({ id: "AAAA", publicKey: "0x" }, async () => null, "localhost", sepolia, ctx.randAddress(r), 1).getDummySignature();
  cases.push({ name: "dummy_signature", kind: "dummy", input: {}, output: { dummySignature: dummy } });

  ctx.writeFile("webauthn.json", cases, {
    about:
      "Sessions validated by WebAuthnValidationModule (getDefaultWebauthnValidationModuleAddress). install: installValidationActions(client).encodeInstallValidation({validationConfig: the PermissionBuilder's (permissions and hooks as install.json) with moduleAddress = the WebAuthn module, selectors and hooks: the builder's, installData: WebAuthnValidationModule.encodeOnInstallData({entityId, x, y})}); the generator asserted the same call with the builder's own module and install data equals compileRaw(). uninstallCallData: encodeUninstallValidation(WebAuthn module, entityId, encodeOnUninstallData, hookUninstallDatas as uninstall.json). publicKey: 65-byte SEC1 (0x04 || x || y) or 64-byte x || y. signature: webauthnSigningFunctions(...).signUserOperationHash(userOpHash) with a getFn that builds authenticatorData and clientDataJSON by ox WebAuthnP256.getSignPayload({challenge it is asked for, origin, rpId, flag, signCount, crossOrigin false}) and signs sha256(message) with the key (RFC 6979, s flipped to n - s in every other case: the input signatureP1363 is what a signer returned, the SDK's output is low-s); the challenge was asserted to be hashMessage({raw: userOpHash}) and the assertion verified by ox WebAuthnP256.verify. deferred: callData as install; typedData, preSignatureDigest, deferredActionDigest as deferred.json; deferredActionData = deferredActionDigest minus its first 33 bytes; sdkFirstOpSignatureWithDeferred = the SDK signer given deferredActionData (it writes 0xFF || deferredActionData || tuple, while the account reads the deferred action before the 0xFF segment, as the SDK's SingleSigner signer writes it). dummy: getDummySignature().",
  });
  return cases;
}
