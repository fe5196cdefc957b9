// The demo page (www-demo/) in headless Chromium against the local chain and bundler, steps 1–6
// as a user meets them, with a reload after creating and after granting. One PNG per step goes to
// .ci/artifacts/demo/ (named in README, "The demo").
//
// Devnet: with MAV2_DEVNET set (as .ci/run does after `.ci/devnet up` and
// `eval "$(bash .ci/devnet env)"`) the running one is used; otherwise this test runs
// `bash .ci/devnet up` itself and, if it started it, `bash .ci/devnet down` at the end.
// Package: ./pkg (bash .ci/build-pkg), or the wasm-pack out dir in MAV2_DEMO_PKG.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, rmSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { launch } from "./chromium.mjs";
import { rpc, start, stop } from "./devnet.mjs";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const shots = path.join(root, ".ci/artifacts/demo");
const pkgDir = path.resolve(root, process.env.MAV2_DEMO_PKG ?? "pkg");
// Whether this build has the send path (BundlerClient); without it the send steps are TODO.
const HAS_SEND = existsSync(path.join(pkgDir, "mav2_session_keys.js")) &&
  typeof (await import(path.join(pkgDir, "mav2_session_keys.js"))).BundlerClient === "function";
const DEV_OWNER = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266"; // anvil dev account #0
const RECIPIENT = "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC"; // the demo's default allowlisted recipient

let devnet; // { rpcUrl, bundlerUrl, state, started }
let server;
let origin;
let browser;

before(async () => {
  assert.ok(existsSync(path.join(pkgDir, "mav2_session_keys_bg.wasm")), `no package in ${pkgDir}: run bash .ci/build-pkg first`);
  devnet = await start();

  server = spawn(process.execPath, [path.join(root, "www-demo/serve.mjs"), "--port", "0", "--pkg", pkgDir, "--csp"], {
    cwd: root,
    env: { ...process.env, MAV2_DEVNET_STATE: devnet.state },
    stdio: ["ignore", "pipe", "inherit"],
  });
  origin = await new Promise((ok, fail) => {
    let out = "";
    server.stdout.on("data", (d) => {
      out += d;
      const m = /demo: (http:\/\/127\.0\.0\.1:\d+)\//.exec(out);
      if (m) ok(m[1]);
    });
    server.on("exit", (code) => fail(new Error(`serve.mjs exited (${code}): ${out}`)));
  });
  rmSync(shots, { recursive: true, force: true });
  mkdirSync(shots, { recursive: true });
  browser = await launch();
});

after(async () => {
  await browser?.close();
  server?.kill("SIGTERM");
  stop(devnet);
});

test("demo page: wallet, create, grant, act, out of scope, revoke — in Chromium, across reloads", { timeout: 240_000 }, async (t) => {
  const context = await browser.newContext({ viewport: { width: 1100, height: 900 } });
  const page = await context.newPage();
  const problems = [];
  page.on("pageerror", (e) => problems.push(`pageerror: ${e.message}`));
  page.on("console", (m) => m.type() === "error" && problems.push(`console: ${m.text()}`));
  const external = [];
  page.on("request", (r) => new URL(r.url()).origin !== origin && external.push(`${r.method()} ${r.url()} ${r.postData() ?? ""}`));
  await page.addInitScript(() => {
    window.__csp = [];
    document.addEventListener("securitypolicyviolation", (e) => window.__csp.push(`${e.violatedDirective} ${e.blockedURI}`));
  });

  const text = (sel) => page.locator(sel).innerText();
  const raw = (sel) => page.locator(sel).textContent(); // also inside a closed <details>
  const shot = (name) => page.screenshot({ path: path.join(shots, `${name}.png`), fullPage: true });
  const ready = async () => {
    await page.waitForSelector("body[data-ready]", { timeout: 30_000 });
    assert.deepEqual(await page.evaluate(() => window.__csp), [], "CSP violations");
  };
  const rows = () => page.locator("#sessions tbody tr");
  const exports = await import(path.join(pkgDir, "mav2_session_keys.js"));
  exports.initSync({ module: readFileSync(path.join(pkgDir, "mav2_session_keys_bg.wasm")) });
  const account = exports.predictAccountAddress({ owner: DEV_OWNER });

  await page.goto(`${origin}/`);
  await ready();

  await t.test("1 main wallet: local development owner, chain, predicted MAv2 account", async () => {
    assert.match(await text("#wallet-kind"), /Local development owner/);
    assert.match(await text("#wallet-kind"), /dev account #0/);
    assert.equal(await text("#wallet-owner"), DEV_OWNER);
    assert.match(await text("#wallet-chain"), /^31337 \(local devnet/);
    assert.equal(await text("#wallet-account"), account, "the page's predicted account differs from predictAccountAddress");
    assert.match(await text("#network-badge"), /local devnet/);
    assert.match(await text("#sessions-empty"), /No sessions yet/);
    await shot("1-wallet");
  });

  let session; // { id, address }
  await t.test("2 create: a refused form shows what failed, the code and what to do; a session is stored and survives a reload", async () => {
    // a typo in an address first
    const firstAddress = page.locator("#allowlist [name=allowAddress]").first();
    await firstAddress.fill("0x3C44CdDdB6a900fa2b585dd299e03d12FA4293Bc"); // checksum broken
    await page.click("#create-submit");
    await page.waitForSelector("#create-error:not([hidden])");
    assert.equal(await page.getAttribute("#create-error", "data-code"), "INVALID_ADDRESS_CHECKSUM");
    assert.match(await text("#create-error"), /Creating the session failed/);
    assert.match(await text("#create-error"), /What to do: .*checksum/);
    await shot("2a-create-refused");
    await firstAddress.fill(RECIPIENT);

    await page.click("#create-submit");
    await page.waitForSelector("#sessions tbody tr");
    assert.equal(await page.locator("#create-error").isHidden(), true);
    assert.equal(await rows().count(), 1);
    const row = rows().first();
    session = { id: await row.getAttribute("data-id"), address: await row.locator("td.mono").getAttribute("title") };
    assert.match(session.address, /^0x[0-9a-fA-F]{40}$/);
    assert.equal(await row.getAttribute("data-status"), "pending");
    assert.match(await row.innerText(), /pending/);
    assert.match(await row.innerText(), /in (60|59) min/);
    assert.match(await text("#store-persistence"), /IndexedDB/);

    await page.reload();
    await ready();
    assert.equal(await rows().count(), 1, "the session is gone after a reload");
    assert.equal(await rows().first().getAttribute("data-id"), session.id);
    assert.equal(await rows().first().locator("td.mono").getAttribute("title"), session.address);
    assert.equal(await page.locator(`#sessions input[value="${session.id}"]`).isChecked(), true, "the selection is lost after a reload");
    await shot("2b-create-after-reload");
  });

  await t.test("3 grant: installValidation and the deferred typed data decoded; the owner's signature attached", async () => {
    await page.click("#grant-prepare");
    await page.waitForSelector("#grant-view:not([hidden])");
    const install = await text("#grant-install");
    for (const s of ["installValidation", "SingleSignerValidationModule", "TimeRangeModule", "NativeTokenLimitModule", "AllowlistModule", "native value limit", "0.01 ETH", "gas limit", "ERC-20 spend limits", "increment()", session.address.toLowerCase(), RECIPIENT.toLowerCase()]) {
      assert.ok(install.includes(s), `decoded install lacks ${s}:\n${install}`);
    }
    const typed = JSON.parse(await raw("#grant-typed-json"));
    assert.equal(typed.primaryType, "DeferredAction");
    assert.equal(typed.domain.chainId, 31337);
    assert.equal(typed.domain.verifyingContract.toLowerCase(), account.toLowerCase());
    assert.equal(typed.message.call.toLowerCase(), (await raw("#grant-install-hex")).toLowerCase());
    assert.match(await text("#grant-typed"), /the installValidation call above/);
    assert.match(await text("#grant-typed"), /deferred-action bit/);
    await shot("3a-grant-typed-data");

    await page.click("#grant-sign");
    await page.waitForSelector("#grant-signed:not([hidden])");
    const signature = await text("#grant-signature");
    assert.match(signature, /^0x[0-9a-f]{130}$/);
    // The page's in-page signer gives exactly what anvil's eth_signTypedData_v4 gives for account #0.
    const anvil = await rpc(devnet.rpcUrl, "eth_signTypedData_v4", [DEV_OWNER, JSON.stringify(typed)]);
    assert.equal(signature, anvil.toLowerCase());
    assert.match(await text("#grant-signer"), /local development owner/);
    assert.match(await text("#grant-state"), /first operation will carry the install/);
    assert.match(await rows().first().innerText(), /owner signed/);

    await page.reload();
    await ready();
    assert.match(await rows().first().innerText(), /owner signed/, "the grant state is lost after a reload");
    assert.equal(await text("#grant-signature"), signature);
    await shot("3b-grant-signed-after-reload");
  });

  const canSend = HAS_SEND;
  await t.test("4 act: the session key's call estimated, signed, sent and mined", async (st) => {
    if (!canSend) {
      st.todo("the package build has no send path (BundlerClient.sendCalls) yet");
      assert.equal(await page.locator("#act-send").isDisabled(), true);
      return;
    }
    const before = BigInt(await rpc(devnet.rpcUrl, "eth_getBalance", [RECIPIENT, "latest"]));
    assert.match(await text("#act-account-note"), /SimpleAccount/);
    assert.match(await text("#act-account"), /SimpleAccount of session key/);
    await page.fill("#act-form [name=value]", "0.001");
    await page.click("#act-send");
    await page.waitForSelector("#act-progress li[data-phase=mined].done, #act-error:not([hidden])", { timeout: 90_000 });
    assert.equal(await page.locator("#act-error").isHidden(), true, await text("#act-error").catch(() => ""));
    let last = 0;
    for (const phase of ["estimating", "signed", "sent", "mined"]) {
      const li = page.locator(`#act-progress li[data-phase=${phase}]`);
      assert.match(await li.getAttribute("class"), /done/, `${phase} not done`);
      const t = await li.locator(".t").innerText();
      assert.match(t, /^\+\d+\.\d\d s$/);
      assert.ok(parseFloat(t.slice(1)) >= last, `elapsed times out of order at ${phase}`);
      last = parseFloat(t.slice(1));
    }
    assert.match(await text("#act-progress li[data-phase=estimating] .detail"), /gas: call \d+/);
    assert.match(await text("#act-progress li[data-phase=signed] .detail"), /by the session key: 0x/);
    const hash = await text("#act-userophash");
    assert.match(hash, /^0x[0-9a-f]{64}$/);
    assert.match(await text("#act-gas"), /^\d+/);
    assert.match(await text("#act-outcome"), /success/);
    // The MAv2 account's own view (BundlerClient.sessionStatus): on the devnet it has no code, so
    // nothing is installed there; the page says so instead of guessing.
    await page.waitForSelector("#act-chain[data-state=not-installed], #act-chain[data-state=error]", { timeout: 30_000 });
    assert.equal(await page.getAttribute("#act-chain", "data-state"), "not-installed", await text("#act-chain"));
    assert.match(await text("#act-chain"), /no code yet/);
    const receipt = await rpc(devnet.bundlerUrl, "eth_getUserOperationReceipt", [hash]);
    assert.equal(receipt.success, true);
    const afterBal = BigInt(await rpc(devnet.rpcUrl, "eth_getBalance", [RECIPIENT, "latest"]));
    assert.equal(afterBal - before, 10n ** 15n, "the recipient did not get 0.001 ETH");
    await shot("4-act-mined");
  });

  await t.test("5 out of scope: refused with its code and the permission it breaks, no request sent", async (st) => {
    const cases = [
      ["native", "NATIVE_LIMIT_EXCEEDED", /native value limit/],
      ["erc20", "ERC20_LIMIT_EXCEEDED", /ERC-20 spend limit/],
      ["selector", "OUT_OF_SCOPE_SELECTOR", /functions allowed on that contract/],
      ["target", "OUT_OF_SCOPE_TARGET", /contract allowlist/],
    ];
    for (const [kind, code, permission] of cases) {
      await page.selectOption("#scope-kind", kind);
      const sentBefore = external.length;
      await page.click("#scope-try");
      // This attempt's result (the page hides the previous one on click and tags the new one).
      await page.waitForSelector(`#scope-result[data-kind="${kind}"]:not([hidden])`);
      const shown = await page.getAttribute("#scope-result", "data-code");
      if (shown === "PRECHECK_UNAVAILABLE") {
        st.todo("the package build does not export the pre-check yet");
        assert.match(await text("#scope-result"), /Pre-check pending/);
      } else {
        assert.equal(shown, code, await text("#scope-result"));
        assert.match(await text("#scope-result"), /Refused before signing/);
        assert.match(await text("#scope-result .permission"), permission);
        assert.match(await text("#scope-result"), /What to do:/);
      }
      assert.equal(await page.getAttribute("#scope-result .requests", "data-count"), "0");
      assert.match(await text("#scope-result"), /No request was sent/);
      assert.deepEqual(external.slice(sentBefore), [], "requests left the page during the refused attempt");
    }
    await shot("5-out-of-scope");
  });

  await t.test("6 revoke: uninstallValidation decoded, the session marked revoked and removed locally", async () => {
    await page.click("#revoke");
    await page.waitForSelector("#revoke-view:not([hidden])");
    await page.waitForFunction(() => /key deleted/.test(document.querySelector("#revoke-state").textContent));
    const decoded = await text("#revoke-decoded");
    assert.match(decoded, /uninstallValidation/);
    assert.match(decoded, /SingleSignerValidationModule, entity 1/);
    assert.match(await raw("#revoke-hex"), /^0xb6b1ccfe/);
    assert.match(await text("#revoke-state"), /revoked: marked revoked, then its key deleted/);
    assert.equal(await rows().count(), 0);
    assert.equal(await page.locator("#revoke").isDisabled(), true);
    // Nothing of it is left in the store: neither the session nor its devnet SimpleAccount binding.
    const left = await page.evaluate(async () => {
      const { SessionKeyStore } = await import("/pkg/index.js");
      const store = await SessionKeyStore.open({ name: "mav2-demo" });
      const all = await store.list();
      store.close();
      return all.map((r) => `${r.account} ${r.status}`);
    });
    assert.deepEqual(left, [], "records left in IndexedDB after the revoke");
    await shot("6-revoked");
    await page.reload();
    await ready();
    assert.equal(await rows().count(), 0, "the revoked session came back after a reload");
    assert.match(await text("#sessions-empty"), /No sessions yet/);
  });

  assert.deepEqual(problems, [], "errors in the page");
  await context.close();
});

test("demo page, my wallet is a 7702 EOA: created for the owner's own address, granted by an owner operation that delegates it, acted, revoked on chain", { timeout: 180_000, todo: HAS_SEND ? false : "the package build has no send path yet" }, async () => {
  const context = await browser.newContext({ viewport: { width: 1100, height: 900 } });
  const page = await context.newPage();
  const problems = [];
  page.on("pageerror", (e) => problems.push(`pageerror: ${e.message}`));
  page.on("console", (m) => m.type() === "error" && problems.push(`console: ${m.text()}`));
  const text = (sel) => page.locator(sel).innerText();
  await page.goto(`${origin}/`);
  await page.waitForSelector("body[data-ready]", { timeout: 30_000 });
  // The devnet holds the delegate stand-in at SemiModularAccount7702's address: the choice is offered.
  assert.equal(await page.locator("#kind-7702").isDisabled(), false, await text("#kind-7702-note"));
  assert.match(await text("#kind-7702-note"), /stand-in delegate/);

  await page.check("#kind-7702");
  const before = await page.locator("#sessions tbody tr").count();
  await page.click("#create-submit");
  await page.waitForFunction((n) => document.querySelectorAll("#sessions tbody tr").length > n, before);
  assert.equal(await page.locator("#create-error").isHidden(), true, await text("#create-error").catch(() => ""));
  assert.equal(await text("#act-account"), `${DEV_OWNER} (the owner's EOA, EIP-7702)`);
  assert.match(await text("#act-account-note"), /EIP-7702/);

  // Grant: an owner operation of the EOA; while the EOA has no code it carries the EOA's
  // authorization, signed in the page (hashAuthorization + the dev owner's key).
  await page.click("#grant-prepare");
  await page.waitForSelector("#grant-owner-op:not([hidden])");
  await page.click("#grant-owner-op");
  await page.waitForFunction(
    () => /installValidation mined/.test(document.querySelector("#grant-state")?.textContent ?? "") || !document.querySelector("#grant-error").hidden,
    null,
    { timeout: 90_000 },
  );
  assert.equal(await page.locator("#grant-error").isHidden(), true, await text("#grant-error").catch(() => ""));
  const code = await rpc(devnet.rpcUrl, "eth_getCode", [DEV_OWNER, "latest"]);
  assert.equal(code.toLowerCase(), "0xef010069007702764179f14f51cdce752f4f775d74e139", "the EOA delegates to SMA7702's address");
  await page.waitForSelector("#sessions tbody tr.selected[data-status=active]");

  // Act: the session key signs an operation of the EOA.
  const balance = async () => BigInt(await rpc(devnet.rpcUrl, "eth_getBalance", [RECIPIENT, "latest"]));
  const was = await balance();
  await page.fill("#act-form [name=target]", RECIPIENT);
  await page.fill("#act-form [name=value]", "0");
  await page.click("#act-send");
  await page.waitForSelector("#act-progress li[data-phase=mined].done, #act-error:not([hidden])", { timeout: 90_000 });
  assert.equal(await page.locator("#act-error").isHidden(), true, await text("#act-error").catch(() => ""));
  assert.match(await text("#act-outcome"), /success/);
  assert.match(await text("#act-outcome"), new RegExp(DEV_OWNER, "i"));
  assert.equal(await balance(), was);
  await page.waitForSelector("#act-chain[data-state=installed], #act-chain[data-state=error]", { timeout: 30_000 });
  assert.equal(await page.getAttribute("#act-chain", "data-state"), "installed", await text("#act-chain"));

  // Revoke: uninstallValidation as the EOA's own operation.
  await page.click("#revoke");
  await page.waitForFunction(() => /key deleted/.test(document.querySelector("#revoke-state").textContent) || !document.querySelector("#revoke-error").hidden, null, { timeout: 90_000 });
  assert.equal(await page.locator("#revoke-error").isHidden(), true, await text("#revoke-error").catch(() => ""));
  assert.match(await text("#revoke-decoded"), /its own EOA/);
  await page.screenshot({ path: path.join(shots, "7702-revoked.png"), fullPage: true });
  assert.deepEqual(problems, [], "errors in the page");
  await context.close();
});

test("demo page with an injected EIP-1193 wallet: connect, then the wallet signs the grant with eth_signTypedData_v4", { timeout: 120_000 }, async () => {
  const context = await browser.newContext({ viewport: { width: 1100, height: 900 } });
  // A stand-in for a wallet extension: window.ethereum that answers accounts itself and forwards
  // everything else to anvil, whose unlocked dev account #0 signs typed data like a wallet does.
  await context.addInitScript(({ rpcUrl, owner }) => {
    let connected = false;
    window.__walletCalls = [];
    window.ethereum = {
      on() {},
      async request({ method, params = [] }) {
        window.__walletCalls.push(method);
        if (method === "eth_accounts") return connected ? [owner] : [];
        if (method === "eth_requestAccounts") return ((connected = true), [owner]);
        const res = await fetch(rpcUrl, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params }),
        });
        const j = await res.json();
        if (j.error) throw Object.assign(new Error(j.error.message), { code: j.error.code });
        return j.result;
      },
    };
  }, { rpcUrl: devnet.rpcUrl, owner: DEV_OWNER });
  const page = await context.newPage();
  const problems = [];
  page.on("pageerror", (e) => problems.push(`pageerror: ${e.message}`));
  page.on("console", (m) => m.type() === "error" && problems.push(`console: ${m.text()}`));
  const text = (sel) => page.locator(sel).innerText();

  await page.goto(`${origin}/`);
  await page.waitForSelector("body[data-ready]", { timeout: 30_000 });
  assert.match(await text("#wallet-kind"), /Browser wallet/);
  assert.equal(await page.locator("#wallet-connect").isVisible(), true, "no Connect button before the wallet is connected");
  await page.click("#wallet-connect");
  await page.waitForFunction((o) => document.querySelector("#wallet-owner").textContent === o, DEV_OWNER);
  assert.equal(await page.locator("#wallet-connect").isHidden(), true);

  await page.click("#create-submit");
  await page.waitForSelector("#sessions tbody tr");
  await page.click("#grant-prepare");
  await page.waitForSelector("#grant-view:not([hidden])");
  const typed = JSON.parse(await page.locator("#grant-typed-json").textContent());
  await page.click("#grant-sign");
  await page.waitForSelector("#grant-signed:not([hidden]), #grant-error:not([hidden])");
  assert.equal(await page.locator("#grant-error").isHidden(), true, await text("#grant-error").catch(() => ""));
  const calls = await page.evaluate(() => window.__walletCalls);
  assert.ok(calls.includes("eth_signTypedData_v4"), `the wallet was not asked to sign: ${calls}`);
  const anvil = await rpc(devnet.rpcUrl, "eth_signTypedData_v4", [DEV_OWNER, JSON.stringify(typed)]);
  assert.equal((await text("#grant-signature")).toLowerCase(), anvil.toLowerCase());
  assert.match(await text("#grant-signer"), /your browser wallet/);
  assert.match(await page.locator("#sessions tbody tr").first().innerText(), /owner signed/);
  await page.screenshot({ path: path.join(shots, "7-injected-wallet.png"), fullPage: true });
  assert.deepEqual(problems, [], "errors in the page");
  await context.close();
});

test("Network settings → MAv2: the same buttons run the MAv2 flow; on the devnet (no MAv2) the page says so and shows the bundler's refusal", { timeout: 120_000, todo: HAS_SEND ? false : "the package build has no send path yet" }, async () => {
  if (!HAS_SEND) return;
  const context = await browser.newContext({ viewport: { width: 1100, height: 900 } });
  const page = await context.newPage();
  const problems = [];
  page.on("pageerror", (e) => problems.push(`pageerror: ${e.message}`));
  const text = (sel) => page.locator(sel).innerText();
  await page.goto(`${origin}/`);
  await page.waitForSelector("body[data-ready]", { timeout: 30_000 });
  await page.click("#settings summary");
  await page.check("#settings-form [value=mav2]");
  await page.fill("#settings-form [name=bundlerUrl]", devnet.bundlerUrl);
  await page.fill("#settings-form [name=rpcUrl]", devnet.rpcUrl);
  await page.click("#settings-form button[type=submit]"); // saves and reloads
  await page.waitForSelector("body[data-ready]", { timeout: 30_000 });
  assert.match(await text("#network-badge"), /MAv2 network/);
  await page.click("#create-submit");
  await page.waitForSelector("#sessions tbody tr");
  assert.match(await text("#act-account-note"), /AccountFactory .* has no code on chain 31337/);
  assert.match(await text("#act-account"), /\(MAv2\)$/);
  await page.click("#grant-prepare");
  await page.waitForSelector("#grant-view:not([hidden])");
  await page.click("#grant-sign");
  await page.waitForSelector("#grant-signed:not([hidden])");
  await page.click("#act-send");
  await page.waitForSelector("#act-error:not([hidden])", { timeout: 60_000 });
  assert.equal(await page.getAttribute("#act-error", "data-code"), "BUNDLER_AA13");
  assert.match(await text("#act-error"), /Sending the call failed/);
  assert.match(await text("#act-error"), /What to do: .*MAv2 is deployed/);
  assert.match(await page.locator("#act-progress li[data-phase=estimating]").getAttribute("class"), /failed/);
  await page.screenshot({ path: path.join(shots, "8-mav2-settings-on-devnet.png"), fullPage: true });
  assert.deepEqual(problems, [], "errors in the page");
  await context.close();
});

test("demo page, key kind P-256: created non-extractable, export refused where a secp256k1 key exports, the grant installs the WebAuthn module", { timeout: 120_000 }, async () => {
  const context = await browser.newContext({ viewport: { width: 1100, height: 900 } });
  const page = await context.newPage();
  const problems = [];
  page.on("pageerror", (e) => problems.push(`pageerror: ${e.message}`));
  await page.goto(`${origin}/`);
  await page.waitForSelector("body[data-ready]", { timeout: 30_000 });
  const rows = () => page.locator("#sessions tbody tr");

  // A secp256k1 session (the default): its key comes out of exportPrivateKey.
  await page.click("#create-submit");
  await page.waitForSelector("#sessions tbody tr");
  await page.click("#export-try");
  await page.waitForSelector("#export-result:not([hidden])");
  assert.equal(await page.getAttribute("#export-result", "data-outcome"), "exported");

  // A P-256 session: the key kind chosen on create.
  await page.check('input[name=keyKind][value="p256-webcrypto"]');
  await page.click("#create-submit");
  await page.waitForFunction(() => document.querySelectorAll("#sessions tbody tr").length === 2);
  // (Both were created in the same second: the list orders them by id, so find it by its key.)
  const row = rows().filter({ has: page.locator("td.mono", { hasText: /^P-256 0x/ }) });
  assert.equal(await row.count(), 1);
  assert.match(await row.locator("td.mono").innerText(), /^P-256 0x/);
  assert.match(await row.locator("td.mono").getAttribute("title"), /^P-256 x 0x[0-9a-f]{64}, y 0x[0-9a-f]{64}$/);
  await row.locator("input[type=radio]").check();
  await page.click("#export-try");
  await page.waitForFunction(() => document.querySelector("#export-result").dataset.outcome === "KEY_NOT_EXPORTABLE");
  assert.match(await page.locator("#export-result").innerText(), /refused: KEY_NOT_EXPORTABLE/);

  // What the owner signs: the WebAuthn module with the key's coordinates.
  await page.click("#grant-prepare");
  await page.waitForSelector("#grant-view:not([hidden])");
  const grant = await page.locator("#grant-install").innerText();
  assert.match(grant, /WebAuthnValidationModule/);
  assert.match(grant, /P-256 x 0x[0-9a-f]{64}, y 0x[0-9a-f]{64}/);
  // Acting on the devnet: no MAv2 account here to check it, and the page says so.
  assert.match(await page.locator("#act-account").innerText(), /WebAuthn validation module/);
  await page.screenshot({ path: path.join(shots, "7-p256-export-refused.png"), fullPage: true });
  assert.deepEqual(problems, []);
  await context.close();
});
