//! [`SessionStore`] over IndexedDB: one record per session in the `sessions` object store, each
//! operation one transaction (the read-modify-write and the entity-id allocation are atomic
//! across tabs, since IndexedDB serializes overlapping readwrite transactions).

use std::cell::Cell;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use alloy_primitives::Address;
use js_sys::{Array, Reflect};
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{IdbDatabase, IdbRequest, IdbTransaction, IdbTransactionMode};

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

/// Record `id` as `store.get(id)` answered it (inside the caller's transaction).
fn found(id: &str, v: JsValue) -> Result<SessionRecord> {
    if v.is_undefined() {
        return Err(Error::SessionNotFound { id: id.into() });
    }
    decode(&v)
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

    /// One operation, in one transaction: a read (`get`, `list`) in a readonly one, a change in a
    /// readwrite one committed when it succeeded and aborted when it failed. One state machine
    /// for the five (boxed, awaited through [`Map`]).
    fn run<'a>(&'a self, what: Op<'a>) -> BoxFuture<'a, Out> {
        Box::pin(async move {
            let (op, mode) = match what {
                Op::Get(_) => ("read session", IdbTransactionMode::Readonly),
                Op::List(_) => ("list sessions", IdbTransactionMode::Readonly),
                Op::Insert(..) => ("create session", IdbTransactionMode::Readwrite),
                Op::Update(..) => ("update session", IdbTransactionMode::Readwrite),
                Op::Delete(_) => ("delete session", IdbTransactionMode::Readwrite),
            };
            let tx = self.tx(mode, op)?;
            let done = (mode == IdbTransactionMode::Readwrite).then(|| Done::new(&tx));
            let result = async {
                let store = tx.object_store(idb::SESSIONS).map_err(storage(op))?;
                Ok(match what {
                    Op::Get(id) => Out::Record(found(id, call(store.get(&id.into()), op).await?)?),
                    Op::List(scope) => {
                        let req = match scope {
                            Some((chain, account)) => {
                                let key = Array::of2(&JsValue::from_f64(chain as f64), &json::address(&account).into());
                                store.index(idb::BY_ACCOUNT).map_err(storage(op))?.get_all_with_key(&key)
                            }
                            None => store.get_all(),
                        };
                        let v = call(req, op).await?;
                        let arr: Array = v.dyn_into().map_err(|_| not_array(op))?;
                        Out::List(arr.iter().map(|v| decode(&v)).collect())
                    }
                    Op::Insert(mut rec, requested) => {
                        let index = store.index(idb::BY_ACCOUNT).map_err(storage(op))?;
                        let key =
                            Array::of2(&JsValue::from_f64(rec.chain_id as f64), &json::address(&rec.account.0).into());
                        let v = call(index.get_all_with_key(&key), op).await?;
                        let arr: Array = v.dyn_into().map_err(|_| not_array(op))?;
                        let used = arr.iter().filter_map(|r| {
                            let n = Reflect::get(&r, &"entityId".into()).ok()?.as_f64()?;
                            (n >= 0.0 && n <= u32::MAX as f64 && n.fract() == 0.0).then_some(n as u32)
                        });
                        rec.entity_id = session::allocate_entity_id(used, requested)?;
                        call(store.add(&encode(&rec)?), op).await?;
                        Out::Record(rec)
                    }
                    Op::Update(id, f) => {
                        let mut r = found(id, call(store.get(&id.into()), op).await?)?;
                        f(&mut r)?;
                        call(store.put(&encode(&r)?), op).await?;
                        Out::Record(r)
                    }
                    Op::Delete(id) => {
                        let count = call(store.count_with_key(&id.into()), op).await?;
                        call(store.delete(&id.into()), op).await?;
                        Out::Existed(count.as_f64().unwrap_or(0.0) > 0.0)
                    }
                })
            }
            .await;
            // A change commits when its work succeeded, else it is aborted; a failed commit is
            // the error.
            if let Some(done) = done {
                if result.is_ok() {
                    done.await.map_err(storage(op))?;
                } else {
                    let _ = tx.abort();
                    let _ = done.await;
                }
            }
            result
        })
    }
}

/// What [`IdbStore::run`] does. Made and matched once per call, never stored: its size is no cost.
#[allow(clippy::large_enum_variant)]
enum Op<'a> {
    Get(&'a str),
    List(Option<(u64, Address)>),
    Insert(SessionRecord, Option<u32>),
    Update(&'a str, Mutation<'a>),
    Delete(&'a str),
}

/// What [`IdbStore::run`] gives: the record (`get`, `insert`, `update`), the records (`list`), or
/// whether one existed (`delete`). Moved out once per call, never stored: its size is no cost.
#[allow(clippy::large_enum_variant)]
enum Out {
    Record(SessionRecord),
    List(Vec<Result<SessionRecord>>),
    Existed(bool),
}

/// [`IdbStore::run`]'s answer as one method's type: a plain future around the shared one.
struct Map<'a, T> {
    fut: BoxFuture<'a, Out>,
    take: fn(Out) -> Option<T>,
}

impl<T> Future for Map<'_, T> {
    type Output = Result<T>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<T>> {
        let take = self.take;
        self.fut.as_mut().poll(cx).map(|out| take(out?).ok_or_else(mismatch))
    }
}

/// An answer of another operation's kind (never made by [`IdbStore::run`]). Out of line: one
/// copy for the three answer types.
#[inline(never)]
fn mismatch() -> Error {
    Error::Storage { op: "session store", detail: "unexpected answer".into() }
}

impl IdbStore {
    fn map<'a, T: 'a>(&'a self, what: Op<'a>, take: fn(Out) -> Option<T>) -> BoxFuture<'a, T> {
        Box::pin(Map { fut: self.run(what), take })
    }
}

fn record(o: Out) -> Option<SessionRecord> {
    match o {
        Out::Record(r) => Some(r),
        _ => None,
    }
}

impl SessionStore for IdbStore {
    fn get<'a>(&'a self, id: &'a str) -> BoxFuture<'a, SessionRecord> {
        self.map(Op::Get(id), record)
    }
    fn list<'a>(&'a self, scope: Option<(u64, Address)>) -> BoxFuture<'a, Vec<Result<SessionRecord>>> {
        self.map(Op::List(scope), |o| match o {
            Out::List(l) => Some(l),
            _ => None,
        })
    }
    fn insert(&self, record: SessionRecord, requested: Option<u32>) -> BoxFuture<'_, SessionRecord> {
        self.map(Op::Insert(record, requested), self::record)
    }
    fn update<'a>(&'a self, id: &'a str, f: Mutation<'a>) -> BoxFuture<'a, SessionRecord> {
        self.map(Op::Update(id, f), record)
    }
    fn delete<'a>(&'a self, id: &'a str) -> BoxFuture<'a, bool> {
        self.map(Op::Delete(id), |o| match o {
            Out::Existed(e) => Some(e),
            _ => None,
        })
    }
    fn persistence(&self) -> Persistence {
        Persistence::Indexeddb
    }
}
