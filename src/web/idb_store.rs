//! [`SessionStore`] over IndexedDB: one record per session in the `sessions` object store, each
//! operation one transaction (the read-modify-write and the entity-id allocation are atomic
//! across tabs, since IndexedDB serializes overlapping readwrite transactions).

use std::cell::Cell;

use alloy_primitives::Address;
use js_sys::{Array, Reflect};
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{IdbDatabase, IdbObjectStore, IdbRequest, IdbTransaction, IdbTransactionMode};

use crate::error::{Error, Result};
use crate::json;
use crate::session::{self, Persistence, SessionRecord};
use crate::store::{BoxFuture, Mutation, SessionStore};
use crate::web::convert::{js_to_json, to_js};
use crate::web::idb::{self, storage, Done};

/// Session records in an open IndexedDB database.
pub struct IdbStore {
    db: IdbDatabase,
    closed: Cell<bool>,
}

fn decode(v: &JsValue) -> Result<SessionRecord> {
    let id = Reflect::get(v, &"id".into()).ok().and_then(|i| i.as_string()).unwrap_or_else(|| "(unknown)".into());
    let json = js_to_json(v, "record").map_err(|e| Error::RecordCorrupt { id, detail: e.to_string() })?;
    session::decode_stored(json)
}

/// The record as stored: `session::encode_stored`'s shape as a JS object, always in the current
/// schema (see `session::decode_stored`).
fn encode(r: &SessionRecord) -> Result<JsValue> {
    to_js(&session::encode_stored(r)?)
}

fn not_array(op: &'static str) -> Error {
    Error::Storage { op, detail: "getAll did not return an array".into() }
}

/// Await request `req` of operation `op`: failing to make it or it failing is a storage error.
async fn call(req: std::result::Result<IdbRequest, JsValue>, op: &'static str) -> Result<JsValue> {
    idb::request(&req.map_err(storage(op))?).await.map_err(storage(op))
}

/// Record `id` of `store` (inside the caller's transaction).
async fn read(store: &IdbObjectStore, id: &str, op: &'static str) -> Result<SessionRecord> {
    let v = call(store.get(&id.into()), op).await?;
    if v.is_undefined() {
        return Err(Error::SessionNotFound { id: id.into() });
    }
    decode(&v)
}

/// Commit the transaction when its work succeeded (`ok`), else abort it; a failed commit is the
/// error. Not generic: one copy serves every operation.
async fn finish(tx: &IdbTransaction, done: Done, op: &'static str, ok: bool) -> Result<()> {
    if ok {
        return done.wait().await.map_err(storage(op));
    }
    let _ = tx.abort();
    let _ = done.wait().await;
    Ok(())
}

impl IdbStore {
    /// The store over `db` (opened and upgraded by `idb::open`).
    pub fn new(db: IdbDatabase) -> Self {
        Self { db, closed: Cell::new(false) }
    }

    /// Close the connection; later calls fail with `STORE_CLOSED`.
    pub fn close(&self) {
        self.closed.set(true);
        self.db.close();
    }

    fn tx(&self, mode: IdbTransactionMode, op: &'static str) -> Result<IdbTransaction> {
        if self.closed.get() {
            return Err(Error::StoreClosed);
        }
        idb::transaction(&self.db, &[idb::SESSIONS], mode).map_err(storage(op))
    }

    async fn get_inner(&self, id: &str) -> Result<SessionRecord> {
        let op = "read session";
        let tx = self.tx(IdbTransactionMode::Readonly, op)?;
        let store = tx.object_store(idb::SESSIONS).map_err(storage(op))?;
        read(&store, id, op).await
    }

    async fn list_inner(&self, scope: Option<(u64, Address)>) -> Result<Vec<Result<SessionRecord>>> {
        let op = "list sessions";
        let tx = self.tx(IdbTransactionMode::Readonly, op)?;
        let store = tx.object_store(idb::SESSIONS).map_err(storage(op))?;
        let req = match scope {
            Some((chain, account)) => {
                let key = Array::of2(&JsValue::from_f64(chain as f64), &json::address(&account).into());
                store.index(idb::BY_ACCOUNT).map_err(storage(op))?.get_all_with_key(&key)
            }
            None => store.get_all(),
        };
        let v = call(req, op).await?;
        let arr: Array = v.dyn_into().map_err(|_| not_array(op))?;
        Ok(arr.iter().map(|v| decode(&v)).collect())
    }

    async fn insert_inner(&self, mut rec: SessionRecord, requested: Option<u32>) -> Result<SessionRecord> {
        let op = "create session";
        let tx = self.tx(IdbTransactionMode::Readwrite, op)?;
        let done = Done::new(&tx);
        let result = async {
            let store = tx.object_store(idb::SESSIONS).map_err(storage(op))?;
            let index = store.index(idb::BY_ACCOUNT).map_err(storage(op))?;
            let key = Array::of2(&JsValue::from_f64(rec.chain_id as f64), &json::address(&rec.account.0).into());
            let v = call(index.get_all_with_key(&key), op).await?;
            let arr: Array = v.dyn_into().map_err(|_| not_array(op))?;
            let used = arr.iter().filter_map(|r| {
                let n = Reflect::get(&r, &"entityId".into()).ok()?.as_f64()?;
                (n >= 0.0 && n <= u32::MAX as f64 && n.fract() == 0.0).then_some(n as u32)
            });
            rec.entity_id = session::allocate_entity_id(used, requested)?;
            call(store.add(&encode(&rec)?), op).await?;
            Ok(rec)
        }
        .await;
        finish(&tx, done, op, result.is_ok()).await?;
        result
    }

    async fn update_inner(&self, id: &str, f: Mutation<'_>) -> Result<SessionRecord> {
        let op = "update session";
        let tx = self.tx(IdbTransactionMode::Readwrite, op)?;
        let done = Done::new(&tx);
        let result = async {
            let store = tx.object_store(idb::SESSIONS).map_err(storage(op))?;
            let mut r = read(&store, id, op).await?;
            f(&mut r)?;
            call(store.put(&encode(&r)?), op).await?;
            Ok(r)
        }
        .await;
        finish(&tx, done, op, result.is_ok()).await?;
        result
    }

    async fn delete_inner(&self, id: &str) -> Result<bool> {
        let op = "delete session";
        let tx = self.tx(IdbTransactionMode::Readwrite, op)?;
        let done = Done::new(&tx);
        let result = async {
            let store = tx.object_store(idb::SESSIONS).map_err(storage(op))?;
            let count = call(store.count_with_key(&id.into()), op).await?;
            call(store.delete(&id.into()), op).await?;
            Ok(count.as_f64().unwrap_or(0.0) > 0.0)
        }
        .await;
        finish(&tx, done, op, result.is_ok()).await?;
        result
    }
}

impl SessionStore for IdbStore {
    fn get<'a>(&'a self, id: &'a str) -> BoxFuture<'a, SessionRecord> {
        Box::pin(self.get_inner(id))
    }
    fn list<'a>(&'a self, scope: Option<(u64, Address)>) -> BoxFuture<'a, Vec<Result<SessionRecord>>> {
        Box::pin(self.list_inner(scope))
    }
    fn insert(&self, record: SessionRecord, requested: Option<u32>) -> BoxFuture<'_, SessionRecord> {
        Box::pin(self.insert_inner(record, requested))
    }
    fn update<'a>(&'a self, id: &'a str, f: Mutation<'a>) -> BoxFuture<'a, SessionRecord> {
        Box::pin(self.update_inner(id, f))
    }
    fn delete<'a>(&'a self, id: &'a str) -> BoxFuture<'a, bool> {
        Box::pin(self.delete_inner(id))
    }
    fn persistence(&self) -> Persistence {
        Persistence::Indexeddb
    }
}
