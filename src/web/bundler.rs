//! `BundlerClient`: send a session's calls as a user operation, wait for its receipt, and grant or
//! revoke a session with an operation the owner's wallet signs.
//!
//! ```js
//! const bundler = new BundlerClient({ bundlerUrl: "https://…" });      // rpcUrl?, paymaster?, accountKind?
//! const hash = await bundler.sendCalls(store, session.id, [{ target, value: 1n, data: "0x" }]);
//! const receipt = await bundler.waitForReceipt(hash);                  // { timeoutMs? }
//! await bundler.grantSession(store, session.id, { wallet: window.ethereum }); // owner op, then active
//! ```
//!
//! Every export parses its arguments, makes one call into the session service
//! (`crate::service`), where the flow and its order of steps live, and converts the answer. This
//! file adds only the platform: `fetch` transports, the browser clock, and the EIP-1193 wallet.

use std::cell::RefCell;
use std::rc::Rc;

use alloy_primitives::{Address, Bytes, B256, U256};
use serde_json::Value;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

use crate::addresses::ENTRY_POINT_V07;
use crate::calls::CallRequest;
use crate::eip7702::Authorization;
use crate::error::{Error, ErrorCode, InputRule, Result};
use crate::json::{self, Addr, HexBytes};
use crate::read::{self, Fields, Read};
use crate::rpc::RetryPolicy;
use crate::send::{AccountKind, PersonalSign, SendConfig, Sender};
use crate::service::{self, Network, SendOptions};
use crate::web::clock::WebClock;
use crate::web::convert::{from_js, id_arg, opt_options_data, read_js, read_options, to_js};
use crate::web::fetch::{FetchTransport, DEFAULT_TIMEOUT_MS};
use crate::web::store::{parse_new, spawn, SessionKeyStore};
use crate::write::Obj;

#[wasm_bindgen(typescript_custom_section)]
const TS_BUNDLER_TYPES: &'static str = r#"
/** `"mav2"` (default): Modular Account V2, session signature `0xFF‖0x00‖sig65` (deferred install in
 *  front on the first op after a deferred grant), MAv2 `execute`/`executeBatch`.
 *  `"simple-account"`: eth-infinitism SimpleAccount from the EntryPoint package, raw 65-byte
 *  signature and its own `execute`/`executeBatch`; for local chains without MAv2 (tests, demos).
 *  `"mav2-7702"`: the owner's EOA delegated to MAv2's SemiModularAccount7702 (EIP-7702): the
 *  session's account is the EOA, no factory; signatures and grants as `"mav2"`. While the EOA has
 *  no code, its first operation (a session send or an owner operation) needs the EOA's signed
 *  `authorization` to delegate to SemiModularAccount7702; without one it is refused with
 *  `AUTHORIZATION_REQUIRED` before any bundler request. */
export type AccountKind = "mav2" | "simple-account" | "mav2-7702";
export interface BundlerClientOptions {
  /** ERC-7769 bundler JSON-RPC URL (fetch; the bundler must allow this origin with CORS). */
  bundlerUrl: string;
  /** Node JSON-RPC URL for eth_call (nonce), eth_getCode and fees; default bundlerUrl. */
  rpcUrl?: string;
  /** ERC-7677 paymaster service; `context` is passed as is. */
  paymaster?: { url: string; context?: Record<string, unknown> };
  accountKind?: AccountKind;
  /** Default EntryPoint v0.7 (0x0000000071727De22E5E9d8BAf0edAc6f37da032). */
  entryPoint?: Address;
  /** Per request; default 30000. */
  requestTimeoutMs?: number;
}
export interface SendCallsOptions {
  /** Account factory and its call data, used only while the account has no code. Default: from
   *  the session's `owner` and `salt` when it was created with them. */
  factory?: Address; factoryData?: Hex;
  /** Parallel nonce key (≤ 152 bits for MAv2). Default: a fresh random 64-bit key per send, so
   *  concurrent sends (tabs, workers) never share a nonce. Give one to keep operations ordered. */
  nonceKey?: Quantity;
  /** Seconds the session must still be valid when sending; default 30. */
  safetyMarginSeconds?: number;
  /** Force executeBatch (true) or execute of one call (false); default: batch unless one call. */
  batch?: boolean;
  /** Called as the send moves on: `estimating`, then `signed` and `sent` with the userOpHash. */
  onProgress?: (event: SendProgress) => void;
  /** `accountKind: "mav2-7702"`: the EOA's signed authorization, used while the EOA has no code. */
  authorization?: SignedAuthorization;
}
/** An EIP-7702 authorization signed by the EOA, as viem's `signAuthorization` returns it: the
 *  contract is SemiModularAccount7702 (`address`, or `contractAddress`), `nonce` the EOA's current
 *  nonce, `chainId` this chain (0: any). It is checked (signer, delegate, chain, nonce) before any
 *  bundler request and sent in the operation's `eip7702Auth`. */
export type SignedAuthorization = ({ address: Address } | { contractAddress: Address }) & {
  chainId: Quantity; nonce: Quantity; r: Hex; s: Hex; yParity?: Quantity; v?: Quantity;
};
/** `estimating`: the pre-check passed, fees, paymaster data and gas are asked for · `signed`: the
 *  operation as it will be sent (gas limits, fees, signature) and its userOpHash · `sent`: the
 *  bundler took it. `waitForReceipt` then resolves when it is mined. */
export type SendProgress =
  | { stage: "estimating" }
  | { stage: "signed"; userOpHash: Hex; userOp: UserOperation }
  | { stage: "sent"; userOpHash: Hex };
export interface WaitForReceiptOptions { /** Default 60000. */ timeoutMs?: number }
/** ERC-7769 `eth_getUserOperationReceipt` (quantities as hex). */
export interface UserOperationReceipt {
  userOpHash: Hex; entryPoint: Address; sender: Address; nonce: Hex; paymaster?: Address | null;
  actualGasCost: Hex; actualGasUsed: Hex; success: boolean; reason?: Hex | null; logs: Log[];
  receipt: { transactionHash: Hex; blockHash: Hex; blockNumber: Hex; status?: Hex | null };
}
/** An event log of the operation, as the bundler sends it (`eth_getLogs` shape). */
export interface Log {
  address: Address; topics: Hex[]; data: Hex;
  blockNumber?: Hex; blockHash?: Hex; transactionHash?: Hex; transactionIndex?: Hex; logIndex?: Hex; removed?: boolean;
}
/** An EIP-1193 provider (`window.ethereum`, a WalletConnect or viem wallet transport). */
export interface Eip1193Provider { request(args: { method: string; params?: unknown[] }): Promise<unknown> }
export interface OwnerOperationOptions {
  /** The owner's wallet; it is asked for `personal_sign` of the raw userOpHash. */
  wallet: Eip1193Provider;
  /** The owner's address; default the wallet's first `eth_accounts` (`eth_requestAccounts` if empty). */
  owner?: Address;
  factory?: Address; factoryData?: Hex;
  /** `accountKind: "mav2-7702"`: the EOA's signed authorization, used while the EOA has no code. */
  authorization?: SignedAuthorization;
  /** Default 60000. */ timeoutMs?: number;
}
export interface SendOwnerOperationOptions extends OwnerOperationOptions {
  /** The account. */ account: Address;
  /** What the account executes (e.g. an installValidation self-call). */ callData: Hex;
  /** Expected chain id of the bundler; default: whatever it reports. */ chainId?: Quantity;
}
export interface OwnerOperationResult { userOpHash: Hex; receipt: UserOperationReceipt; session?: SessionRecord }
/** A session as the chain sees it (`sessionStatus`). Amounts are decimal strings; `null` where the
 *  grant sets no such limit or nothing is installed. */
export interface SessionChainStatus {
  /** The account has code (a counterfactual account has nothing installed). */
  deployed: boolean;
  /** Something is installed at the session's entity id. */
  installed: boolean;
  /** What is installed is this grant (validation, hooks, selectors, key, window, paymaster). */
  matchesGrant: boolean;
  /** What differs: "flags", "selectors", "validationHooks", "executionHooks", "signer",
   *  "timeRange", "paymaster", or "notInstalled". */
  mismatches: string[];
  /** What is left on chain: native value (wei), gas budget (wei), units per limited token. */
  remaining: { native: string | null; gas: string | null; erc20: Record<Address, string> };
  validUntil: number | null; validAfter: number | null; paymaster: Address | null;
  /** The store was changed to match the chain: "revoked" (an active session uninstalled
   *  elsewhere; its key is wiped) or "active" (a pending session found installed). */
  reconciled?: "revoked" | "active";
}
"#;

#[wasm_bindgen(inline_js = r#"
// provider.request({ method, params }): resolves its answer, rejects with [code, message] (code 0
// when the wallet gave none); undefined when the provider has no request(). Rust names the error.
export function walletRequest(provider, method, params) {
  if (typeof provider?.request !== "function") return undefined;
  return (async () => {
    try {
      return await provider.request({ method, params });
    } catch (e) {
      const message = typeof e?.message === "string" ? e.message : typeof e === "string" ? e : "the wallet refused";
      throw [typeof e?.code === "number" ? e.code : 0, message];
    }
  })();
}
// One progress event to the app's callback; a throwing callback is the app's bug, not a reason
// to abandon the send.
export function report(f, stage, userOpHash, userOp) {
  const event = { stage };
  if (userOpHash !== undefined) event.userOpHash = userOpHash;
  if (userOp !== undefined) event.userOp = userOp;
  try { f(event); } catch {}
}
"#)]
extern "C" {
    #[wasm_bindgen(js_name = walletRequest)]
    fn wallet_request(provider: &JsValue, method: &str, params: js_sys::Array) -> Option<js_sys::Promise>;
    #[wasm_bindgen(js_name = report)]
    fn report_progress(f: &js_sys::Function, stage: &str, user_op_hash: Option<String>, user_op: Option<JsValue>);
}

#[wasm_bindgen]
extern "C" {
    /// `SendCallsOptions` (typed optional argument).
    #[wasm_bindgen(typescript_type = "SendCallsOptions")]
    pub type JsSendCallsOptions;
    /// `WaitForReceiptOptions` (typed optional argument).
    #[wasm_bindgen(typescript_type = "WaitForReceiptOptions")]
    pub type JsWaitForReceiptOptions;
}

/// A paymaster service: its URL and the ERC-7677 `context` passed as is.
struct PaymasterOptions {
    url: String,
    context: Option<Value>,
}

/// The constructor's `BundlerClientOptions`.
struct ClientOptions {
    bundler_url: String,
    rpc_url: Option<String>,
    paymaster: Option<PaymasterOptions>,
    account_kind: AccountKind,
    entry_point: Option<Addr>,
    request_timeout_ms: Option<u64>,
}

/// A `u64` field; absent and `null` are `None`.
fn opt_u64(f: Fields<'_>, key: &str) -> Read<Option<u64>> {
    f.opt(key, read::u64_number)
}

impl ClientOptions {
    /// The constructor's options, read field by field.
    fn read(data: &Value) -> Result<Self> {
        let known = ["bundlerUrl", "rpcUrl", "paymaster", "accountKind", "entryPoint", "requestTimeoutMs"];
        read_options(data, "options", &known, |f| {
            Ok(ClientOptions {
                bundler_url: f.req("bundlerUrl", read::leaf)?,
                rpc_url: f.value("rpcUrl")?,
                paymaster: f.object("paymaster", &["url", "context"], true, |p| {
                    Ok(PaymasterOptions {
                        url: p.req("url", read::leaf)?,
                        context: p.opt("context", |v| Ok(v.clone()))?,
                    })
                })?,
                account_kind: f.present("accountKind", read::leaf)?.unwrap_or_default(),
                entry_point: f.value("entryPoint")?,
                request_timeout_ms: opt_u64(f, "requestTimeoutMs")?,
            })
        })
    }
}

/// `SendCallsOptions` without `onProgress`.
#[derive(Default)]
struct SendCallsOptions {
    factory: Option<Addr>,
    factory_data: Option<HexBytes>,
    nonce_key: Option<U256>,
    safety_margin_seconds: Option<u64>,
    batch: Option<bool>,
    authorization: Option<Authorization>,
}

/// Owner-operation options without the wallet (a JS object, read separately).
struct OwnerOptions {
    owner: Option<Addr>,
    factory: Option<Addr>,
    factory_data: Option<HexBytes>,
    authorization: Option<Authorization>,
    timeout_ms: Option<u64>,
    // sendOwnerOperation only
    account: Option<Addr>,
    call_data: Option<HexBytes>,
    chain_id: Option<u64>,
}

/// Sends session operations (and owner operations) through one bundler.
#[wasm_bindgen]
pub struct BundlerClient {
    net: Rc<Network<FetchTransport, WebClock>>,
    /// The stores this client has sent for: a receipt of an operation that carried a grant
    /// settles the session in its store.
    stores: Rc<RefCell<Vec<SessionKeyStore>>>,
}

/// `{ userOpHash, receipt }` of an owner operation.
fn owner_op_result(user_op_hash: B256, receipt: crate::rpc::bundler::UserOperationReceipt) -> Result<JsValue> {
    to_js(&Obj::new().hex("userOpHash", user_op_hash.as_slice()).put("receipt", receipt.into_json()).value())
}

fn factory_arg(factory: Option<Addr>, data: Option<HexBytes>, field: &str) -> Result<Option<(Address, Bytes)>> {
    match (factory, data) {
        (Some(f), d) => Ok(Some((f.0, d.map(|d| d.0).unwrap_or_default()))),
        (None, Some(_)) => Err(Error::input(field, InputRule::Missing, "is required when factoryData is given")),
        (None, None) => Ok(None),
    }
}

/// An EIP-1193 provider asked for `personal_sign`.
struct Eip1193Wallet {
    provider: JsValue,
    address: Address,
}

/// `provider.request({ method, params })`, awaited as a plain future ([`WalletRequest`]).
fn eip1193_request(provider: &JsValue, method: &'static str, params: js_sys::Array) -> WalletRequest {
    WalletRequest { fut: wallet_request(provider, method, params).map(JsFuture::from), method }
}

/// A wallet request in flight; `fut` is `None` when the provider has no `request()`.
struct WalletRequest {
    fut: Option<JsFuture>,
    method: &'static str,
}

impl std::future::Future for WalletRequest {
    type Output = Result<JsValue>;

    fn poll(mut self: std::pin::Pin<&mut Self>, cx: &mut std::task::Context<'_>) -> std::task::Poll<Result<JsValue>> {
        let method = self.method;
        let Some(fut) = &mut self.fut else {
            let e = Error::input("wallet", InputRule::Type, "expected an EIP-1193 provider with request()");
            return std::task::Poll::Ready(Err(e));
        };
        std::pin::Pin::new(fut).poll(cx).map(|r| r.map_err(|e| wallet_error(method, &e)))
    }
}

/// The wallet's refusal `[code, message]` of `method`.
fn wallet_error(method: &str, e: &JsValue) -> Error {
    let e = js_sys::Array::from(e);
    let wallet_code = e.get(0).as_f64().unwrap_or(0.0) as i64;
    // A wallet's refusal is its own kind, not a bundler error. EIP-1193's 4001 (the user said
    // no) gets its own code, since apps show it differently from a failure.
    let code = if wallet_code == 4001 { ErrorCode::WalletRejected } else { ErrorCode::WalletError };
    Error::Wallet { code, method: method.to_string(), wallet_code, message: e.get(1).as_string().unwrap_or_default() }
}

impl Eip1193Wallet {
    async fn connect(provider: JsValue, owner: Option<Address>) -> Result<Self> {
        if provider.is_undefined() || provider.is_null() {
            return Err(Error::input("wallet", InputRule::Missing, "is required (an EIP-1193 provider)"));
        }
        if let Some(address) = owner {
            return Ok(Self { provider, address });
        }
        let mut accounts = eip1193_request(&provider, "eth_accounts", js_sys::Array::new()).await?;
        if js_sys::Array::from(&accounts).length() == 0 {
            accounts = eip1193_request(&provider, "eth_requestAccounts", js_sys::Array::new()).await?;
        }
        let first = js_sys::Array::from(&accounts).get(0);
        let address = from_js::<Addr>(&first, "owner")
            .map_err(|_| Error::input("owner", InputRule::Missing, "the wallet reported no account"))?;
        Ok(Self { provider, address: address.0 })
    }
}

impl PersonalSign for Eip1193Wallet {
    fn address(&self) -> Address {
        self.address
    }
    async fn personal_sign(&self, hash: B256) -> Result<Bytes> {
        // personal_sign(data, address), data = the raw 32-byte hash in hex (viem signMessage({ raw })).
        let params = js_sys::Array::of2(&json::hex(hash).into(), &json::address(&self.address).into());
        let sig = eip1193_request(&self.provider, "personal_sign", params).await?;
        let hex: HexBytes = from_js(&sig, "signature")?;
        Ok(hex.0)
    }
}

/// The owner options minus `wallet` (a live JS object, not data).
fn owner_options(options: &JsValue) -> Result<OwnerOptions> {
    let data = opt_options_data(&without(options, "wallet"), "options")?;
    let known = ["owner", "factory", "factoryData", "authorization", "timeoutMs", "account", "callData", "chainId"];
    read_options(&data, "options", &known, |f| {
        Ok(OwnerOptions {
            owner: f.value("owner")?,
            factory: f.value("factory")?,
            factory_data: f.value("factoryData")?,
            authorization: f.opt("authorization", Authorization::read)?,
            timeout_ms: opt_u64(f, "timeoutMs")?,
            account: f.value("account")?,
            call_data: f.value("callData")?,
            chain_id: opt_u64(f, "chainId")?,
        })
    })
}

/// A shallow copy of `options` without one property (a provider or a callback, not data).
fn without(options: &JsValue, key: &str) -> JsValue {
    let copy = js_sys::Object::assign(&js_sys::Object::new(), options.unchecked_ref());
    let _ = js_sys::Reflect::delete_property(&copy, &key.into());
    copy.into()
}

fn hash_arg(v: &JsValue) -> Result<B256> {
    if v.is_undefined() || v.is_null() {
        return Err(Error::input("userOpHash", InputRule::Missing, "is required"));
    }
    Ok(from_js::<json::HexFixed<32>>(v, "userOpHash")?.0)
}

impl BundlerClient {
    /// The same client, owned by an export's `'static` future.
    fn share(&self) -> BundlerClient {
        BundlerClient { net: self.net.clone(), stores: self.stores.clone() }
    }

    fn remember(&self, store: &SessionKeyStore) {
        let mut stores = self.stores.borrow_mut();
        if !stores.iter().any(|s| s.same(store)) {
            stores.push(store.share());
        }
    }

    /// Every async export: one flow for all, `verb` picking the service call (and carrying the
    /// store it acts on). `id` is read first (a session id, or the userOpHash of
    /// `waitForReceipt`), then `arg` and `extra` (calls, options), so an export with several bad
    /// arguments names the first.
    fn flow(&self, verb: Verb, id: JsValue, arg: JsValue, extra: JsValue) -> js_sys::Promise {
        let this = self.share();
        spawn(Box::pin(async move {
            let net = &this.net;
            let id_js = id;
            let id = match &verb {
                Verb::CreateSession(_) | Verb::WaitForReceipt | Verb::Owner(None, _) => String::new(),
                _ => id_arg(&id_js)?,
            };
            match verb {
                Verb::SendCalls(store) => {
                    if arg.is_undefined() || arg.is_null() {
                        return Err(Error::input("calls", InputRule::Missing, "is required"));
                    }
                    let calls = read_js(&arg, "calls", CallRequest::read_list)?;
                    let (o, on_progress) = send_options(&extra)?;
                    let opts = SendOptions {
                        factory: factory_arg(o.factory, o.factory_data, "factory")?,
                        nonce_key: o.nonce_key,
                        safety_margin_s: o.safety_margin_seconds,
                        batch: o.batch,
                        authorization: o.authorization,
                    };
                    let report = |p: service::Progress| {
                        if let Some(f) = &on_progress {
                            let (stage, hash, op) = match p {
                                service::Progress::Estimating => ("estimating", None, None),
                                service::Progress::Signed(h, op) => ("signed", Some(h), Some(op)),
                                service::Progress::Sent(h) => ("sent", Some(h), None),
                            };
                            report_progress(f, stage, hash.map(json::hex), op.and_then(|op| to_js(&op.to_json()).ok()));
                        }
                    };
                    let hash = store.service()?.send_calls(net, &id, &calls, opts, &report).await?;
                    Ok(JsValue::from_str(&json::hex(hash)))
                }
                Verb::SessionStatus(store) => to_js(&store.service()?.status_on(net, &id).await?.to_json()),
                Verb::CreateSession(store) => {
                    let r = store.service()?.create_on(net, parse_new(&arg)?).await?;
                    store.public(&r)
                }
                Verb::WaitForReceipt => {
                    let hash = hash_arg(&id_js)?;
                    let data = opt_options_data(&extra, "options")?;
                    let timeout_ms = read_options(&data, "options", &["timeoutMs"], |f| opt_u64(f, "timeoutMs"))?;
                    let receipt = net.sender().wait_for_receipt(hash, timeout_ms).await?;
                    let stores: Vec<SessionKeyStore> = this.stores.borrow().iter().map(|s| s.share()).collect();
                    for store in stores {
                        if let Ok(service) = store.service() {
                            service.settle_receipt(hash, &receipt).await?;
                        }
                    }
                    to_js(&receipt.into_json())
                }
                Verb::DeferredInstall(store) => {
                    let data = opt_options_data(&arg, "options")?;
                    let deadline =
                        read_options(&data, "options", &["deadline"], |f| f.present("deadline", read::u64_number))?
                            .unwrap_or(0);
                    to_js(&store.service()?.deferred_install_on(net, &id, deadline).await?.into_json())
                }
                Verb::Owner(store, grant) => {
                    let options = arg;
                    if options.is_undefined() || options.is_null() {
                        let detail = match store {
                            Some(_) => "is required ({ wallet })",
                            None => "is required ({ wallet, account, callData })",
                        };
                        return Err(Error::input("options", InputRule::Missing, detail));
                    }
                    let wallet = js_sys::Reflect::get(&options, &"wallet".into()).unwrap_or(JsValue::UNDEFINED);
                    let o = owner_options(&options)?;
                    let Some(store) = store else {
                        let account =
                            o.account.ok_or_else(|| Error::input("account", InputRule::Missing, "is required"))?;
                        let call_data =
                            o.call_data.ok_or_else(|| Error::input("callData", InputRule::Missing, "is required"))?;
                        let factory = factory_arg(o.factory, o.factory_data, "factory")?;
                        let wallet = Eip1193Wallet::connect(wallet, o.owner.map(|a| a.0)).await?;
                        let op = service::OwnerOp {
                            chain_id: o.chain_id,
                            factory,
                            authorization: o.authorization,
                            timeout_ms: o.timeout_ms,
                        };
                        let (hash, receipt) =
                            service::owner_operation_with(net, wallet, account.0, call_data.0, op).await?;
                        return owner_op_result(hash, receipt);
                    };
                    let wallet = Eip1193Wallet::connect(wallet, o.owner.map(|a| a.0)).await?;
                    let service = store.service()?;
                    let change = if grant {
                        let factory = factory_arg(o.factory, o.factory_data, "factory")?;
                        service::OwnerChange::Grant { factory, authorization: o.authorization }
                    } else {
                        service::OwnerChange::Revoke
                    };
                    let (hash, receipt, r) = service.owner_change(net, &id, wallet, change, o.timeout_ms).await?;
                    let out = owner_op_result(hash, receipt)?;
                    let _ = js_sys::Reflect::set(&out, &"session".into(), &store.public(&r)?);
                    Ok(out)
                }
            }
        }))
    }
}

/// What [`BundlerClient::flow`] does: one variant per export, with the store it acts on.
enum Verb {
    SendCalls(SessionKeyStore),
    SessionStatus(SessionKeyStore),
    CreateSession(SessionKeyStore),
    WaitForReceipt,
    DeferredInstall(SessionKeyStore),
    /// `grantSession` (`true`) and `revokeSession` (`false`) of a session in the store;
    /// `sendOwnerOperation` without one.
    Owner(Option<SessionKeyStore>, bool),
}

#[wasm_bindgen]
impl BundlerClient {
    /// A client for one bundler (and optionally a node RPC and a paymaster service). Nothing is
    /// requested until the first call.
    #[wasm_bindgen(constructor)]
    pub fn new(
        #[wasm_bindgen(unchecked_param_type = "BundlerClientOptions")] options: JsValue,
    ) -> Result<BundlerClient, JsValue> {
        if options.is_undefined() || options.is_null() {
            return Err(Error::input("options", InputRule::Missing, "is required ({ bundlerUrl })").into());
        }
        let opts = ClientOptions::read(&opt_options_data(&options, "options")?)?;
        if opts.bundler_url.is_empty() {
            return Err(Error::input("bundlerUrl", InputRule::Missing, "is empty").into());
        }
        let timeout = opts.request_timeout_ms.unwrap_or(DEFAULT_TIMEOUT_MS);
        let config = SendConfig {
            entry_point: opts.entry_point.map(|a| a.0).unwrap_or(ENTRY_POINT_V07),
            chain_id: None,
            retry: RetryPolicy::default(),
            ..Default::default()
        };
        let mut sender = Sender::new(FetchTransport::new(&opts.bundler_url, timeout), WebClock, config);
        if let Some(url) = &opts.rpc_url {
            sender = sender.with_node(FetchTransport::new(url, timeout));
        }
        let has_paymaster = opts.paymaster.is_some();
        if let Some(pm) = opts.paymaster {
            sender = sender.with_paymaster(
                FetchTransport::new(&pm.url, timeout),
                pm.context.unwrap_or(Value::Object(Default::default())),
            );
        }
        let net = Network::new(sender, opts.account_kind, has_paymaster);
        Ok(BundlerClient { net: Rc::new(net), stores: Rc::new(RefCell::new(Vec::new())) })
    }

    /// Pre-check, build, estimate, sign with the session key and send `calls`
    /// (`[{ target, value?, data? }]`). Resolves the userOpHash. An out-of-scope call is refused
    /// (`OUT_OF_SCOPE_TARGET`, `NATIVE_LIMIT_EXCEEDED`, …) before any request.
    #[wasm_bindgen(js_name = sendCalls, unchecked_return_type = "Promise<Hex>")]
    pub fn send_calls(
        &self,
        store: &SessionKeyStore,
        #[wasm_bindgen(js_name = sessionId, unchecked_param_type = "string")] session_id: JsValue,
        #[wasm_bindgen(unchecked_param_type = "Call[]")] calls: JsValue,
        options: Option<JsSendCallsOptions>,
    ) -> js_sys::Promise {
        self.remember(store);
        let options: JsValue = options.map(Into::into).unwrap_or(JsValue::UNDEFINED);
        self.flow(Verb::SendCalls(store.share()), session_id, calls, options)
    }

    /// The session as the chain sees it: installed, matching its grant, the native, gas and
    /// ERC-20 budgets left, its window and paymaster. An `active` session uninstalled elsewhere is
    /// marked revoked in `store` and the answer says `reconciled: "revoked"`. MAv2 only
    /// (`ACCOUNT_KIND_UNSUPPORTED` for `simple-account`).
    #[wasm_bindgen(js_name = sessionStatus, unchecked_return_type = "Promise<SessionChainStatus>")]
    pub fn session_status(
        &self,
        store: &SessionKeyStore,
        #[wasm_bindgen(js_name = sessionId, unchecked_param_type = "string")] session_id: JsValue,
    ) -> js_sys::Promise {
        self.flow(Verb::SessionStatus(store.share()), session_id, JsValue::UNDEFINED, JsValue::UNDEFINED)
    }

    /// `store.create` with the entity id free both on chain and in the store (the SDK's search),
    /// so a session granted from another device or app is never overwritten. `store.create`
    /// alone, offline, knows only the store's ids.
    #[wasm_bindgen(js_name = createSession, unchecked_return_type = "Promise<SessionRecord>")]
    pub fn create_session(
        &self,
        store: &SessionKeyStore,
        #[wasm_bindgen(unchecked_param_type = "CreateSessionOptions")] options: JsValue,
    ) -> js_sys::Promise {
        self.flow(Verb::CreateSession(store.share()), JsValue::UNDEFINED, options, JsValue::UNDEFINED)
    }

    /// Poll `eth_getUserOperationReceipt` with backoff until the operation is mined; rejects with
    /// `RECEIPT_TIMEOUT` after `timeoutMs` (default 60000). When the operation carried a
    /// session's deferred grant and succeeded, that session becomes `active`.
    #[wasm_bindgen(js_name = waitForReceipt, unchecked_return_type = "Promise<UserOperationReceipt>")]
    pub fn wait_for_receipt(
        &self,
        #[wasm_bindgen(js_name = userOpHash, unchecked_param_type = "Hex")] user_op_hash: JsValue,
        options: Option<JsWaitForReceiptOptions>,
    ) -> js_sys::Promise {
        let options: JsValue = options.map(Into::into).unwrap_or(JsValue::UNDEFINED);
        self.flow(Verb::WaitForReceipt, user_op_hash, JsValue::UNDEFINED, options)
    }

    /// `SessionKeyStore.deferredInstall` with the nonce's sequence read from the chain (the
    /// session's deferred nonce key may have been used before, by an earlier session at the same
    /// entity id). Resolves the typed data for the owner's `eth_signTypedData_v4`.
    #[wasm_bindgen(js_name = deferredInstall, unchecked_return_type = "Promise<DeferredSessionInstall>")]
    pub fn deferred_install(
        &self,
        store: &SessionKeyStore,
        #[wasm_bindgen(js_name = sessionId, unchecked_param_type = "string")] session_id: JsValue,
        #[wasm_bindgen(unchecked_param_type = "{ deadline?: Quantity } | undefined")] options: JsValue,
    ) -> js_sys::Promise {
        self.flow(Verb::DeferredInstall(store.share()), session_id, options, JsValue::UNDEFINED)
    }

    /// Grant the session with an operation of the account's owner: `installValidation` call data,
    /// the owner's nonce key (SMA fallback validation: entity 0, global → key 1), the userOpHash
    /// signed by the wallet with `personal_sign`, packed `0xFF ‖ 0x00 ‖ sig65`; waits until it is
    /// mined, then marks the session active. Resolves `{ userOpHash, receipt, session }`.
    #[wasm_bindgen(js_name = grantSession, unchecked_return_type = "Promise<OwnerOperationResult>")]
    pub fn grant_session(
        &self,
        store: &SessionKeyStore,
        #[wasm_bindgen(js_name = sessionId, unchecked_param_type = "string")] session_id: JsValue,
        #[wasm_bindgen(unchecked_param_type = "OwnerOperationOptions")] options: JsValue,
    ) -> js_sys::Promise {
        self.flow(Verb::Owner(Some(store.share()), true), session_id, options, JsValue::UNDEFINED)
    }

    /// Revoke the session with an owner operation calling `uninstallValidation`; once mined the
    /// session is revoked and its key wiped. Needs no session key (works when the store's
    /// wrapping key is gone). Resolves `{ userOpHash, receipt, session }`.
    #[wasm_bindgen(js_name = revokeSession, unchecked_return_type = "Promise<OwnerOperationResult>")]
    pub fn revoke_session(
        &self,
        store: &SessionKeyStore,
        #[wasm_bindgen(js_name = sessionId, unchecked_param_type = "string")] session_id: JsValue,
        #[wasm_bindgen(unchecked_param_type = "OwnerOperationOptions")] options: JsValue,
    ) -> js_sys::Promise {
        self.flow(Verb::Owner(Some(store.share()), false), session_id, options, JsValue::UNDEFINED)
    }

    /// Any operation of the account's owner, signed by an EIP-1193 wallet (`personal_sign` of the
    /// raw userOpHash) — the path `grantSession` takes. Waits for the receipt.
    /// Resolves `{ userOpHash, receipt }`.
    #[wasm_bindgen(js_name = sendOwnerOperation, unchecked_return_type = "Promise<OwnerOperationResult>")]
    pub fn send_owner_operation(
        &self,
        #[wasm_bindgen(unchecked_param_type = "SendOwnerOperationOptions")] options: JsValue,
    ) -> js_sys::Promise {
        self.flow(Verb::Owner(None, false), JsValue::UNDEFINED, options, JsValue::UNDEFINED)
    }
}

/// The send options minus `onProgress` (a function, not data).
fn send_options(options: &JsValue) -> Result<(SendCallsOptions, Option<js_sys::Function>)> {
    if options.is_undefined() || options.is_null() {
        return Ok((SendCallsOptions::default(), None));
    }
    let f = js_sys::Reflect::get(options, &"onProgress".into()).unwrap_or(JsValue::UNDEFINED);
    let on_progress = if f.is_undefined() || f.is_null() {
        None
    } else {
        Some(
            f.dyn_into::<js_sys::Function>()
                .map_err(|_| Error::input("onProgress", InputRule::Type, "expected a function"))?,
        )
    };
    let data = opt_options_data(&without(options, "onProgress"), "options")?;
    let known = ["factory", "factoryData", "nonceKey", "safetyMarginSeconds", "batch", "authorization"];
    let o = read_options(&data, "options", &known, |f| {
        Ok(SendCallsOptions {
            factory: f.value("factory")?,
            factory_data: f.value("factoryData")?,
            nonce_key: f.opt("nonceKey", read::u256)?,
            safety_margin_seconds: opt_u64(f, "safetyMarginSeconds")?,
            batch: f.value("batch")?,
            authorization: f.opt("authorization", Authorization::read)?,
        })
    })?;
    Ok((o, on_progress))
}
