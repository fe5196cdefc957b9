//! The session service: every verb of a session (create, keep, grant, act, revoke) as one flow in
//! the core, over a [`SessionStore`], a [`KeyVault`] and a [`Clock`], and, for the verbs that
//! talk to a chain, a [`Network`] over a [`Transport`].
//!
//! The browser shell and a server both call these methods and nothing else decides: the shell
//! parses JS arguments, makes one call here, and converts the answer.
//!
//! Sending ([`Sessions::send_calls`]), with nothing sent before the pre-check passed:
//! 1. the session must be usable (not revoked, not expired) and, when pinned to a paymaster, the
//!    network must have a paymaster service (`PAYMASTER_REQUIRED`);
//! 2. the calls are encoded for the account kind and pre-checked against the session's
//!    permissions and time window minus a safety margin;
//! 3. a `mav2-7702` account (the owner's EOA) not yet delegated needs the caller's EIP-7702
//!    authorization, checked against the node's view of the EOA (code, nonce) and the chain;
//!    then the bundler must be on the session's chain and serve the EntryPoint; an installed MAv2
//!    session with a native or ERC-20 limit is checked again against what is left of those
//!    budgets on chain (`NATIVE_LIMIT_EXCEEDED` / `ERC20_LIMIT_EXCEEDED` with `source: "chain"`);
//! 4. the nonce: the one the owner's deferred authorization is bound to for the first operation
//!    after a deferred grant (the signature then carries the install), else a fresh random
//!    parallel key per send (tabs and workers never collide), or the caller's key;
//! 5. a counterfactual account is deployed by the first operation: the factory data comes from
//!    the caller or from the session's `owner` and `salt`, used only while the account has no code;
//! 6. build (paymaster stub checked against the session's paymaster before estimation), sign,
//!    send; the hash of an operation carrying a grant is remembered, and its successful receipt
//!    ([`Sessions::wait_for_receipt`]) makes the session active.
//!
//! A `p256-webcrypto` session signs with its key in the vault: the WebAuthn assertion is built
//! here, the vault signs its message, the estimate is made with a dummy assertion of the same size
//! and the signature check's gas is added to it ([`Network::p256_verification_gas`]).
//!
//! Revert data in an estimation or send error is decoded into its `_ON_CHAIN` code
//! ([`crate::revert`]); `AA22` is told apart as expired or not yet due by the latest block's time.

use std::cell::Cell;

use alloy_primitives::aliases::U192;
use alloy_primitives::{Address, Bytes, B256, U256};
use alloy_sol_types::{sol, SolCall};
use zeroize::Zeroizing;

use crate::abi::Call;
use crate::account::{self, AccountRequest};
use crate::addresses::ENTRY_POINT_V07;
use crate::calls::{self, CallRequest, EncodeCallsRequest};
use crate::deferred::{self, DeferredInstall};
use crate::eip7702::Authorization;
use crate::error::{Error, ErrorCode, InputRule, Result};
use crate::install::Validation;
use crate::json::{self, Addr, HexBytes, HexFixed};
use crate::key::SessionKey;
use crate::nonce::{self, NonceKeyRequest};
use crate::onchain::{self, Granted, SessionState};
use crate::precheck::{self, Scope};
use crate::revert;
use crate::rpc::bundler::{latest_timestamp, UserOperationReceipt};
use crate::rpc::{Clock, Transport};
use crate::send::{
    owner_nonce_key, AccountKind, Mav2SessionSigner, OpRequest, OwnerSigner, PersonalSign, Sender, SimpleAccountSigner,
    UserOpSigner,
};
use crate::session::{
    DeferredState, EncryptedKey, KeyKind, ListFilter, NewSession, Persistence, SessionRecord, Status, StoredStatus,
};
use crate::sign;
use crate::store::{BoxFuture, SessionStore};
use crate::text;
use crate::user_op::UserOperation;
use crate::vault::{held_key, KeyVault};
use crate::webauthn::{self, Assertion, AssertionOptions};
use crate::write::{self, Obj};

sol! {
    /// eth-infinitism SimpleAccount's execute functions (the `simple-account` kind).
    interface ISimpleAccountExec {
        function execute(address dest, uint256 value, bytes func) external;
        function executeBatch(address[] dest, uint256[] value, bytes[] func) external;
    }
}

/// Default seconds a session must still be valid when an operation is sent.
pub const DEFAULT_SAFETY_MARGIN_S: u64 = 30;

/// Randomness, injected so tests can be deterministic; [`OsRandom`] is the platform CSPRNG.
pub trait Random {
    /// Fill `buf` with random bytes.
    fn fill(&self, buf: &mut [u8]) -> Result<()>;
}

/// The platform CSPRNG (`getrandom`: the OS natively, `crypto.getRandomValues` in a browser).
#[derive(Debug, Clone, Copy, Default)]
pub struct OsRandom;

impl Random for OsRandom {
    fn fill(&self, buf: &mut [u8]) -> Result<()> {
        getrandom::fill(buf).map_err(Error::random)
    }
}

/// Where a send stands, for progress callbacks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Progress<'a> {
    /// Pre-check passed; fees, paymaster and gas are being asked for.
    Estimating,
    /// Estimated and signed: the operation as it will be sent, and its final userOpHash.
    Signed(B256, &'a UserOperation),
    /// The bundler accepted it.
    Sent(B256),
}

/// How to send one batch of calls.
#[derive(Debug, Clone, Default)]
pub struct SendOptions {
    /// Factory and factory data for an undeployed account; default: from the session's owner
    /// and salt when it has them.
    pub factory: Option<(Address, Bytes)>,
    /// Parallel nonce key; default a fresh random 64-bit key per send.
    pub nonce_key: Option<U256>,
    /// Seconds the session must still be valid; default [`DEFAULT_SAFETY_MARGIN_S`].
    pub safety_margin_s: Option<u64>,
    /// Force `executeBatch` (true) or `execute` of one call (false).
    pub batch: Option<bool>,
    /// A `mav2-7702` account's signed EIP-7702 authorization, used while the EOA is not yet
    /// delegated (ignored after).
    pub authorization: Option<Authorization>,
}

/// The chain side: a bundler (and node, and paymaster) through a [`Sender`], and the kind of
/// account the sessions act through.
pub struct Network<T, C> {
    sender: Sender<T, C>,
    kind: AccountKind,
    has_paymaster: bool,
    /// Whether the chain has the P-256 precompile, once asked (one chain per network: the
    /// sender checks the bundler's chain once).
    p256_precompile: Cell<Option<bool>>,
}

/// Verification gas a WebAuthn signature check costs with the P-256 precompile at `0x100`
/// (RIP-7212 / EIP-7951), measured on MAv2's WebAuthnValidationModule built from source.
pub const P256_VERIFY_GAS_PRECOMPILE: u128 = 22_000;
/// The same without the precompile: the module's Solidity fallback (FreshCryptoLib).
pub const P256_VERIFY_GAS_SOLIDITY: u128 = 390_000;

/// A P-256 signature the precompile accepts (Alchemy's `rip7212CheckBytecode` vector):
/// `hash ‖ r ‖ s ‖ x ‖ y`, 160 bytes. The precompile answers a 32-byte 1 for it; a chain without
/// the precompile answers nothing.
pub const P256_PROBE: [u8; 160] = alloy_primitives::hex!(
    "532eaabd9574880dbf76b9b8cc00832c20a6ec113d682299550d7a6e0f345e25"
    "0000000000000000000000000000000000000000000000000000000000000005"
    "0000000000000000000000000000000000000000000000000000000000000001"
    "4a03ef9f92eb268cafa601072489a56380fa0dc43171d7712813b3a19a1eb5e5"
    "3e213e28a608ce9a2f4a17fd830c6654018a79b3e0263d91a8ba90622df6f2f0"
);

/// The P-256 precompile's address (RIP-7212, EIP-7951).
pub const P256_PRECOMPILE: Address = Address::new(alloy_primitives::hex!("0000000000000000000000000000000000000100"));

impl<T: Transport, C: Clock> Network<T, C> {
    /// A network over `sender` for accounts of `kind`; `has_paymaster` says whether the sender
    /// was given a paymaster service.
    pub fn new(sender: Sender<T, C>, kind: AccountKind, has_paymaster: bool) -> Self {
        Self { sender, kind, has_paymaster, p256_precompile: Cell::new(None) }
    }

    /// Whether the chain has the P-256 precompile: one `eth_call` of [`P256_PROBE`] to `0x100`,
    /// answered once per network. A node that refuses the call counts as "no precompile" (the
    /// larger gas) and is asked again next time.
    pub async fn has_p256_precompile(&self) -> Result<bool> {
        if let Some(known) = self.p256_precompile.get() {
            return Ok(known);
        }
        let probe = Bytes::from_static(&P256_PROBE);
        match crate::rpc::bundler::eth_call(self.sender.node(), self.sender.clock(), P256_PRECOMPILE, probe).await {
            Ok(out) => {
                let has = out.len() == 32 && U256::from_be_slice(&out) == U256::from(1);
                self.p256_precompile.set(Some(has));
                Ok(has)
            }
            Err(Error::Rpc { .. }) => Ok(false),
            Err(e) => Err(e),
        }
    }

    /// Verification gas to add to the bundler's estimate for a WebAuthn signature. The bundler
    /// estimates with the dummy assertion, whose challenge is not the operation's: the module's
    /// `WebAuthn.verify` returns false at the challenge check, before hashing the client data and
    /// before any P-256 arithmetic, so the estimate never contains the signature check. The
    /// check's own cost is added: [`P256_VERIFY_GAS_PRECOMPILE`] where `0x100` answers the probe,
    /// else [`P256_VERIFY_GAS_SOLIDITY`] (Alchemy's `webauthnGasEstimator` does the same with
    /// 10,000 / 300,000).
    pub async fn p256_verification_gas(&self) -> Result<u128> {
        Ok(if self.has_p256_precompile().await? { P256_VERIFY_GAS_PRECOMPILE } else { P256_VERIFY_GAS_SOLIDITY })
    }

    /// The sender (its bundler, node and clock).
    pub fn sender(&self) -> &Sender<T, C> {
        &self.sender
    }

    /// The account kind.
    pub fn kind(&self) -> AccountKind {
        self.kind
    }

    /// The EIP-7702 authorization the next operation of `account` carries: none unless the kind
    /// is `mav2-7702` and the EOA is not delegated yet. Asks the node only, so a missing or wrong
    /// authorization is refused before any bundler request.
    async fn authorization_for(
        &self,
        account: Address,
        chain_id: u64,
        factory: bool,
        given: Option<&Authorization>,
    ) -> Result<Option<Authorization>> {
        if self.kind != AccountKind::Mav27702 {
            return Ok(None);
        }
        if factory {
            return Err(Error::input("factory", InputRule::UnknownField, "an EIP-7702 account has no factory"));
        }
        self.sender.authorization_for(account, chain_id, given).await
    }

    /// Check the bundler's chain against `chain_id` (once per sender) and its EntryPoint. Boxed:
    /// awaited from every chain verb, compiled once.
    fn ready_for(&self, chain_id: u64) -> std::pin::Pin<Box<dyn std::future::Future<Output = Result<()>> + '_>> {
        Box::pin(async move {
            let actual = self.sender.ready().await?;
            if actual != chain_id {
                return Err(Error::WrongChain { expected: chain_id, actual });
            }
            Ok(())
        })
    }
}

/// The sessions of one store: every local verb, and the chain verbs given a [`Network`].
pub struct Sessions<S, V, C, R = OsRandom> {
    store: S,
    vault: V,
    clock: C,
    random: R,
    /// The relying party and origin a `p256-webcrypto` session's assertions name.
    assertion: Option<AssertionOptions>,
}

impl<S: SessionStore, V: KeyVault, C: Clock> Sessions<S, V, C, OsRandom> {
    /// Sessions kept in `store`, keys sealed by `vault`, time from `clock`.
    pub fn new(store: S, vault: V, clock: C) -> Self {
        Self { store, vault, clock, random: OsRandom, assertion: None }
    }
}

impl<S: SessionStore, V: KeyVault, C: Clock, R: Random> Sessions<S, V, C, R> {
    /// The same, with injected randomness (ids, keys, nonce keys).
    pub fn with_random(store: S, vault: V, clock: C, random: R) -> Self {
        Self { store, vault, clock, random, assertion: None }
    }

    /// The rpId, origin (and flags, sign count) written into the WebAuthn assertions that
    /// `p256-webcrypto` sessions sign; without them such a session refuses to sign. The module
    /// checks neither rpId nor origin; the browser shell gives the page's own.
    pub fn with_assertion_options(mut self, opts: AssertionOptions) -> Self {
        self.assertion = Some(opts);
        self
    }

    /// The vault.
    pub fn vault(&self) -> &V {
        &self.vault
    }

    /// The store.
    pub fn store(&self) -> &S {
        &self.store
    }

    /// Whether sessions survive a reload or restart.
    pub fn persistence(&self) -> Persistence {
        self.store.persistence()
    }

    fn now(&self) -> u64 {
        self.clock.now_ms() / 1000
    }

    fn new_id(&self) -> Result<String> {
        let mut b = [0u8; 16];
        self.random.fill(&mut b)?;
        Ok(alloy_primitives::hex::encode(b))
    }

    fn generate_key(&self) -> Result<SessionKey> {
        // A uniformly random scalar: retry the (≈2^-128) out-of-range draws.
        for _ in 0..8 {
            let mut bytes = Zeroizing::new([0u8; 32]);
            self.random.fill(bytes.as_mut())?;
            if let Ok(k) = SessionKey::from_bytes(bytes.as_ref(), "privateKey") {
                return Ok(k);
            }
        }
        Err(Error::Random { detail: "no valid key in 8 draws".into() })
    }

    /// Create a session with a fresh key of `opts.key_kind`: a secp256k1 key from the service's
    /// randomness, or a P-256 key the vault makes and keeps. Its record comes back `pending`.
    pub async fn create(&self, opts: NewSession) -> Result<SessionRecord> {
        let key = self.fresh_key(&opts, "create()")?;
        self.store_new(&opts, key.as_ref(), opts.entity_id).await
    }

    /// Create a session from an existing secp256k1 private key (server automation, migration).
    pub async fn import(&self, mut opts: NewSession) -> Result<SessionRecord> {
        let key = imported_key(&mut opts)?;
        self.store_new(&opts, Some(&key), opts.entity_id).await
    }

    /// [`Sessions::create`] with the entity id from the chain as well as the store: the lowest id
    /// free in both (`getValidationData` walked from 1, the SDK's search), so a session granted
    /// from another device is never overwritten. `create` alone knows only the store's ids.
    pub async fn create_on<T: Transport, C2: Clock>(
        &self,
        net: &Network<T, C2>,
        opts: NewSession,
    ) -> Result<SessionRecord> {
        let key = self.fresh_key(&opts, "createSession()")?;
        self.store_new_on(net, &opts, key.as_ref()).await
    }

    /// [`Sessions::import`] with the entity id from the chain and the store (see [`Sessions::create_on`]).
    pub async fn import_on<T: Transport, C2: Clock>(
        &self,
        net: &Network<T, C2>,
        mut opts: NewSession,
    ) -> Result<SessionRecord> {
        let key = imported_key(&mut opts)?;
        self.store_new_on(net, &opts, Some(&key)).await
    }

    /// A fresh secp256k1 key for `verb`, which generates it (`None` for a P-256 session: the
    /// vault makes that key); a `privateKey` in its options is refused.
    fn fresh_key(&self, opts: &NewSession, verb: &str) -> Result<Option<SessionKey>> {
        if opts.private_key.is_some() {
            return Err(Error::input(
                "privateKey",
                InputRule::UnknownField,
                format!("{verb} generates the key; use importPrivateKey() to bring one"),
            ));
        }
        match opts.key_kind {
            KeyKind::Secp256k1 => self.generate_key().map(Some),
            KeyKind::P256WebCrypto => Ok(None),
        }
    }

    /// A given `entityId`, or a `simple-account` network (no modules), takes the offline path.
    /// Between the chain's answer and the store's insert another caller may take the id: the
    /// store refuses it atomically and the search runs again.
    async fn store_new_on<T: Transport, C2: Clock>(
        &self,
        net: &Network<T, C2>,
        opts: &NewSession,
        key: Option<&SessionKey>,
    ) -> Result<SessionRecord> {
        if opts.key_kind == KeyKind::P256WebCrypto && !net.kind.is_mav2() {
            return Err(p256_needs_mav2());
        }
        if opts.entity_id.is_some() || !net.kind.is_mav2() {
            return self.store_new(opts, key, opts.entity_id).await;
        }
        opts.check(self.now())?;
        net.ready_for(opts.chain_id).await?;
        let (node, clock) = (net.sender.node(), net.sender.clock());
        let mut tries = 0;
        loop {
            let used: Vec<u32> = self
                .store
                .list(Some((opts.chain_id, opts.account.0)))
                .await?
                .into_iter()
                .flatten()
                .map(|r| r.entity_id)
                .collect();
            let id = onchain::find_free_entity_id(node, clock, opts.account.0, &used).await?;
            match self.store_new(opts, key, Some(id)).await {
                Err(Error::EntityIdInUse { .. }) if tries < 3 => tries += 1,
                r => return r,
            }
        }
    }

    /// The session's state on chain: installed, matching its grant, what is left of its budgets,
    /// its window and paymaster. The store is brought in line and the answer says so: an `active`
    /// session whose validation is gone from a deployed account (uninstalled elsewhere) becomes
    /// `revoked` (key wiped); a `pending` one installed as granted becomes `active`. A pending
    /// session not installed yet, or an undeployed account, changes nothing. Needs MAv2's
    /// modules: a `simple-account` network is refused with `ACCOUNT_KIND_UNSUPPORTED`.
    pub async fn status_on<T: Transport, C2: Clock>(&self, net: &Network<T, C2>, id: &str) -> Result<ChainStatus> {
        if !net.kind.is_mav2() {
            return Err(Error::AccountKindUnsupported { what: "sessionStatus", kind: "simple-account" });
        }
        let r = self.store.get(id).await?;
        let g = Granted::from_record(&r)?;
        // A node on another chain would say "not installed" about everything.
        net.ready_for(r.chain_id).await?;
        let state = onchain::read_session_state(net.sender.node(), net.sender.clock(), &g).await?;
        let reconciled = match r.status {
            StoredStatus::Active if state.deployed && !state.installed => {
                self.mark_revoked(id).await?;
                Some("revoked")
            }
            StoredStatus::Pending if state.installed && state.matches_grant => {
                self.mark_active(id).await?;
                Some("active")
            }
            _ => None,
        };
        Ok(ChainStatus { state, reconciled })
    }

    /// Store a new session: `key` is its secp256k1 key, or `None` for a P-256 key the vault makes
    /// once every check has passed.
    async fn store_new(
        &self,
        opts: &NewSession,
        key: Option<&SessionKey>,
        requested: Option<u32>,
    ) -> Result<SessionRecord> {
        let now = self.now();
        opts.check(now)?;
        if opts.owner.is_some_and(|o| o == opts.account) && opts.salt.is_none() {
            // An EIP-7702 account: the owner's EOA is the account.
        } else if let Some(owner) = opts.owner {
            let salt = opts.salt.unwrap_or(U256::ZERO);
            let predicted = account::predict(&AccountRequest { owner, salt: Some(salt), factory: None }).address;
            if predicted != opts.account {
                return Err(Error::OwnerMismatch {
                    owner: json::address(&owner.0),
                    salt: json::quantity(salt),
                    predicted: json::address(&predicted.0),
                    account: json::address(&opts.account.0),
                });
            }
        } else if opts.salt.is_some() {
            return Err(Error::input("owner", InputRule::Missing, "is required when salt is given"));
        }
        let id = self.new_id()?;
        let entity_id = requested.unwrap_or(1);
        // Refuse now what the grant encoder would refuse later (permission rules, time window),
        // before a key is made: the hooks and checks do not depend on the key.
        let probe = Validation::SingleSigner(Address::ZERO);
        opts.to_record(id.clone(), probe, entity_id, now, held_key("")).install(now)?;
        let (signer, sealed) = match key {
            Some(k) => (Validation::SingleSigner(k.address()), self.vault.seal(&id, &k.export_secret()).await?),
            None => {
                let (public, held) = self.vault.create_p256(&id).await?;
                (Validation::WebAuthn(public), held)
            }
        };
        let rec = opts.to_record(id.clone(), signer, entity_id, now, sealed);
        match self.store.insert(rec, requested).await {
            Ok(r) => Ok(r),
            Err(e) => {
                // The store's refusal is the error to report; a key left behind is unreachable.
                let _ = self.vault.forget(&id).await;
                Err(e)
            }
        }
    }

    /// Sessions matching `filter`, oldest first, and the errors of records that could not be read.
    pub async fn list(&self, filter: &ListFilter) -> Result<(Vec<SessionRecord>, Vec<Error>)> {
        let scope = filter.chain_id.zip(filter.account.map(|a| a.0));
        let mut out = Vec::new();
        let mut unreadable = Vec::new();
        for r in self.store.list(scope).await? {
            match r {
                // Kept in (createdAt, id) order as they come: a binary search each, and no sort
                // routine linked for this one list.
                Ok(r) if filter.matches(&r) => {
                    let at = out.partition_point(|o: &SessionRecord| (o.created_at, &o.id) <= (r.created_at, &r.id));
                    out.insert(at, r);
                }
                Ok(_) => {}
                Err(e) => unreadable.push(e),
            }
        }
        Ok((out, unreadable))
    }

    /// One session's record.
    pub fn get<'a>(&'a self, id: &'a str) -> BoxFuture<'a, SessionRecord> {
        self.store.get(id)
    }

    /// The status of `r` now.
    pub fn status(&self, r: &SessionRecord) -> Status {
        r.status_at(self.now())
    }

    /// Delete a session and its key; `true` if it existed.
    pub async fn delete(&self, id: &str) -> Result<bool> {
        let existed = self.store.delete(id).await?;
        self.vault.forget(id).await?;
        Ok(existed)
    }

    /// Delete every expired session and every revoked tombstone; how many went.
    pub async fn prune(&self) -> Result<u32> {
        let now = self.now();
        let mut n = 0;
        for r in self.store.list(None).await?.into_iter().flatten() {
            if matches!(r.status_at(now), Status::Expired | Status::Revoked) && self.delete(&r.id).await? {
                n += 1;
            }
        }
        Ok(n)
    }

    /// Record that the grant is installed (`pending` → `active`).
    pub fn mark_active<'a>(&'a self, id: &'a str) -> BoxFuture<'a, SessionRecord> {
        let now = self.now();
        self.store.update(id, Box::new(move |r| r.transition(StoredStatus::Active, now)))
    }

    /// Record that the grant is gone: final; the key is wiped from the record and the vault,
    /// leaving a tombstone that [`Sessions::prune`] removes. Needs no key.
    pub async fn mark_revoked(&self, id: &str) -> Result<SessionRecord> {
        let now = self.now();
        let r = self.store.update(id, Box::new(move |r| r.transition(StoredStatus::Revoked, now))).await?;
        self.vault.forget(id).await?;
        Ok(r)
    }

    /// `installValidation` call data that grants the session.
    pub async fn install_call_data(&self, id: &str) -> Result<Bytes> {
        let r = self.store.get(id).await?;
        let now = self.now();
        r.check_usable(now)?;
        r.install_call(now)
    }

    /// `uninstallValidation` call data that revokes the session (works on a revoked tombstone too).
    pub async fn uninstall_call_data(&self, id: &str) -> Result<Bytes> {
        let r = self.store.get(id).await?;
        r.uninstall_call()
    }

    /// The nonce the first operation after a deferred grant uses: the session's entity id with the
    /// deferred bit (and the global bit for a root session), at `sequence`.
    pub fn deferred_nonce(r: &SessionRecord, sequence: u64) -> Result<U256> {
        let global = r.grant().permission_set()?.is_global;
        let key = nonce::nonce_key(&NonceKeyRequest {
            nonce_key: None,
            entity_id: Some(r.entity_id),
            is_global_validation: Some(global),
            is_deferred_action: Some(true),
        })?;
        nonce::full_nonce(key, sequence)
    }

    /// Prepare a deferred install: the typed data the owner signs. `nonce` default: the
    /// session's deferred nonce at sequence 0 (a key no operation has used; with a network,
    /// [`Sessions::deferred_install_on`] reads the sequence from the chain).
    pub fn deferred_install<'a>(
        &'a self,
        id: &'a str,
        nonce: Option<U256>,
        deadline: u64,
    ) -> BoxFuture<'a, DeferredInstall> {
        // Boxed: awaited from the store's export and from the client's, compiled once.
        Box::pin(self.deferred_install_inner(id, nonce, deadline))
    }

    async fn deferred_install_inner(&self, id: &str, nonce: Option<U256>, deadline: u64) -> Result<DeferredInstall> {
        let now = self.now();
        let mut built = None;
        self.store
            .update(
                id,
                Box::new(|r| {
                    r.check_usable(now)?;
                    if r.status != StoredStatus::Pending {
                        return Err(Error::InvalidStatusTransition { id: r.id.clone(), from: "active", to: "pending" });
                    }
                    let nonce = match nonce {
                        Some(n) => n,
                        None => Self::deferred_nonce(r, 0)?,
                    };
                    let d = r.deferred_install(nonce, deadline, now)?;
                    r.deferred = Some(DeferredState {
                        nonce,
                        deadline,
                        pre_signature_digest: HexBytes(d.pre_signature_digest.clone()),
                        deferred_action_digest: None,
                    });
                    built = Some(d);
                    Ok(())
                }),
            )
            .await?;
        built.ok_or_else(|| Error::DeferredNotPrepared { id: id.into() })
    }

    /// [`Sessions::deferred_install`] with the nonce's sequence read from the chain.
    pub async fn deferred_install_on<T: Transport, C2: Clock>(
        &self,
        net: &Network<T, C2>,
        id: &str,
        deadline: u64,
    ) -> Result<DeferredInstall> {
        let r = self.store.get(id).await?;
        let key_nonce = Self::deferred_nonce(&r, 0)?;
        let current = net.sender.nonce(r.account.0, low_192(key_nonce >> 64)).await?;
        self.deferred_install(id, Some(current), deadline).await
    }

    /// Attach the owner's signature over the typed data of [`Sessions::deferred_install`].
    pub fn attach_owner_signature<'a>(&'a self, id: &'a str, signature: &'a [u8]) -> BoxFuture<'a, SessionRecord> {
        self.store.update(
            id,
            Box::new(|r| {
                let d = r.deferred.as_mut().ok_or_else(|| Error::DeferredNotPrepared { id: r.id.clone() })?;
                let full = deferred::deferred_action_digest(&d.pre_signature_digest.0, signature)?;
                d.deferred_action_digest = Some(HexBytes(full));
                Ok(())
            }),
        )
    }

    /// The session's secp256k1 key, opened by the vault and checked against the record's address.
    async fn key(&self, r: &SessionRecord) -> Result<SessionKey> {
        let sealed = r.key.as_ref().ok_or_else(|| Error::KeyWiped { id: r.id.clone() })?;
        let address = r.secp256k1_address()?;
        let bytes = self.vault.open(&r.id, sealed).await?;
        let key = SessionKey::from_bytes(bytes.as_ref(), "privateKey")
            .map_err(|_| Error::DecryptFailed { id: r.id.clone() })?;
        if key.address() != address.0 {
            return Err(Error::DecryptFailed { id: r.id.clone() });
        }
        Ok(key)
    }

    /// What signs for session `r`: its secp256k1 key, or its P-256 key in the vault with the
    /// assertion options.
    async fn session_key(&self, r: &SessionRecord) -> Result<HeldKey<'_, V>> {
        match r.key_kind {
            KeyKind::Secp256k1 => Ok(HeldKey::Secp256k1(self.key(r).await?)),
            KeyKind::P256WebCrypto => {
                let held = r.key.as_ref().ok_or_else(|| Error::KeyWiped { id: r.id.clone() })?;
                let assertion = self.assertion.as_ref().ok_or_else(|| {
                    Error::input(
                        "rpId",
                        InputRule::Missing,
                        "a p256-webcrypto session signs WebAuthn assertions: give the service an rpId and origin",
                    )
                })?;
                Ok(HeldKey::P256(P256Key { vault: &self.vault, id: r.id.clone(), held: held.clone(), assertion }))
            }
        }
    }

    /// The session's private key bytes: an explicit escape hatch. A P-256 key has none to give
    /// (`KEY_NOT_EXPORTABLE`), whatever its state.
    pub async fn export_private_key(&self, id: &str) -> Result<Zeroizing<[u8; 32]>> {
        let r = self.store.get(id).await?;
        if r.key_kind != KeyKind::Secp256k1 {
            return Err(Error::KeyNotExportable { id: r.id.clone(), key_kind: r.key_kind.as_str() });
        }
        Ok(self.key(&r).await?.export_secret())
    }

    /// Sign `op` with the session key: the packed MAv2 signature, with the deferred install in
    /// front when `op.nonce` is the one the owner's signature was attached for. No safety margin:
    /// the caller chose the operation's time.
    pub async fn sign_user_operation(&self, id: &str, op: &UserOperation) -> Result<Bytes> {
        let r = self.store.get(id).await?;
        r.check_usable(self.now())?;
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
        match self.session_key(&r).await? {
            HeldKey::Secp256k1(key) => {
                sign::sign_user_operation(&key, op, r.chain_id, ENTRY_POINT_V07, prefix.as_ref().map(|b| b.as_ref()))
            }
            HeldKey::P256(key) => {
                key.sign(op.hash(r.chain_id, ENTRY_POINT_V07)?, prefix.as_ref().map(|b| b.as_ref())).await
            }
        }
    }

    /// Encode and pre-check `calls` for session `r` (no request is made). Returns the call data
    /// and whether the session's validation is global (the permissions are translated once).
    fn prepare_calls(
        &self,
        kind: AccountKind,
        r: &SessionRecord,
        calls: &[CallRequest],
        o: &SendOptions,
    ) -> Result<(Bytes, bool, Scope)> {
        if calls.is_empty() {
            return Err(Error::input("calls", InputRule::Length, "give at least one call"));
        }
        let now = self.now();
        r.check_usable(now)?;
        let set = r.grant().permission_set()?;
        let scope = Scope::from_permission_set(&set, r.expires_at, r.valid_after)
            .with_safety_margin(o.safety_margin_s.unwrap_or(DEFAULT_SAFETY_MARGIN_S));
        let call_data = encode_calls(kind, r.account.0, calls, o.batch, set.has_execution_hooks)?;
        match kind {
            // The call data exactly as the account will see it (executeUserOp prefix included).
            AccountKind::Mav2 | AccountKind::Mav27702 => precheck::check_call_data(&call_data, &scope, now)?,
            AccountKind::SimpleAccount => {
                let calls: Vec<Call> = calls.iter().map(Call::from).collect();
                precheck::check(&calls, &scope, now)?
            }
        }
        Ok((call_data, set.is_global, scope))
    }

    /// The calls checked again against what is left on chain of the native and ERC-20 budgets
    /// (the limits are cumulative: the grant's figures overstate what a used session may spend).
    /// Only an installed (`active`) MAv2 session with such a limit is read, two kinds of reads at
    /// most; the gas budget is left to the chain. A read that fails (network, node) leaves the
    /// check against the grant already made: the chain enforces the limits either way.
    async fn check_remaining<T: Transport, C2: Clock>(
        &self,
        net: &Network<T, C2>,
        r: &SessionRecord,
        call_data: &[u8],
        scope: &Scope,
    ) -> Result<()> {
        let limited = scope.native_limit.is_some() || !scope.erc20_limits.is_empty();
        if !net.kind.is_mav2() || r.status != StoredStatus::Active || !limited {
            return Ok(());
        }
        let g = Granted::from_record(r)?;
        let Ok(left) = onchain::read_remaining(net.sender.node(), net.sender.clock(), &g).await else {
            return Ok(());
        };
        let mut chain = scope.clone();
        chain.native_limit = left.native.or(scope.native_limit);
        for (token, limit) in &mut chain.erc20_limits {
            if let Some((_, l)) = left.erc20.iter().find(|(t, _)| t == token) {
                *limit = *l;
            }
        }
        precheck::check_call_data(call_data, &chain, self.now()).map_err(|e| budget(e, Some(scope)))
    }

    /// The nonce of the next operation of session `r`, and the deferred prefix it carries.
    async fn pick_nonce<T: Transport, C2: Clock>(
        &self,
        net: &Network<T, C2>,
        r: &mut SessionRecord,
        o: &SendOptions,
        global: bool,
    ) -> Result<(U256, Option<Bytes>)> {
        let account = r.account.0;
        if net.kind.is_mav2() {
            let signed = r.deferred.as_ref().filter(|d| d.deferred_action_digest.is_some()).map(|d| d.nonce);
            if let (StoredStatus::Pending, Some(bound)) = (r.status, signed) {
                let onchain = net.sender.nonce(account, low_192(bound >> 64)).await?;
                if onchain <= bound {
                    // The first op after a deferred grant: its nonce is the one the owner signed.
                    if let Some(full) = r.deferred_for_nonce(bound) {
                        let (_, _, prefix) = deferred::split_deferred_action(&full)?;
                        return Ok((bound, Some(prefix)));
                    }
                }
                // That nonce is used: the operation carrying the install landed.
                *r = self.mark_active(&r.id).await?;
            }
        }
        let parallel = match o.nonce_key {
            Some(k) => k,
            None => {
                let mut b = [0u8; 8];
                self.random.fill(&mut b)?;
                // Never 0, so it never meets the sequential key.
                U256::from(u64::from_be_bytes(b).max(1))
            }
        };
        let key = match net.kind {
            AccountKind::Mav2 | AccountKind::Mav27702 => nonce::nonce_key(&NonceKeyRequest {
                nonce_key: Some(parallel),
                entity_id: Some(r.entity_id),
                is_global_validation: Some(global),
                is_deferred_action: Some(false),
            })?,
            AccountKind::SimpleAccount => {
                if parallel.bit_len() > 192 {
                    return Err(Error::InvalidNonceKey { value: json::quantity(parallel) });
                }
                parallel
            }
        };
        Ok((net.sender.nonce(account, low_192(key)).await?, None))
    }

    /// The factory fields for an operation of `r`'s account: the caller's, else the session's
    /// owner and salt (MAv2 only). Used by the sender only while the account has no code.
    fn factory(kind: AccountKind, r: &SessionRecord, given: Option<(Address, Bytes)>) -> Option<(Address, Bytes)> {
        given.or_else(|| match (kind, r.owner) {
            (AccountKind::Mav2, Some(owner)) => {
                let info = account::predict(&AccountRequest { owner, salt: r.salt, factory: None });
                Some((info.factory.0, info.factory_data.0))
            }
            _ => None,
        })
    }

    /// Pre-check, build, estimate, sign with the session key and send `calls`. Returns the
    /// userOpHash. See the module docs for the order of steps.
    pub async fn send_calls<T: Transport, C2: Clock>(
        &self,
        net: &Network<T, C2>,
        id: &str,
        calls: &[CallRequest],
        o: SendOptions,
        progress: &dyn Fn(Progress<'_>),
    ) -> Result<B256> {
        let mut r = self.store.get(id).await?;
        let (call_data, global, scope) = self.prepare_calls(net.kind, &r, calls, &o).map_err(|e| budget(e, None))?;
        if r.key_kind == KeyKind::P256WebCrypto && !net.kind.is_mav2() {
            return Err(p256_needs_mav2());
        }
        if let (Some(required), false) = (r.paymaster, net.has_paymaster) {
            return Err(Error::PaymasterRequired { paymaster: json::address(&required.0) });
        }
        let key = self.session_key(&r).await?;
        let authorization =
            net.authorization_for(r.account.0, r.chain_id, o.factory.is_some(), o.authorization.as_ref()).await?;
        // Nothing has been sent to the bundler before this point.
        net.ready_for(r.chain_id).await?;
        self.check_remaining(net, &r, &call_data, &scope).await?;
        let verification_gas = match &key {
            HeldKey::P256(_) => net.p256_verification_gas().await?,
            HeldKey::Secp256k1(_) => 0,
        };
        progress(Progress::Estimating);
        let (nonce, prefix) = self.pick_nonce(net, &mut r, &o, global).await?;
        let carries_grant = prefix.is_some();
        let signer = match (&key, net.kind) {
            (HeldKey::Secp256k1(k), AccountKind::SimpleAccount) => SessionSigner::Simple(SimpleAccountSigner(k)),
            (HeldKey::Secp256k1(k), _) => SessionSigner::Mav2(Mav2SessionSigner { key: k, deferred_prefix: prefix }),
            (HeldKey::P256(k), _) => SessionSigner::WebAuthn(k.signer(prefix)?),
        };
        let req = OpRequest {
            sender: r.account.0,
            nonce_key: low_192(nonce >> 64),
            factory: Self::factory(net.kind, &r, o.factory),
            call_data,
            nonce: Some(nonce),
            fees: None,
            paymaster: r.paymaster.map(|a| a.0),
            authorization,
            extra_verification_gas: verification_gas,
        };
        let mut op = match net.sender.build(&req, &signer).await {
            Ok(op) => op,
            Err(e) => return Err(explain(net, &r, e).await),
        };
        let hash = net.sender.sign(&mut op, &signer).await?;
        progress(Progress::Signed(hash, &op));
        if carries_grant {
            // Remembered before sending: a dropped answer still leaves the hash to wait for.
            let h = HexFixed(hash);
            self.store
                .update(
                    id,
                    Box::new(move |r| {
                        r.grant_op = Some(h);
                        Ok(())
                    }),
                )
                .await?;
        }
        let sent = match net.sender.send_signed_with(&op, req.authorization.as_ref()).await {
            Ok(h) => h,
            Err(e) => {
                let cause = Box::new(explain(net, &r, e).await);
                return Err(Error::SendFailed { user_op_hash: json::hex(hash), cause });
            }
        };
        progress(Progress::Sent(sent));
        Ok(sent)
    }

    /// Wait for the receipt of `hash`. When it is the operation that carried a session's grant
    /// and it succeeded, that session becomes active now.
    pub async fn wait_for_receipt<T: Transport, C2: Clock>(
        &self,
        net: &Network<T, C2>,
        hash: B256,
        timeout_ms: Option<u64>,
    ) -> Result<UserOperationReceipt> {
        let receipt = net.sender.wait_for_receipt(hash, timeout_ms).await?;
        self.settle_receipt(hash, &receipt).await?;
        Ok(receipt)
    }

    /// Given the receipt of operation `hash`: when it succeeded and carried a pending session's
    /// grant, that session becomes active.
    pub async fn settle_receipt(&self, hash: B256, receipt: &UserOperationReceipt) -> Result<()> {
        if !receipt.success {
            return Ok(());
        }
        for r in self.store.list(None).await?.into_iter().flatten() {
            if r.status == StoredStatus::Pending && r.grant_op.as_ref().is_some_and(|h| h.0 == hash.0) {
                self.mark_active(&r.id).await?;
            }
        }
        Ok(())
    }

    /// Grant the session with an operation of the account's owner (`installValidation`, signed by
    /// `wallet`); waits until it is mined, then marks the session active.
    pub async fn grant<T: Transport, C2: Clock, W: PersonalSign>(
        &self,
        net: &Network<T, C2>,
        id: &str,
        wallet: W,
        factory: Option<(Address, Bytes)>,
        timeout_ms: Option<u64>,
    ) -> Result<(B256, UserOperationReceipt, SessionRecord)> {
        self.grant_with(net, id, wallet, factory, None, timeout_ms).await
    }

    /// [`Sessions::grant`] of a `mav2-7702` account, whose first operation carries the EOA's
    /// signed `authorization` while the EOA is not delegated yet.
    pub async fn grant_with<T: Transport, C2: Clock, W: PersonalSign>(
        &self,
        net: &Network<T, C2>,
        id: &str,
        wallet: W,
        factory: Option<(Address, Bytes)>,
        authorization: Option<Authorization>,
        timeout_ms: Option<u64>,
    ) -> Result<(B256, UserOperationReceipt, SessionRecord)> {
        self.owner_change(net, id, wallet, OwnerChange::Grant { factory, authorization }, timeout_ms).await
    }

    /// Revoke the session with an owner operation (`uninstallValidation`); once mined the
    /// session is marked revoked and its key wiped. Needs no session key, so it works when the
    /// key can no longer be opened.
    pub async fn revoke<T: Transport, C2: Clock, W: PersonalSign>(
        &self,
        net: &Network<T, C2>,
        id: &str,
        wallet: W,
        timeout_ms: Option<u64>,
    ) -> Result<(B256, UserOperationReceipt, SessionRecord)> {
        self.owner_change(net, id, wallet, OwnerChange::Revoke, timeout_ms).await
    }

    /// Grant or revoke the session with an owner operation, wait until it is mined, then mark the
    /// session active or revoked (key wiped). One flow for both, so a caller offering both
    /// awaits one state machine.
    pub async fn owner_change<T: Transport, C2: Clock, W: PersonalSign>(
        &self,
        net: &Network<T, C2>,
        id: &str,
        wallet: W,
        change: OwnerChange,
        timeout_ms: Option<u64>,
    ) -> Result<(B256, UserOperationReceipt, SessionRecord)> {
        let r = self.store.get(id).await?;
        let (call_data, o, status) = self.owner_change_op(net.kind, &r, change, timeout_ms)?;
        let (hash, receipt) = owner_operation_with(net, wallet, r.account.0, call_data, o).await?;
        let now = self.now();
        let r = self.store.update(id, Box::new(move |r| r.transition(status, now))).await?;
        if status == StoredStatus::Revoked {
            self.vault.forget(id).await?;
        }
        Ok((hash, receipt, r))
    }

    /// The call data and options of the owner operation that makes `change` to `r`, and the
    /// status the session takes once it is mined.
    fn owner_change_op(
        &self,
        kind: AccountKind,
        r: &SessionRecord,
        change: OwnerChange,
        timeout_ms: Option<u64>,
    ) -> Result<(Bytes, OwnerOp, StoredStatus)> {
        let mut o = OwnerOp { chain_id: Some(r.chain_id), factory: None, authorization: None, timeout_ms };
        Ok(match change {
            OwnerChange::Grant { factory, authorization } => {
                let now = self.now();
                r.check_usable(now)?;
                let call_data = r.install_call(now)?;
                o.factory = Self::factory(kind, r, factory);
                o.authorization = authorization;
                (call_data, o, StoredStatus::Active)
            }
            OwnerChange::Revoke => (r.uninstall_call()?, o, StoredStatus::Revoked),
        })
    }
}

/// What an owner operation does to a session ([`Sessions::owner_change`]).
#[derive(Debug, Clone)]
pub enum OwnerChange {
    /// Install its validation (`installValidation`).
    Grant {
        /// Factory and factory data for an undeployed account (default: the session's owner and salt).
        factory: Option<(Address, Bytes)>,
        /// A `mav2-7702` account's signed EIP-7702 authorization.
        authorization: Option<Authorization>,
    },
    /// Uninstall it (`uninstallValidation`).
    Revoke,
}

/// A `p256-webcrypto` session's key is checked by MAv2's WebAuthn module; a SimpleAccount has none.
/// The low 192 bits of `v`: a nonce's key (`nonce >> 64`) or a composed key, which fit 192 bits;
/// `U192::from` of a `U256` would carry ruint's overflow panic.
fn low_192(v: U256) -> U192 {
    let [a, b, c, _] = v.into_limbs();
    U192::from_limbs([a, b, c])
}

fn p256_needs_mav2() -> Error {
    Error::KeyKindUnsupported {
        key_kind: KeyKind::P256WebCrypto.as_str(),
        detail: "a p256-webcrypto session signs for MAv2's WebAuthn validation module; a simple-account account cannot check it".into(),
    }
}

/// The key an import brings (`privateKey`, required, secp256k1), taken out of the options and
/// wiped there.
fn imported_key(opts: &mut NewSession) -> Result<SessionKey> {
    if opts.key_kind != KeyKind::Secp256k1 {
        return Err(Error::KeyKindUnsupported {
            key_kind: opts.key_kind.as_str(),
            detail:
                "importPrivateKey takes a secp256k1 key; a p256-webcrypto key is made by WebCrypto and never leaves it"
                    .into(),
        });
    }
    let bytes =
        opts.take_private_key()?.ok_or_else(|| Error::input("privateKey", InputRule::Missing, "is required"))?;
    SessionKey::from_bytes(bytes.as_ref(), "privateKey")
}

/// Any operation of the account's owner, signed by `wallet` (`personal_sign` of the raw
/// userOpHash), sent, and waited for. A mined but reverted operation is [`Error::UserOpReverted`].
pub fn owner_operation<'a, T: Transport, C: Clock, W: PersonalSign>(
    net: &'a Network<T, C>,
    wallet: W,
    account: Address,
    call_data: Bytes,
    chain_id: Option<u64>,
    factory: Option<(Address, Bytes)>,
    timeout_ms: Option<u64>,
) -> impl std::future::Future<Output = Result<(B256, UserOperationReceipt)>> + use<'a, T, C, W> {
    owner_operation_with(
        net,
        wallet,
        account,
        call_data,
        OwnerOp { chain_id, factory, authorization: None, timeout_ms },
    )
}

/// How to send an owner operation ([`owner_operation_with`]).
#[derive(Debug, Clone, Default)]
pub struct OwnerOp {
    /// Refuse a bundler on another chain.
    pub chain_id: Option<u64>,
    /// Factory and factory data for an undeployed counterfactual account.
    pub factory: Option<(Address, Bytes)>,
    /// A `mav2-7702` account's signed EIP-7702 authorization, used while the EOA is not yet
    /// delegated; checked before any bundler request (the chain id must then be given).
    pub authorization: Option<Authorization>,
    /// How long to wait for the receipt.
    pub timeout_ms: Option<u64>,
}

/// [`owner_operation`] with every option, the EIP-7702 authorization among them.
pub async fn owner_operation_with<T: Transport, C: Clock, W: PersonalSign>(
    net: &Network<T, C>,
    wallet: W,
    account: Address,
    call_data: Bytes,
    o: OwnerOp,
) -> Result<(B256, UserOperationReceipt)> {
    let OwnerOp { chain_id, factory, authorization, timeout_ms } = o;
    let authorization = match (net.kind, chain_id) {
        (AccountKind::Mav27702, None) => {
            return Err(Error::input("chainId", InputRule::Missing, "is required for a mav2-7702 account"))
        }
        (_, Some(chain_id)) => {
            net.authorization_for(account, chain_id, factory.is_some(), authorization.as_ref()).await?
        }
        (_, None) => None,
    };
    if let Some(chain_id) = chain_id {
        net.ready_for(chain_id).await?;
    }
    let kind = net.kind;
    let signer = OwnerSigner { wallet, kind };
    let req = OpRequest {
        sender: account,
        nonce_key: owner_nonce_key(kind),
        factory,
        call_data,
        authorization,
        ..Default::default()
    };
    let sent = net.sender.send(&req, &signer).await?;
    let receipt = net.sender.wait_for_receipt(sent.user_op_hash, timeout_ms).await?;
    if !receipt.success {
        return Err(Error::UserOpReverted {
            user_op_hash: json::hex(sent.user_op_hash),
            reason: receipt.reason.as_ref().map(json::hex),
        });
    }
    Ok((sent.user_op_hash, receipt))
}

/// A session's state on chain, and what [`Sessions::status_on`] changed in the store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChainStatus {
    /// What the chain says.
    pub state: SessionState,
    /// `Some("revoked")` / `Some("active")` when the store's record was changed to match.
    pub reconciled: Option<&'static str>,
}

impl ChainStatus {
    /// The JS shape of `sessionStatus`: amounts as decimal strings (as in errors' `data`),
    /// addresses checksummed, `erc20` as `{ [token]: amount }`.
    pub fn to_json(&self) -> serde_json::Value {
        use serde_json::Value;
        let st = &self.state;
        let dec = |v: &U256| Value::String(text::decimal(v));
        let opt_number = |v: Option<u64>| v.map(Value::from);
        // Inserted one by one: a collected map would sort its items first, which links a sort.
        let mut erc20 = serde_json::Map::new();
        for (t, v) in &st.remaining.erc20 {
            erc20.insert(json::address(t), dec(v));
        }
        let remaining = Obj::new()
            .or_null("native", st.remaining.native.as_ref().map(dec))
            .or_null("gas", st.remaining.gas.as_ref().map(dec))
            .put("erc20", Value::Object(erc20))
            .value();
        Obj::new()
            .bool("installed", st.installed)
            .bool("matchesGrant", st.matches_grant)
            .put("mismatches", write::list(&st.mismatches, |m| Value::from(*m)))
            .bool("deployed", st.deployed)
            .put("remaining", remaining)
            .or_null("validUntil", opt_number(st.valid_until))
            .or_null("validAfter", opt_number(st.valid_after))
            .or_null("paymaster", st.paymaster.map(|p| write::address(&p)))
            .opt("reconciled", self.reconciled.map(Value::from))
            .value()
    }
}

write::serialize_via_to_json!(ChainStatus);

/// A limit refusal with its figures; other errors pass through. Without `granted` the refusal
/// was against the grant (its `limit` is the grant's); with it, against what the chain says is
/// left (its `limit`), and `granted` gives the grant's figure beside it.
fn budget(e: Error, granted: Option<&Scope>) -> Error {
    let (left, grant) = match (&e, granted) {
        (Error::NativeLimitExceeded { limit, .. }, g) => (limit.clone(), g.and_then(|g| g.native_limit)),
        (Error::Erc20LimitExceeded { limit, token, .. }, g) => {
            let find = |g: &Scope| {
                g.erc20_limits.iter().find(|(t, _)| json::address(t).eq_ignore_ascii_case(token)).map(|l| l.1)
            };
            (limit.clone(), g.and_then(find))
        }
        _ => return e,
    };
    let (granted, remaining, basis) = match granted {
        Some(_) => (grant.map_or_else(|| left.clone(), |g| text::decimal(&g)), Some(left), "chain"),
        None => (left, None, "grant"),
    };
    Error::Budget { inner: Box::new(e), granted, remaining, basis }
}

/// An estimation or send error with revert data, decoded (see [`revert::to_error`]); `AA22` says
/// which side of the session's window the chain's latest block is on. Any other error, or a
/// failed read of the block, leaves the error as it came. Boxed: awaited from two places.
fn explain<'a, T: Transport, C: Clock>(
    net: &'a Network<T, C>,
    r: &'a SessionRecord,
    e: Error,
) -> std::pin::Pin<Box<dyn std::future::Future<Output = Error> + 'a>> {
    Box::pin(async move {
        let Error::Rpc { code, .. } = &e else { return e };
        let decoded = revert::from_rpc_error(&e);
        let aa22 = *code == ErrorCode::BundlerAa22 || decoded.as_ref().is_some_and(|d| d.aa.as_deref() == Some("AA22"));
        if aa22 {
            let (after, until) = (r.valid_after.unwrap_or(0), r.expires_at.unwrap_or(0));
            return match latest_timestamp(net.sender.node(), net.sender.clock()).await {
                Ok(now) => revert::aa22_error(e, decoded, after, until, now),
                Err(_) => e,
            };
        }
        match decoded {
            Some(d) => revert::to_error(e, d, None),
            None => e,
        }
    })
}

/// A session's key at hand: a secp256k1 key opened from the vault, or a P-256 key the vault keeps.
enum HeldKey<'a, V> {
    Secp256k1(SessionKey),
    P256(P256Key<'a, V>),
}

/// A P-256 session key in its vault, and what its assertions name.
struct P256Key<'a, V> {
    vault: &'a V,
    id: String,
    held: EncryptedKey,
    assertion: &'a AssertionOptions,
}

impl<V: KeyVault> P256Key<'_, V> {
    /// The WebAuthn user-operation signature over `user_op_hash`: the assertion built here, its
    /// message signed by the vault, `s` made low, `deferred_prefix` in front.
    async fn sign(&self, user_op_hash: B256, deferred_prefix: Option<&[u8]>) -> Result<Bytes> {
        let a = Assertion::for_user_op(&user_op_hash, self.assertion)?;
        let sig = self.vault.sign_p256(&self.id, &self.held, &a.message()).await?;
        webauthn::user_op_signature(&a, &sig, deferred_prefix)
    }

    fn signer(&self, deferred_prefix: Option<Bytes>) -> Result<WebAuthnSigner<'_, V>> {
        let dummy = webauthn::dummy_user_op_signature(self.assertion, deferred_prefix.as_ref().map(|b| b.as_ref()))?;
        Ok(WebAuthnSigner { key: self, deferred_prefix, dummy })
    }
}

/// A `p256-webcrypto` session's signer: the dummy has the real signature's size (same rpId,
/// origin and flags), so estimation prices the bytes that are sent.
struct WebAuthnSigner<'a, V> {
    key: &'a P256Key<'a, V>,
    deferred_prefix: Option<Bytes>,
    dummy: Bytes,
}

/// Every kind of session signer, so one flow serves them all.
enum SessionSigner<'a, V> {
    Mav2(Mav2SessionSigner<'a>),
    Simple(SimpleAccountSigner<'a>),
    WebAuthn(WebAuthnSigner<'a, V>),
}

impl<V: KeyVault> UserOpSigner for SessionSigner<'_, V> {
    fn dummy_signature(&self) -> Bytes {
        match self {
            SessionSigner::Mav2(s) => s.dummy_signature(),
            SessionSigner::Simple(s) => s.dummy_signature(),
            SessionSigner::WebAuthn(s) => s.dummy.clone(),
        }
    }
    async fn sign(&self, user_op_hash: B256) -> Result<Bytes> {
        match self {
            SessionSigner::Mav2(s) => s.sign(user_op_hash).await,
            SessionSigner::Simple(s) => s.sign(user_op_hash).await,
            SessionSigner::WebAuthn(s) => {
                s.key.sign(user_op_hash, s.deferred_prefix.as_ref().map(|b| b.as_ref())).await
            }
        }
    }
}

/// The call data of `calls` for this kind of account.
pub fn encode_calls(
    kind: AccountKind,
    account: Address,
    calls: &[CallRequest],
    batch: Option<bool>,
    hooks: bool,
) -> Result<Bytes> {
    match kind {
        AccountKind::Mav2 | AccountKind::Mav27702 => calls::encode_calls(&EncodeCallsRequest {
            account: Some(Addr(account)),
            calls: calls.to_vec(),
            batch,
            with_execution_hooks: Some(hooks),
        }),
        AccountKind::SimpleAccount => Ok(match (calls, batch) {
            ([one], None | Some(false)) => {
                ISimpleAccountExec::executeCall { dest: one.target.0, value: one.value, func: one.data.0.clone() }
                    .abi_encode()
                    .into()
            }
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
