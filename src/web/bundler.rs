//! `BundlerClient`: send a session's calls as a user operation, wait for its receipt, and grant or
//! revoke a session with an operation the owner's wallet signs.
//!
//! ```js
//! const bundler = new BundlerClient({ bundlerUrl: "https://…" });      // rpcUrl?, paymaster?, accountKind?
//! const hash = await bundler.sendCalls(store, session.id, [{ target, value: 1n, data: "0x" }]);
//! const receipt = await bundler.waitForReceipt(hash);                  // { timeoutMs? }
//! await bundler.grantSession(store, session.id, { wallet: window.ethereum }); // owner op, then markActive
//! ```
//!
//! `sendCalls` does, in this order, with nothing sent before the pre-check passed:
//! 1. reads the session (its key stays in wasm) and refuses a revoked or expired one;
//! 2. encodes the calls (`execute` / `executeBatch`, behind `executeUserOp` when the session has
//!    execution hooks) and pre-checks them against the session's permissions and time window
//!    (`precheck`): an out-of-scope call is refused with the permission it breaks, no request made;
//! 3. checks once per client that the bundler is on the session's chain and serves EntryPoint v0.7;
//! 4. picks the nonce: the one the owner's deferred authorization is bound to for the first op
//!    after a deferred grant (its signature then carries the install), else a fresh random
//!    parallel nonce key per send, so sends from several tabs or workers at once never collide
//!    (AA25) — or the `nonceKey` given;
//! 5. gets fees, paymaster stub data (ERC-7677) if configured, estimates with the dummy signature,
//!    gets the final paymaster data, signs, sends (safe to resend), and returns the userOpHash.

use std::cell::Cell;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;

use alloy_primitives::aliases::U192;
use alloy_primitives::{Address, Bytes, B256, U256};
use alloy_sol_types::{sol, SolCall};
use serde::Deserialize;
use serde_json::Value;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

use crate::abi::Call;
use crate::addresses::ENTRY_POINT_V07;
use crate::calls::{self, CallRequest, EncodeCallsRequest};
use crate::deferred;
use crate::error::{Error, InputRule, Result};
use crate::install;
use crate::json::{self, Addr, HexBytes};
use crate::nonce::{self, NonceKeyRequest};
use crate::precheck::{self, Scope};
use crate::rpc::bundler::UserOperationReceipt;
use crate::rpc::RetryPolicy;
use crate::send::{
    owner_nonce_key, AccountKind, Mav2SessionSigner, OpRequest, OwnerSigner, PersonalSign, SendConfig, Sender,
    SimpleAccountSigner, UserOpSigner,
};
use crate::session::{SessionRecord, StoredStatus};
use crate::web::clock::{self, WebClock};
use crate::web::convert::{from_js, id_arg, js_to_json, to_js};
use crate::web::fetch::{FetchTransport, DEFAULT_TIMEOUT_MS};
use crate::web::store::{spawn, SessionKeyStore};

sol! {
    /// eth-infinitism SimpleAccount's execute functions (the `simple-account` kind).
    interface ISimpleAccountExec {
        function execute(address dest, uint256 value, bytes func) external;
        function executeBatch(address[] dest, uint256[] value, bytes[] func) external;
    }
}

#[wasm_bindgen(typescript_custom_section)]
const TS_BUNDLER_TYPES: &'static str = r#"
/** `"mav2"` (default): Modular Account V2, session signature `0xFF‖0x00‖sig65` (deferred install in
 *  front on the first op after a deferred grant), MAv2 `execute`/`executeBatch`.
 *  `"simple-account"`: eth-infinitism SimpleAccount from the EntryPoint package, raw 65-byte
 *  signature and its own `execute`/`executeBatch`; for local chains without MAv2 (tests, demos). */
export type AccountKind = "mav2" | "simple-account";
export interface BundlerClientOptions {
  /** ERC-7769 bundler JSON-RPC URL (fetch; the bundler must allow this origin with CORS). */
  bundlerUrl: string;
  /** Node JSON-RPC URL for eth_call (nonce), eth_getCode and fees; default bundlerUrl. */
  rpcUrl?: string;
  /** ERC-7677 paymaster service; `context` is passed as is. */
  paymaster?: { url: string; context?: unknown };
  accountKind?: AccountKind;
  /** Default EntryPoint v0.7 (0x0000000071727De22E5E9d8BAf0edAc6f37da032). */
  entryPoint?: Address;
  /** Per request; default 30000. */
  requestTimeoutMs?: number;
}
export interface SendCallsOptions {
  /** Account factory and its call data, used only while the account has no code. */
  factory?: Address; factoryData?: Hex;
  /** Parallel nonce key (≤ 152 bits for MAv2). Default: a fresh random 64-bit key per send, so
   *  concurrent sends (tabs, workers) never share a nonce. Give one to keep operations ordered. */
  nonceKey?: Quantity;
  /** Seconds the session must still be valid when sending; default 30. */
  safetyMarginSeconds?: number;
  /** Force executeBatch (true) or execute of one call (false); default: batch unless one call. */
  batch?: boolean;
}
export interface WaitForReceiptOptions { /** Default 60000. */ timeoutMs?: number }
/** ERC-7769 `eth_getUserOperationReceipt` (quantities as hex). */
export interface UserOperationReceipt {
  userOpHash: Hex; entryPoint: Address; sender: Address; nonce: Hex; paymaster?: Address | null;
  actualGasCost: Hex; actualGasUsed: Hex; success: boolean; reason?: Hex | null; logs: unknown[];
  receipt: { transactionHash: Hex; blockHash: Hex; blockNumber: Hex; status?: Hex | null };
}
/** An EIP-1193 provider (`window.ethereum`, a WalletConnect or viem wallet transport). */
export interface Eip1193Provider { request(args: { method: string; params?: unknown[] }): Promise<unknown> }
export interface OwnerOperationOptions {
  /** The owner's wallet; it is asked for `personal_sign` of the raw userOpHash. */
  wallet: Eip1193Provider;
  /** The owner's address; default the wallet's first `eth_accounts` (`eth_requestAccounts` if empty). */
  owner?: Address;
  factory?: Address; factoryData?: Hex;
  /** Default 60000. */ timeoutMs?: number;
}
export interface SendOwnerOperationOptions extends OwnerOperationOptions {
  /** The account. */ account: Address;
  /** What the account executes (e.g. an installValidation self-call). */ callData: Hex;
  /** Expected chain id of the bundler; default: whatever it reports. */ chainId?: Quantity;
}
export interface OwnerOperationResult { userOpHash: Hex; receipt: UserOperationReceipt; session?: SessionRecord }
"#;

#[wasm_bindgen]
extern "C" {
    /// `SendCallsOptions` (typed optional argument).
    #[wasm_bindgen(typescript_type = "SendCallsOptions")]
    pub type JsSendCallsOptions;
    /// `WaitForReceiptOptions` (typed optional argument).
    #[wasm_bindgen(typescript_type = "WaitForReceiptOptions")]
    pub type JsWaitForReceiptOptions;
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct PaymasterOptions {
    url: String,
    #[serde(default)]
    context: Option<Value>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct ClientOptions {
    bundler_url: String,
    #[serde(default)]
    rpc_url: Option<String>,
    #[serde(default)]
    paymaster: Option<PaymasterOptions>,
    #[serde(default)]
    account_kind: AccountKind,
    #[serde(default)]
    entry_point: Option<Addr>,
    #[serde(default, with = "json::opt::u64")]
    request_timeout_ms: Option<u64>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct SendCallsOptions {
    #[serde(default)]
    factory: Option<Addr>,
    #[serde(default)]
    factory_data: Option<HexBytes>,
    #[serde(default, with = "json::opt::u256")]
    nonce_key: Option<U256>,
    #[serde(default, with = "json::opt::u64")]
    safety_margin_seconds: Option<u64>,
    #[serde(default)]
    batch: Option<bool>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct WaitOptions {
    #[serde(default, with = "json::opt::u64")]
    timeout_ms: Option<u64>,
}

/// Owner-operation options without the wallet (a JS object, read separately).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct OwnerOptions {
    #[serde(default)]
    owner: Option<Addr>,
    #[serde(default)]
    factory: Option<Addr>,
    #[serde(default)]
    factory_data: Option<HexBytes>,
    #[serde(default, with = "json::opt::u64")]
    timeout_ms: Option<u64>,
    // sendOwnerOperation only
    #[serde(default)]
    account: Option<Addr>,
    #[serde(default)]
    call_data: Option<HexBytes>,
    #[serde(default, with = "json::opt::u64")]
    chain_id: Option<u64>,
}

/// Default seconds a session must still be valid when an operation is sent.
pub const DEFAULT_SAFETY_MARGIN_S: u64 = 30;

/// Sends session operations (and owner operations) through one bundler.
#[wasm_bindgen]
pub struct BundlerClient {
    opts: Rc<ClientOptions>,
    /// Chain id the bundler was checked against (chain and EntryPoint), once.
    checked_chain: Rc<Cell<Option<u64>>>,
}

fn parse_opt<T: serde::de::DeserializeOwned + Default>(v: &JsValue, name: &str) -> Result<T> {
    if v.is_undefined() || v.is_null() {
        return Ok(T::default());
    }
    from_js(v, name)
}

fn now_s() -> u64 {
    clock::now_ms() / 1000
}

/// A random 64-bit parallel nonce key (never 0, so it never meets the sequential key).
fn random_parallel_key() -> Result<U256> {
    let mut b = [0u8; 8];
    getrandom::fill(&mut b).map_err(|e| Error::Random { detail: e.to_string() })?;
    Ok(U256::from(u64::from_be_bytes(b).max(1)))
}

/// Either kind of session signer, so one flow serves both.
enum SessionSigner<'a> {
    Mav2(Mav2SessionSigner<'a>),
    Simple(SimpleAccountSigner<'a>),
}

impl UserOpSigner for SessionSigner<'_> {
    fn dummy_signature(&self) -> Bytes {
        match self {
            SessionSigner::Mav2(s) => s.dummy_signature(),
            SessionSigner::Simple(s) => s.dummy_signature(),
        }
    }
    async fn sign(&self, user_op_hash: B256) -> Result<Bytes> {
        match self {
            SessionSigner::Mav2(s) => s.sign(user_op_hash).await,
            SessionSigner::Simple(s) => s.sign(user_op_hash).await,
        }
    }
}

/// The call data of `calls` for this kind of account.
fn encode(kind: AccountKind, account: Address, calls: &[CallRequest], batch: Option<bool>, hooks: bool) -> Result<Bytes> {
    match kind {
        AccountKind::Mav2 => calls::encode_calls(&EncodeCallsRequest {
            account: Some(Addr(account)),
            calls: calls.to_vec(),
            batch,
            with_execution_hooks: Some(hooks),
        }),
        AccountKind::SimpleAccount => Ok(match (calls, batch) {
            ([one], None | Some(false)) => ISimpleAccountExec::executeCall {
                dest: one.target.0,
                value: one.value,
                func: one.data.0.clone(),
            }
            .abi_encode()
            .into(),
            (_, Some(false)) => {
                return Err(Error::input("calls", InputRule::Length, "batch: false takes exactly one call"))
            }
            (many, _) => ISimpleAccountExec::executeBatchCall {
                dest: many.iter().map(|c| c.target.0).collect(),
                value: many.iter().map(|c| c.value).collect(),
                func: many.iter().map(|c| c.data.0.clone()).collect(),
            }
            .abi_encode()
            .into(),
        }),
    }
}

/// An EIP-1193 provider asked for `personal_sign`.
struct Eip1193Wallet {
    provider: JsValue,
    address: Address,
}

async fn eip1193_request(provider: &JsValue, method: &str, params: js_sys::Array) -> Result<JsValue> {
    let request: js_sys::Function = js_sys::Reflect::get(provider, &"request".into())
        .ok()
        .and_then(|f| f.dyn_into().ok())
        .ok_or_else(|| Error::input("wallet", InputRule::Type, "expected an EIP-1193 provider with request()"))?;
    let args = js_sys::Object::new();
    let _ = js_sys::Reflect::set(&args, &"method".into(), &method.into());
    let _ = js_sys::Reflect::set(&args, &"params".into(), &params);
    let wallet_error = |e: JsValue| {
        let code = js_sys::Reflect::get(&e, &"code".into()).ok().and_then(|c| c.as_f64()).unwrap_or(0.0) as i64;
        let message = js_sys::Reflect::get(&e, &"message".into())
            .ok()
            .and_then(|m| m.as_string())
            .or_else(|| e.as_string())
            .unwrap_or_else(|| "the wallet refused".into());
        // Wallet errors are not bundler errors. EIP-1193's 4001 (the user said no) gets its own
        // code, since apps show it differently from a failure; 4100 (unauthorized), 4200
        // (unsupported) and node-wallet JSON-RPC codes stay RPC_ERROR. The wallet's code and
        // message are kept either way.
        let stable = if code == 4001 { "WALLET_REJECTED" } else { "RPC_ERROR" };
        Error::Rpc { code: stable, method: method.to_string(), rpc_code: code, message, data: None }
    };
    let p = request.call1(provider, &args).map_err(wallet_error)?;
    let p: js_sys::Promise = match p.dyn_into() {
        Ok(p) => p,
        Err(v) => return Ok(v),
    };
    JsFuture::from(p).await.map_err(wallet_error)
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

/// A boxed future: awaited at several places, its state machine is compiled once, out of line.
type Boxed<'a, T> = Pin<Box<dyn Future<Output = Result<T>> + 'a>>;

impl BundlerClient {
    /// The same client, owned by an export's `'static` future (the checked chain is shared).
    fn share(&self) -> BundlerClient {
        BundlerClient { opts: self.opts.clone(), checked_chain: self.checked_chain.clone() }
    }

    fn transport(&self, url: &str) -> FetchTransport {
        FetchTransport::new(url, self.opts.request_timeout_ms.unwrap_or(DEFAULT_TIMEOUT_MS))
    }

    fn entry_point(&self) -> Address {
        self.opts.entry_point.map(|a| a.0).unwrap_or(ENTRY_POINT_V07)
    }

    /// A sender for chain `chain_id` (`None`: whatever the bundler reports).
    fn sender(&self, chain_id: Option<u64>) -> Sender<FetchTransport, WebClock> {
        let config = SendConfig {
            entry_point: self.entry_point(),
            chain_id,
            retry: RetryPolicy::default(),
            ..Default::default()
        };
        let mut s = Sender::new(self.transport(&self.opts.bundler_url), WebClock, config);
        if let Some(url) = &self.opts.rpc_url {
            s = s.with_node(self.transport(url));
        }
        if let Some(pm) = &self.opts.paymaster {
            s = s.with_paymaster(self.transport(&pm.url), pm.context.clone().unwrap_or(Value::Object(Default::default())));
        }
        match (chain_id, self.checked_chain.get()) {
            (Some(want), Some(have)) if want == have => s.with_known_chain(have),
            _ => s,
        }
    }

    async fn ready(&self, s: &Sender<FetchTransport, WebClock>) -> Result<u64> {
        let id = s.ready().await?;
        self.checked_chain.set(Some(id));
        Ok(id)
    }

    /// The session's paymaster rule: a session bound to a paymaster only validates operations it pays.
    fn check_paymaster_configured(&self, r: &SessionRecord) -> Result<()> {
        if let (Some(required), None) = (r.paymaster, &self.opts.paymaster) {
            return Err(Error::input(
                "paymaster",
                InputRule::Missing,
                format!(
                    "this session only validates operations paid by paymaster {}; give BundlerClient a paymaster service",
                    json::address(&required.0)
                ),
            ));
        }
        Ok(())
    }

    /// Encode and pre-check `calls` for session `r` (no request is made). Returns the call data.
    fn prepare_calls(&self, r: &SessionRecord, calls: &[CallRequest], o: &SendCallsOptions) -> Result<Bytes> {
        let now = now_s();
        r.check_usable(now)?;
        self.check_paymaster_configured(r)?;
        let set = r.install_request()?.permission_set()?;
        let scope = Scope::from_permission_set(&set, r.expires_at, r.valid_after)
            .with_safety_margin(o.safety_margin_seconds.unwrap_or(DEFAULT_SAFETY_MARGIN_S));
        let kind = self.opts.account_kind;
        let call_data = encode(kind, r.account.0, calls, o.batch, set.has_execution_hooks)?;
        match kind {
            // The call data exactly as the account will see it (executeUserOp prefix included).
            AccountKind::Mav2 => precheck::check_call_data(&call_data, &scope, now)?,
            AccountKind::SimpleAccount => {
                let calls: Vec<Call> = calls.iter().map(Call::from).collect();
                precheck::check(&calls, &scope, now)?
            }
        }
        Ok(call_data)
    }

    async fn send_calls_inner(
        &self,
        store: &SessionKeyStore,
        id: String,
        calls: Vec<CallRequest>,
        o: SendCallsOptions,
    ) -> Result<B256> {
        if calls.is_empty() {
            return Err(Error::input("calls", InputRule::Length, "give at least one call"));
        }
        let (mut record, key) = store.session_key(&id).await?;
        let call_data = self.prepare_calls(&record, &calls, &o)?;
        // Nothing has been sent before this point.
        let s = self.sender(Some(record.chain_id));
        self.ready(&s).await?;
        let kind = self.opts.account_kind;
        let account = record.account.0;
        let (nonce, prefix) = self.pick_nonce(store, &s, &mut record, &o).await?;
        let signer = match kind {
            AccountKind::Mav2 => SessionSigner::Mav2(Mav2SessionSigner { key: &key, deferred_prefix: prefix }),
            AccountKind::SimpleAccount => SessionSigner::Simple(SimpleAccountSigner(&key)),
        };
        let factory = match (o.factory, o.factory_data) {
            (Some(f), d) => Some((f.0, d.map(|d| d.0).unwrap_or_default())),
            (None, Some(_)) => return Err(Error::input("factory", InputRule::Missing, "is required when factoryData is given")),
            (None, None) => None,
        };
        let req = OpRequest {
            sender: account,
            nonce_key: U192::from(nonce >> 64),
            factory,
            call_data,
            nonce: Some(nonce),
            fees: None,
        };
        let mut op = s.build(&req, &signer).await?;
        if let (Some(required), Some(used)) = (record.paymaster, op.paymaster) {
            if required != used {
                return Err(Error::input(
                    "paymaster",
                    InputRule::Address,
                    format!(
                        "the paymaster service chose {}, but this session only validates operations paid by {}",
                        json::address(&used.0),
                        json::address(&required.0)
                    ),
                ));
            }
        }
        s.sign(&mut op, &signer).await?;
        s.send_signed(&op).await
    }

    /// The nonce of the next operation of session `r`, and the deferred prefix it carries.
    async fn pick_nonce(
        &self,
        store: &SessionKeyStore,
        s: &Sender<FetchTransport, WebClock>,
        r: &mut SessionRecord,
        o: &SendCallsOptions,
    ) -> Result<(U256, Option<Bytes>)> {
        let account = r.account.0;
        if self.opts.account_kind == AccountKind::Mav2 {
            let signed = r.deferred.as_ref().filter(|d| d.deferred_action_digest.is_some()).map(|d| d.nonce);
            if let (StoredStatus::Pending, Some(bound)) = (r.status, signed) {
                let onchain = s.nonce(account, U192::from(bound >> 64)).await?;
                if onchain <= bound {
                    // The first op after a deferred grant: its nonce is the one the owner signed.
                    let full = r.deferred_for_nonce(bound).expect("signed deferred state");
                    let (_, _, prefix) = deferred::split_deferred_action(&full)?;
                    return Ok((bound, Some(prefix)));
                }
                // That nonce is used: the op carrying the install landed. Record it.
                mark(store, &r.id, "markActive").await?;
                r.status = StoredStatus::Active;
            }
        }
        let parallel = match o.nonce_key {
            Some(k) => k,
            None => random_parallel_key()?,
        };
        let key = match self.opts.account_kind {
            AccountKind::Mav2 => {
                let global = r.install_request()?.permission_set()?.is_global;
                nonce::nonce_key(&NonceKeyRequest {
                    nonce_key: Some(parallel),
                    entity_id: Some(r.entity_id),
                    is_global_validation: Some(global),
                    is_deferred_action: Some(false),
                })?
            }
            AccountKind::SimpleAccount => {
                if parallel.bit_len() > 192 {
                    return Err(Error::InvalidNonceKey { value: json::quantity(parallel) });
                }
                parallel
            }
        };
        Ok((s.nonce(account, U192::from(key)).await?, None))
    }

    async fn wait(&self, hash: B256, timeout_ms: Option<u64>) -> Result<UserOperationReceipt> {
        self.sender(None).wait_for_receipt(hash, timeout_ms).await
    }

    fn owner_operation<'a>(
        &'a self,
        wallet: JsValue,
        o: &'a OwnerOptions,
        account: Address,
        call_data: Bytes,
        chain_id: Option<u64>,
    ) -> Boxed<'a, (B256, UserOperationReceipt)> {
        Box::pin(self.owner_operation_inner(wallet, o, account, call_data, chain_id))
    }

    async fn owner_operation_inner(
        &self,
        wallet: JsValue,
        o: &OwnerOptions,
        account: Address,
        call_data: Bytes,
        chain_id: Option<u64>,
    ) -> Result<(B256, UserOperationReceipt)> {
        let s = self.sender(chain_id);
        self.ready(&s).await?;
        let wallet = Eip1193Wallet::connect(wallet, o.owner.map(|a| a.0)).await?;
        let kind = self.opts.account_kind;
        let signer = OwnerSigner { wallet, kind };
        let factory = match (o.factory, &o.factory_data) {
            (Some(f), d) => Some((f.0, d.as_ref().map(|d| d.0.clone()).unwrap_or_default())),
            (None, Some(_)) => return Err(Error::input("factory", InputRule::Missing, "is required when factoryData is given")),
            (None, None) => None,
        };
        let req = OpRequest { sender: account, nonce_key: owner_nonce_key(kind), factory, call_data, ..Default::default() };
        let sent = s.send(&req, &signer).await?;
        let receipt = s.wait_for_receipt(sent.user_op_hash, o.timeout_ms).await?;
        if !receipt.success {
            return Err(Error::Rpc {
                code: "BUNDLER_USER_OP_REVERTED",
                method: "eth_getUserOperationReceipt".into(),
                rpc_code: -32521,
                message: format!("the owner operation {} was mined but its execution reverted", sent.user_op_hash),
                data: receipt.reason.as_ref().map(|r| format!("\"{r}\"")),
            });
        }
        Ok((sent.user_op_hash, receipt))
    }

    /// `grantSession` / `revokeSession` (one body for both).
    fn grant_or_revoke(&self, store: &SessionKeyStore, id: JsValue, options: JsValue, grant: bool) -> js_sys::Promise {
        let (this, store) = (self.share(), store.share());
        spawn(Box::pin(async move { this.grant_or_revoke_inner(&store, id, options, grant).await }))
    }

    async fn grant_or_revoke_inner(&self, store: &SessionKeyStore, id: JsValue, options: JsValue, grant: bool) -> Result<JsValue> {
        let id = id_arg(&id)?;
        if options.is_undefined() || options.is_null() {
            return Err(Error::input("options", InputRule::Missing, "is required ({ wallet })"));
        }
        let wallet = js_sys::Reflect::get(&options, &"wallet".into()).unwrap_or(JsValue::UNDEFINED);
        let o = owner_options(&options)?;
        let (r, _key) = store.session_key(&id).await?;
        let call_data = if grant {
            r.check_usable(now_s())?;
            install::encode_session_install(&r.install_request()?, now_s())?
        } else {
            install::encode_session_uninstall(&r.uninstall_request()?)?
        };
        let (hash, receipt) = self.owner_operation(wallet, &o, r.account.0, call_data, Some(r.chain_id)).await?;
        let session = mark(store, &id, if grant { "markActive" } else { "markRevoked" }).await?;
        let out = to_js(&serde_json::json!({ "userOpHash": json::hex(hash), "receipt": receipt }))?;
        let _ = js_sys::Reflect::set(&out, &"session".into(), &session);
        Ok(out)
    }
}

/// The owner options minus `wallet` (a live JS object, not data).
fn owner_options(options: &JsValue) -> Result<OwnerOptions> {
    let mut v = js_to_json(&without_wallet(options), "options")?;
    if let Value::Object(m) = &mut v {
        m.remove("wallet");
    }
    json::from_value(&v).map_err(|e| match e {
        Error::InvalidInput { field, rule, detail } => Error::InvalidInput { field: format!("options.{field}"), rule, detail },
        other => other,
    })
}

/// A shallow copy of `options` without its `wallet` (providers are not plain data).
fn without_wallet(options: &JsValue) -> JsValue {
    let copy = js_sys::Object::assign(&js_sys::Object::new(), options.unchecked_ref());
    let _ = js_sys::Reflect::delete_property(&copy, &"wallet".into());
    copy.into()
}

/// Call the store's `markActive` / `markRevoked` (its own status rules apply).
async fn mark(store: &SessionKeyStore, id: &str, which: &str) -> Result<JsValue> {
    let p = match which {
        "markActive" => store.mark_active(JsValue::from_str(id)),
        _ => store.mark_revoked(JsValue::from_str(id)),
    };
    JsFuture::from(p).await.map_err(|e| Error::Storage { op: "mark session", detail: format!("{e:?}") })
}

fn hash_arg(v: &JsValue) -> Result<B256> {
    if v.is_undefined() || v.is_null() {
        return Err(Error::input("userOpHash", InputRule::Missing, "is required"));
    }
    Ok(from_js::<json::HexFixed<32>>(v, "userOpHash")?.0)
}

#[wasm_bindgen]
impl BundlerClient {
    /// A client for one bundler (and optionally a node RPC and a paymaster service). Nothing is
    /// requested until the first call.
    #[wasm_bindgen(constructor)]
    pub fn new(#[wasm_bindgen(unchecked_param_type = "BundlerClientOptions")] options: JsValue) -> Result<BundlerClient, JsValue> {
        if options.is_undefined() || options.is_null() {
            return Err(Error::input("options", InputRule::Missing, "is required ({ bundlerUrl })").into());
        }
        let opts: ClientOptions = from_js(&options, "options")?;
        if opts.bundler_url.is_empty() {
            return Err(Error::input("options.bundlerUrl", InputRule::Missing, "is empty").into());
        }
        Ok(BundlerClient { opts: Rc::new(opts), checked_chain: Rc::new(Cell::new(None)) })
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
        let (this, store) = (self.share(), store.share());
        let options: JsValue = options.map(Into::into).unwrap_or(JsValue::UNDEFINED);
        spawn(Box::pin(async move {
            let id = id_arg(&session_id)?;
            if calls.is_undefined() || calls.is_null() {
                return Err(Error::input("calls", InputRule::Missing, "is required"));
            }
            let calls: Vec<CallRequest> = from_js(&calls, "calls")?;
            let o: SendCallsOptions = parse_opt(&options, "options")?;
            let hash = this.send_calls_inner(&store, id, calls, o).await?;
            Ok(JsValue::from_str(&json::hex(hash)))
        }))
    }

    /// Poll `eth_getUserOperationReceipt` with backoff until the operation is mined; rejects with
    /// `RECEIPT_TIMEOUT` after `timeoutMs` (default 60000).
    #[wasm_bindgen(js_name = waitForReceipt, unchecked_return_type = "Promise<UserOperationReceipt>")]
    pub fn wait_for_receipt(
        &self,
        #[wasm_bindgen(js_name = userOpHash, unchecked_param_type = "Hex")] user_op_hash: JsValue,
        options: Option<JsWaitForReceiptOptions>,
    ) -> js_sys::Promise {
        let this = self.share();
        let options: JsValue = options.map(Into::into).unwrap_or(JsValue::UNDEFINED);
        spawn(Box::pin(async move {
            let hash = hash_arg(&user_op_hash)?;
            let o: WaitOptions = parse_opt(&options, "options")?;
            let r = this.wait(hash, o.timeout_ms).await?;
            to_js(&r)
        }))
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
        self.grant_or_revoke(store, session_id, options, true)
    }

    /// Revoke the session with an owner operation calling `uninstallValidation`; marks it revoked
    /// once mined. Resolves `{ userOpHash, receipt, session }`.
    #[wasm_bindgen(js_name = revokeSession, unchecked_return_type = "Promise<OwnerOperationResult>")]
    pub fn revoke_session(
        &self,
        store: &SessionKeyStore,
        #[wasm_bindgen(js_name = sessionId, unchecked_param_type = "string")] session_id: JsValue,
        #[wasm_bindgen(unchecked_param_type = "OwnerOperationOptions")] options: JsValue,
    ) -> js_sys::Promise {
        self.grant_or_revoke(store, session_id, options, false)
    }

    /// Any operation of the account's owner, signed by an EIP-1193 wallet (`personal_sign` of the
    /// raw userOpHash) — the path `grantSession` takes. Waits for the receipt.
    /// Resolves `{ userOpHash, receipt }`.
    #[wasm_bindgen(js_name = sendOwnerOperation, unchecked_return_type = "Promise<OwnerOperationResult>")]
    pub fn send_owner_operation(
        &self,
        #[wasm_bindgen(unchecked_param_type = "SendOwnerOperationOptions")] options: JsValue,
    ) -> js_sys::Promise {
        let this = self.share();
        spawn(Box::pin(async move {
            if options.is_undefined() || options.is_null() {
                return Err(Error::input("options", InputRule::Missing, "is required ({ wallet, account, callData })"));
            }
            let wallet = js_sys::Reflect::get(&options, &"wallet".into()).unwrap_or(JsValue::UNDEFINED);
            let o = owner_options(&options)?;
            let account = o.account.ok_or_else(|| Error::input("options.account", InputRule::Missing, "is required"))?;
            let call_data =
                o.call_data.clone().ok_or_else(|| Error::input("options.callData", InputRule::Missing, "is required"))?;
            let (hash, receipt) = this.owner_operation(wallet, &o, account.0, call_data.0, o.chain_id).await?;
            to_js(&serde_json::json!({ "userOpHash": json::hex(hash), "receipt": receipt }))
        }))
    }
}
