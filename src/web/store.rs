//! `SessionKeyStore`: session keys created in wasm and kept encrypted in IndexedDB.
//!
//! ```js
//! const store = await SessionKeyStore.open();               // { name?: string }
//! const s = await store.create({ chainId: 11155111, account, permissions: [{ type: "root" }],
//!                                expiresAt: Math.floor(Date.now() / 1000) + 3600 });
//! const { typedData } = await store.deferredInstall(s.id, { nonce, deadline: 0 });
//! await store.attachOwnerSignature(s.id, await owner.signTypedData(typedData));
//! userOp.signature = await store.signUserOperation(s.id, userOp);
//! ```
//!
//! Sessions are plain-data records addressed by `id`; every per-session action is a store method
//! taking that id (records can live in app state, be serialized, compared, rendered).
//!
//! The private key never leaves wasm except through `exportPrivateKey(id)`. At rest it is
//! AES-GCM ciphertext under a non-extractable `CryptoKey` that IndexedDB itself keeps. If the
//! browser refuses to store a `CryptoKey` (`DataCloneError`: WebKit private browsing, Lockdown
//! Mode), or has no IndexedDB, the store keeps its records and key in this page's memory only
//! and reports `persistence: "memory"`; it never writes a key in plaintext.

use std::cell::{Cell, RefCell};
use std::collections::BTreeMap;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;

use js_sys::{Array, Promise, Reflect};
use serde::Deserialize;
use serde_json::Value;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::future_to_promise;
use web_sys::{CryptoKey, IdbDatabase, IdbTransactionMode};

use crate::error::{Error, InputRule, Result};
use crate::json;
use crate::key::SessionKey;
use crate::addresses::ENTRY_POINT_V07;
use crate::deferred;
use crate::install;
use crate::session::{self, DeferredState, EncryptedKey, ListFilter, NewSession, Persistence, SessionRecord, StoredStatus};
use crate::sign;
use crate::user_op::UserOperation;
use crate::web::convert::{id_arg, js_to_json, to_js};
use crate::web::idb::{self, storage, Done};
use crate::web::webcrypto;

#[wasm_bindgen(typescript_custom_section)]
const TS_STORE_TYPES: &'static str = r#"
/** `pending`: created, grant not confirmed · `active`: installed (markActive) ·
 *  `expired`: past expiresAt · `revoked`: uninstalled or abandoned (markRevoked). */
export type SessionStatus = "pending" | "active" | "expired" | "revoked";
/** `indexeddb`: survives reloads · `memory`: this page only (the browser refused to store a CryptoKey). */
export type SessionPersistence = "indexeddb" | "memory";
export interface SessionKeyStoreOptions {
  /** IndexedDB database name; default "mav2-session-keys". */
  name?: string;
  /** Testing aid: behave as a browser that cannot store a CryptoKey (WebKit private mode). */
  forceMemoryKey?: boolean;
}
export interface CreateSessionOptions {
  chainId: Quantity;
  account: Address;
  /** Default: the lowest id ≥ 1 no stored session of this account and chain uses. */
  entityId?: Quantity;
  permissions: Permission[];
  /** Unix seconds. */ expiresAt?: Quantity | null;
  /** Unix seconds; needs expiresAt. */ validAfter?: Quantity | null;
  /** Restrict the session's operations to this paymaster. */ paymaster?: Address | null;
}
export interface ImportSessionOptions extends CreateSessionOptions {
  /** 32-byte secp256k1 private key. */ privateKey: Hex;
}
export interface SessionListFilter { chainId?: Quantity; account?: Address }
/** A session as plain data: no key material. */
export interface SessionRecord {
  id: string;
  /** The session key's address (the signer the grant installs). */ address: Address;
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
  /** Full nonce of the session's first op: key `(entityId << 8) | 0x02`, then the sequence. */
  nonce: Quantity;
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

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct OpenOptions {
    #[serde(default)]
    name: Option<String>,
    /// Testing aid: behave as a browser that cannot store a `CryptoKey` in IndexedDB. The store
    /// really attempts the write with a value that cannot be cloned and takes the same
    /// `DataCloneError` path.
    #[serde(default)]
    force_memory_key: bool,
}

enum Backend {
    Idb(IdbDatabase),
    Memory(RefCell<BTreeMap<String, SessionRecord>>),
}

struct Inner {
    name: String,
    backend: Backend,
    wrap: CryptoKey,
    persistence: Persistence,
    closed: Cell<bool>,
}

/// A store of session keys. Open it once per app with `SessionKeyStore.open()`.
#[wasm_bindgen]
pub struct SessionKeyStore {
    inner: Rc<Inner>,
}

/// A boxed export body (see [`spawn`]).
pub(crate) type Body = Pin<Box<dyn Future<Output = Result<JsValue>>>>;

/// Box an export's body and run it as a `Promise`. Generic only in the boxing: the
/// `future_to_promise` machinery is instantiated once, in [`spawn`].
fn promise<F>(fut: F) -> Promise
where
    F: Future<Output = Result<JsValue>> + 'static,
{
    spawn(Box::pin(fut))
}

/// The one `future_to_promise` of the async exports (one instance instead of one per export:
/// each instance inlined that export's whole state machine into its own copy of the glue).
pub(crate) fn spawn(fut: Body) -> Promise {
    future_to_promise(async move { fut.await.map_err(JsValue::from) })
}

/// Parse an options object. Goes through a `serde_json::Value` so that `deny_unknown_fields`
/// applies (serde-wasm-bindgen only reads the declared fields of a struct) and rule codes survive
/// (its error messages carry an `Error: ` prefix).
fn arg<T: serde::de::DeserializeOwned>(v: &JsValue, name: &str) -> Result<T> {
    let value = js_to_json(v, name)?;
    json::from_value::<T>(&value).map_err(|e| match e {
        Error::InvalidInput { field, rule, detail } if field.is_empty() || field == "(input)" => {
            Error::InvalidInput { field: name.to_string(), rule, detail }
        }
        other => other,
    })
}

fn opt_arg<T: serde::de::DeserializeOwned + Default>(v: &JsValue, name: &str) -> Result<T> {
    if v.is_undefined() || v.is_null() {
        Ok(T::default())
    } else {
        arg(v, name)
    }
}

fn decode(v: &JsValue) -> Result<SessionRecord> {
    let id = Reflect::get(v, &"id".into()).ok().and_then(|i| i.as_string()).unwrap_or_else(|| "(unknown)".into());
    let json = js_to_json(v, "record").map_err(|e| Error::RecordCorrupt { id, detail: e.to_string() })?;
    session::decode_stored(json)
}

fn encode(r: &SessionRecord) -> Result<JsValue> {
    to_js(&session::encode_stored(r)?)
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
            done.wait().await.map_err(storage(op))?;
            return Ok(WrapKey::Stored(k));
        }
    }
    // A symbol cannot be cloned either (and, unlike `new Function`, needs no eval under a strict CSP).
    let value: JsValue = if force_memory { JsValue::symbol(Some("not cloneable")) } else { fresh.clone().into() };
    match store.put_with_key(&value, &idb::WRAP_KEY_ID.into()) {
        Ok(req) => {
            idb::request(&req).await.map_err(storage(op))?;
            done.wait().await.map_err(storage(op))?;
            Ok(WrapKey::Stored(fresh))
        }
        Err(e) if idb::error_name(&e) == "DataCloneError" => {
            let _ = tx.abort();
            let _ = done.wait().await;
            Ok(WrapKey::MemoryOnly(fresh))
        }
        Err(e) => {
            let _ = tx.abort();
            let _ = done.wait().await;
            Err(storage(op)(e))
        }
    }
}

async fn open_inner(opts: OpenOptions) -> Result<Inner> {
    let name = opts.name.unwrap_or_else(|| DEFAULT_NAME.to_string());
    if name.is_empty() {
        return Err(Error::input("name", InputRule::Missing, "is empty"));
    }
    let memory = |wrap: CryptoKey, name: String| Inner {
        name,
        backend: Backend::Memory(RefCell::new(BTreeMap::new())),
        wrap,
        persistence: Persistence::Memory,
        closed: Cell::new(false),
    };
    let Some(factory) = idb::factory() else {
        warn("mav2-session-keys: no IndexedDB here; session keys live in this page's memory only");
        return Ok(memory(webcrypto::generate_wrapping_key().await?, name));
    };
    let db = idb::open(&factory, &name, idb::DB_VERSION, idb::upgrade).await.map_err(|e| {
        if idb::error_name(&e) == "VersionError" {
            Error::Storage { op: "open", detail: format!("database {name:?} was written by a newer build ({})", idb::describe(&e)) }
        } else {
            storage("open")(e)
        }
    })?;
    match wrap_key(&db, opts.force_memory_key).await {
        Ok(WrapKey::Stored(wrap)) => Ok(Inner {
            name,
            backend: Backend::Idb(db),
            wrap,
            persistence: Persistence::Indexeddb,
            closed: Cell::new(false),
        }),
        Ok(WrapKey::MemoryOnly(wrap)) => {
            db.close();
            warn("mav2-session-keys: this browser cannot store a CryptoKey in IndexedDB (DataCloneError); session keys live in this page's memory only");
            Ok(memory(wrap, name))
        }
        Err(e) => {
            db.close();
            Err(e)
        }
    }
}

impl Inner {
    fn backend(&self) -> Result<&Backend> {
        if self.closed.get() {
            return Err(Error::StoreClosed);
        }
        Ok(&self.backend)
    }

    async fn get(&self, id: &str) -> Result<SessionRecord> {
        match self.backend()? {
            Backend::Memory(m) => m.borrow().get(id).cloned().ok_or_else(|| Error::SessionNotFound { id: id.into() }),
            Backend::Idb(db) => {
                let op = "read session";
                let tx = idb::transaction(db, &[idb::SESSIONS], IdbTransactionMode::Readonly).map_err(storage(op))?;
                let store = tx.object_store(idb::SESSIONS).map_err(storage(op))?;
                let v = idb::request(&store.get(&id.into()).map_err(storage(op))?).await.map_err(storage(op))?;
                if v.is_undefined() {
                    return Err(Error::SessionNotFound { id: id.into() });
                }
                decode(&v)
            }
        }
    }

    /// Every stored record; unreadable ones come back as their error.
    async fn all(&self) -> Result<Vec<Result<SessionRecord>>> {
        match self.backend()? {
            Backend::Memory(m) => Ok(m.borrow().values().cloned().map(Ok).collect()),
            Backend::Idb(db) => {
                let op = "list sessions";
                let tx = idb::transaction(db, &[idb::SESSIONS], IdbTransactionMode::Readonly).map_err(storage(op))?;
                let store = tx.object_store(idb::SESSIONS).map_err(storage(op))?;
                let v = idb::request(&store.get_all().map_err(storage(op))?).await.map_err(storage(op))?;
                let arr: Array = v.dyn_into().map_err(|_| Error::Storage { op, detail: "getAll did not return an array".into() })?;
                Ok(arr.iter().map(|v| decode(&v)).collect())
            }
        }
    }

    /// Read-modify-write of one record in one readwrite transaction. `f` is boxed and so is the
    /// future: one copy of the transaction code serves every caller.
    fn update<'a>(
        &'a self,
        id: &'a str,
        f: Box<dyn FnOnce(&mut SessionRecord) -> Result<()> + 'a>,
    ) -> Pin<Box<dyn Future<Output = Result<SessionRecord>> + 'a>> {
        Box::pin(self.update_inner(id, f))
    }

    async fn update_inner(&self, id: &str, f: Box<dyn FnOnce(&mut SessionRecord) -> Result<()> + '_>) -> Result<SessionRecord> {
        match self.backend()? {
            Backend::Memory(m) => {
                let mut map = m.borrow_mut();
                let r = map.get_mut(id).ok_or_else(|| Error::SessionNotFound { id: id.into() })?;
                let mut next = r.clone();
                f(&mut next)?;
                *r = next.clone();
                Ok(next)
            }
            Backend::Idb(db) => {
                let op = "update session";
                let tx = idb::transaction(db, &[idb::SESSIONS], IdbTransactionMode::Readwrite).map_err(storage(op))?;
                let done = Done::new(&tx);
                let result = async {
                    let store = tx.object_store(idb::SESSIONS).map_err(storage(op))?;
                    let v = idb::request(&store.get(&id.into()).map_err(storage(op))?).await.map_err(storage(op))?;
                    if v.is_undefined() {
                        return Err(Error::SessionNotFound { id: id.into() });
                    }
                    let mut r = decode(&v)?;
                    f(&mut r)?;
                    idb::request(&store.put(&encode(&r)?).map_err(storage(op))?).await.map_err(storage(op))?;
                    Ok(r)
                }
                .await;
                finish(&tx, done, op, result).await
            }
        }
    }

    /// Allocate the entity id and store the record, atomically across tabs.
    async fn insert(&self, mut rec: SessionRecord, requested: Option<u32>) -> Result<SessionRecord> {
        match self.backend()? {
            Backend::Memory(m) => {
                let mut map = m.borrow_mut();
                let used = map.values().filter(|r| r.chain_id == rec.chain_id && r.account == rec.account).map(|r| r.entity_id);
                rec.entity_id = session::allocate_entity_id(used, requested)?;
                map.insert(rec.id.clone(), rec.clone());
                Ok(rec)
            }
            Backend::Idb(db) => {
                let op = "create session";
                let tx = idb::transaction(db, &[idb::SESSIONS], IdbTransactionMode::Readwrite).map_err(storage(op))?;
                let done = Done::new(&tx);
                let result = async {
                    let store = tx.object_store(idb::SESSIONS).map_err(storage(op))?;
                    let index = store.index(idb::BY_ACCOUNT).map_err(storage(op))?;
                    let key = Array::of2(&JsValue::from_f64(rec.chain_id as f64), &json::address(&rec.account.0).into());
                    let v = idb::request(&index.get_all_with_key(&key).map_err(storage(op))?).await.map_err(storage(op))?;
                    let arr: Array = v.dyn_into().map_err(|_| Error::Storage { op, detail: "getAll did not return an array".into() })?;
                    let used = arr.iter().filter_map(|r| {
                        let n = Reflect::get(&r, &"entityId".into()).ok()?.as_f64()?;
                        (n >= 0.0 && n <= u32::MAX as f64 && n.fract() == 0.0).then_some(n as u32)
                    });
                    rec.entity_id = session::allocate_entity_id(used, requested)?;
                    idb::request(&store.add(&encode(&rec)?).map_err(storage(op))?).await.map_err(storage(op))?;
                    Ok(rec)
                }
                .await;
                finish(&tx, done, op, result).await
            }
        }
    }

    async fn delete(&self, id: &str) -> Result<bool> {
        match self.backend()? {
            Backend::Memory(m) => Ok(m.borrow_mut().remove(id).is_some()),
            Backend::Idb(db) => {
                let op = "delete session";
                let tx = idb::transaction(db, &[idb::SESSIONS], IdbTransactionMode::Readwrite).map_err(storage(op))?;
                let done = Done::new(&tx);
                let result = async {
                    let store = tx.object_store(idb::SESSIONS).map_err(storage(op))?;
                    let count = idb::request(&store.count_with_key(&id.into()).map_err(storage(op))?).await.map_err(storage(op))?;
                    idb::request(&store.delete(&id.into()).map_err(storage(op))?).await.map_err(storage(op))?;
                    Ok(count.as_f64().unwrap_or(0.0) > 0.0)
                }
                .await;
                finish(&tx, done, op, result).await
            }
        }
    }

    /// Delete every expired session (status `expired` at `now`); unreadable records are kept.
    async fn prune(&self, now: u64) -> Result<u32> {
        let expired = |r: &SessionRecord| r.status_at(now) == session::Status::Expired;
        match self.backend()? {
            Backend::Memory(m) => {
                let mut map = m.borrow_mut();
                let before = map.len();
                map.retain(|_, r| !expired(r));
                Ok((before - map.len()) as u32)
            }
            Backend::Idb(db) => {
                let op = "prune sessions";
                let tx = idb::transaction(db, &[idb::SESSIONS], IdbTransactionMode::Readwrite).map_err(storage(op))?;
                let done = Done::new(&tx);
                let result = async {
                    let store = tx.object_store(idb::SESSIONS).map_err(storage(op))?;
                    let v = idb::request(&store.get_all().map_err(storage(op))?).await.map_err(storage(op))?;
                    let arr: Array = v.dyn_into().map_err(|_| Error::Storage { op, detail: "getAll did not return an array".into() })?;
                    let mut n = 0u32;
                    for item in arr.iter() {
                        if let Ok(r) = decode(&item) {
                            if expired(&r) {
                                store.delete(&r.id.as_str().into()).map_err(storage(op))?;
                                n += 1;
                            }
                        }
                    }
                    Ok(n)
                }
                .await;
                finish(&tx, done, op, result).await
            }
        }
    }

    async fn store_new(&self, opts: &NewSession, key: &SessionKey, now: u64) -> Result<JsValue> {
        let id = session::new_session_id()?;
        let placeholder = EncryptedKey { alg: "AES-GCM".into(), iv: Default::default(), ciphertext: Default::default() };
        let mut rec = opts.to_record(id.clone(), key.address(), opts.entity_id.unwrap_or(1), now, placeholder);
        // Refuse now what the grant encoder would refuse later (permission rules, time window).
        install::encode_session_install(&rec.install_request()?, now)?;
        rec.key = webcrypto::encrypt_key(&self.wrap, &id, key.export_secret().as_ref()).await?;
        let rec = self.insert(rec, opts.entity_id).await?;
        to_js(&rec.public(now, self.persistence))
    }

    /// Decrypt the session's key. Only ever held in Rust memory (zeroized on drop).
    async fn key(&self, rec: &SessionRecord) -> Result<SessionKey> {
        let bytes = webcrypto::decrypt_key(&self.wrap, &rec.id, &rec.key).await?;
        let key = SessionKey::from_bytes(&bytes, "privateKey").map_err(|_| Error::DecryptFailed { id: rec.id.clone() })?;
        if key.address() != rec.address.0 {
            return Err(Error::DecryptFailed { id: rec.id.clone() });
        }
        Ok(key)
    }

    fn public(&self, rec: &SessionRecord) -> Result<JsValue> {
        to_js(&rec.public(now_secs(), self.persistence))
    }
}

/// Commit (or abort, on error) and return the outcome.
async fn finish<T>(tx: &web_sys::IdbTransaction, done: Done, op: &'static str, result: Result<T>) -> Result<T> {
    match result {
        Ok(v) => {
            done.wait().await.map_err(storage(op))?;
            Ok(v)
        }
        Err(e) => {
            let _ = tx.abort();
            let _ = done.wait().await;
            Err(e)
        }
    }
}

fn parse_new(opts: &JsValue, import: bool) -> Result<NewSession> {
    if opts.is_undefined() || opts.is_null() {
        return Err(Error::input("options", InputRule::Missing, "is required"));
    }
    let n: NewSession = arg(opts, "options")?;
    if !import && n.private_key.is_some() {
        return Err(Error::input("privateKey", InputRule::UnknownField, "create() generates the key; use importPrivateKey() to bring one"));
    }
    if import && n.private_key.is_none() {
        return Err(Error::input("privateKey", InputRule::Missing, "is required"));
    }
    n.check(now_secs())?;
    Ok(n)
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
        match self.inner.persistence {
            Persistence::Indexeddb => "indexeddb".into(),
            Persistence::Memory => "memory".into(),
        }
    }

    /// Close the database connection. Later calls fail with `STORE_CLOSED`.
    pub fn close(&self) {
        self.inner.closed.set(true);
        if let Backend::Idb(db) = &self.inner.backend {
            db.close();
        }
    }

    /// Create a session with a fresh key generated inside wasm. Returns its record (`pending`).
    #[wasm_bindgen(unchecked_return_type = "Promise<SessionRecord>")]
    pub fn create(&self, #[wasm_bindgen(unchecked_param_type = "CreateSessionOptions")] options: JsValue) -> Promise {
        let inner = self.inner.clone();
        promise(async move {
            let opts = parse_new(&options, false)?;
            let key = SessionKey::generate()?;
            inner.store_new(&opts, &key, now_secs()).await
        })
    }

    /// Create a session from an existing private key (server-side automation, migration).
    #[wasm_bindgen(js_name = importPrivateKey, unchecked_return_type = "Promise<SessionRecord>")]
    pub fn import_private_key(
        &self,
        #[wasm_bindgen(unchecked_param_type = "ImportSessionOptions")] options: JsValue,
    ) -> Promise {
        let inner = self.inner.clone();
        promise(async move {
            let mut opts = parse_new(&options, true)?;
            let bytes = opts.take_private_key()?.ok_or_else(|| Error::input("privateKey", InputRule::Missing, "is required"))?;
            let key = SessionKey::from_bytes(bytes.as_ref(), "privateKey")?;
            inner.store_new(&opts, &key, now_secs()).await
        })
    }

    /// Sessions, optionally only those of one chain and/or account. Unreadable records are
    /// skipped (with a console warning); `get(id)` reports why.
    #[wasm_bindgen(unchecked_return_type = "Promise<SessionRecord[]>")]
    pub fn list(&self, filter: Option<JsListFilter>) -> Promise {
        let inner = self.inner.clone();
        let filter: JsValue = filter.map(Into::into).unwrap_or(JsValue::UNDEFINED);
        promise(async move {
            let filter: ListFilter = opt_arg(&filter, "filter")?;
            let now = now_secs();
            let mut out: Vec<session::PublicRecord> = Vec::new();
            for r in inner.all().await? {
                match r {
                    Ok(r) if filter.matches(&r) => out.push(r.public(now, inner.persistence)),
                    Ok(_) => {}
                    Err(e) => warn(&format!("mav2-session-keys: skipping a stored session: {} ({})", e, e.code())),
                }
            }
            out.sort_by(|a, b| a.created_at.cmp(&b.created_at).then_with(|| a.id.cmp(&b.id)));
            to_js(&out)
        })
    }

    /// One session's record. `SESSION_NOT_FOUND` if there is none.
    #[wasm_bindgen(unchecked_return_type = "Promise<SessionRecord>")]
    pub fn get(&self, #[wasm_bindgen(unchecked_param_type = "string")] id: JsValue) -> Promise {
        let inner = self.inner.clone();
        promise(async move {
            let r = inner.get(&id_arg(&id)?).await?;
            inner.public(&r)
        })
    }

    /// Delete a session and its key. Resolves `true` if it existed.
    #[wasm_bindgen(unchecked_return_type = "Promise<boolean>")]
    pub fn delete(&self, #[wasm_bindgen(unchecked_param_type = "string")] id: JsValue) -> Promise {
        let inner = self.inner.clone();
        promise(async move { Ok(inner.delete(&id_arg(&id)?).await?.into()) })
    }

    /// Delete every expired session; resolves how many were deleted.
    #[wasm_bindgen(unchecked_return_type = "Promise<number>")]
    pub fn prune(&self) -> Promise {
        let inner = self.inner.clone();
        promise(async move { Ok(inner.prune(now_secs()).await?.into()) })
    }

    /// Record that the grant is installed on chain (`pending` → `active`).
    #[wasm_bindgen(js_name = markActive, unchecked_return_type = "Promise<SessionRecord>")]
    pub fn mark_active(&self, #[wasm_bindgen(unchecked_param_type = "string")] id: JsValue) -> Promise {
        self.mark(id, StoredStatus::Active)
    }

    /// Record that the grant was uninstalled (or abandoned). Final: the key signs nothing more.
    #[wasm_bindgen(js_name = markRevoked, unchecked_return_type = "Promise<SessionRecord>")]
    pub fn mark_revoked(&self, #[wasm_bindgen(unchecked_param_type = "string")] id: JsValue) -> Promise {
        self.mark(id, StoredStatus::Revoked)
    }

    fn mark(&self, id: JsValue, to: StoredStatus) -> Promise {
        let inner = self.inner.clone();
        promise(async move {
            let now = now_secs();
            let r = inner.update(&id_arg(&id)?, Box::new(|r| r.transition(to, now))).await?;
            inner.public(&r)
        })
    }

    /// The session's private key as `0x` hex. Explicit escape hatch: the string cannot be wiped
    /// from JS memory; avoid it unless the key must leave the page.
    #[wasm_bindgen(js_name = exportPrivateKey, unchecked_return_type = "Promise<Hex>")]
    pub fn export_private_key(&self, #[wasm_bindgen(unchecked_param_type = "string")] id: JsValue) -> Promise {
        let inner = self.inner.clone();
        promise(async move {
            let r = inner.get(&id_arg(&id)?).await?;
            let key = inner.key(&r).await?;
            let secret = key.export_secret();
            Ok(JsValue::from_str(&json::hex(secret.as_ref())))
        })
    }
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct DeferredOptions {
    #[serde(with = "json::u256")]
    nonce: alloy_primitives::U256,
    #[serde(default, with = "json::u64")]
    deadline: u64,
}

fn hex_arg(v: &JsValue, name: &'static str) -> Result<Vec<u8>> {
    let s = v.as_string().ok_or_else(|| {
        if v.is_undefined() || v.is_null() {
            Error::input(name, InputRule::Missing, "is required")
        } else {
            Error::input(name, InputRule::Type, "expected a 0x-prefixed hex string")
        }
    })?;
    let b: json::HexBytes = json::from_value(&Value::String(s)).map_err(|e| match e {
        Error::InvalidInput { rule, detail, .. } => Error::InvalidInput { field: name.into(), rule, detail },
        other => other,
    })?;
    Ok(b.0.to_vec())
}

#[wasm_bindgen]
impl SessionKeyStore {
    /// `installValidation` call data granting the session (for a user operation or transaction
    /// the owner sends to the account itself).
    #[wasm_bindgen(js_name = installCallData, unchecked_return_type = "Promise<Hex>")]
    pub fn install_call_data(&self, #[wasm_bindgen(unchecked_param_type = "string")] id: JsValue) -> Promise {
        let inner = self.inner.clone();
        promise(async move {
            let r = inner.get(&id_arg(&id)?).await?;
            r.check_usable(now_secs())?;
            let call = install::encode_session_install(&r.install_request()?, now_secs())?;
            Ok(JsValue::from_str(&json::hex(call)))
        })
    }

    /// `uninstallValidation` call data revoking the session. Send it from the owner, then
    /// `markRevoked(id)`.
    #[wasm_bindgen(js_name = uninstallCallData, unchecked_return_type = "Promise<Hex>")]
    pub fn uninstall_call_data(&self, #[wasm_bindgen(unchecked_param_type = "string")] id: JsValue) -> Promise {
        let inner = self.inner.clone();
        promise(async move {
            let r = inner.get(&id_arg(&id)?).await?;
            let call = install::encode_session_uninstall(&r.uninstall_request()?)?;
            Ok(JsValue::from_str(&json::hex(call)))
        })
    }

    /// Prepare a deferred install: typed data for the owner's `eth_signTypedData_v4`. `nonce` is
    /// the full nonce of the session's first user operation (its key: this session's entity id
    /// with the deferred bit 0x02); `deadline` is unix seconds or 0 (none). The store remembers
    /// the pre-signature digest for `attachOwnerSignature`.
    #[wasm_bindgen(js_name = deferredInstall, unchecked_return_type = "Promise<DeferredSessionInstall>")]
    pub fn deferred_install(
        &self,
        #[wasm_bindgen(unchecked_param_type = "string")] id: JsValue,
        #[wasm_bindgen(unchecked_param_type = "DeferredInstallOptions")] options: JsValue,
    ) -> Promise {
        let inner = self.inner.clone();
        promise(async move {
            let id = id_arg(&id)?;
            if options.is_undefined() || options.is_null() {
                return Err(Error::input("options", InputRule::Missing, "is required ({ nonce, deadline? })"));
            }
            let opts: DeferredOptions = arg(&options, "options")?;
            let now = now_secs();
            let mut built = None;
            inner
                .update(&id, Box::new(|r| {
                    r.check_usable(now)?;
                    if r.status != StoredStatus::Pending {
                        return Err(Error::InvalidStatusTransition { id: r.id.clone(), from: "active", to: "pending" });
                    }
                    let d = deferred::build_deferred_install(&r.deferred_request(opts.nonce, opts.deadline)?, now)?;
                    r.deferred = Some(DeferredState {
                        nonce: opts.nonce,
                        deadline: opts.deadline,
                        pre_signature_digest: json::HexBytes(d.pre_signature_digest.clone()),
                        deferred_action_digest: None,
                    });
                    built = Some(d);
                    Ok(())
                }))
                .await?;
            let d = built.ok_or(Error::DeferredNotPrepared { id })?;
            to_js(&d)
        })
    }

    /// Attach the owner's signature over the typed data of `deferredInstall`. The session's first
    /// user operation with that nonce then carries the install.
    #[wasm_bindgen(js_name = attachOwnerSignature, unchecked_return_type = "Promise<SessionRecord>")]
    pub fn attach_owner_signature(
        &self,
        #[wasm_bindgen(unchecked_param_type = "string")] id: JsValue,
        #[wasm_bindgen(unchecked_param_type = "Hex")] signature: JsValue,
    ) -> Promise {
        let inner = self.inner.clone();
        promise(async move {
            let id = id_arg(&id)?;
            let sig = hex_arg(&signature, "signature")?;
            let r = inner
                .update(&id, Box::new(|r| {
                    let d = r.deferred.as_mut().ok_or_else(|| Error::DeferredNotPrepared { id: r.id.clone() })?;
                    let full = deferred::deferred_action_digest(&d.pre_signature_digest.0, &sig)?;
                    d.deferred_action_digest = Some(json::HexBytes(full));
                    Ok(())
                }))
                .await?;
            inner.public(&r)
        })
    }

    /// Sign a user operation with the session key: resolves the packed MAv2 signature
    /// (`0xFF ‖ 0x00 ‖ sig65`), with the deferred install in front when `userOp.nonce` is the
    /// nonce the owner's signature was attached for and the session is still `pending`.
    /// `userOp.sender` must be the session's account; `chainId` is the session's.
    #[wasm_bindgen(js_name = signUserOperation, unchecked_return_type = "Promise<Hex>")]
    pub fn sign_user_operation(
        &self,
        #[wasm_bindgen(unchecked_param_type = "string")] id: JsValue,
        #[wasm_bindgen(js_name = userOp, unchecked_param_type = "UserOperation")] user_op: JsValue,
    ) -> Promise {
        let inner = self.inner.clone();
        promise(async move {
            let id = id_arg(&id)?;
            if user_op.is_undefined() || user_op.is_null() {
                return Err(Error::input("userOp", InputRule::Missing, "is required"));
            }
            let op: UserOperation = arg(&user_op, "userOp")?;
            let r = inner.get(&id).await?;
            r.check_usable(now_secs())?;
            if op.sender != r.account {
                return Err(Error::input(
                    "userOp.sender",
                    InputRule::Address,
                    format!("this session belongs to {}, not {}", json::address(&r.account.0), json::address(&op.sender.0)),
                ));
            }
            r.check_nonce(op.nonce, "userOp.nonce")?;
            let prefix = match r.deferred_for_nonce(op.nonce) {
                Some(full) => Some(deferred::split_deferred_action(&full)?.2),
                None => None,
            };
            let key = inner.key(&r).await?;
            let sig = sign::sign_user_operation(&key, &op, r.chain_id, ENTRY_POINT_V07, prefix.as_ref().map(|b| b.as_ref()))?;
            Ok(JsValue::from_str(&json::hex(sig)))
        })
    }
}

impl SessionKeyStore {
    /// The same store, owned by an export's `'static` future (the bundler client's).
    pub(crate) fn share(&self) -> SessionKeyStore {
        SessionKeyStore { inner: self.inner.clone() }
    }

    /// `SessionKeyStore.open` for Rust callers and tests (same options object).
    pub async fn connect(options: &JsValue) -> Result<SessionKeyStore> {
        let opts: OpenOptions = opt_arg(options, "options")?;
        let inner = open_inner(opts).await?;
        Ok(SessionKeyStore { inner: Rc::new(inner) })
    }

    /// The decrypted key of session `id` (Rust callers: the grant and signing exports).
    pub async fn session_key(&self, id: &str) -> Result<(SessionRecord, SessionKey)> {
        let r = self.inner.get(id).await?;
        let k = self.inner.key(&r).await?;
        Ok((r, k))
    }
}
