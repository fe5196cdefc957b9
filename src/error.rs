//! One error type for the whole library.
//!
//! Every variant names the field it is about and the rule that was broken, and maps to a stable
//! string code (`Error::code`) that JavaScript callers can switch on. Codes never change meaning;
//! new rules get new codes.

use std::fmt;

/// Result alias used across the crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// The kind of input rule a value broke while it was being parsed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InputRule {
    /// A required field is absent (or `undefined`/`null`).
    Missing,
    /// The value has the wrong JSON/JS type (e.g. a number where a hex string is expected).
    Type,
    /// Not `0x`-prefixed hex, odd length, or a non-hex digit.
    Hex,
    /// Not a 20-byte address.
    Address,
    /// A mixed-case address whose EIP-55 checksum is wrong.
    Checksum,
    /// A number that is negative, fractional, or not a number at all.
    Number,
    /// A number that does not fit the field's width (e.g. uint48, uint128).
    Range,
    /// A byte string of the wrong length (e.g. a 4-byte selector, a 32-byte hash).
    Length,
    /// An unknown `type` tag or enum value.
    Variant,
    /// A field the shape does not have.
    UnknownField,
}

impl InputRule {
    /// Stable code for this rule.
    pub const fn code(self) -> &'static str {
        match self {
            InputRule::Missing => "MISSING_FIELD",
            InputRule::Type => "INVALID_TYPE",
            InputRule::Hex => "INVALID_HEX",
            InputRule::Address => "INVALID_ADDRESS",
            InputRule::Checksum => "INVALID_ADDRESS_CHECKSUM",
            InputRule::Number => "INVALID_NUMBER",
            InputRule::Range => "NUMBER_OUT_OF_RANGE",
            InputRule::Length => "INVALID_LENGTH",
            InputRule::Variant => "UNKNOWN_VARIANT",
            InputRule::UnknownField => "UNKNOWN_FIELD",
        }
    }
}

impl fmt::Display for InputRule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// Every refusal the library makes.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    /// Input did not parse. `field` is the path (`permissions[2].data.allowance`).
    #[error("{field}: {detail}")]
    InvalidInput {
        /// Path of the offending field.
        field: String,
        /// Which rule was broken.
        rule: InputRule,
        /// Human-readable explanation (never contains secrets).
        detail: String,
    },

    // ---- permission rules (mirror Alchemy's PermissionBuilder refusals) ----
    /// `root` must be the only permission (SDK: RootPermissionOnlyError).
    #[error("{field}: the root permission must be the only permission")]
    RootPermissionOnly {
        /// Path of the offending permission.
        field: String,
    },
    /// At most one `native-token-transfer` (SDK: MultipleNativeTokenTransferError).
    #[error("{field}: at most one native-token-transfer permission is allowed")]
    MultipleNativeTokenTransfer {
        /// Path of the offending permission.
        field: String,
    },
    /// At most one `gas-limit` (SDK: MultipleGasLimitError).
    #[error("{field}: at most one gas-limit permission is allowed")]
    MultipleGasLimit {
        /// Path of the offending permission.
        field: String,
    },
    /// The account itself may not be a target (SDK: AccountAddressAsTargetError).
    #[error("{field}: the account itself may not be a target; use account-functions")]
    AccountAddressAsTarget {
        /// Path of the offending address.
        field: String,
    },
    /// A target address may appear in one contract permission only (SDK: DuplicateTargetAddressError).
    #[error("{field}: target {address} already has a contract-access or functions-on-contract permission")]
    DuplicateTargetAddress {
        /// Path of the offending address.
        field: String,
        /// The duplicated address.
        address: String,
    },
    /// Function lists may not be empty (SDK: NoFunctionsProvidedError).
    #[error("{field}: at least one function selector is required")]
    NoFunctionsProvided {
        /// Path of the empty list.
        field: String,
    },
    /// A selector that would hand over control of the account (SDK: SelectorNotAllowed).
    #[error("{field}: selector {selector} ({name}) may not be granted to a session key")]
    SelectorNotAllowed {
        /// Path of the selector.
        field: String,
        /// The selector as hex.
        selector: String,
        /// The account function it names.
        name: &'static str,
    },
    /// The zero address is not a valid target or token (SDK: ZeroAddressError).
    #[error("{field}: the zero address is not allowed")]
    ZeroAddress {
        /// Path of the address.
        field: String,
    },
    /// Entity ids must stay below 2^31 - 1 and above 0 (SDK: InvalidEntityIdError, EntityIdOverrideError).
    #[error("entityId: {entity_id} is not allowed; session entity ids are 1 ..= 2147483646")]
    InvalidEntityId {
        /// The rejected id.
        entity_id: u64,
    },
    /// A non-root session needs at least one selector (SDK: ValidationConfigUnsetError).
    #[error("permissions: a session that is not root needs at least one callable function (add contract-access, functions-on-*, erc20-token-transfer or account-functions)")]
    ValidationConfigUnset,
    /// A time bound already in the past (SDK: ExpiredDeadlineError).
    #[error("{field}: {value} is in the past (now is {now})")]
    Expired {
        /// `expiresAt` or `deadline`.
        field: &'static str,
        /// The rejected value (unix seconds).
        value: u64,
        /// The clock used (unix seconds).
        now: u64,
    },
    /// A time bound beyond uint48 (SDK: DeadlineOverLimitError).
    #[error("{field}: {value} does not fit uint48")]
    TimeOverLimit {
        /// `expiresAt`, `validAfter` or `deadline`.
        field: &'static str,
        /// The rejected value.
        value: u64,
    },
    /// `validAfter` must be before `expiresAt` (the TimeRange module reverts otherwise).
    #[error("validAfter: {valid_after} must be before expiresAt {expires_at}")]
    ValidAfterNotBeforeExpiry {
        /// Start of the window.
        valid_after: u64,
        /// End of the window.
        expires_at: u64,
    },
    /// `validAfter` without `expiresAt` has no time-range hook to live in.
    #[error("validAfter: requires expiresAt")]
    ValidAfterWithoutExpiry,
    /// The parallel nonce key has at most 152 bits (SDK: InvalidNonceKeyError).
    #[error("nonceKey: {value} does not fit in 152 bits")]
    InvalidNonceKey {
        /// The rejected key, hex.
        value: String,
    },

    // ---- keys and signatures ----
    /// The private key bytes are not a valid secp256k1 scalar.
    #[error("{field}: not a valid secp256k1 private key")]
    InvalidPrivateKey {
        /// Path of the key field.
        field: &'static str,
    },
    /// A signature that cannot be used (wrong length or malformed).
    #[error("{field}: {detail}")]
    InvalidSignature {
        /// Path of the signature field.
        field: &'static str,
        /// What is wrong with it.
        detail: String,
    },
    /// Not an uncompressed P-256 public key on the curve.
    #[error("{field}: {detail}")]
    InvalidPublicKey {
        /// Path of the key field.
        field: &'static str,
        /// What is wrong with it.
        detail: String,
    },
    /// A WebAuthn assertion field the module or a WebAuthn verifier would refuse.
    #[error("{field}: {detail}")]
    InvalidAssertion {
        /// `rpId`, `origin` or `flags`.
        field: &'static str,
        /// What is wrong with it.
        detail: String,
    },
    /// The platform's random number generator failed.
    #[error("random: the platform CSPRNG failed: {detail}")]
    Random {
        /// What the platform said.
        detail: String,
    },
    /// The deferred-action digest given is not one this library builds.
    #[error("preSignatureDigest: {detail}")]
    InvalidDeferredAction {
        /// What is wrong with it.
        detail: String,
    },

    // ---- session store (browser shell; see `session`) ----
    /// No session with this id in the store.
    #[error("id: no session {id} in this store")]
    SessionNotFound {
        /// The id asked for.
        id: String,
    },
    /// A stored record could not be read (damaged or written by an unknown build).
    #[error("id: stored session {id} is unreadable: {detail}")]
    RecordCorrupt {
        /// The record's id (`(unknown)` if it has none).
        id: String,
        /// What is wrong with it.
        detail: String,
    },
    /// A stored record was written by a newer build of this library.
    #[error("id: stored session {id} has schema {schema}, newer than this build understands")]
    SchemaTooNew {
        /// The record's id.
        id: String,
        /// Its schema version.
        schema: u64,
    },
    /// The key's ciphertext did not authenticate (altered record, or a different wrapping key).
    #[error("id: the key of session {id} does not decrypt (record altered, or its wrapping key is gone)")]
    DecryptFailed {
        /// The record's id.
        id: String,
    },
    /// The entity id asked for is used by another stored session of the same account and chain.
    #[error("entityId: {entity_id} is already used by another session of this account")]
    EntityIdInUse {
        /// The id asked for.
        entity_id: u32,
    },
    /// The on-chain entity-id search stepped over this many installed ids without finding a free one.
    #[error("entityId: {tried} entity ids in a row are installed on chain; pass entityId explicitly")]
    EntityIdSearchLimit {
        /// How many installed ids were stepped over.
        tried: u32,
    },
    /// A status change the lifecycle does not allow (e.g. revoked → active).
    #[error("id: session {id} is {from}; it cannot become {to}")]
    InvalidStatusTransition {
        /// The record's id.
        id: String,
        /// Current status.
        from: &'static str,
        /// Asked-for status.
        to: &'static str,
    },
    /// The session was revoked; it signs nothing.
    #[error("id: session {id} is revoked")]
    SessionRevoked {
        /// The record's id.
        id: String,
    },
    /// `attachOwnerSignature` before `deferredInstall`.
    #[error("id: session {id} has no deferred install prepared; call deferredInstall first")]
    DeferredNotPrepared {
        /// The record's id.
        id: String,
    },
    /// IndexedDB refused an operation.
    #[error("storage: {op} failed: {detail}")]
    Storage {
        /// What was being done.
        op: &'static str,
        /// The browser's error name and message.
        detail: String,
    },
    /// WebCrypto is missing or refused an operation.
    #[error("crypto: {op} failed: {detail}")]
    Crypto {
        /// What was being done.
        op: &'static str,
        /// The browser's error name and message.
        detail: String,
    },
    /// The store was closed.
    #[error("store: this SessionKeyStore was closed; open it again")]
    StoreClosed,

    // ---- bundler / node JSON-RPC (see `rpc`) ----
    /// The server answered with a JSON-RPC error. `code` is the stable code (scheme in
    /// [`crate::rpc::error_code`]): `BUNDLER_AAxx` when the message carries an EntryPoint `AAxx`
    /// reason, else one per ERC-7769 / JSON-RPC error code (`BUNDLER_SIMULATE_VALIDATION`, …).
    /// The server's own code, message and data are kept as they came.
    #[error("{method}: {message} (JSON-RPC {rpc_code})")]
    Rpc {
        /// Stable code.
        code: &'static str,
        /// The JSON-RPC method called.
        method: String,
        /// The server's JSON-RPC error code.
        rpc_code: i64,
        /// The server's message.
        message: String,
        /// The server's `data`, as JSON text, if any.
        data: Option<String>,
    },
    /// The request did not reach the server or no answer came back (connection refused, DNS,
    /// reset, CORS refusal in a browser).
    #[error("{url}: network error: {detail}")]
    Network {
        /// Where the request went.
        url: String,
        /// What the platform said.
        detail: String,
    },
    /// No answer within the request timeout.
    #[error("{url}: no answer within {timeout_ms} ms")]
    Timeout {
        /// Where the request went.
        url: String,
        /// The timeout.
        timeout_ms: u64,
    },
    /// The server answered with an HTTP status other than 2xx.
    #[error("{url}: HTTP {status}: {body}")]
    Http {
        /// Where the request went.
        url: String,
        /// The HTTP status.
        status: u16,
        /// The start of the body.
        body: String,
    },
    /// The answer is not a JSON-RPC 2.0 response to our request (bad JSON, wrong id, bad result shape).
    #[error("{method}: bad JSON-RPC response: {detail}")]
    BadResponse {
        /// The method called.
        method: String,
        /// What is wrong with it.
        detail: String,
    },
    /// The bundler (or node) is on another chain than the one asked for.
    #[error("chainId: the bundler is on chain {actual}, expected {expected}")]
    WrongChain {
        /// The chain id asked for.
        expected: u64,
        /// The chain id the server reported.
        actual: u64,
    },
    /// The bundler does not support EntryPoint v0.7.
    #[error("entryPoint: the bundler does not support {entry_point} (it supports {supported})")]
    EntryPointNotSupported {
        /// The EntryPoint asked for.
        entry_point: String,
        /// What the bundler listed.
        supported: String,
    },
    /// No receipt for the user operation before the deadline.
    #[error("userOpHash: no receipt for {user_op_hash} within {waited_ms} ms")]
    ReceiptTimeout {
        /// The operation's hash.
        user_op_hash: String,
        /// How long it was polled.
        waited_ms: u64,
    },

    // ---- local pre-check of calls against a session's permissions (see `precheck`) ----
    /// A call to a target the session may not call.
    #[error("{field}: target {target} is not allowed for this session")]
    OutOfScopeTarget {
        /// Path of the call (`calls[1].target`).
        field: String,
        /// The target.
        target: String,
    },
    /// A call of a function the session may not call on that target.
    #[error("{field}: selector {selector} is not allowed on {target} for this session")]
    OutOfScopeSelector {
        /// Path of the call data (`calls[1].data`).
        field: String,
        /// The target.
        target: String,
        /// The selector (or `(none)` for calls without one).
        selector: String,
    },
    /// Native value beyond what the session may still spend.
    #[error("{field}: sends {requested} wei in total, the session's native limit is {limit} wei")]
    NativeLimitExceeded {
        /// Path of the call that crosses the limit (`calls[2].value`).
        field: String,
        /// Total value of the calls up to and including this one.
        requested: String,
        /// The limit.
        limit: String,
    },
    /// ERC-20 transfer/approve amounts beyond the session's limit for that token.
    #[error("{field}: {requested} units of {token} in total, the session's limit is {limit}")]
    Erc20LimitExceeded {
        /// Path of the call that crosses the limit (`calls[0].data`).
        field: String,
        /// The token.
        token: String,
        /// Total amount up to and including this call.
        requested: String,
        /// The limit.
        limit: String,
    },
    /// The session expires before the operation could safely land.
    #[error("expiresAt: the session expires at {expires_at}; now {now} + safety margin {margin_s} s is past it")]
    SessionExpired {
        /// The session's expiry (unix seconds).
        expires_at: u64,
        /// The clock used (unix seconds).
        now: u64,
        /// The safety margin (seconds).
        margin_s: u64,
    },
    /// The session is not valid yet.
    #[error("validAfter: the session is valid from {valid_after}; now is {now}")]
    SessionNotYetValid {
        /// Start of the session's window (unix seconds).
        valid_after: u64,
        /// The clock used (unix seconds).
        now: u64,
    },

    // ---- session service ----
    /// The session only validates operations paid by its paymaster, and no paymaster service
    /// was given to send through.
    #[error("paymaster: this session only validates operations paid by {paymaster}; give the client a paymaster service")]
    PaymasterRequired {
        /// The session's paymaster.
        paymaster: String,
    },
    /// The paymaster service offered another paymaster than the one the session is pinned to.
    #[error("paymaster: the paymaster service chose {offered}, but this session only validates operations paid by {required}")]
    PaymasterMismatch {
        /// The session's paymaster.
        required: String,
        /// What the service answered.
        offered: String,
    },
    /// The session has no key any more (revoked: the key was wiped).
    #[error("session {id} has no key (revoked)")]
    KeyWiped {
        /// The session id.
        id: String,
    },
    /// The owner given does not own the session's account (its counterfactual address differs).
    #[error("owner: {owner} with salt {salt} deploys {predicted}, not the session's account {account}")]
    OwnerMismatch {
        /// The owner given.
        owner: String,
        /// The salt used.
        salt: String,
        /// The address that owner and salt deploy.
        predicted: String,
        /// The session's account.
        account: String,
    },

    // ---- EIP-7702 accounts (see `eip7702`) ----
    /// The EOA delegates its code to another contract than SemiModularAccount7702.
    #[error("account: {account} is delegated to {delegate}, not to MAv2's SemiModularAccount7702 {expected}")]
    DelegatedElsewhere {
        /// The EOA.
        account: String,
        /// The contract its code points to.
        delegate: String,
        /// The SemiModularAccount7702 implementation expected.
        expected: String,
    },
    /// The address holds contract code that is no EIP-7702 delegation: it is not an EOA.
    #[error("account: {account} holds {size} bytes of contract code ({head}…), not an EIP-7702 delegation; it is not an EOA")]
    AccountHasCode {
        /// The address.
        account: String,
        /// Length of its code.
        size: usize,
        /// The first bytes of its code, hex.
        head: String,
    },
    /// The EOA is not delegated yet, so its first operation needs a signed authorization.
    #[error("authorization: {account} is not delegated to SemiModularAccount7702 yet; its first operation needs a signed EIP-7702 authorization")]
    AuthorizationRequired {
        /// The EOA.
        account: String,
    },
    /// The authorization delegates to another contract than SemiModularAccount7702.
    #[error("authorization.address: the authorization delegates to {address}, expected SemiModularAccount7702 {expected}")]
    AuthorizationWrongDelegate {
        /// The address in the authorization.
        address: String,
        /// The implementation expected.
        expected: String,
    },
    /// The authorization is for another chain (0 means any chain and is accepted).
    #[error("authorization.chainId: the authorization is for chain {chain_id}, the operation for chain {expected}")]
    AuthorizationWrongChain {
        /// The authorization's chain id.
        chain_id: u64,
        /// The operation's chain id.
        expected: u64,
    },
    /// The authorization's nonce is not the EOA's current nonce, so the chain would skip it.
    #[error("authorization.nonce: the authorization has nonce {nonce}, the account's current nonce is {expected}")]
    AuthorizationWrongNonce {
        /// The authorization's nonce.
        nonce: u64,
        /// The EOA's nonce now.
        expected: u64,
    },
    /// The authorization was signed by another key than the EOA's.
    #[error("authorization: signed by {signer}, not by the account {account}")]
    AuthorizationWrongSigner {
        /// The address the signature recovers to.
        signer: String,
        /// The EOA.
        account: String,
    },
}

impl Error {
    /// Stable machine-readable code, the same string JS sees as `error.code`.
    pub fn code(&self) -> &'static str {
        match self {
            Error::InvalidInput { rule, .. } => rule.code(),
            Error::RootPermissionOnly { .. } => "ROOT_PERMISSION_ONLY",
            Error::MultipleNativeTokenTransfer { .. } => "MULTIPLE_NATIVE_TOKEN_TRANSFER",
            Error::MultipleGasLimit { .. } => "MULTIPLE_GAS_LIMIT",
            Error::AccountAddressAsTarget { .. } => "ACCOUNT_ADDRESS_AS_TARGET",
            Error::DuplicateTargetAddress { .. } => "DUPLICATE_TARGET_ADDRESS",
            Error::NoFunctionsProvided { .. } => "NO_FUNCTIONS_PROVIDED",
            Error::SelectorNotAllowed { .. } => "SELECTOR_NOT_ALLOWED",
            Error::ZeroAddress { .. } => "ZERO_ADDRESS",
            Error::InvalidEntityId { .. } => "INVALID_ENTITY_ID",
            Error::ValidationConfigUnset => "VALIDATION_CONFIG_UNSET",
            Error::Expired { .. } => "EXPIRED",
            Error::TimeOverLimit { .. } => "TIME_OVER_LIMIT",
            Error::ValidAfterNotBeforeExpiry { .. } => "VALID_AFTER_NOT_BEFORE_EXPIRY",
            Error::ValidAfterWithoutExpiry => "VALID_AFTER_WITHOUT_EXPIRY",
            Error::InvalidNonceKey { .. } => "INVALID_NONCE_KEY",
            Error::InvalidPrivateKey { .. } => "INVALID_PRIVATE_KEY",
            Error::InvalidSignature { .. } => "INVALID_SIGNATURE",
            Error::InvalidPublicKey { .. } => "INVALID_PUBLIC_KEY",
            Error::InvalidAssertion { .. } => "INVALID_ASSERTION",
            Error::InvalidDeferredAction { .. } => "INVALID_DEFERRED_ACTION",
            Error::Random { .. } => "RANDOM_UNAVAILABLE",
            Error::SessionNotFound { .. } => "SESSION_NOT_FOUND",
            Error::RecordCorrupt { .. } => "RECORD_CORRUPT",
            Error::SchemaTooNew { .. } => "SCHEMA_TOO_NEW",
            Error::DecryptFailed { .. } => "DECRYPT_FAILED",
            Error::EntityIdInUse { .. } => "ENTITY_ID_IN_USE",
            Error::EntityIdSearchLimit { .. } => "ENTITY_ID_SEARCH_LIMIT",
            Error::InvalidStatusTransition { .. } => "INVALID_STATUS_TRANSITION",
            Error::SessionRevoked { .. } => "SESSION_REVOKED",
            Error::DeferredNotPrepared { .. } => "DEFERRED_NOT_PREPARED",
            Error::Storage { .. } => "STORAGE_FAILED",
            Error::Crypto { .. } => "CRYPTO_FAILED",
            Error::StoreClosed => "STORE_CLOSED",
            Error::Rpc { code, .. } => code,
            Error::Network { .. } => "NETWORK_ERROR",
            Error::Timeout { .. } => "TIMEOUT",
            Error::Http { .. } => "HTTP_ERROR",
            Error::BadResponse { .. } => "BAD_RPC_RESPONSE",
            Error::WrongChain { .. } => "WRONG_CHAIN",
            Error::EntryPointNotSupported { .. } => "ENTRY_POINT_NOT_SUPPORTED",
            Error::ReceiptTimeout { .. } => "RECEIPT_TIMEOUT",
            Error::OutOfScopeTarget { .. } => "OUT_OF_SCOPE_TARGET",
            Error::OutOfScopeSelector { .. } => "OUT_OF_SCOPE_SELECTOR",
            Error::NativeLimitExceeded { .. } => "NATIVE_LIMIT_EXCEEDED",
            Error::Erc20LimitExceeded { .. } => "ERC20_LIMIT_EXCEEDED",
            Error::SessionExpired { .. } => "SESSION_EXPIRED",
            Error::SessionNotYetValid { .. } => "SESSION_NOT_YET_VALID",
            Error::PaymasterRequired { .. } => "PAYMASTER_REQUIRED",
            Error::PaymasterMismatch { .. } => "PAYMASTER_MISMATCH",
            Error::KeyWiped { .. } => "KEY_WIPED",
            Error::OwnerMismatch { .. } => "OWNER_MISMATCH",
            Error::DelegatedElsewhere { .. } => "DELEGATED_ELSEWHERE",
            Error::AccountHasCode { .. } => "ACCOUNT_HAS_CODE",
            Error::AuthorizationRequired { .. } => "AUTHORIZATION_REQUIRED",
            Error::AuthorizationWrongDelegate { .. } => "AUTHORIZATION_WRONG_DELEGATE",
            Error::AuthorizationWrongChain { .. } => "AUTHORIZATION_WRONG_CHAIN",
            Error::AuthorizationWrongNonce { .. } => "AUTHORIZATION_WRONG_NONCE",
            Error::AuthorizationWrongSigner { .. } => "AUTHORIZATION_WRONG_SIGNER",
        }
    }

    /// The field the error is about, as a path, where one applies.
    pub fn field(&self) -> Option<String> {
        match self {
            Error::InvalidInput { field, .. }
            | Error::RootPermissionOnly { field }
            | Error::MultipleNativeTokenTransfer { field }
            | Error::MultipleGasLimit { field }
            | Error::AccountAddressAsTarget { field }
            | Error::DuplicateTargetAddress { field, .. }
            | Error::NoFunctionsProvided { field }
            | Error::SelectorNotAllowed { field, .. }
            | Error::ZeroAddress { field } => Some(field.clone()),
            Error::InvalidEntityId { .. } => Some("entityId".into()),
            Error::ValidationConfigUnset => Some("permissions".into()),
            Error::Expired { field, .. } | Error::TimeOverLimit { field, .. } => Some((*field).into()),
            Error::ValidAfterNotBeforeExpiry { .. } | Error::ValidAfterWithoutExpiry => {
                Some("validAfter".into())
            }
            Error::InvalidNonceKey { .. } => Some("nonceKey".into()),
            Error::InvalidPrivateKey { field }
            | Error::InvalidSignature { field, .. }
            | Error::InvalidPublicKey { field, .. }
            | Error::InvalidAssertion { field, .. } => {
                Some((*field).into())
            }
            Error::InvalidDeferredAction { .. } => Some("preSignatureDigest".into()),
            Error::Random { .. } => None,
            Error::SessionNotFound { .. }
            | Error::RecordCorrupt { .. }
            | Error::SchemaTooNew { .. }
            | Error::DecryptFailed { .. }
            | Error::InvalidStatusTransition { .. }
            | Error::SessionRevoked { .. }
            | Error::DeferredNotPrepared { .. } => Some("id".into()),
            Error::EntityIdInUse { .. } | Error::EntityIdSearchLimit { .. } => Some("entityId".into()),
            Error::Storage { .. } | Error::Crypto { .. } | Error::StoreClosed => None,
            Error::Rpc { .. }
            | Error::Network { .. }
            | Error::Timeout { .. }
            | Error::Http { .. }
            | Error::BadResponse { .. } => None,
            Error::WrongChain { .. } => Some("chainId".into()),
            Error::EntryPointNotSupported { .. } => Some("entryPoint".into()),
            Error::ReceiptTimeout { .. } => Some("userOpHash".into()),
            Error::OutOfScopeTarget { field, .. }
            | Error::OutOfScopeSelector { field, .. }
            | Error::NativeLimitExceeded { field, .. }
            | Error::Erc20LimitExceeded { field, .. } => Some(field.clone()),
            Error::SessionExpired { .. } => Some("expiresAt".into()),
            Error::SessionNotYetValid { .. } => Some("validAfter".into()),
            Error::PaymasterRequired { .. } | Error::PaymasterMismatch { .. } => Some("paymaster".into()),
            Error::KeyWiped { .. } => None,
            Error::OwnerMismatch { .. } => Some("owner".into()),
            Error::DelegatedElsewhere { .. } | Error::AccountHasCode { .. } => Some("account".into()),
            Error::AuthorizationRequired { .. } | Error::AuthorizationWrongSigner { .. } => {
                Some("authorization".into())
            }
            Error::AuthorizationWrongDelegate { .. } => Some("authorization.address".into()),
            Error::AuthorizationWrongChain { .. } => Some("authorization.chainId".into()),
            Error::AuthorizationWrongNonce { .. } => Some("authorization.nonce".into()),
        }
    }

    /// Shorthand for an input error.
    pub fn input(field: impl Into<String>, rule: InputRule, detail: impl Into<String>) -> Self {
        Error::InvalidInput { field: field.into(), rule, detail: detail.into() }
    }
}
