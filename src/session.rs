//! The session record and its lifecycle: pure data, no browser, testable natively.
//!
//! A session is a key granted to a MAv2 account: a secp256k1 key (the default [`KeyKind`]), or a
//! P-256 key that WebCrypto made non-extractable (`p256-webcrypto`). The browser shell
//! (`web::store`) keeps one [`SessionRecord`] per session in IndexedDB; this module owns
//! everything about those records that does not need a browser:
//! - the **stored codec** with an explicit schema version ([`encode_stored`], [`decode_stored`]),
//!   which reads every schema an earlier build wrote;
//! - the **status lifecycle**: stored status `pending` → `active` → `revoked`, plus the derived
//!   `expired`, computed against an injected `now` ([`SessionRecord::status_at`], [`SessionRecord::transition`]);
//! - **entity-id allocation** ([`allocate_entity_id`]): the lowest id ≥ 1 no stored session of the
//!   same account and chain uses;
//! - the **public record** handed to JavaScript ([`PublicRecord`]), which never carries key bytes.
//!
//! The 32 key bytes are never in a record: only their AES-GCM ciphertext is ([`EncryptedKey`]),
//! encrypted by the shell under a non-extractable WebCrypto key with [`key_aad`] as associated data.
//! A P-256 key has no bytes anywhere: the record names the vault that holds its `CryptoKey` and
//! carries its public key.

use alloy_primitives::{Bytes, U256};
use serde_json::Value;

use zeroize::{Zeroize, Zeroizing};

use crate::deferred::{self, DeferredInstall, DeferredInstallRequest};
use crate::error::{Error, InputRule, Result};
use crate::install::{SessionInstall, SessionInstallRequest, SessionUninstallRequest, Validation};
use crate::json::{self, Addr};
use crate::nonce::decode_nonce_key;
use crate::permissions::Permission;
use crate::read;
use crate::webauthn::P256PublicKey;
use crate::write::{self, Obj};

/// Schema version written by this build. Versions 1 to 3 are read and upgraded on the fly
/// (2 → 3: the key becomes optional, wiped on revoke; `owner`, `salt` and `grantOp` are added;
/// 3 → 4: `keyKind` and `publicKey` are added and `address` may be null, for P-256 sessions).
/// A build that reads schema 3 at most refuses a schema-4 record as `SCHEMA_TOO_NEW`.
pub const SCHEMA_VERSION: u32 = 4;

/// Highest entity id a session may use (MAv2 reserves `u32::MAX` and ids ≥ 2^31 - 1).
pub const MAX_ENTITY_ID: u32 = 2_147_483_646;

/// Largest chain id stored (JS numbers are exact up to 2^53 - 1).
pub const MAX_CHAIN_ID: u64 = (1 << 53) - 1;

/// AES-GCM IV length.
pub const IV_LEN: usize = 12;

/// The stored status: what the app has told the store about the grant on chain.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StoredStatus {
    /// Created; the grant is not known to be installed yet.
    Pending,
    /// The grant is installed (the app called `markActive`).
    Active,
    /// The grant was uninstalled or abandoned (the app called `markRevoked`). Final.
    Revoked,
}

impl StoredStatus {
    /// The name JS sees.
    pub const fn as_str(self) -> &'static str {
        match self {
            StoredStatus::Pending => "pending",
            StoredStatus::Active => "active",
            StoredStatus::Revoked => "revoked",
        }
    }
}

json::by_name!(StoredStatus {
    "pending" => Pending,
    "active" => Active,
    "revoked" => Revoked,
});

/// The status a caller sees: the stored one, or `expired` once `expiresAt` has passed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// Created; the grant is not known to be installed yet.
    Pending,
    /// Installed.
    Active,
    /// `expiresAt` has passed (and the session was not revoked).
    Expired,
    /// Revoked.
    Revoked,
}

impl Status {
    /// The name JS sees.
    pub const fn as_str(self) -> &'static str {
        match self {
            Status::Pending => "pending",
            Status::Active => "active",
            Status::Expired => "expired",
            Status::Revoked => "revoked",
        }
    }
}

json::by_name!(Status {
    "pending" => Pending,
    "active" => Active,
    "expired" => Expired,
    "revoked" => Revoked,
});

/// Where a session's wrapping key lives, hence whether it survives a reload.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Persistence {
    /// Records and the non-extractable wrapping key are in IndexedDB: the session survives reloads.
    Indexeddb,
    /// The browser refused to store a `CryptoKey` (or has no IndexedDB): the session lives in
    /// this page's memory only and is gone on reload. Nothing is written in plaintext.
    Memory,
}

impl Persistence {
    /// The name JS sees.
    pub const fn as_str(self) -> &'static str {
        match self {
            Persistence::Indexeddb => "indexeddb",
            Persistence::Memory => "memory",
        }
    }
}

json::by_name!(Persistence {
    "indexeddb" => Indexeddb,
    "memory" => Memory,
});

/// The kind of key a session signs with, chosen at `create`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum KeyKind {
    /// secp256k1, checked on chain by the SingleSigner validation module. Its bytes are in wasm
    /// memory while it signs and sealed at rest; `exportPrivateKey` can give them out.
    #[default]
    Secp256k1,
    /// P-256, made by WebCrypto as non-extractable and kept as a `CryptoKey`, checked on chain by
    /// the WebAuthn validation module: script can sign with it while the page is open, but no
    /// code can copy it.
    P256WebCrypto,
}

json::by_name!(KeyKind {
    "secp256k1" => Secp256k1,
    "p256-webcrypto" => P256WebCrypto,
});

impl KeyKind {
    /// The name JS sees.
    pub const fn as_str(self) -> &'static str {
        match self {
            KeyKind::Secp256k1 => "secp256k1",
            KeyKind::P256WebCrypto => "p256-webcrypto",
        }
    }
}

/// A P-256 public key as stored and shown: the affine coordinates as 32-byte hex.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PublicKeyXy {
    /// x coordinate.
    pub x: json::HexFixed<32>,
    /// y coordinate.
    pub y: json::HexFixed<32>,
}

impl From<P256PublicKey> for PublicKeyXy {
    fn from(k: P256PublicKey) -> Self {
        let sec1 = k.to_sec1();
        PublicKeyXy {
            x: json::HexFixed(sec1[1..33].try_into().unwrap_or_default()),
            y: json::HexFixed(sec1[33..].try_into().unwrap_or_default()),
        }
    }
}

impl PublicKeyXy {
    /// `{ x, y }`.
    pub fn to_json(&self) -> Value {
        Obj::new().hex("x", self.x.0.as_slice()).hex("y", self.y.0.as_slice()).value()
    }

    /// The key, checked to lie on the curve.
    pub fn key(&self) -> Result<P256PublicKey> {
        P256PublicKey::from_xy(self.x.0.into(), self.y.0.into())
    }
}

/// The session key at rest: its bytes encrypted (AES-256-GCM, 12-byte IV, 128-bit tag), or, for a
/// key the vault keeps itself (`alg` `"memory"`, `"webcrypto-p256"`), a reference by session id
/// with an empty IV and ciphertext.
#[derive(Clone, PartialEq, Eq)]
pub struct EncryptedKey {
    /// `"AES-GCM"`, or the vault that holds the key.
    pub alg: String,
    /// The IV.
    pub iv: json::HexFixed<IV_LEN>,
    /// Ciphertext ‖ tag (48 bytes for a 32-byte key).
    pub ciphertext: json::HexBytes,
}

impl EncryptedKey {
    /// `{ alg, iv, ciphertext }`.
    pub fn to_json(&self) -> Value {
        Obj::new()
            .str("alg", self.alg.as_str())
            .hex("iv", self.iv.0.as_slice())
            .hex("ciphertext", &self.ciphertext.0)
            .value()
    }
}

impl std::fmt::Debug for EncryptedKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EncryptedKey").field("alg", &self.alg).finish_non_exhaustive()
    }
}

/// The owner's authorization of a deferred install, as far as it has got.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeferredState {
    /// The full user-operation nonce the authorization is bound to (the first op's nonce).
    pub nonce: U256,
    /// Deadline (unix seconds, 0 = none).
    pub deadline: u64,
    /// The pre-signature deferred-action digest (aa-sdk transport format).
    pub pre_signature_digest: json::HexBytes,
    /// The full deferred-action digest once the owner signature is attached.
    pub deferred_action_digest: Option<json::HexBytes>,
}

impl DeferredState {
    /// Nonce and deadline as quantities, digests as hex (`null` before the signature).
    pub fn to_json(&self) -> Value {
        Obj::new()
            .quantity("nonce", self.nonce)
            .quantity("deadline", U256::from(self.deadline))
            .hex("preSignatureDigest", &self.pre_signature_digest.0)
            .or_null("deferredActionDigest", self.deferred_action_digest.as_ref().map(|d| write::hex(&d.0)))
            .value()
    }
}

/// One session as stored (current schema). Written by [`SessionRecord::to_json`], read field
/// by field by [`decode_stored`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionRecord {
    /// Always [`SCHEMA_VERSION`] when written by this build.
    pub schema: u32,
    /// Random id (32 lower-case hex characters).
    pub id: String,
    /// The session key's address (secp256k1); `None` for a P-256 key, which has no address.
    pub address: Option<Addr>,
    /// Chain id.
    pub chain_id: u64,
    /// The MAv2 account the key is granted to.
    pub account: Addr,
    /// The validation entity id of the grant.
    pub entity_id: u32,
    /// The permissions, typed (validated when the session was created).
    pub permissions: Vec<Permission>,
    /// Unix seconds after which the key is no longer valid (none = no expiry).
    pub expires_at: Option<u64>,
    /// Unix seconds before which the key is not yet valid.
    pub valid_after: Option<u64>,
    /// Paymaster the grant is restricted to, if any.
    pub paymaster: Option<Addr>,
    /// The account's owner, when known: with `salt` it lets the first operation deploy a
    /// counterfactual account.
    pub owner: Option<Addr>,
    /// The account's factory salt (with `owner`).
    pub salt: Option<U256>,
    /// Unix seconds.
    pub created_at: u64,
    /// Stored status.
    pub status: StoredStatus,
    /// The encrypted key; `None` once the session is revoked (a tombstone `prune` removes).
    pub key: Option<EncryptedKey>,
    /// Deferred install authorization, once prepared.
    pub deferred: Option<DeferredState>,
    /// The userOpHash of the operation that carries the grant, once sent: its successful
    /// receipt makes the session active.
    pub grant_op: Option<json::HexFixed<32>>,
    /// The key's kind (schema 4; earlier records are secp256k1).
    pub key_kind: KeyKind,
    /// A P-256 session's public key (schema 4).
    pub public_key: Option<PublicKeyXy>,
}

/// An optional address, checksummed (written `null` when absent: [`Obj::or_null`]).
fn opt_address(a: Option<Addr>) -> Option<Value> {
    a.map(|a| write::address(&a.0))
}

/// An optional number (written `null` when absent: [`Obj::or_null`]).
fn opt_number(v: Option<u64>) -> Option<Value> {
    v.map(Value::from)
}

/// Permissions in the SDK's shape.
fn permissions_json(permissions: &[Permission]) -> Value {
    write::list(permissions, Permission::to_json)
}

/// The fields the stored and the public shapes share, written from a [`SessionRecord`] or a
/// [`PublicRecord`] (both have them under the same names): numbers stay numbers (the IndexedDB
/// index keys on `chainId`), accounts checksummed, an absent optional field `null`.
macro_rules! shared_json {
    ($r:expr) => {{
        let r = $r;
        Obj::new()
            .str("id", r.id.as_str())
            .str("keyKind", r.key_kind.as_str())
            .or_null("address", opt_address(r.address))
            .or_null("publicKey", r.public_key.as_ref().map(PublicKeyXy::to_json))
            .number("chainId", r.chain_id)
            .address("account", &r.account.0)
            .number("entityId", u64::from(r.entity_id))
            .put("permissions", permissions_json(&r.permissions))
            .or_null("expiresAt", opt_number(r.expires_at))
            .or_null("validAfter", opt_number(r.valid_after))
            .or_null("paymaster", opt_address(r.paymaster))
            .number("createdAt", r.created_at)
            .take()
    }};
}

impl SessionRecord {
    /// The fields the stored and the public shapes share (see [`shared_json!`]).
    fn shared_json(&self) -> Obj {
        shared_json!(self)
    }

    /// The stored shape, written as `schema`.
    fn stored_json(&self, schema: u32) -> Value {
        self.shared_json()
            .number("schema", u64::from(schema))
            .or_null("owner", opt_address(self.owner))
            .or_null("salt", self.salt.map(write::quantity))
            .str("status", self.status.as_str())
            .or_null("key", self.key.as_ref().map(EncryptedKey::to_json))
            .or_null("deferred", self.deferred.as_ref().map(DeferredState::to_json))
            .or_null("grantOp", self.grant_op.map(|h| write::hex(h.0.as_slice())))
            .value()
    }

    /// The stored shape, as its `schema` says.
    pub fn to_json(&self) -> Value {
        self.stored_json(self.schema)
    }

    /// The JS shape of [`SessionRecord::public`] (its `to_json`), written from the record
    /// without building the [`PublicRecord`].
    pub fn public_json(&self, now: u64, persistence: Persistence) -> Value {
        self.shared_json()
            .str("status", self.status_at(now).as_str())
            .str("persistence", persistence.as_str())
            .str("deferred", self.deferred_progress().as_str())
            .value()
    }
}

/// Encode a record for storage (always the current schema).
pub fn encode_stored(record: &SessionRecord) -> Result<Value> {
    Ok(record.stored_json(SCHEMA_VERSION))
}

/// Decode a stored record of any known schema. Unknown or newer schemas are refused with
/// `RECORD_CORRUPT` / `SCHEMA_TOO_NEW`, naming the record, so other records still load. Every
/// schema is read by the one current-schema reader: schema 1 is first rewritten in its shape
/// (`upgrade_v1`), and schemas 2 and 3 are schema 4 without some of its optional fields (an
/// absent one reads as none).
pub fn decode_stored(mut value: Value) -> Result<SessionRecord> {
    let id = value.get("id").and_then(Value::as_str).unwrap_or("(unknown)").to_string();
    match value.get("schema").and_then(Value::as_u64) {
        Some(1) => upgrade_v1(&mut value).map_err(|detail| corrupt(&id, detail))?,
        Some(2..=SCHEMA_VERSION_U64) => {}
        Some(n) if n > SCHEMA_VERSION_U64 => return Err(Error::SchemaTooNew { id: json::shorten(&id, 80), schema: n }),
        _ => return Err(corrupt(&id, "missing or unknown schema version")),
    }
    let mut r = read_record(&value).map_err(|detail| corrupt(&id, detail))?;
    // Only a revoked session (a tombstone) has no key.
    if r.key.is_none() && r.status != StoredStatus::Revoked {
        return Err(corrupt(&id, "the key is missing from a session that is not revoked"));
    }
    r.check_signer().map_err(|e| corrupt(&id, e.to_string()))?;
    r.schema = SCHEMA_VERSION;
    Ok(r)
}

const SCHEMA_VERSION_U64: u64 = SCHEMA_VERSION as u64;

/// The fields of a stored record (current schema), in the order they are written.
const FIELDS: [&str; 19] = [
    "schema",
    "id",
    "address",
    "chainId",
    "account",
    "entityId",
    "permissions",
    "expiresAt",
    "validAfter",
    "paymaster",
    "owner",
    "salt",
    "createdAt",
    "status",
    "key",
    "deferred",
    "grantOp",
    "keyKind",
    "publicKey",
];

/// A record's read failure as `RECORD_CORRUPT` details it: `path: message`, the path starting
/// at the record.
fn record_bad(e: read::Bad) -> String {
    let message = match e.rule {
        read::Rule::NotObject => "not an object",
        read::Rule::Unknown => "unknown field",
        _ => e.message.as_str(),
    };
    format!("{}: {message}", if e.path.is_empty() { "(record)" } else { &e.path })
}

/// A record of the current shape, read field by field. Unknown fields are refused.
fn read_record(value: &Value) -> std::result::Result<SessionRecord, String> {
    read_fields(value).map_err(record_bad)
}

/// [`read_record`]'s fields, each through its type's reader, which the rest of the crate shares
/// (derived visitors of the record's structs would each be one more large function).
fn read_fields(value: &Value) -> read::Read<SessionRecord> {
    let f = read::strict(value, &FIELDS)?;
    // Plain values first, then the ones that own memory: a field that fails has less to drop.
    let schema = f.value("schema")?;
    let address = f.value("address")?;
    let chain_id = f.value("chainId")?;
    let account = f.value("account")?;
    let entity_id = f.value("entityId")?;
    let expires_at = f.value("expiresAt")?;
    let valid_after = f.value("validAfter")?;
    let paymaster = f.value("paymaster")?;
    let owner = f.value("owner")?;
    let salt = f.opt("salt", read::u256)?;
    let created_at = f.value("createdAt")?;
    let status = f.value("status")?;
    let grant_op = f.value("grantOp")?;
    // Schemas 2 and 3 have no key kind: their keys are secp256k1.
    let key_kind = f.value::<Option<KeyKind>>("keyKind")?.unwrap_or_default();
    let public_key =
        f.object("publicKey", &["x", "y"], true, |k| Ok(PublicKeyXy { x: k.value("x")?, y: k.value("y")? }))?;
    let id = f.value("id")?;
    let permissions = f.or_null("permissions", Permission::read_list)?;
    let key = f.object("key", &["alg", "iv", "ciphertext"], true, |k| {
        Ok(EncryptedKey { iv: k.value("iv")?, ciphertext: k.value("ciphertext")?, alg: k.value("alg")? })
    })?;
    let deferred =
        f.object("deferred", &["nonce", "deadline", "preSignatureDigest", "deferredActionDigest"], true, |d| {
            Ok(DeferredState {
                nonce: d.or_null("nonce", read::u256)?,
                deadline: d.or_null("deadline", read::u48)?,
                pre_signature_digest: d.value("preSignatureDigest")?,
                deferred_action_digest: d.value("deferredActionDigest")?,
            })
        })?;
    Ok(SessionRecord {
        schema,
        id,
        address,
        chain_id,
        account,
        entity_id,
        permissions,
        expires_at,
        valid_after,
        paymaster,
        owner,
        salt,
        created_at,
        status,
        key,
        deferred,
        grant_op,
        key_kind,
        public_key,
    })
}

/// Fields schema 1 (the first build) did not have: a schema-1 record holding one is damaged.
const NOT_IN_V1: [&str; 9] =
    ["key", "validAfter", "paymaster", "owner", "salt", "deferred", "grantOp", "keyKind", "publicKey"];

/// A schema-1 record in the current shape: its flat `iv` and `ciphertext` become an AES-GCM
/// `key` (the only kind it had).
fn upgrade_v1(value: &mut Value) -> std::result::Result<(), &'static str> {
    let Value::Object(map) = value else { return Err("not an object") };
    let mut key = serde_json::Map::new();
    key.insert("alg".into(), "AES-GCM".into());
    let mut out = serde_json::Map::new();
    for (name, v) in std::mem::take(map) {
        match name.as_str() {
            "iv" | "ciphertext" => key.insert(name, v),
            later if NOT_IN_V1.contains(&later) => return Err("a field schema 1 does not have"),
            _ => out.insert(name, v),
        };
    }
    if key.len() != 3 {
        return Err("missing iv or ciphertext");
    }
    out.insert("key".into(), Value::Object(key));
    *map = out;
    Ok(())
}

fn corrupt(id: &str, detail: impl Into<String>) -> Error {
    // Both come from the damaged record: bounded, and no quoted strings from it.
    Error::RecordCorrupt { id: json::shorten(id, 80), detail: json::shorten(&detail.into(), 300) }
}

/// Associated data bound into the key's AES-GCM ciphertext: a ciphertext moved to another record
/// does not decrypt.
pub fn key_aad(id: &str) -> Vec<u8> {
    format!("mav2-session-keys/key/{id}").into_bytes()
}

/// A fresh random session id (16 bytes from the platform CSPRNG, hex).
pub fn new_session_id() -> Result<String> {
    let mut b = [0u8; 16];
    getrandom::fill(&mut b).map_err(Error::random)?;
    Ok(alloy_primitives::hex::encode(b))
}

/// Lowest entity id ≥ 1 not in `used`; or `requested`, refused if it is taken or out of range.
pub fn allocate_entity_id(used: impl IntoIterator<Item = u32>, requested: Option<u32>) -> Result<u32> {
    pick_entity_id(&used.into_iter().collect::<Vec<u32>>(), requested)
}

/// [`allocate_entity_id`] over the ids in use (not generic: one copy serves every caller). The
/// lists are short (an account's sessions, at most a few hundred ids installed on chain), so a
/// scan for each candidate costs less code than sorting.
fn pick_entity_id(used: &[u32], requested: Option<u32>) -> Result<u32> {
    if let Some(id) = requested {
        if id == 0 || id > MAX_ENTITY_ID {
            return Err(Error::InvalidEntityId { entity_id: id.into() });
        }
        if used.contains(&id) {
            return Err(Error::EntityIdInUse { entity_id: id });
        }
        return Ok(id);
    }
    let mut next = 1u32;
    while used.contains(&next) {
        next += 1;
    }
    if next > MAX_ENTITY_ID {
        return Err(Error::InvalidEntityId { entity_id: next.into() });
    }
    Ok(next)
}

/// The options of `create` (and, with `privateKey`, of `importPrivateKey`). `Debug` does not
/// print `privateKey`. Read by [`NewSession::from_json`] (the field reader, not a derived visitor).
#[derive(Clone)]
pub struct NewSession {
    /// Chain id.
    pub chain_id: u64,
    /// The MAv2 account.
    pub account: Addr,
    /// Entity id; defaults to the lowest free one for this account.
    pub entity_id: Option<u32>,
    /// Permissions (validated by the grant encoder).
    pub permissions: Vec<Permission>,
    /// Unix seconds.
    pub expires_at: Option<u64>,
    /// Unix seconds.
    pub valid_after: Option<u64>,
    /// Paymaster restriction.
    pub paymaster: Option<Addr>,
    /// The account's owner: lets the first operation deploy the account (checked against `account`).
    pub owner: Option<Addr>,
    /// The account's factory salt (with `owner`); default 0.
    pub salt: Option<U256>,
    /// The key's kind; default secp256k1.
    pub key_kind: KeyKind,
    /// Only for `importPrivateKey`: the 32-byte key as `0x` hex. Read it with [`NewSession::take_private_key`].
    pub private_key: Option<String>,
}

/// The keys of a [`NewSession`] object.
const NEW_SESSION_KEYS: &[&str] = &[
    "chainId",
    "account",
    "entityId",
    "permissions",
    "expiresAt",
    "validAfter",
    "paymaster",
    "owner",
    "salt",
    "keyKind",
    "privateKey",
];

impl std::fmt::Debug for NewSession {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NewSession")
            .field("chain_id", &self.chain_id)
            .field("account", &self.account)
            .field("entity_id", &self.entity_id)
            .field("permissions", &self.permissions)
            .field("expires_at", &self.expires_at)
            .field("valid_after", &self.valid_after)
            .field("paymaster", &self.paymaster)
            .field("owner", &self.owner)
            .field("salt", &self.salt)
            .field("key_kind", &self.key_kind)
            .field("private_key", &self.private_key.as_ref().map(|_| "<redacted>"))
            .finish()
    }
}

impl Drop for NewSession {
    fn drop(&mut self) {
        if let Some(k) = self.private_key.as_mut() {
            k.zeroize();
        }
    }
}

impl NewSession {
    /// Read the options object; a failure is the input error at its path (`argument` names
    /// the whole value when it is not an object).
    pub fn from_json(v: &Value, argument: &str) -> Result<Self> {
        read::strict(v, NEW_SESSION_KEYS).and_then(Self::read).map_err(|e| json::read_error(e, argument))
    }

    /// The fields, as a `deny_unknown_fields` struct with these defaults would read them.
    fn read(f: read::Fields<'_>) -> read::Read<Self> {
        Ok(NewSession {
            chain_id: f.req("chainId", read::u64_number)?,
            account: f.req("account", read::leaf)?,
            entity_id: f.opt("entityId", read::u32)?,
            permissions: f.req("permissions", Permission::read_list)?,
            expires_at: f.opt("expiresAt", read::u48)?,
            valid_after: f.opt("validAfter", read::u48)?,
            paymaster: f.opt("paymaster", read::leaf)?,
            owner: f.opt("owner", read::leaf)?,
            salt: f.opt("salt", read::u256)?,
            key_kind: f.or_default("keyKind", read::leaf)?,
            private_key: f.opt("privateKey", read::leaf)?,
        })
    }

    /// Take the imported private key out (its string is wiped), as 32 bytes that wipe themselves.
    /// `Ok(None)` when no key was given.
    pub fn take_private_key(&mut self) -> Result<Option<Zeroizing<[u8; 32]>>> {
        let Some(mut text) = self.private_key.take() else { return Ok(None) };
        let bad = || Error::InvalidPrivateKey { field: "privateKey" };
        let mut out = Zeroizing::new([0u8; 32]);
        let result = match text.strip_prefix("0x").or_else(|| text.strip_prefix("0X")) {
            Some(digits) if digits.len() == 64 => {
                alloy_primitives::hex::decode_to_slice(digits, out.as_mut()).map_err(|_| bad())
            }
            _ => Err(bad()),
        };
        text.zeroize();
        result.map(|()| Some(out))
    }

    /// Rules that need no encoder: chain id range, time window, entity id range.
    pub fn check(&self, now: u64) -> Result<()> {
        if self.chain_id == 0 || self.chain_id > MAX_CHAIN_ID {
            return Err(Error::input("chainId", InputRule::Range, "must be 1 ..= 2^53 - 1"));
        }
        if let Some(id) = self.entity_id {
            if id == 0 || id > MAX_ENTITY_ID {
                return Err(Error::InvalidEntityId { entity_id: id.into() });
            }
        }
        if let Some(exp) = self.expires_at {
            if exp <= now {
                return Err(Error::Expired { field: "expiresAt", value: exp, now });
            }
        }
        match (self.valid_after, self.expires_at) {
            (Some(_), None) => return Err(Error::ValidAfterWithoutExpiry),
            (Some(va), Some(exp)) if va >= exp => {
                return Err(Error::ValidAfterNotBeforeExpiry { valid_after: va, expires_at: exp })
            }
            _ => {}
        }
        Ok(())
    }

    /// The record for a new session (status `pending`) whose key `signer` names.
    pub fn to_record(
        &self,
        id: String,
        signer: Validation,
        entity_id: u32,
        now: u64,
        key: EncryptedKey,
    ) -> SessionRecord {
        let (key_kind, address, public_key) = match signer {
            Validation::SingleSigner(a) => (KeyKind::Secp256k1, Some(Addr(a)), None),
            Validation::WebAuthn(k) => (KeyKind::P256WebCrypto, None, Some(k.into())),
        };
        SessionRecord {
            schema: SCHEMA_VERSION,
            id,
            address,
            chain_id: self.chain_id,
            account: self.account,
            entity_id,
            permissions: self.permissions.clone(),
            expires_at: self.expires_at,
            valid_after: self.valid_after,
            paymaster: self.paymaster,
            owner: self.owner,
            salt: self.salt,
            created_at: now,
            status: StoredStatus::Pending,
            key: Some(key),
            deferred: None,
            grant_op: None,
            key_kind,
            public_key,
        }
    }
}

impl SessionRecord {
    /// The validation this session installs: the module that checks its signatures and the key
    /// it checks them against.
    pub fn signer(&self) -> Result<Validation> {
        match (self.key_kind, self.address, &self.public_key) {
            (KeyKind::Secp256k1, Some(a), None) => Ok(Validation::SingleSigner(a.0)),
            (KeyKind::P256WebCrypto, None, Some(k)) => Ok(Validation::WebAuthn(k.key()?)),
            (KeyKind::Secp256k1, _, _) => {
                Err(corrupt(&self.id, "a secp256k1 session needs an address and no publicKey"))
            }
            (KeyKind::P256WebCrypto, _, _) => {
                Err(corrupt(&self.id, "a p256-webcrypto session needs a publicKey and no address"))
            }
        }
    }

    /// A stored record's key fields agree with its kind (and a P-256 key is on the curve).
    fn check_signer(&self) -> Result<()> {
        self.signer().map(|_| ())
    }

    /// This session's grant (its validation, hooks and call data), checked at `now`.
    pub fn install(&self, now: u64) -> Result<SessionInstall> {
        self.grant().install_validation(&self.signer()?, now)
    }

    /// `installValidation` call data granting this session, checked at `now`.
    pub fn install_call(&self, now: u64) -> Result<Bytes> {
        self.install(now).map(|i| i.call_data)
    }

    /// `uninstallValidation` call data revoking this session's grant (no clock check).
    pub fn uninstall_call(&self) -> Result<Bytes> {
        self.grant().uninstall_validation(self.signer()?.module())
    }

    /// The deferred grant for the op with full nonce `nonce`, checked at `now` in the SDK's order
    /// (see [`deferred::build_deferred_install`]). The nonce must select this session's
    /// validation with the deferred bit set (else the account refuses the op).
    pub fn deferred_install(&self, nonce: U256, deadline: u64, now: u64) -> Result<DeferredInstall> {
        self.check_deferred_nonce(nonce)?;
        deferred::deferred_for(&self.grant(), &self.signer()?, self.chain_id, nonce, deadline, now)
    }

    fn check_deferred_nonce(&self, nonce: U256) -> Result<()> {
        self.check_nonce(nonce, "nonce")?;
        if !decode_nonce_key(nonce >> 64).is_deferred {
            return Err(Error::input(
                "nonce",
                InputRule::Range,
                "the nonce key must have the deferred-action bit (0x02) set",
            ));
        }
        Ok(())
    }

    /// The status at `now` (unix seconds).
    pub fn status_at(&self, now: u64) -> Status {
        match self.status {
            StoredStatus::Revoked => Status::Revoked,
            _ if self.expires_at.is_some_and(|e| now >= e) => Status::Expired,
            StoredStatus::Pending => Status::Pending,
            StoredStatus::Active => Status::Active,
        }
    }

    /// Move to `to`. Allowed: pending → active, pending/active/expired → revoked, and the no-op
    /// of marking a status it already has. An expired session cannot become active; a revoked one
    /// stays revoked.
    pub fn transition(&mut self, to: StoredStatus, now: u64) -> Result<()> {
        let from = self.status_at(now);
        let ok = match (from, to) {
            (Status::Revoked, StoredStatus::Revoked) => true,
            (Status::Revoked, _) => false,
            (_, StoredStatus::Revoked) => true,
            (Status::Expired, _) => false,
            (Status::Pending, _) => true,
            (Status::Active, StoredStatus::Active) => true,
            (Status::Active, StoredStatus::Pending) => false,
        };
        if !ok {
            return Err(Error::InvalidStatusTransition {
                id: self.id.clone(),
                from: status_name(from),
                to: stored_name(to),
            });
        }
        match to {
            // The grant is installed: the deferred authorization has served its purpose.
            StoredStatus::Active => self.deferred = None,
            // Final: the key is wiped, the record stays as a tombstone until `prune`.
            StoredStatus::Revoked => {
                self.key = None;
                self.deferred = None;
                self.grant_op = None;
            }
            StoredStatus::Pending => {}
        }
        self.status = to;
        Ok(())
    }

    /// Refuse to sign with a revoked or expired session.
    pub fn check_usable(&self, now: u64) -> Result<()> {
        match self.status_at(now) {
            Status::Revoked => Err(Error::SessionRevoked { id: self.id.clone() }),
            Status::Expired => Err(Error::Expired { field: "expiresAt", value: self.expires_at.unwrap_or(0), now }),
            _ => Ok(()),
        }
    }

    /// The record handed to JavaScript.
    pub fn public(&self, now: u64, persistence: Persistence) -> PublicRecord {
        PublicRecord {
            id: self.id.clone(),
            key_kind: self.key_kind,
            address: self.address,
            public_key: self.public_key,
            chain_id: self.chain_id,
            account: self.account,
            entity_id: self.entity_id,
            permissions: self.permissions.clone(),
            expires_at: self.expires_at,
            valid_after: self.valid_after,
            paymaster: self.paymaster,
            created_at: self.created_at,
            status: self.status_at(now),
            persistence,
            deferred: self.deferred_progress(),
        }
    }

    /// How far the deferred install has got.
    fn deferred_progress(&self) -> DeferredProgress {
        match &self.deferred {
            None => DeferredProgress::None,
            Some(d) if d.deferred_action_digest.is_some() => DeferredProgress::Signed,
            Some(_) => DeferredProgress::Prepared,
        }
    }

    /// The deferred-action digest to prefix the first op with, if the owner signature is attached,
    /// the session is not yet active, and `nonce` is the nonce the authorization is bound to.
    pub fn deferred_for_nonce(&self, nonce: U256) -> Option<Bytes> {
        if self.status != StoredStatus::Pending {
            return None;
        }
        let d = self.deferred.as_ref()?;
        if d.nonce != nonce {
            return None;
        }
        d.deferred_action_digest.as_ref().map(|b| b.0.clone())
    }
}

/// The grant payloads of a stored session, built with the core encoders.
impl SessionRecord {
    /// This session's grant, lent to the encoders.
    pub fn grant(&self) -> crate::install::Grant<'_> {
        crate::install::lend_grant!(self)
    }

    /// The SingleSigner install request of this secp256k1 session's grant.
    pub fn install_request(&self) -> Result<SessionInstallRequest> {
        Ok(SessionInstallRequest {
            chain_id: self.chain_id,
            account: self.account,
            session_key: self.secp256k1_address()?,
            entity_id: self.entity_id.into(),
            permissions: self.permissions.clone(),
            expires_at: self.expires_at,
            valid_after: self.valid_after,
            paymaster: self.paymaster,
        })
    }

    /// The session key's address; `KEY_KIND_UNSUPPORTED` for a P-256 key, which has none.
    pub fn secp256k1_address(&self) -> Result<Addr> {
        match (self.key_kind, self.address) {
            (KeyKind::Secp256k1, Some(a)) => Ok(a),
            (kind, _) => Err(Error::KeyKindUnsupported {
                key_kind: kind.as_str(),
                detail: "this session's key is not a secp256k1 key with an address".into(),
            }),
        }
    }

    /// The uninstall request (revocation) of this session's grant.
    pub fn uninstall_request(&self) -> Result<SessionUninstallRequest> {
        Ok(SessionUninstallRequest {
            chain_id: self.chain_id,
            account: self.account,
            entity_id: self.entity_id.into(),
            permissions: self.permissions.clone(),
            expires_at: self.expires_at,
            valid_after: self.valid_after,
            paymaster: self.paymaster,
        })
    }

    /// The deferred install request for the op with full nonce `nonce`. The nonce must select
    /// this session's validation with the deferred bit set (else the account refuses the op).
    pub fn deferred_request(&self, nonce: U256, deadline: u64) -> Result<DeferredInstallRequest> {
        self.check_deferred_nonce(nonce)?;
        Ok(DeferredInstallRequest {
            chain_id: self.chain_id,
            account: self.account,
            session_key: self.secp256k1_address()?,
            entity_id: self.entity_id.into(),
            permissions: self.permissions.clone(),
            expires_at: self.expires_at,
            valid_after: self.valid_after,
            paymaster: self.paymaster,
            deadline,
            nonce,
        })
    }

    /// A user-op nonce must select this session's validation (its entity id).
    pub fn check_nonce(&self, nonce: U256, field: &str) -> Result<()> {
        let parts = decode_nonce_key(nonce >> 64);
        if parts.is_direct_call || parts.entity_id != self.entity_id {
            return Err(Error::input(
                field,
                InputRule::Range,
                format!(
                    "the nonce key selects entity id {}, but this session is entity id {}",
                    parts.entity_id, self.entity_id
                ),
            ));
        }
        Ok(())
    }
}

/// How far the deferred install of a session has got.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeferredProgress {
    /// No deferred install prepared.
    None,
    /// Typed data built; waiting for the owner's signature.
    Prepared,
    /// Owner signature attached; the first op with the bound nonce carries the install.
    Signed,
}

impl DeferredProgress {
    /// The name JS sees.
    pub const fn as_str(self) -> &'static str {
        match self {
            DeferredProgress::None => "none",
            DeferredProgress::Prepared => "prepared",
            DeferredProgress::Signed => "signed",
        }
    }
}

/// A session as JavaScript sees it: plain data, no key material.
#[derive(Debug, Clone, PartialEq)]
pub struct PublicRecord {
    /// Session id.
    pub id: String,
    /// The key's kind.
    pub key_kind: KeyKind,
    /// Session key address (checksummed); null for a P-256 key.
    pub address: Option<Addr>,
    /// A P-256 key's public key; null for secp256k1.
    pub public_key: Option<PublicKeyXy>,
    /// Chain id.
    pub chain_id: u64,
    /// Account (checksummed).
    pub account: Addr,
    /// Entity id.
    pub entity_id: u32,
    /// Permissions as given.
    pub permissions: Vec<Permission>,
    /// Unix seconds or null.
    pub expires_at: Option<u64>,
    /// Unix seconds or null.
    pub valid_after: Option<u64>,
    /// Paymaster or null.
    pub paymaster: Option<Addr>,
    /// Unix seconds.
    pub created_at: u64,
    /// Status at the time of the call.
    pub status: Status,
    /// Whether the session survives a reload.
    pub persistence: Persistence,
    /// Deferred install progress.
    pub deferred: DeferredProgress,
}

impl PublicRecord {
    /// The JS shape (as [`SessionRecord::to_json`] for the fields both have).
    pub fn to_json(&self) -> Value {
        shared_json!(self)
            .str("status", self.status.as_str())
            .str("persistence", self.persistence.as_str())
            .str("deferred", self.deferred.as_str())
            .value()
    }
}

write::serialize_via_to_json!(SessionRecord, PublicRecord);

/// Filter of `list`. Read by [`ListFilter::from_json`].
#[derive(Debug, Clone, Default)]
pub struct ListFilter {
    /// Only this chain.
    pub chain_id: Option<u64>,
    /// Only this account.
    pub account: Option<Addr>,
}

impl ListFilter {
    /// Read the filter object; a failure is the input error at its path (`argument` names the
    /// whole value when it is not an object).
    pub fn from_json(v: &Value, argument: &str) -> Result<Self> {
        read::strict(v, &["chainId", "account"])
            .and_then(|f| {
                Ok(ListFilter { chain_id: f.opt("chainId", read::u64_number)?, account: f.opt("account", read::leaf)? })
            })
            .map_err(|e| json::read_error(e, argument))
    }

    /// Whether `r` passes the filter.
    pub fn matches(&self, r: &SessionRecord) -> bool {
        self.chain_id.is_none_or(|c| c == r.chain_id) && self.account.is_none_or(|a| a == r.account)
    }
}

fn status_name(s: Status) -> &'static str {
    match s {
        Status::Pending => "pending",
        Status::Active => "active",
        Status::Expired => "expired",
        Status::Revoked => "revoked",
    }
}

fn stored_name(s: StoredStatus) -> &'static str {
    match s {
        StoredStatus::Pending => "pending",
        StoredStatus::Active => "active",
        StoredStatus::Revoked => "revoked",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloy_primitives::Address;
    use serde_json::json;

    const ACCOUNT: &str = "0x65b5ae9eAEcD5e2B6A8d8B0bA3Eb9F3F6a244d96";

    fn key() -> EncryptedKey {
        EncryptedKey {
            alg: "AES-GCM".into(),
            iv: json::from_value(&json!("0x000102030405060708090a0b")).unwrap(),
            ciphertext: json::from_value(&json!("0xdeadbeef")).unwrap(),
        }
    }

    fn new_session(v: Value) -> Result<NewSession> {
        NewSession::from_json(&v, "options")
    }

    fn record(expires_at: Option<u64>) -> SessionRecord {
        let n = new_session(json!({"chainId": 1, "account": ACCOUNT.to_lowercase(), "permissions": [{"type": "root"}], "expiresAt": expires_at})).unwrap();
        n.to_record("ab".repeat(16), Validation::SingleSigner(Address::repeat_byte(7)), 1, 100, key())
    }

    #[test]
    fn entity_ids_fill_the_lowest_gap() {
        assert_eq!(allocate_entity_id([], None).unwrap(), 1);
        assert_eq!(allocate_entity_id([1, 2, 3], None).unwrap(), 4);
        assert_eq!(allocate_entity_id([3, 1, 1], None).unwrap(), 2);
        assert_eq!(allocate_entity_id([2, 5], None).unwrap(), 1);
        assert_eq!(allocate_entity_id([1, 2], Some(9)).unwrap(), 9);
        assert_eq!(allocate_entity_id([1, 2], Some(2)).unwrap_err().code(), "ENTITY_ID_IN_USE");
        assert_eq!(allocate_entity_id([], Some(0)).unwrap_err().code(), "INVALID_ENTITY_ID");
        assert_eq!(allocate_entity_id([], Some(MAX_ENTITY_ID + 1)).unwrap_err().code(), "INVALID_ENTITY_ID");
        assert_eq!(allocate_entity_id([MAX_ENTITY_ID - 1], Some(MAX_ENTITY_ID)).unwrap(), MAX_ENTITY_ID);
    }

    #[test]
    fn status_lifecycle_with_injected_clock() {
        let mut r = record(Some(1_000));
        assert_eq!(r.status_at(999), Status::Pending);
        assert_eq!(r.status_at(1_000), Status::Expired);
        r.transition(StoredStatus::Active, 500).unwrap();
        assert_eq!(r.status_at(500), Status::Active);
        r.transition(StoredStatus::Active, 500).unwrap();
        assert_eq!(r.transition(StoredStatus::Pending, 500).unwrap_err().code(), "INVALID_STATUS_TRANSITION");
        r.transition(StoredStatus::Revoked, 2_000).unwrap();
        assert_eq!(r.status_at(2_000), Status::Revoked);
        let e = r.transition(StoredStatus::Active, 10).unwrap_err();
        assert_eq!((e.code(), e.field().as_deref()), ("INVALID_STATUS_TRANSITION", Some("id")));
        assert_eq!(r.check_usable(10).unwrap_err().code(), "SESSION_REVOKED");

        let mut r = record(Some(1_000));
        assert_eq!(r.transition(StoredStatus::Active, 1_000).unwrap_err().code(), "INVALID_STATUS_TRANSITION");
        assert_eq!(r.check_usable(1_000).unwrap_err().code(), "EXPIRED");
        r.check_usable(999).unwrap();
        r.transition(StoredStatus::Revoked, 1_000).unwrap();

        let r = record(None);
        assert_eq!(r.status_at(u64::MAX), Status::Pending);
    }

    #[test]
    fn create_options_are_checked() {
        let ok =
            json!({"chainId": "0xaa36a7", "account": ACCOUNT, "permissions": [], "expiresAt": 200, "validAfter": 150});
        new_session(ok).unwrap().check(100).unwrap();
        let e = new_session(json!({"chainId": 1, "account": ACCOUNT, "permissions": [], "expiresAt": 100}))
            .unwrap()
            .check(100)
            .unwrap_err();
        assert_eq!((e.code(), e.field().as_deref()), ("EXPIRED", Some("expiresAt")));
        let e = new_session(json!({"chainId": 1, "account": ACCOUNT, "permissions": [], "validAfter": 100}))
            .unwrap()
            .check(1)
            .unwrap_err();
        assert_eq!(e.code(), "VALID_AFTER_WITHOUT_EXPIRY");
        let e = new_session(
            json!({"chainId": 1, "account": ACCOUNT, "permissions": [], "validAfter": 300, "expiresAt": 300}),
        )
        .unwrap()
        .check(1)
        .unwrap_err();
        assert_eq!(e.code(), "VALID_AFTER_NOT_BEFORE_EXPIRY");
        let e =
            new_session(json!({"chainId": 0, "account": ACCOUNT, "permissions": []})).unwrap().check(1).unwrap_err();
        assert_eq!((e.code(), e.field().as_deref()), ("NUMBER_OUT_OF_RANGE", Some("chainId")));
        let e = new_session(json!({"chainId": 1, "account": ACCOUNT, "permissions": [], "entityId": 0}))
            .unwrap()
            .check(1)
            .unwrap_err();
        assert_eq!(e.code(), "INVALID_ENTITY_ID");
        let e = new_session(json!({"chainId": 1, "account": ACCOUNT, "permissions": {}})).unwrap_err();
        assert_eq!((e.code(), e.field().as_deref()), ("INVALID_TYPE", Some("permissions")));
        let e =
            new_session(json!({"chainId": 1, "account": ACCOUNT, "permissions": [], "expiresAt": "0x1000000000000"}))
                .unwrap_err();
        assert_eq!((e.code(), e.field().as_deref()), ("NUMBER_OUT_OF_RANGE", Some("expiresAt")));
        let e = new_session(json!({"chainId": 1, "account": ACCOUNT, "permissions": [], "color": 1})).unwrap_err();
        assert_eq!(e.code(), "UNKNOWN_FIELD");
        // (json.rs reports a missing `Addr` field as INVALID_TYPE with an empty path.)
        assert!(new_session(json!({"chainId": 1, "permissions": []})).is_err());
    }

    #[test]
    fn stored_codec_round_trips_and_reads_schema_1() {
        let r = record(Some(1_000));
        let v = encode_stored(&r).unwrap();
        assert_eq!(v["schema"], json!(4));
        assert_eq!((&v["keyKind"], &v["publicKey"]), (&json!("secp256k1"), &Value::Null));
        assert_eq!(v["chainId"], json!(1), "numbers stay numbers (the IndexedDB index keys on them)");
        assert_eq!(v["account"], json!(ACCOUNT), "accounts are stored checksummed");
        assert_eq!(decode_stored(v).unwrap(), r);

        // Exactly what the schema-1 build wrote.
        let v1 = json!({
            "schema": 1, "id": "0123456789abcdef0123456789abcdef",
            "address": "0x70997970C51812dc3A010C7d01b50e0d17dc79C8", "chainId": 11155111,
            "account": ACCOUNT, "entityId": 3, "permissions": [{"type": "root"}], "expiresAt": null,
            "createdAt": 1_700_000_000u64, "status": "active",
            "iv": "0x000102030405060708090a0b", "ciphertext": "0x00112233"
        });
        let v1_json = v1.clone();
        let r1 = decode_stored(v1).unwrap();
        assert_eq!(r1.schema, SCHEMA_VERSION);
        assert_eq!((r1.entity_id, r1.status, r1.valid_after, r1.paymaster), (3, StoredStatus::Active, None, None));
        let k1 = r1.key.as_ref().unwrap();
        assert_eq!(k1.alg, "AES-GCM");
        assert_eq!(json::hex(&k1.ciphertext.0), "0x00112233");
        assert_eq!(decode_stored(encode_stored(&r1).unwrap()).unwrap(), r1);
        for gone in ["address", "iv", "ciphertext"] {
            let mut bad = v1_json.clone();
            bad.as_object_mut().unwrap().remove(gone);
            assert_eq!(decode_stored(bad).unwrap_err().code(), "RECORD_CORRUPT", "{gone}");
        }
        let mut extra = v1_json.clone();
        extra["x"] = json!(1);
        assert_eq!(decode_stored(extra).unwrap_err().code(), "RECORD_CORRUPT");

        // Exactly what the schema-2 build wrote: read as schema 4, nothing lost, nothing added.
        let v2 = json!({
            "schema": 2, "id": "0123456789abcdef0123456789abcdef",
            "address": "0x70997970C51812dc3A010C7d01b50e0d17dc79C8", "chainId": 11155111,
            "account": ACCOUNT, "entityId": 4, "permissions": [{"type": "root"}], "expiresAt": 2_000_000_000u64,
            "validAfter": null, "paymaster": null, "createdAt": 1_700_000_000u64, "status": "pending",
            "key": { "alg": "AES-GCM", "iv": "0x000102030405060708090a0b", "ciphertext": "0x00112233" },
            "deferred": { "nonce": "0x402000000000000000", "deadline": "0x0", "preSignatureDigest": "0x00" }
        });
        let r2 = decode_stored(v2).unwrap();
        assert_eq!((r2.schema, r2.entity_id, r2.status), (SCHEMA_VERSION, 4, StoredStatus::Pending));
        assert_eq!((r2.owner, r2.salt, r2.grant_op.is_none()), (None, None, true));
        assert_eq!(json::hex(&r2.key.as_ref().unwrap().ciphertext.0), "0x00112233");
        assert!(r2.deferred.is_some());
        assert_eq!((r2.key_kind, r2.public_key), (KeyKind::Secp256k1, None));
        let again = encode_stored(&r2).unwrap();
        assert_eq!(again["schema"], json!(4));
        assert_eq!(decode_stored(again).unwrap(), r2);

        // Exactly what the schema-3 build wrote: a secp256k1 session, as before.
        let v3 = json!({
            "schema": 3, "id": "0123456789abcdef0123456789abcdef",
            "address": "0x70997970C51812dc3A010C7d01b50e0d17dc79C8", "chainId": 11155111,
            "account": ACCOUNT, "entityId": 5, "permissions": [{"type": "root"}], "expiresAt": 2_000_000_000u64,
            "validAfter": null, "paymaster": null, "owner": "0x70997970C51812dc3A010C7d01b50e0d17dc79C8",
            "salt": "0x1", "createdAt": 1_700_000_000u64, "status": "active",
            "key": { "alg": "AES-GCM", "iv": "0x000102030405060708090a0b", "ciphertext": "0x00112233" },
            "deferred": null, "grantOp": null
        });
        let r3 = decode_stored(v3).unwrap();
        assert_eq!(
            (r3.schema, r3.entity_id, r3.key_kind, r3.public_key),
            (SCHEMA_VERSION, 5, KeyKind::Secp256k1, None)
        );
        assert_eq!(r3.signer().unwrap(), Validation::SingleSigner(r3.address.unwrap().0));
        assert_eq!(decode_stored(encode_stored(&r3).unwrap()).unwrap(), r3);

        // Revoking wipes the key: the record is a tombstone.
        let mut t = r2.clone();
        t.transition(StoredStatus::Revoked, 1).unwrap();
        assert!(t.key.is_none() && t.deferred.is_none());
        assert_eq!(decode_stored(encode_stored(&t).unwrap()).unwrap(), t);

        let e = decode_stored(json!({"schema": 5, "id": "x"})).unwrap_err();
        assert_eq!((e.code(), e.field().as_deref()), ("SCHEMA_TOO_NEW", Some("id")));
        let e = decode_stored(json!({"id": "x"})).unwrap_err();
        assert_eq!(e.code(), "RECORD_CORRUPT");
        let e = decode_stored(json!({"schema": 2, "id": "x", "chainId": "nope"})).unwrap_err();
        assert_eq!(e.code(), "RECORD_CORRUPT");
    }

    /// The P-256 generator: a point on the curve.
    fn g() -> P256PublicKey {
        let x = alloy_primitives::hex!("6b17d1f2e12c4247f8bce6e563a440f277037d812deb33a0f4a13945d898c296");
        let y = alloy_primitives::hex!("4fe342e2fe1a7f9b8ee7eb4a7c0f9e162bce33576b315ececbb6406837bf51f5");
        P256PublicKey::from_xy(U256::from_be_bytes(x), U256::from_be_bytes(y)).unwrap()
    }

    #[test]
    fn p256_records_carry_the_public_key_and_no_address() {
        let n = new_session(
            json!({"chainId": 1, "account": ACCOUNT, "permissions": [{"type": "root"}], "keyKind": "p256-webcrypto"}),
        )
        .unwrap();
        assert_eq!(n.key_kind, KeyKind::P256WebCrypto);
        let r =
            n.to_record("cd".repeat(16), Validation::WebAuthn(g()), 2, 100, crate::vault::held_key("webcrypto-p256"));
        let v = encode_stored(&r).unwrap();
        assert_eq!(v["keyKind"], json!("p256-webcrypto"));
        assert_eq!(v["address"], Value::Null);
        assert_eq!(
            v["publicKey"],
            json!({ "x": "0x6b17d1f2e12c4247f8bce6e563a440f277037d812deb33a0f4a13945d898c296",
                    "y": "0x4fe342e2fe1a7f9b8ee7eb4a7c0f9e162bce33576b315ececbb6406837bf51f5" })
        );
        assert_eq!(decode_stored(v.clone()).unwrap(), r);
        assert_eq!(r.signer().unwrap(), Validation::WebAuthn(g()));
        let call = r.install_call(100).unwrap();
        let decoded =
            <crate::abi::IModularAccount::installValidationCall as alloy_sol_types::SolCall>::abi_decode(&call)
                .unwrap();
        assert_eq!(decoded.installData, g().install_data(2));
        assert_eq!(&decoded.validationConfig[..20], crate::addresses::WEBAUTHN_VALIDATION_MODULE.as_slice());
        let e = r.install_request().unwrap_err();
        assert_eq!((e.code(), e.field().as_deref()), ("KEY_KIND_UNSUPPORTED", Some("keyKind")));

        let p = serde_json::to_value(r.public(100, Persistence::Indexeddb)).unwrap();
        assert_eq!((&p["keyKind"], &p["address"]), (&json!("p256-webcrypto"), &Value::Null));
        assert_eq!(p["publicKey"], v["publicKey"]);
        let secp = serde_json::to_value(record(None).public(100, Persistence::Indexeddb)).unwrap();
        assert_eq!((&secp["keyKind"], &secp["publicKey"]), (&json!("secp256k1"), &Value::Null));

        // Key fields that disagree with the kind, or a point off the curve: the record is refused.
        for (k, bad) in [
            ("address", json!("0x70997970C51812dc3A010C7d01b50e0d17dc79C8")),
            ("publicKey", Value::Null),
            ("publicKey", json!({ "x": v["publicKey"]["x"], "y": v["publicKey"]["x"] })),
            ("keyKind", json!("secp256k1")),
        ] {
            let mut w = v.clone();
            w[k] = bad;
            assert_eq!(decode_stored(w).unwrap_err().code(), "RECORD_CORRUPT", "{k}");
        }
        let mut w = v.clone();
        w["keyKind"] = json!("ed25519");
        assert_eq!(decode_stored(w).unwrap_err().code(), "RECORD_CORRUPT");
    }

    #[test]
    fn public_record_has_no_key_material() {
        let r = record(None);
        let p = serde_json::to_value(r.public(100, Persistence::Indexeddb)).unwrap();
        assert!(p.get("key").is_none() && p.get("ciphertext").is_none());
        assert_eq!(p["status"], json!("pending"));
        assert_eq!(p["persistence"], json!("indexeddb"));
        assert_eq!(p["deferred"], json!("none"));
        assert_eq!(p["expiresAt"], Value::Null);
        let shown = format!("{:?}", r.key);
        assert!(!shown.contains("deadbeef"), "{shown}");
    }

    #[test]
    fn public_json_is_the_public_records() {
        let mut r = record(Some(1_000));
        let same = |r: &SessionRecord, now: u64, p: Persistence| {
            assert_eq!(r.public_json(now, p), r.public(now, p).to_json(), "{r:?}");
        };
        same(&r, 100, Persistence::Indexeddb);
        same(&r, 2_000, Persistence::Memory);
        r.deferred = Some(DeferredState {
            nonce: U256::from(5),
            deadline: 9,
            pre_signature_digest: json::HexBytes(Bytes::from_static(&[1])),
            deferred_action_digest: None,
        });
        r.paymaster = Some(Addr(Address::repeat_byte(0xbe)));
        r.valid_after = Some(10);
        same(&r, 100, Persistence::Memory);
        r.deferred.as_mut().unwrap().deferred_action_digest = Some(json::HexBytes(Bytes::from_static(&[2])));
        r.key_kind = KeyKind::P256WebCrypto;
        r.address = None;
        r.public_key = Some(PublicKeyXy { x: json::HexFixed([1; 32].into()), y: json::HexFixed([2; 32].into()) });
        r.transition(StoredStatus::Revoked, 100).unwrap();
        same(&r, 100, Persistence::Indexeddb);
        assert_eq!(encode_stored(&r).unwrap(), {
            let mut old = r.clone();
            old.schema = SCHEMA_VERSION;
            old.to_json()
        });
    }

    #[test]
    fn deferred_prefix_only_for_its_nonce_while_pending() {
        let mut r = record(None);
        let nonce = U256::from(0x102u64) << 64;
        assert_eq!(r.deferred_for_nonce(nonce), None);
        r.deferred = Some(DeferredState {
            nonce,
            deadline: 0,
            pre_signature_digest: json::HexBytes(Bytes::from_static(&[1, 2])),
            deferred_action_digest: None,
        });
        assert_eq!(r.public(1, Persistence::Memory).deferred, DeferredProgress::Prepared);
        assert_eq!(r.deferred_for_nonce(nonce), None, "not signed yet");
        r.deferred.as_mut().unwrap().deferred_action_digest = Some(json::HexBytes(Bytes::from_static(&[9])));
        assert_eq!(r.public(1, Persistence::Memory).deferred, DeferredProgress::Signed);
        assert_eq!(r.deferred_for_nonce(nonce).unwrap().as_ref(), &[9]);
        assert_eq!(r.deferred_for_nonce(nonce + U256::from(1)), None);
        r.transition(StoredStatus::Active, 1).unwrap();
        assert_eq!(r.deferred_for_nonce(nonce), None);
        assert!(r.deferred.is_none());
    }

    #[test]
    fn imported_keys_parse_and_wipe() {
        let k = "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d";
        let mut n = new_session(json!({"chainId": 1, "account": ACCOUNT, "permissions": [], "privateKey": k})).unwrap();
        let bytes = n.take_private_key().unwrap().unwrap();
        assert_eq!(json::hex(bytes.as_ref()), k);
        assert!(n.private_key.is_none());
        assert!(n.take_private_key().unwrap().is_none());
        for bad in ["0x1234", "59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d", "0xzz"] {
            let mut n =
                new_session(json!({"chainId": 1, "account": ACCOUNT, "permissions": [], "privateKey": bad})).unwrap();
            let e = n.take_private_key().unwrap_err();
            assert_eq!((e.code(), e.field().as_deref()), ("INVALID_PRIVATE_KEY", Some("privateKey")));
        }
    }

    #[test]
    fn grant_payloads_come_from_the_record() {
        let r = record(Some(2_000_000_000));
        let req = r.install_request().unwrap();
        assert_eq!(
            (req.entity_id, req.session_key.0, req.expires_at),
            (1, Address::repeat_byte(7), Some(2_000_000_000))
        );
        let call = crate::install::encode_session_install(&req, 100).unwrap();
        assert!(!call.is_empty());
        crate::install::encode_session_uninstall(&r.uninstall_request().unwrap()).unwrap();

        let nonce = U256::from(0x102u64) << 64; // entity 1, deferred bit
        let d = r.deferred_request(nonce, 0).unwrap();
        assert_eq!((d.nonce, d.deadline, d.entity_id), (nonce, 0, 1));
        crate::deferred::build_deferred_install(&d, 100).unwrap();
        let e = r.deferred_request(U256::from(0x202u64) << 64, 0).unwrap_err();
        assert_eq!((e.code(), e.field().as_deref()), ("NUMBER_OUT_OF_RANGE", Some("nonce")));
        let e = r.deferred_request(U256::from(0x100u64) << 64, 0).unwrap_err();
        assert_eq!((e.code(), e.field().as_deref()), ("NUMBER_OUT_OF_RANGE", Some("nonce")));
        r.check_nonce((U256::from(0x100u64) << 64) + U256::from(5), "userOp.nonce").unwrap();

        // Permissions are typed from the start: a bad one is refused where it is parsed.
        let e =
            new_session(json!({"chainId": 1, "account": ACCOUNT, "permissions": [{ "type": "nope" }]})).unwrap_err();
        assert_eq!(e.field().as_deref(), Some("permissions[0].type"));
    }

    #[test]
    fn typed_permissions_of_every_kind_round_trip_through_storage() {
        let t = "0x4444444444444444444444444444444444444444";
        let n = new_session(json!({"chainId": 1, "account": ACCOUNT, "expiresAt": 1_000, "permissions": [
            { "type": "native-token-transfer", "data": { "allowance": "1000" } },
            { "type": "erc20-token-transfer", "data": { "address": t, "allowance": 5 } },
            { "type": "gas-limit", "data": { "limit": "0x10" } },
            { "type": "contract-access", "data": { "address": "0x5555555555555555555555555555555555555555" } },
            { "type": "account-functions", "data": { "functions": ["0x12345678"] } },
            { "type": "functions-on-all-contracts", "data": { "functions": ["0xa9059cbb"] } },
            { "type": "functions-on-contract", "data": { "address": "0x6666666666666666666666666666666666666666", "functions": ["0x095ea7b3"] } }
        ]})).unwrap();
        let r = n.to_record("ab".repeat(16), Validation::SingleSigner(Address::repeat_byte(7)), 1, 100, key());
        let stored = encode_stored(&r).unwrap();
        assert_eq!(
            stored["permissions"][0],
            json!({ "type": "native-token-transfer", "data": { "allowance": "0x3e8" } })
        );
        assert_eq!(decode_stored(stored).unwrap(), r);
        let root = record(None);
        assert_eq!(encode_stored(&root).unwrap()["permissions"], json!([{ "type": "root" }]));
        assert_eq!(decode_stored(encode_stored(&root).unwrap()).unwrap(), root);
    }

    #[test]
    fn ids_are_random_hex() {
        let a = new_session_id().unwrap();
        assert_eq!(a.len(), 32);
        assert_ne!(a, new_session_id().unwrap());
        assert_ne!(key_aad(&a), key_aad("other"));
    }

    #[test]
    fn list_filter() {
        let r = record(None);
        let f = ListFilter::from_json(&json!({"chainId": 1}), "filter").unwrap();
        assert!(f.matches(&r));
        let f = ListFilter::from_json(&json!({"chainId": 2}), "filter").unwrap();
        assert!(!f.matches(&r));
        let f = ListFilter::from_json(&json!({"account": ACCOUNT.to_lowercase()}), "filter").unwrap();
        assert!(f.matches(&r));
        assert!(ListFilter::default().matches(&r));
    }
}
