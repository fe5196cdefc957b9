//! `SessionKeyStore`: session keys created in wasm and kept encrypted in IndexedDB.
//!
//! ```js
//! const store = await SessionKeyStore.open();               // { name?: string }
//! const s = await store.create({ chainId: 11155111, account, permissions: [{ type: "root" }],
//!                                expiresAt: Math.floor(Date.now() / 1000) + 3600 });
//! const { typedData } = await store.deferredInstall(s.id);            // { deadline?, nonce? }
//! await store.attachOwnerSignature(s.id, await owner.signTypedData(typedData));
//! userOp.signature = await store.signUserOperation(s.id, userOp);
//! ```
//!
//! Sessions are plain-data records addressed by `id`; every per-session action is a store method
//! taking that id (records can live in app state, be serialized, compared, rendered).
//!
//! A secp256k1 private key (the default `keyKind`) never leaves wasm except through
//! `exportPrivateKey(id)`. At rest it is AES-GCM ciphertext under a non-extractable `CryptoKey`
//! that IndexedDB itself keeps. A `p256-webcrypto` key is made by WebCrypto as a non-extractable
//! `CryptoKey` and kept as one (IndexedDB `p256Keys`): no bytes of it exist outside the browser's
//! crypto, and no export path gives it out. If the browser refuses to store a `CryptoKey`
//! (`DataCloneError`: WebKit private browsing, Lockdown Mode), or has no IndexedDB, the store
//! keeps its records and keys in this page's memory only and reports `persistence: "memory"`; it
//! never writes a key in plaintext.

use std::cell::Cell;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;

use js_sys::Promise;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::future_to_promise;
use web_sys::{CryptoKey, IdbDatabase, IdbTransactionMode};

use crate::error::{Error, InputRule, Result};
use crate::json;
use crate::read;
use crate::service::Sessions;
use crate::session::{ListFilter, NewSession, Persistence, SessionRecord};
use crate::store::{MemoryStore, SessionStore};
use crate::user_op::UserOperation;
use crate::web::clock::WebClock;
use crate::web::convert::{from_js, id_arg, opt_options_data, options_value, read_js, read_options, to_js};
use crate::web::idb::{self, storage, Done};
use crate::web::idb_store::IdbStore;
use crate::web::vault::{P256Keys, WebVault};
use crate::web::webcrypto;
use crate::webauthn::{self, Assertion, AssertionOptions};

#[wasm_bindgen(typescript_custom_section)]
const TS_STORE_TYPES: &'static str = r#"
/** `indexeddb`: survives reloads · `memory`: this page only (the browser refused to store a CryptoKey). */
export type SessionPersistence = "indexeddb" | "memory";
export interface SessionKeyStoreOptions {
  /** IndexedDB database name; default "mav2-session-keys". */
  name?: string;
  /** What the WebAuthn assertions of `p256-webcrypto` sessions name (MAv2's module checks
   *  neither): default this page's `location.hostname` and `location.origin`. */
  webauthn?: { rpId?: string; origin?: string };
  /** Testing aid: behave as a browser that cannot store a CryptoKey (WebKit private mode). */
  forceMemoryKey?: boolean;
}
export interface CreateSessionOptions extends Omit<SessionGrantFields, "entityId"> {
  /** Default: the lowest id ≥ 1 no stored session of this account and chain uses. */
  entityId?: Quantity;
  /** Default `"secp256k1"`. */
  keyKind?: KeyKind;
  /** The account's owner: the session's first operation then deploys a counterfactual account
   *  by itself (checked: `owner` and `salt` must predict `account`). */
  owner?: Address | null;
  /** Factory salt with `owner`; default 0. */ salt?: Quantity | null;
}
export interface ImportSessionOptions extends Omit<CreateSessionOptions, "keyKind"> {
  /** 32-byte secp256k1 private key. */ privateKey: Hex;
  /** Only secp256k1 keys are imported (a P-256 key is made by WebCrypto and never leaves it). */
  keyKind?: "secp256k1";
}
export interface SessionListFilter { chainId?: Quantity; account?: Address }
/** A P-256 public key's affine coordinates, 32 bytes each. */
export interface P256PublicKey { x: Hex; y: Hex }
/** A session as plain data: no key material. */
export type SessionRecord = SessionRecordFields & (
  | {
      keyKind: "secp256k1";
      /** The session key's address (the signer the SingleSigner grant installs). */ address: Address;
      publicKey: null;
    }
  | {
      keyKind: "p256-webcrypto";
      /** A P-256 key has no address. */ address: null;
      /** The key the WebAuthn module checks (its install data). */ publicKey: P256PublicKey;
    }
);
/** The fields every {@link SessionRecord} has, whatever its key kind. */
export interface SessionRecordFields {
  id: string;
  chainId: number;
  account: Address;
  entityId: number;
  permissions: Permission[];
  expiresAt: number | null;
  validAfter: number | null;
  paymaster: Address | null;
  /** Unix seconds. */ createdAt: number;
  status: SessionStatus;
  persistence: SessionPersistence;
  /** Deferred install progress: none, prepared (typed data built), signed (owner signature attached). */
  deferred: "none" | "prepared" | "signed";
}
export interface DeferredInstallOptions {
  /** Full nonce of the session's first op. Default: the session's deferred nonce key
   *  (`(entityId << 8) | 0x02`, `| 0x04` for root) at sequence 0, which a fresh entity id has;
   *  `BundlerClient.deferredInstall(store, id)` reads the sequence from the chain. */
  nonce?: Quantity;
  /** Unix seconds the owner's authorization is valid until; 0 or absent = no deadline. */
  deadline?: Quantity;
}
"#;

#[wasm_bindgen]
extern "C" {
    /// `SessionKeyStoreOptions` (typed optional argument).
    #[wasm_bindgen(typescript_type = "SessionKeyStoreOptions")]
    pub type JsStoreOptions;
    /// `SessionListFilter` (typed optional argument).
    #[wasm_bindgen(typescript_type = "SessionListFilter")]
    pub type JsListFilter;
}

/// Database name used when `open` is given none.
pub const DEFAULT_NAME: &str = "mav2-session-keys";

/// Unix seconds from the JS clock (`SystemTime` panics on wasm32-unknown-unknown).
pub fn now_secs() -> u64 {
    (js_sys::Date::now() / 1000.0).floor().max(0.0) as u64
}

#[derive(Debug, Default)]
struct WebAuthnOptions {
    rp_id: Option<String>,
    origin: Option<String>,
}

#[derive(Debug, Default)]
struct OpenOptions {
    name: Option<String>,
    webauthn: WebAuthnOptions,
    /// Testing aid: behave as a browser that cannot store a `CryptoKey` in IndexedDB. The store
    /// really attempts the write with a value that cannot be cloned and takes the same
    /// `DataCloneError` path.
    force_memory_key: bool,
}

impl OpenOptions {
    /// The `options` argument of `open`, read field by field.
    fn read(options: &JsValue) -> Result<Self> {
        let data = opt_options_data(options, "options")?;
        read_options(&data, "options", &["name", "webauthn", "forceMemoryKey"], |f| {
            Ok(OpenOptions {
                name: f.value("name")?,
                webauthn: f
                    .object("webauthn", &["rpId", "origin"], false, |w| {
                        Ok(WebAuthnOptions { rp_id: w.value("rpId")?, origin: w.value("origin")? })
                    })?
                    .unwrap_or_default(),
                force_memory_key: f.present("forceMemoryKey", read::bool)?.unwrap_or(false),
            })
        })
    }
}

/// The session service as the browser runs it.
pub type Service = Sessions<Rc<dyn SessionStore>, WebVault, WebClock>;

struct Inner {
    name: String,
    service: Service,
    /// The IndexedDB connection, to close; `None` for the memory fallback.
    idb: Option<Rc<IdbStore>>,
    closed: Cell<bool>,
}

/// A store of session keys. Open it once per app with `SessionKeyStore.open()`.
#[wasm_bindgen]
pub struct SessionKeyStore {
    inner: Rc<Inner>,
}

/// What [`SessionKeyStore::flow`] does: one variant per export.
#[derive(Clone, Copy)]
enum Verb {
    Create,
    Import,
    List,
    Get,
    Delete,
    Prune,
    MarkActive,
    MarkRevoked,
    ExportPrivateKey,
    InstallCallData,
    UninstallCallData,
    DeferredInstall,
    AttachOwnerSignature,
    SignUserOperation,
}

/// Bytes as a `0x` hex string for JS.
fn hex_js(bytes: &[u8]) -> JsValue {
    JsValue::from_str(&json::hex(bytes))
}

/// A boxed export body (see [`spawn`]).
pub(crate) type Body = Pin<Box<dyn Future<Output = Result<JsValue>>>>;

/// Box an export's body and run it as a `Promise`.
fn promise<F>(fut: F) -> Promise
where
    F: Future<Output = Result<JsValue>> + 'static,
{
    spawn(Box::pin(fut))
}

/// The one `future_to_promise` of the async exports (one instance instead of one per export).
pub(crate) fn spawn(fut: Body) -> Promise {
    future_to_promise(async move { fut.await.map_err(JsValue::from) })
}

fn warn(msg: &str) {
    web_sys::console::warn_1(&JsValue::from_str(msg));
}

enum WrapKey {
    Stored(CryptoKey),
    MemoryOnly(CryptoKey),
}

async fn read_wrap_key(db: &IdbDatabase) -> Result<Option<CryptoKey>> {
    let tx = idb::transaction(db, &[idb::KEYS], IdbTransactionMode::Readonly).map_err(storage("read wrapping key"))?;
    let store = tx.object_store(idb::KEYS).map_err(storage("read wrapping key"))?;
    let req = store.get(&idb::WRAP_KEY_ID.into()).map_err(storage("read wrapping key"))?;
    let v = idb::request(&req).await.map_err(storage("read wrapping key"))?;
    Ok(v.dyn_into::<CryptoKey>().ok())
}

/// The wrapping key of `db`: the stored one, or a fresh one stored now (get-or-put in one
/// readwrite transaction, so two tabs opening at once agree on one key). `MemoryOnly` when the
/// browser refuses to store a `CryptoKey`.
async fn wrap_key(db: &IdbDatabase, force_memory: bool) -> Result<WrapKey> {
    if !force_memory {
        if let Some(k) = read_wrap_key(db).await? {
            return Ok(WrapKey::Stored(k));
        }
    }
    let fresh = webcrypto::generate_wrapping_key().await?;
    let op = "store wrapping key";
    let tx = idb::transaction(db, &[idb::KEYS], IdbTransactionMode::Readwrite).map_err(storage(op))?;
    let done = Done::new(&tx);
    let store = tx.object_store(idb::KEYS).map_err(storage(op))?;
    if !force_memory {
        let req = store.get(&idb::WRAP_KEY_ID.into()).map_err(storage(op))?;
        let existing = idb::request(&req).await.map_err(storage(op))?;
        if let Ok(k) = existing.dyn_into::<CryptoKey>() {
            done.await.map_err(storage(op))?;
            return Ok(WrapKey::Stored(k));
        }
    }
    // A symbol cannot be cloned either (and, unlike `new Function`, needs no eval under a strict CSP).
    let value: JsValue = if force_memory { JsValue::symbol(Some("not cloneable")) } else { fresh.clone().into() };
    match store.put_with_key(&value, &idb::WRAP_KEY_ID.into()) {
        Ok(req) => {
            idb::request(&req).await.map_err(storage(op))?;
            done.await.map_err(storage(op))?;
            Ok(WrapKey::Stored(fresh))
        }
        Err(e) if idb::error_name(&e) == "DataCloneError" => {
            let _ = tx.abort();
            let _ = done.await;
            Ok(WrapKey::MemoryOnly(fresh))
        }
        Err(e) => {
            let _ = tx.abort();
            let _ = done.await;
            Err(storage(op)(e))
        }
    }
}

/// `location.hostname` / `location.origin` of the page or worker, if it has one.
fn location(part: &str) -> Option<String> {
    let loc = js_sys::Reflect::get(&js_sys::global(), &"location".into()).ok()?;
    js_sys::Reflect::get(&loc, &part.into()).ok()?.as_string().filter(|s| !s.is_empty())
}

/// The assertion options of `p256-webcrypto` sessions: the caller's, else the page's. Checked
/// here, so a bad one is refused at `open`, not at the first send.
fn assertion_options(o: WebAuthnOptions) -> Result<Option<AssertionOptions>> {
    let (Some(rp_id), Some(origin)) =
        (o.rp_id.or_else(|| location("hostname")), o.origin.or_else(|| location("origin")))
    else {
        return Ok(None);
    };
    let opts = AssertionOptions { rp_id, origin, flags: webauthn::FLAG_UP, sign_count: 0 };
    Assertion::new(Default::default(), &opts)?;
    Ok(Some(opts))
}

/// `fut` behind a pointer: its state machine stays out of the caller's.
fn boxed<'a, T>(fut: impl Future<Output = T> + 'a) -> Pin<Box<dyn Future<Output = T> + 'a>> {
    Box::pin(fut)
}

/// The store a memory-only session service keeps its records in, and the vault of its keys.
fn in_memory(wrap: CryptoKey) -> (Rc<dyn SessionStore>, WebVault, Option<Rc<IdbStore>>) {
    (Rc::new(MemoryStore::new()), WebVault::new(wrap, P256Keys::Memory(Default::default())), None)
}

async fn open_inner(opts: OpenOptions) -> Result<Inner> {
    let name = opts.name.unwrap_or_else(|| DEFAULT_NAME.to_string());
    if name.is_empty() {
        return Err(Error::input("name", InputRule::Missing, "is empty"));
    }
    let assertion = assertion_options(opts.webauthn)?;
    let (store, vault, idb) = match idb::factory() {
        None => {
            warn("mav2-session-keys: no IndexedDB here; session keys live in this page's memory only");
            in_memory(webcrypto::generate_wrapping_key().await?)
        }
        Some(factory) => {
            let db = idb::open(&factory, &name, idb::DB_VERSION, idb::upgrade).await.map_err(|e| {
                if idb::error_name(&e) == "VersionError" {
                    Error::Storage {
                        op: "open",
                        detail: format!(
                            "database {} was written by a newer build ({})",
                            json::quote(&name),
                            idb::describe(&e)
                        ),
                    }
                } else {
                    storage("open")(e)
                }
            })?;
            match boxed(wrap_key(&db, opts.force_memory_key)).await {
                Ok(WrapKey::Stored(wrap)) => {
                    let vault = WebVault::new(wrap, P256Keys::Idb(db.clone()));
                    let store = Rc::new(IdbStore::new(db));
                    (store.clone() as Rc<dyn SessionStore>, vault, Some(store))
                }
                Ok(WrapKey::MemoryOnly(wrap)) => {
                    db.close();
                    warn("mav2-session-keys: this browser cannot store a CryptoKey in IndexedDB (DataCloneError); session keys live in this page's memory only");
                    in_memory(wrap)
                }
                Err(e) => {
                    db.close();
                    return Err(e);
                }
            }
        }
    };
    let service = Sessions::new(store, vault, WebClock);
    let service = match assertion {
        Some(a) => service.with_assertion_options(a),
        None => service,
    };
    Ok(Inner { name, service, idb, closed: Cell::new(false) })
}

impl Inner {
    fn service(&self) -> Result<&Service> {
        if self.closed.get() {
            return Err(Error::StoreClosed);
        }
        Ok(&self.service)
    }

    fn public(&self, r: &SessionRecord) -> Result<JsValue> {
        to_js(&r.public_json(now_secs(), self.service.persistence()))
    }
}

pub(crate) fn parse_new(opts: &JsValue) -> Result<NewSession> {
    if opts.is_undefined() || opts.is_null() {
        return Err(Error::input("options", InputRule::Missing, "is required"));
    }
    NewSession::from_json(&options_value(opts, "options")?, "options")
}

#[wasm_bindgen]
impl SessionKeyStore {
    /// Open (or create) the store. `options.name` picks the IndexedDB database
    /// (default `"mav2-session-keys"`).
    #[wasm_bindgen(unchecked_return_type = "Promise<SessionKeyStore>")]
    pub fn open(options: Option<JsStoreOptions>) -> Promise {
        let options: JsValue = options.map(Into::into).unwrap_or(JsValue::UNDEFINED);
        promise(async move { Ok(SessionKeyStore::connect(&options).await?.into()) })
    }

    /// Delete a whole store database (all its sessions and its wrapping key). Open stores on it
    /// are closed first.
    #[wasm_bindgen(js_name = deleteDatabase, unchecked_return_type = "Promise<void>")]
    pub fn delete_database(name: Option<String>) -> Promise {
        promise(async move {
            let name = name.unwrap_or_else(|| DEFAULT_NAME.to_string());
            if let Some(f) = idb::factory() {
                idb::delete_database(&f, &name).await.map_err(storage("delete database"))?;
            }
            Ok(JsValue::UNDEFINED)
        })
    }

    /// The database name.
    #[wasm_bindgen(getter)]
    pub fn name(&self) -> String {
        self.inner.name.clone()
    }

    /// `"indexeddb"` (sessions survive reloads) or `"memory"` (this page only).
    #[wasm_bindgen(getter, unchecked_return_type = "SessionPersistence")]
    pub fn persistence(&self) -> String {
        match self.inner.service.persistence() {
            Persistence::Indexeddb => "indexeddb".into(),
            Persistence::Memory => "memory".into(),
        }
    }

    /// Close the database connection. Later calls fail with `STORE_CLOSED`.
    pub fn close(&self) {
        self.inner.closed.set(true);
        if let Some(db) = &self.inner.idb {
            db.close();
        }
    }

    /// Create a session with a fresh key generated inside wasm. Returns its record (`pending`).
    #[wasm_bindgen(unchecked_return_type = "Promise<SessionRecord>")]
    pub fn create(&self, #[wasm_bindgen(unchecked_param_type = "CreateSessionOptions")] options: JsValue) -> Promise {
        self.flow(Verb::Create, JsValue::UNDEFINED, options)
    }

    /// Create a session from an existing private key (server-side automation, migration).
    #[wasm_bindgen(js_name = importPrivateKey, unchecked_return_type = "Promise<SessionRecord>")]
    pub fn import_private_key(
        &self,
        #[wasm_bindgen(unchecked_param_type = "ImportSessionOptions")] options: JsValue,
    ) -> Promise {
        self.flow(Verb::Import, JsValue::UNDEFINED, options)
    }

    /// Sessions, optionally only those of one chain and/or account. Unreadable records are
    /// skipped (with a console warning); `get(id)` reports why.
    #[wasm_bindgen(unchecked_return_type = "Promise<SessionRecord[]>")]
    pub fn list(&self, filter: Option<JsListFilter>) -> Promise {
        self.flow(Verb::List, JsValue::UNDEFINED, filter.map(Into::into).unwrap_or(JsValue::UNDEFINED))
    }

    /// One session's record. `SESSION_NOT_FOUND` if there is none.
    #[wasm_bindgen(unchecked_return_type = "Promise<SessionRecord>")]
    pub fn get(&self, #[wasm_bindgen(unchecked_param_type = "string")] id: JsValue) -> Promise {
        self.flow(Verb::Get, id, JsValue::UNDEFINED)
    }

    /// Delete a session and its key. Resolves `true` if it existed.
    #[wasm_bindgen(unchecked_return_type = "Promise<boolean>")]
    pub fn delete(&self, #[wasm_bindgen(unchecked_param_type = "string")] id: JsValue) -> Promise {
        self.flow(Verb::Delete, id, JsValue::UNDEFINED)
    }

    /// Delete every expired session and every revoked one (its record is a tombstone without a
    /// key); resolves how many were deleted.
    #[wasm_bindgen(unchecked_return_type = "Promise<number>")]
    pub fn prune(&self) -> Promise {
        self.flow(Verb::Prune, JsValue::UNDEFINED, JsValue::UNDEFINED)
    }

    /// Record that the grant is installed on chain (`pending` → `active`).
    #[wasm_bindgen(js_name = markActive, unchecked_return_type = "Promise<SessionRecord>")]
    pub fn mark_active(&self, #[wasm_bindgen(unchecked_param_type = "string")] id: JsValue) -> Promise {
        self.flow(Verb::MarkActive, id, JsValue::UNDEFINED)
    }

    /// Record that the grant was uninstalled (or abandoned). Final: the key is wiped and the
    /// record stays as a tombstone until `prune()`.
    #[wasm_bindgen(js_name = markRevoked, unchecked_return_type = "Promise<SessionRecord>")]
    pub fn mark_revoked(&self, #[wasm_bindgen(unchecked_param_type = "string")] id: JsValue) -> Promise {
        self.flow(Verb::MarkRevoked, id, JsValue::UNDEFINED)
    }

    /// The session's private key as `0x` hex. Explicit escape hatch: the string cannot be wiped
    /// from JS memory; avoid it unless the key must leave the page. A `p256-webcrypto` session's
    /// key cannot leave WebCrypto: `KEY_NOT_EXPORTABLE`.
    #[wasm_bindgen(js_name = exportPrivateKey, unchecked_return_type = "Promise<Hex>")]
    pub fn export_private_key(&self, #[wasm_bindgen(unchecked_param_type = "string")] id: JsValue) -> Promise {
        self.flow(Verb::ExportPrivateKey, id, JsValue::UNDEFINED)
    }
}

#[wasm_bindgen]
impl SessionKeyStore {
    /// `installValidation` call data granting the session (for a user operation or transaction
    /// the owner sends to the account itself).
    #[wasm_bindgen(js_name = installCallData, unchecked_return_type = "Promise<Hex>")]
    pub fn install_call_data(&self, #[wasm_bindgen(unchecked_param_type = "string")] id: JsValue) -> Promise {
        self.flow(Verb::InstallCallData, id, JsValue::UNDEFINED)
    }

    /// `uninstallValidation` call data revoking the session. Send it from the owner, then
    /// `markRevoked(id)`.
    #[wasm_bindgen(js_name = uninstallCallData, unchecked_return_type = "Promise<Hex>")]
    pub fn uninstall_call_data(&self, #[wasm_bindgen(unchecked_param_type = "string")] id: JsValue) -> Promise {
        self.flow(Verb::UninstallCallData, id, JsValue::UNDEFINED)
    }

    /// Prepare a deferred install: typed data for the owner's `eth_signTypedData_v4`. `nonce`
    /// (optional) is the full nonce of the session's first user operation; by default the store
    /// uses the session's deferred nonce key at sequence 0. `deadline` is unix seconds or 0
    /// (none). The store remembers the pre-signature digest for `attachOwnerSignature`.
    #[wasm_bindgen(js_name = deferredInstall, unchecked_return_type = "Promise<DeferredSessionInstall>")]
    pub fn deferred_install(
        &self,
        #[wasm_bindgen(unchecked_param_type = "string")] id: JsValue,
        #[wasm_bindgen(unchecked_param_type = "DeferredInstallOptions | undefined")] options: JsValue,
    ) -> Promise {
        self.flow(Verb::DeferredInstall, id, options)
    }

    /// Attach the owner's signature over the typed data of `deferredInstall`. The session's first
    /// user operation with that nonce then carries the install.
    #[wasm_bindgen(js_name = attachOwnerSignature, unchecked_return_type = "Promise<SessionRecord>")]
    pub fn attach_owner_signature(
        &self,
        #[wasm_bindgen(unchecked_param_type = "string")] id: JsValue,
        #[wasm_bindgen(unchecked_param_type = "Hex")] signature: JsValue,
    ) -> Promise {
        self.flow(Verb::AttachOwnerSignature, id, signature)
    }

    /// Sign a user operation with the session key: resolves the packed MAv2 signature
    /// (`0xFF ‖ 0x00 ‖ sig65`; for a `p256-webcrypto` session `0xFF ‖ abi.encode(WebAuthnAuth)`,
    /// whose check costs gas a dummy-signature estimate does not hold: `BundlerClient.sendCalls`
    /// adds it), with the deferred install in front when `userOp.nonce` is the
    /// nonce the owner's signature was attached for and the session is still `pending`.
    /// `userOp.sender` must be the session's account; `chainId` is the session's.
    #[wasm_bindgen(js_name = signUserOperation, unchecked_return_type = "Promise<Hex>")]
    pub fn sign_user_operation(
        &self,
        #[wasm_bindgen(unchecked_param_type = "string")] id: JsValue,
        #[wasm_bindgen(js_name = userOp, unchecked_param_type = "UserOperation")] user_op: JsValue,
    ) -> Promise {
        self.flow(Verb::SignUserOperation, id, user_op)
    }
}

impl SessionKeyStore {
    /// Every export that acts on the sessions: one flow for all, `verb` picking the service call.
    /// `id` (the session id, for the verbs that take one) is read first, then `arg` (options, a
    /// signature, a user operation), so an export with several bad arguments names the first.
    fn flow(&self, verb: Verb, id: JsValue, arg: JsValue) -> Promise {
        let inner = self.inner.clone();
        promise(async move {
            let id = match verb {
                Verb::Create | Verb::Import | Verb::List | Verb::Prune => String::new(),
                _ => id_arg(&id)?,
            };
            let r = match verb {
                Verb::Create => inner.service()?.create(parse_new(&arg)?).await?,
                Verb::Import => inner.service()?.import(parse_new(&arg)?).await?,
                Verb::Get => inner.service()?.get(&id).await?,
                Verb::MarkActive => inner.service()?.mark_active(&id).await?,
                Verb::MarkRevoked => inner.service()?.mark_revoked(&id).await?,
                Verb::AttachOwnerSignature => {
                    let sig: json::HexBytes = from_js(&arg, "signature")?;
                    inner.service()?.attach_owner_signature(&id, &sig.0).await?
                }
                Verb::List => {
                    let filter = ListFilter::from_json(&opt_options_data(&arg, "filter")?, "filter")?;
                    let (records, unreadable) = inner.service()?.list(&filter).await?;
                    for e in unreadable {
                        warn(&format!("mav2-session-keys: skipping a stored session: {} ({})", e, e.code()));
                    }
                    // One record at a time: the serializer of a single record is the one every
                    // other export uses.
                    let out = js_sys::Array::new();
                    for r in &records {
                        out.push(&inner.public(r)?);
                    }
                    return Ok(out.into());
                }
                Verb::Prune => return Ok(inner.service()?.prune().await?.into()),
                Verb::Delete => return Ok(inner.service()?.delete(&id).await?.into()),
                Verb::InstallCallData => return Ok(hex_js(&inner.service()?.install_call_data(&id).await?)),
                Verb::UninstallCallData => return Ok(hex_js(&inner.service()?.uninstall_call_data(&id).await?)),
                Verb::ExportPrivateKey => {
                    let secret = inner.service()?.export_private_key(&id).await?;
                    return Ok(hex_js(secret.as_ref()));
                }
                Verb::SignUserOperation => {
                    if arg.is_undefined() || arg.is_null() {
                        return Err(Error::input("userOp", InputRule::Missing, "is required"));
                    }
                    let op = read_js(&arg, "userOp", UserOperation::read)?;
                    return Ok(hex_js(&inner.service()?.sign_user_operation(&id, &op).await?));
                }
                Verb::DeferredInstall => {
                    let data = opt_options_data(&arg, "options")?;
                    let (nonce, deadline) = read_options(&data, "options", &["nonce", "deadline"], |f| {
                        Ok((f.opt("nonce", read::u256)?, f.present("deadline", read::u64_number)?.unwrap_or(0)))
                    })?;
                    return to_js(&inner.service()?.deferred_install(&id, nonce, deadline).await?.into_json());
                }
            };
            inner.public(&r)
        })
    }

    /// The same store, owned by an export's `'static` future (the bundler client's).
    pub(crate) fn share(&self) -> SessionKeyStore {
        SessionKeyStore { inner: self.inner.clone() }
    }

    /// Whether two handles are the same store.
    pub(crate) fn same(&self, other: &SessionKeyStore) -> bool {
        Rc::ptr_eq(&self.inner, &other.inner)
    }

    /// `SessionKeyStore.open` for Rust callers and tests (same options object).
    pub async fn connect(options: &JsValue) -> Result<SessionKeyStore> {
        let inner = open_inner(OpenOptions::read(options)?).await?;
        Ok(SessionKeyStore { inner: Rc::new(inner) })
    }

    /// The session service behind this store (Rust callers: the bundler client, tests).
    pub fn service(&self) -> Result<&Service> {
        self.inner.service()
    }

    /// The record as JS sees it.
    pub(crate) fn public(&self, r: &SessionRecord) -> Result<JsValue> {
        self.inner.public(r)
    }
}
