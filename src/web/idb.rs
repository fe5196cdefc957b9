//! IndexedDB through `web-sys`, awaited as futures.
//!
//! Database layout (version [`DB_VERSION`]):
//! - object store [`SESSIONS`], key path `id`: one record per session (see `crate::session`);
//!   index [`BY_ACCOUNT`] on `[chainId, account]` (added in version 2);
//! - object store [`KEYS`], out-of-line keys: the non-extractable AES-GCM wrapping key under
//!   [`WRAP_KEY_ID`], stored as a `CryptoKey` object (structured clone keeps it non-extractable);
//! - object store [`P256_KEYS`], out-of-line keys (added in version 3): each `p256-webcrypto`
//!   session's non-extractable private key, a `CryptoKey` under the session id.
//!
//! Version history, each step applied by [`upgrade`] in the `versionchange` transaction:
//! - 1: `sessions` (key path `id`) and `keys`; records of schema 1.
//! - 2: index `byAccount` on `sessions`. Records of schema 1 stay as they are and are read by
//!   `session::decode_stored`; they are rewritten as schema 2 the next time they change.
//! - 3: `p256Keys`. Records of earlier schemas stay as they are (read as secp256k1 sessions).
//!
//! Requests are awaited inside their transaction: continuations run as microtasks while the
//! transaction is still active, so a read followed by a write in one readwrite transaction is
//! atomic across tabs (IndexedDB serializes overlapping readwrite transactions).

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use js_sys::{Array, Function, Promise, Reflect};
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{
    DomException, IdbDatabase, IdbFactory, IdbIndexParameters, IdbObjectStoreParameters, IdbOpenDbRequest, IdbRequest,
    IdbTransaction, IdbTransactionMode, IdbVersionChangeEvent,
};

use crate::error::Error;

/// Database version of this build.
pub const DB_VERSION: u32 = 3;
/// Session records.
pub const SESSIONS: &str = "sessions";
/// The wrapping key.
pub const KEYS: &str = "keys";
/// Index of `SESSIONS` on `[chainId, account]`.
pub const BY_ACCOUNT: &str = "byAccount";
/// Key of the wrapping key in `KEYS`.
pub const WRAP_KEY_ID: &str = "wrap";
/// The P-256 private keys of `p256-webcrypto` sessions, by session id.
pub const P256_KEYS: &str = "p256Keys";

/// The browser's `indexedDB`, if it has one (window or worker).
pub fn factory() -> Option<IdbFactory> {
    let v = Reflect::get(&js_sys::global(), &"indexedDB".into()).ok()?;
    if v.is_undefined() || v.is_null() {
        return None;
    }
    v.dyn_into::<IdbFactory>().ok()
}

/// `name: message` of a DOMException or Error (or its string form).
pub fn describe(e: &JsValue) -> String {
    if let Some(d) = e.dyn_ref::<DomException>() {
        return format!("{}: {}", d.name(), d.message());
    }
    if let Some(err) = e.dyn_ref::<js_sys::Error>() {
        return format!("{}: {}", String::from(err.name()), String::from(err.message()));
    }
    e.as_string().unwrap_or_else(|| "unknown error".into())
}

/// The `name` of a DOMException / Error (`"DataCloneError"`, `"ConstraintError"`, …).
pub fn error_name(e: &JsValue) -> String {
    if let Some(d) = e.dyn_ref::<DomException>() {
        return d.name();
    }
    Reflect::get(e, &"name".into()).ok().and_then(|n| n.as_string()).unwrap_or_default()
}

/// A storage error for operation `op`.
pub fn storage(op: &'static str) -> impl Fn(JsValue) -> Error {
    move |e| Error::Storage { op, detail: describe(&e) }
}

/// Await an `IDBRequest`; the error is the request's `DOMException`.
pub fn request(req: &IdbRequest) -> Request {
    let p = Promise::new(&mut |resolve: Function, reject: Function| {
        req.set_onsuccess(Some(&resolve));
        req.set_onerror(Some(&reject));
    });
    Request { req: req.clone(), fut: JsFuture::from(p) }
}

/// An `IDBRequest` in flight ([`request`]). A plain future, not an `async` block: each flow that
/// awaits a request holds two handles, and the code that settles it exists once.
pub struct Request {
    req: IdbRequest,
    fut: JsFuture,
}

impl Future for Request {
    type Output = Result<JsValue, JsValue>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let outcome = std::task::ready!(Pin::new(&mut self.fut).poll(cx));
        let req = &self.req;
        req.set_onsuccess(None);
        req.set_onerror(None);
        Poll::Ready(match outcome {
            Ok(_) => req.result(),
            Err(event) => Err(req.error().ok().flatten().map(JsValue::from).unwrap_or(event)),
        })
    }
}

/// A future that resolves when `tx` commits and fails if it aborts. Create it right after the
/// transaction, await it after the last request.
pub struct Done {
    tx: IdbTransaction,
    fut: JsFuture,
}

impl Done {
    /// Watch `tx`.
    pub fn new(tx: &IdbTransaction) -> Self {
        let p = Promise::new(&mut |resolve: Function, reject: Function| {
            tx.set_oncomplete(Some(&resolve));
            tx.set_onabort(Some(&reject));
        });
        Done { tx: tx.clone(), fut: JsFuture::from(p) }
    }
}

impl Future for Done {
    type Output = Result<(), JsValue>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let r = std::task::ready!(Pin::new(&mut self.fut).poll(cx));
        let tx = &self.tx;
        tx.set_oncomplete(None);
        tx.set_onabort(None);
        Poll::Ready(match r {
            Ok(_) => Ok(()),
            Err(event) => Err(tx.error().map(JsValue::from).unwrap_or(event)),
        })
    }
}

/// Start a transaction over `stores`.
pub fn transaction(db: &IdbDatabase, stores: &[&str], mode: IdbTransactionMode) -> Result<IdbTransaction, JsValue> {
    let names = Array::new();
    for s in stores {
        names.push(&JsValue::from_str(s));
    }
    db.transaction_with_str_sequence_and_mode(&names, mode)
}

/// The upgrade of this build: from `old_version` (0 = new database) to [`DB_VERSION`].
pub fn upgrade(db: &IdbDatabase, tx: &IdbTransaction, old_version: u32) -> Result<(), JsValue> {
    if old_version < 1 {
        create_v1(db)?;
    }
    if old_version < 2 {
        let sessions = tx.object_store(SESSIONS)?;
        let path = Array::of2(&"chainId".into(), &"account".into());
        let params = IdbIndexParameters::new();
        params.set_unique(false);
        sessions.create_index_with_str_sequence_and_optional_parameters(BY_ACCOUNT, &path, &params)?;
    }
    if old_version < 3 {
        db.create_object_store(P256_KEYS)?;
    }
    Ok(())
}

/// The layout of database version 1 (kept for [`upgrade`] and for tests that write an old database).
pub fn create_v1(db: &IdbDatabase) -> Result<(), JsValue> {
    let params = IdbObjectStoreParameters::new();
    params.set_key_path(&"id".into());
    db.create_object_store_with_optional_parameters(SESSIONS, &params)?;
    db.create_object_store(KEYS)?;
    Ok(())
}

/// Open database `name` at `version`, running `upgrade(db, tx, old_version)` when it is older.
/// Connections close themselves when another tab asks for a newer version.
pub async fn open(
    factory: &IdbFactory,
    name: &str,
    version: u32,
    upgrade: fn(&IdbDatabase, &IdbTransaction, u32) -> Result<(), JsValue>,
) -> Result<IdbDatabase, JsValue> {
    let req: IdbOpenDbRequest = factory.open_with_u32(name, version)?;
    let failed: std::rc::Rc<std::cell::RefCell<Option<JsValue>>> = Default::default();
    let failed_in = failed.clone();
    let req_in = req.clone();
    let on_upgrade = Closure::<dyn FnMut(IdbVersionChangeEvent)>::new(move |ev: IdbVersionChangeEvent| {
        let run = || -> Result<(), JsValue> {
            let db: IdbDatabase = req_in.result()?.dyn_into()?;
            let tx = req_in.transaction().ok_or_else(|| JsValue::from_str("no versionchange transaction"))?;
            let old = ev.old_version() as u32;
            if let Err(e) = upgrade(&db, &tx, old) {
                let _ = tx.abort();
                return Err(e);
            }
            Ok(())
        };
        if let Err(e) = run() {
            *failed_in.borrow_mut() = Some(e);
        }
    });
    req.set_onupgradeneeded(Some(on_upgrade.as_ref().unchecked_ref()));
    let outcome = request(&req).await;
    req.set_onupgradeneeded(None);
    drop(on_upgrade);
    if let Some(e) = failed.borrow_mut().take() {
        return Err(e);
    }
    let db: IdbDatabase = outcome?.dyn_into()?;
    // Let a newer build in another tab upgrade: close this connection when asked.
    let db_in = db.clone();
    let on_version_change = Closure::<dyn FnMut()>::new(move || db_in.close());
    db.set_onversionchange(Some(on_version_change.as_ref().unchecked_ref()));
    on_version_change.forget(); // lives as long as the connection (one small closure per open)
    Ok(db)
}

/// Delete database `name` (tests and `SessionKeyStore.destroy`).
pub async fn delete_database(factory: &IdbFactory, name: &str) -> Result<(), JsValue> {
    let req = factory.delete_database(name)?;
    request(&req).await.map(|_| ())
}
