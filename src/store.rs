//! Where session records live: the [`SessionStore`] trait, and [`MemoryStore`], its in-memory
//! implementation (tests, servers, and browsers that cannot keep a `CryptoKey` in IndexedDB).
//!
//! The trait is the whole contract the session service relies on; the IndexedDB store in
//! `web::idb_store` implements the same trait, and [`suite`] is one test suite that both run
//! (natively against the memory store, in headless Chromium against IndexedDB).
//!
//! Methods return boxed futures: the trait stays object-safe (`Rc<dyn SessionStore>`) and each
//! implementation's state machines are compiled once, not once per caller.

use std::cell::RefCell;
use std::future::Future;
use std::pin::Pin;

use alloy_primitives::Address;

use crate::error::{Error, Result};
use crate::session::{self, Persistence, SessionRecord};

/// A boxed, non-`Send` future (single-threaded wasm; native callers block on it or use one thread).
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = Result<T>> + 'a>>;

/// The change an [`SessionStore::update`] applies to one record inside its transaction.
pub type Mutation<'a> = Box<dyn FnOnce(&mut SessionRecord) -> Result<()> + 'a>;

/// Storage of session records. Implementations keep records as the core gives them (the key
/// inside is already encrypted by a [`crate::vault::KeyVault`]) and never interpret them beyond
/// the fields named here.
pub trait SessionStore {
    /// The record `id`; `SESSION_NOT_FOUND` if there is none, `RECORD_CORRUPT` /
    /// `SCHEMA_TOO_NEW` if it cannot be read.
    fn get<'a>(&'a self, id: &'a str) -> BoxFuture<'a, SessionRecord>;

    /// Every record of `account` on `chain_id` (`None`: every record). A record that cannot be
    /// read comes back as its error, so one damaged record does not hide the others.
    fn list<'a>(&'a self, scope: Option<(u64, Address)>) -> BoxFuture<'a, Vec<Result<SessionRecord>>>;

    /// Store a new record, giving it the lowest free entity id of its account and chain (or
    /// `requested`, refused with `ENTITY_ID_IN_USE` when taken), atomically: two callers at
    /// once never get the same id. Returns the record as stored.
    fn insert(&self, record: SessionRecord, requested: Option<u32>) -> BoxFuture<'_, SessionRecord>;

    /// Read-modify-write of one record, atomically. When `f` fails nothing is written and its
    /// error is returned. Returns the record as stored.
    fn update<'a>(&'a self, id: &'a str, f: Mutation<'a>) -> BoxFuture<'a, SessionRecord>;

    /// Delete record `id`; `true` if it existed.
    fn delete<'a>(&'a self, id: &'a str) -> BoxFuture<'a, bool>;

    /// Whether records survive a reload of the page or a restart of the process.
    fn persistence(&self) -> Persistence;
}

/// Records in this process's memory. Never written anywhere; gone when dropped. A plain list: a
/// store holds a handful of sessions, and a list costs the wasm less code than a map.
#[derive(Debug, Default)]
pub struct MemoryStore {
    records: RefCell<Vec<SessionRecord>>,
}

impl MemoryStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }
}

fn not_found(id: &str) -> Error {
    Error::SessionNotFound { id: id.into() }
}

impl SessionStore for MemoryStore {
    fn get<'a>(&'a self, id: &'a str) -> BoxFuture<'a, SessionRecord> {
        let r = self.records.borrow().iter().find(|r| r.id == id).cloned().ok_or_else(|| not_found(id));
        Box::pin(async move { r })
    }

    fn list<'a>(&'a self, scope: Option<(u64, Address)>) -> BoxFuture<'a, Vec<Result<SessionRecord>>> {
        let out = self
            .records
            .borrow()
            .iter()
            .filter(|r| scope.is_none_or(|(chain, account)| r.chain_id == chain && r.account.0 == account))
            .cloned()
            .map(Ok)
            .collect();
        Box::pin(async move { Ok(out) })
    }

    fn insert(&self, mut record: SessionRecord, requested: Option<u32>) -> BoxFuture<'_, SessionRecord> {
        let r = (|| {
            let mut list = self.records.borrow_mut();
            if list.iter().any(|r| r.id == record.id) {
                return Err(Error::Storage { op: "create session", detail: "a record with this id exists".into() });
            }
            let used = list
                .iter()
                .filter(|r| r.chain_id == record.chain_id && r.account == record.account)
                .map(|r| r.entity_id);
            record.entity_id = session::allocate_entity_id(used, requested)?;
            list.push(record.clone());
            Ok(record)
        })();
        Box::pin(async move { r })
    }

    fn update<'a>(&'a self, id: &'a str, f: Mutation<'a>) -> BoxFuture<'a, SessionRecord> {
        let r = (|| {
            let mut list = self.records.borrow_mut();
            let stored = list.iter_mut().find(|r| r.id == id).ok_or_else(|| not_found(id))?;
            let mut next = stored.clone();
            f(&mut next)?;
            *stored = next.clone();
            Ok(next)
        })();
        Box::pin(async move { r })
    }

    fn delete<'a>(&'a self, id: &'a str) -> BoxFuture<'a, bool> {
        let mut list = self.records.borrow_mut();
        let before = list.len();
        list.retain(|r| r.id != id);
        let r = list.len() < before;
        Box::pin(async move { Ok(r) })
    }

    fn persistence(&self) -> Persistence {
        Persistence::Memory
    }
}

impl<S: SessionStore + ?Sized> SessionStore for std::rc::Rc<S> {
    fn get<'a>(&'a self, id: &'a str) -> BoxFuture<'a, SessionRecord> {
        (**self).get(id)
    }
    fn list<'a>(&'a self, scope: Option<(u64, Address)>) -> BoxFuture<'a, Vec<Result<SessionRecord>>> {
        (**self).list(scope)
    }
    fn insert(&self, record: SessionRecord, requested: Option<u32>) -> BoxFuture<'_, SessionRecord> {
        (**self).insert(record, requested)
    }
    fn update<'a>(&'a self, id: &'a str, f: Mutation<'a>) -> BoxFuture<'a, SessionRecord> {
        (**self).update(id, f)
    }
    fn delete<'a>(&'a self, id: &'a str) -> BoxFuture<'a, bool> {
        (**self).delete(id)
    }
    fn persistence(&self) -> Persistence {
        (**self).persistence()
    }
}

/// The store contract as one test suite, written once and run against every implementation:
/// natively against [`MemoryStore`] (`cargo test`) and in headless Chromium against IndexedDB
/// (`tests/web_store.rs`). Each check takes a fresh, empty store from `open`.
#[doc(hidden)]
pub mod suite {
    use super::*;
    use crate::json::{Addr, HexBytes, HexFixed};
    use crate::session::{EncryptedKey, StoredStatus, SCHEMA_VERSION};

    /// A record as the service would write it (the key field holds placeholder ciphertext).
    pub fn record(id: &str, chain_id: u64, account: Address, created_at: u64) -> SessionRecord {
        SessionRecord {
            schema: SCHEMA_VERSION,
            id: id.into(),
            address: Some(Addr(Address::repeat_byte(0x5e))),
            chain_id,
            account: Addr(account),
            entity_id: 0,
            permissions: vec![crate::permissions::Permission::Root],
            expires_at: Some(created_at + 3600),
            valid_after: None,
            paymaster: None,
            owner: None,
            salt: None,
            created_at,
            status: StoredStatus::Pending,
            key: Some(EncryptedKey {
                alg: "AES-GCM".into(),
                iv: HexFixed([7u8; 12].into()),
                ciphertext: HexBytes(vec![1u8; 48].into()),
            }),
            deferred: None,
            grant_op: None,
            key_kind: crate::session::KeyKind::Secp256k1,
            public_key: None,
        }
    }

    fn check(cond: bool, what: &str) -> Result<()> {
        if cond {
            Ok(())
        } else {
            Err(Error::Storage { op: "store suite", detail: what.into() })
        }
    }

    /// Run every check of the suite; the first failure comes back as an error naming it.
    pub async fn run<S: SessionStore, F: Future<Output = Result<S>>>(open: impl Fn() -> F) -> Result<()> {
        round_trip(open().await?).await?;
        entity_ids(open().await?).await?;
        updates(open().await?).await?;
        deletes(open().await?).await?;
        Ok(())
    }

    /// A record comes back equal to what was inserted; an unknown id is `SESSION_NOT_FOUND`.
    pub async fn round_trip(s: impl SessionStore) -> Result<()> {
        let a = Address::repeat_byte(1);
        let stored = s.insert(record("r1", 1, a, 100), None).await?;
        check(stored.entity_id == 1, "first entity id is 1")?;
        check(s.get("r1").await? == stored, "get returns the inserted record")?;
        let e = s.get("nope").await.err().map(|e| e.code());
        check(e == Some("SESSION_NOT_FOUND"), "unknown id is SESSION_NOT_FOUND")?;
        let dup = s.insert(record("r1", 1, a, 100), None).await;
        check(dup.is_err(), "a second insert with the same id is refused")?;
        Ok(())
    }

    /// Entity ids: the lowest free per account and chain; a requested one is honoured or refused.
    pub async fn entity_ids(s: impl SessionStore) -> Result<()> {
        let (a, b) = (Address::repeat_byte(1), Address::repeat_byte(2));
        check(s.insert(record("a1", 1, a, 1), None).await?.entity_id == 1, "a1 → 1")?;
        check(s.insert(record("a2", 1, a, 2), None).await?.entity_id == 2, "a2 → 2")?;
        check(s.insert(record("b1", 1, b, 3), None).await?.entity_id == 1, "another account starts at 1")?;
        check(s.insert(record("c1", 5, a, 4), None).await?.entity_id == 1, "another chain starts at 1")?;
        check(s.insert(record("a9", 1, a, 5), Some(9)).await?.entity_id == 9, "requested id 9")?;
        let taken = s.insert(record("ax", 1, a, 6), Some(2)).await.err().map(|e| e.code());
        check(taken == Some("ENTITY_ID_IN_USE"), "a taken id is ENTITY_ID_IN_USE")?;
        check(s.delete("a1").await?, "delete a1")?;
        check(s.insert(record("a3", 1, a, 7), None).await?.entity_id == 1, "a freed id is reused")?;
        let listed = s.list(Some((1, a))).await?;
        let mut ids: Vec<u32> = listed.into_iter().map(|r| r.map(|r| r.entity_id)).collect::<Result<_>>()?;
        ids.sort_unstable();
        check(ids == vec![1, 2, 9], "list by account and chain")?;
        check(s.list(None).await?.len() == 5, "list of all")?;
        Ok(())
    }

    /// `update` writes what the mutation made, and nothing when it fails.
    pub async fn updates(s: impl SessionStore) -> Result<()> {
        s.insert(record("u1", 1, Address::repeat_byte(3), 100), None).await?;
        let after = s.update("u1", Box::new(|r| r.transition(StoredStatus::Active, 200))).await?;
        check(after.status == StoredStatus::Active, "update returns the new record")?;
        check(s.get("u1").await?.status == StoredStatus::Active, "update is stored")?;
        let refused = s.update("u1", Box::new(|r| r.transition(StoredStatus::Pending, 200))).await;
        check(refused.err().map(|e| e.code()) == Some("INVALID_STATUS_TRANSITION"), "the mutation's error comes back")?;
        check(s.get("u1").await?.status == StoredStatus::Active, "a failed mutation writes nothing")?;
        let missing = s.update("nope", Box::new(|_| Ok(()))).await.err().map(|e| e.code());
        check(missing == Some("SESSION_NOT_FOUND"), "update of an unknown id")?;
        let revoked = s.update("u1", Box::new(|r| r.transition(StoredStatus::Revoked, 300))).await?;
        check(revoked.key.is_none(), "revoking wipes the key")?;
        let tombstone = s.get("u1").await?;
        check(tombstone.key.is_none() && tombstone.status == StoredStatus::Revoked, "the tombstone reads back")?;
        Ok(())
    }

    /// `delete` says whether the record existed.
    pub async fn deletes(s: impl SessionStore) -> Result<()> {
        s.insert(record("d1", 1, Address::repeat_byte(4), 100), None).await?;
        check(s.delete("d1").await?, "delete of a stored record is true")?;
        check(!s.delete("d1").await?, "delete again is false")?;
        check(s.get("d1").await.is_err(), "deleted record is gone")?;
        Ok(())
    }
}
