//! One error type for the whole library.
//!
//! Every variant names the field it is about and the rule that was broken, and maps to a stable
//! string code (`Error::code`) that JavaScript callers can switch on. Codes never change meaning;
//! new rules get new codes.

use std::fmt;

/// Result alias used across the crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Declares [`ErrorCode`] and [`CODES`] from one list, so the codes `Error::code` can return and
/// their meanings cannot drift apart.
macro_rules! error_codes {
    ($( $name:ident = $code:literal, $meaning:literal; )*) => {
        /// Every stable code a JS caller can see as `error.code`, in the order of the npm README's
        /// table and the TypeScript union `ErrorCode`.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        #[allow(missing_docs)]
        pub enum ErrorCode { $($name),* }

        impl ErrorCode {
            /// Every code, in table order.
            pub const ALL: &'static [ErrorCode] = &[$(ErrorCode::$name),*];

            /// The string JS sees.
            pub const fn as_str(self) -> &'static str {
                match self { $(ErrorCode::$name => $code),* }
            }

            /// One line saying what the code means (the README's table cell).
            pub const fn meaning(self) -> &'static str {
                match self { $(ErrorCode::$name => $meaning),* }
            }
        }

        /// `(code, meaning)` of every code, in table order: the source of the npm README's table and
        /// of the TypeScript union `ErrorCode` (tests/error_codes.rs compares them).
        pub const CODES: &[(&str, &str)] = &[$(($code, $meaning)),*];
    };
}

error_codes! {
    MissingField = "MISSING_FIELD", "a required field is absent, `undefined` or `null`";
    InvalidType = "INVALID_TYPE", "wrong JS type (e.g. a number where a hex string goes)";
    InvalidHex = "INVALID_HEX", "not `0x` hex, odd length, bad digit";
    InvalidAddress = "INVALID_ADDRESS", "not a 20-byte address";
    InvalidAddressChecksum = "INVALID_ADDRESS_CHECKSUM", "mixed-case address whose EIP-55 checksum is wrong";
    InvalidNumber = "INVALID_NUMBER", "negative, fractional, NaN, or above `Number.MAX_SAFE_INTEGER` as a `number`";
    NumberOutOfRange = "NUMBER_OUT_OF_RANGE", "does not fit the field's width (uint48, uint128, …)";
    InvalidLength = "INVALID_LENGTH", "wrong byte length (4-byte selector, 32-byte hash, …)";
    UnknownVariant = "UNKNOWN_VARIANT", "unknown permission `type` or enum value";
    UnknownField = "UNKNOWN_FIELD", "a field the shape does not have (typo guard)";
    RootPermissionOnly = "ROOT_PERMISSION_ONLY", "`root` must be the only permission";
    MultipleNativeTokenTransfer = "MULTIPLE_NATIVE_TOKEN_TRANSFER", "at most one `native-token-transfer`";
    MultipleGasLimit = "MULTIPLE_GAS_LIMIT", "at most one `gas-limit`";
    AccountAddressAsTarget = "ACCOUNT_ADDRESS_AS_TARGET", "the account itself as a target: use `account-functions`";
    DuplicateTargetAddress = "DUPLICATE_TARGET_ADDRESS", "one contract permission per target";
    NoFunctionsProvided = "NO_FUNCTIONS_PROVIDED", "an empty function list";
    SelectorNotAllowed = "SELECTOR_NOT_ALLOWED", "a selector that hands over the account (installValidation, upgradeToAndCall, installExecution, execute, …)";
    ZeroAddress = "ZERO_ADDRESS", "the zero address as target, token or paymaster";
    InvalidEntityId = "INVALID_ENTITY_ID", "session entity ids are 1 … 2147483646";
    ValidationConfigUnset = "VALIDATION_CONFIG_UNSET", "a non-root session with nothing it may call";
    Expired = "EXPIRED", "`expiresAt` or `deadline` already past";
    TimeOverLimit = "TIME_OVER_LIMIT", "a time beyond uint48";
    ValidAfterNotBeforeExpiry = "VALID_AFTER_NOT_BEFORE_EXPIRY", "`validAfter` must be before `expiresAt`";
    ValidAfterWithoutExpiry = "VALID_AFTER_WITHOUT_EXPIRY", "`validAfter` needs `expiresAt`";
    InvalidNonceKey = "INVALID_NONCE_KEY", "parallel nonce key wider than 152 bits";
    InvalidPrivateKey = "INVALID_PRIVATE_KEY", "not a valid secp256k1 key";
    InvalidSignature = "INVALID_SIGNATURE", "a signature of the wrong length or form";
    InvalidPublicKey = "INVALID_PUBLIC_KEY", "not an uncompressed P-256 public key on the curve (65 bytes `0x04 ‖ x ‖ y` or 64 bytes `x ‖ y`)";
    InvalidAssertion = "INVALID_ASSERTION", "a WebAuthn assertion field that would not verify: empty `rpId` or `origin`, an `origin` that needs JSON escaping, `flags` without UP or with bits other than UP/UV/BE/BS";
    InvalidDeferredAction = "INVALID_DEFERRED_ACTION", "a deferred-action digest this library did not build";
    RandomUnavailable = "RANDOM_UNAVAILABLE", "the platform CSPRNG failed";
    SessionNotFound = "SESSION_NOT_FOUND", "no session with that id";
    SessionRevoked = "SESSION_REVOKED", "the session was revoked";
    SessionExpired = "SESSION_EXPIRED", "the session is past `expiresAt` (minus the safety margin)";
    SessionNotYetValid = "SESSION_NOT_YET_VALID", "before `validAfter`";
    PaymasterRequired = "PAYMASTER_REQUIRED", "the session is pinned to a paymaster and the client has no paymaster service";
    PaymasterMismatch = "PAYMASTER_MISMATCH", "the paymaster service offered another paymaster than the session's (checked before estimation)";
    KeyWiped = "KEY_WIPED", "the session was revoked and its key wiped; only its record (a tombstone `prune` removes) is left";
    KeyNotExportable = "KEY_NOT_EXPORTABLE", "a `p256-webcrypto` session's key is a non-extractable WebCrypto key: no export path gives it out";
    KeyKindUnsupported = "KEY_KIND_UNSUPPORTED", "the session's key kind cannot do this: P-256 keys in a vault that cannot make them (`MemoryVault`), a P-256 key to import, a `p256-webcrypto` session on a `simple-account` client";
    OwnerMismatch = "OWNER_MISMATCH", "`owner` and `salt` do not deploy the session's `account`";
    AccountKindUnsupported = "ACCOUNT_KIND_UNSUPPORTED", "the call reads MAv2's modules and the client's `accountKind` is `simple-account`, which has none";
    InvalidStatusTransition = "INVALID_STATUS_TRANSITION", "e.g. marking a revoked session active";
    EntityIdInUse = "ENTITY_ID_IN_USE", "that entity id is taken by another session of the account";
    EntityIdSearchLimit = "ENTITY_ID_SEARCH_LIMIT", "the on-chain search for a free entity id stepped over 256 installed ids; pass `entityId`";
    DeferredNotPrepared = "DEFERRED_NOT_PREPARED", "`attachOwnerSignature` before `deferredInstall`";
    RecordCorrupt = "RECORD_CORRUPT", "a stored record that does not parse; other sessions still load";
    DecryptFailed = "DECRYPT_FAILED", "a stored key whose ciphertext was altered or moved";
    SchemaTooNew = "SCHEMA_TOO_NEW", "a record written by a newer version of this package";
    StorageFailed = "STORAGE_FAILED", "IndexedDB refused (quota, cleared storage, blocked upgrade)";
    CryptoFailed = "CRYPTO_FAILED", "WebCrypto refused";
    StoreClosed = "STORE_CLOSED", "the store was closed";
    OutOfScopeTarget = "OUT_OF_SCOPE_TARGET", "local pre-check: target not allowed by the session";
    OutOfScopeSelector = "OUT_OF_SCOPE_SELECTOR", "local pre-check: function not allowed on that target";
    NativeLimitExceeded = "NATIVE_LIMIT_EXCEEDED", "local pre-check: native value over the limit";
    Erc20LimitExceeded = "ERC20_LIMIT_EXCEEDED", "local pre-check: token amount over the limit";
    DelegatedElsewhere = "DELEGATED_ELSEWHERE", "EIP-7702: the EOA's code delegates to another contract than MAv2's SemiModularAccount7702 (the error names it)";
    AccountHasCode = "ACCOUNT_HAS_CODE", "EIP-7702: the address holds contract code, not a delegation; it is not an EOA";
    AuthorizationRequired = "AUTHORIZATION_REQUIRED", "EIP-7702: the EOA is not delegated yet and no signed authorization was given";
    AuthorizationWrongDelegate = "AUTHORIZATION_WRONG_DELEGATE", "EIP-7702: the authorization names another contract than SemiModularAccount7702";
    AuthorizationWrongChain = "AUTHORIZATION_WRONG_CHAIN", "EIP-7702: the authorization is for another chain (0, any chain, is accepted)";
    AuthorizationWrongNonce = "AUTHORIZATION_WRONG_NONCE", "EIP-7702: the authorization's nonce is not the EOA's current nonce";
    AuthorizationWrongSigner = "AUTHORIZATION_WRONG_SIGNER", "EIP-7702: the authorization was not signed by the EOA";
    WalletRejected = "WALLET_REJECTED", "the user declined the wallet's request (EIP-1193 `4001`); `data` has the wallet's code and message";
    WalletError = "WALLET_ERROR", "the wallet failed the request otherwise (`4100` unauthorized, `4200` unsupported, a disconnected provider, …); `data` has the wallet's code and message";
    WrongChain = "WRONG_CHAIN", "the bundler or node is on another chain";
    EntryPointNotSupported = "ENTRY_POINT_NOT_SUPPORTED", "the bundler does not support EntryPoint v0.7";
    ReceiptTimeout = "RECEIPT_TIMEOUT", "no receipt before the deadline";
    NetworkError = "NETWORK_ERROR", "no answer (refused, reset, DNS, CORS); retried with backoff";
    Timeout = "TIMEOUT", "the request took too long";
    HttpError = "HTTP_ERROR", "a non-2xx HTTP status";
    BadRpcResponse = "BAD_RPC_RESPONSE", "not JSON-RPC, wrong id, or a result of the wrong shape";
    BundlerAa10 = "BUNDLER_AA10", "EntryPoint `AA10`: sender already constructed";
    BundlerAa13 = "BUNDLER_AA13", "EntryPoint `AA13`: initCode failed or OOG";
    BundlerAa14 = "BUNDLER_AA14", "EntryPoint `AA14`: initCode must return sender";
    BundlerAa15 = "BUNDLER_AA15", "EntryPoint `AA15`: initCode must create sender";
    BundlerAa20 = "BUNDLER_AA20", "EntryPoint `AA20`: account not deployed";
    BundlerAa21 = "BUNDLER_AA21", "EntryPoint `AA21`: didn't pay prefund";
    BundlerAa22 = "BUNDLER_AA22", "EntryPoint `AA22`: expired or not due";
    BundlerAa23 = "BUNDLER_AA23", "EntryPoint `AA23`: the account's validation reverted";
    BundlerAa24 = "BUNDLER_AA24", "EntryPoint `AA24`: the account's signature error";
    BundlerAa25 = "BUNDLER_AA25", "EntryPoint `AA25`: invalid account nonce";
    BundlerAa26 = "BUNDLER_AA26", "EntryPoint `AA26`: over verificationGasLimit";
    BundlerAa30 = "BUNDLER_AA30", "EntryPoint `AA30`: paymaster not deployed";
    BundlerAa31 = "BUNDLER_AA31", "EntryPoint `AA31`: paymaster deposit too low";
    BundlerAa32 = "BUNDLER_AA32", "EntryPoint `AA32`: paymaster expired or not due";
    BundlerAa33 = "BUNDLER_AA33", "EntryPoint `AA33`: the paymaster's validation reverted";
    BundlerAa34 = "BUNDLER_AA34", "EntryPoint `AA34`: the paymaster's signature error";
    BundlerAa36 = "BUNDLER_AA36", "EntryPoint `AA36`: over paymasterVerificationGasLimit";
    BundlerAa40 = "BUNDLER_AA40", "EntryPoint `AA40`: over verificationGasLimit";
    BundlerAa41 = "BUNDLER_AA41", "EntryPoint `AA41`: too little verificationGas";
    BundlerAa50 = "BUNDLER_AA50", "EntryPoint `AA50`: postOp reverted";
    BundlerAa51 = "BUNDLER_AA51", "EntryPoint `AA51`: prefund below actualGasCost";
    BundlerAa90 = "BUNDLER_AA90", "EntryPoint `AA90`: invalid beneficiary";
    BundlerAa91 = "BUNDLER_AA91", "EntryPoint `AA91`: failed send to beneficiary";
    BundlerAa92 = "BUNDLER_AA92", "EntryPoint `AA92`: internal call only";
    BundlerAa93 = "BUNDLER_AA93", "EntryPoint `AA93`: invalid paymasterAndData";
    BundlerAa94 = "BUNDLER_AA94", "EntryPoint `AA94`: gas values overflow";
    BundlerAa95 = "BUNDLER_AA95", "EntryPoint `AA95`: out of gas";
    BundlerAa96 = "BUNDLER_AA96", "EntryPoint `AA96`: invalid aggregator";
    BundlerAaOther = "BUNDLER_AA_OTHER", "an EntryPoint `AAxx` reason this package does not list (the message names it)";
    BundlerInvalidFields = "BUNDLER_INVALID_FIELDS", "ERC-7769 `-32602`: invalid fields of the operation";
    BundlerSimulateValidation = "BUNDLER_SIMULATE_VALIDATION", "ERC-7769 `-32500`: the account's validation (or deployment) failed in simulation";
    BundlerSimulatePaymasterValidation = "BUNDLER_SIMULATE_PAYMASTER_VALIDATION", "ERC-7769 `-32501`: the paymaster's validation failed in simulation";
    BundlerOpcodeValidation = "BUNDLER_OPCODE_VALIDATION", "ERC-7769 `-32502`: a banned opcode or storage access during validation";
    BundlerExpiresShortly = "BUNDLER_EXPIRES_SHORTLY", "ERC-7769 `-32503`: the operation's validity window ends too soon or has not started";
    BundlerReputation = "BUNDLER_REPUTATION", "ERC-7769 `-32504`: an entity is throttled or banned";
    BundlerInsufficientStake = "BUNDLER_INSUFFICIENT_STAKE", "ERC-7769 `-32505`: an entity's stake or unstake delay is too low";
    BundlerUnsupportedAggregator = "BUNDLER_UNSUPPORTED_AGGREGATOR", "ERC-7769 `-32506`: the aggregator is not supported";
    BundlerInvalidSignature = "BUNDLER_INVALID_SIGNATURE", "ERC-7769 `-32507`: the signature is invalid";
    BundlerPaymasterDepositTooLow = "BUNDLER_PAYMASTER_DEPOSIT_TOO_LOW", "ERC-7769 `-32508`: the paymaster's deposit is too low";
    BundlerUserOpReverted = "BUNDLER_USER_OP_REVERTED", "ERC-7769 `-32521`: the execution reverted; also an owner operation mined with `success: false` (`data.userOpHash`, `data.reason`)";
    RpcMethodNotFound = "RPC_METHOD_NOT_FOUND", "JSON-RPC `-32601`: the server has no such method";
    RpcInvalidRequest = "RPC_INVALID_REQUEST", "JSON-RPC `-32600`: invalid request";
    RpcParseError = "RPC_PARSE_ERROR", "JSON-RPC `-32700`: the server could not parse the request";
    RpcInternalError = "RPC_INTERNAL_ERROR", "JSON-RPC `-32603`: internal error of the server";
    RpcExecutionReverted = "RPC_EXECUTION_REVERTED", "JSON-RPC `3`: execution reverted (`eth_call`, `eth_estimateGas`)";
    RpcError = "RPC_ERROR", "any other JSON-RPC error; `data` keeps the server's code, message and data";
    NotInitialized = "NOT_INITIALIZED", "an export was called before `await init()` (thrown by the package's loader)";
    SessionNativeLimitExceededOnChain = "SESSION_NATIVE_LIMIT_EXCEEDED_ON_CHAIN", "decoded revert: the session's native-value budget on chain is spent (`ExceededNativeTokenLimit` from the execution hook)";
    SessionGasLimitExceededOnChain = "SESSION_GAS_LIMIT_EXCEEDED_ON_CHAIN", "decoded revert: the session's gas budget on chain is spent (`ExceededNativeTokenLimit` from the validation hook)";
    SessionErc20LimitExceededOnChain = "SESSION_ERC20_LIMIT_EXCEEDED_ON_CHAIN", "decoded revert: a token budget on chain is spent (`ExceededTokenLimit`)";
    SessionErc20NotAllowedOnChain = "SESSION_ERC20_NOT_ALLOWED_ON_CHAIN", "decoded revert: `ERC20NotAllowed(token)`";
    SessionErc20CallInvalidOnChain = "SESSION_ERC20_CALL_INVALID_ON_CHAIN", "decoded revert: a limited token called with something other than a full `transfer` / `approve` (`InvalidCalldataLength`, `SpendingRequestNotAllowed`)";
    SessionTargetNotAllowedOnChain = "SESSION_TARGET_NOT_ALLOWED_ON_CHAIN", "decoded revert: the allowlist refused the target (`AddressNotAllowed`)";
    SessionSelectorNotAllowedOnChain = "SESSION_SELECTOR_NOT_ALLOWED_ON_CHAIN", "decoded revert: the allowlist refused the function (`SelectorNotAllowed`, `NoSelectorSpecified`)";
    SessionPaymasterNotAllowedOnChain = "SESSION_PAYMASTER_NOT_ALLOWED_ON_CHAIN", "decoded revert: `BadPaymasterSpecified` or `InvalidPaymaster`";
    SessionOutsideTimeRangeOnChain = "SESSION_OUTSIDE_TIME_RANGE_ON_CHAIN", "decoded revert: `TimeRangeNotValid` (runtime path, or a window refused at install)";
    SessionExpiredOnChain = "SESSION_EXPIRED_ON_CHAIN", "`AA22` with the chain's time past the session's `validUntil`";
    SessionNotYetValidOnChain = "SESSION_NOT_YET_VALID_ON_CHAIN", "`AA22` with the chain's time before the session's `validAfter`";
    SessionValidationMissingOnChain = "SESSION_VALIDATION_MISSING_ON_CHAIN", "decoded revert: `ValidationFunctionMissing(selector)`: the session is not installed, or may not call that function";
    SessionSignerNotAuthorizedOnChain = "SESSION_SIGNER_NOT_AUTHORIZED_ON_CHAIN", "decoded revert: the SingleSigner module's `NotAuthorized`";
    PreUserOpValidationHookRevertedOnChain = "PRE_USER_OP_VALIDATION_HOOK_REVERTED_ON_CHAIN", "decoded revert: a validation hook reverted with data this package does not know (kept in `raw`)";
    PreRuntimeValidationHookRevertedOnChain = "PRE_RUNTIME_VALIDATION_HOOK_REVERTED_ON_CHAIN", "as above, runtime validation hook";
    PreSignatureValidationHookRevertedOnChain = "PRE_SIGNATURE_VALIDATION_HOOK_REVERTED_ON_CHAIN", "as above, signature validation hook";
    PreExecHookRevertedOnChain = "PRE_EXEC_HOOK_REVERTED_ON_CHAIN", "as above, pre-execution hook";
    PostExecHookRevertedOnChain = "POST_EXEC_HOOK_REVERTED_ON_CHAIN", "as above, post-execution hook";
    UserOpValidationRevertedOnChain = "USER_OP_VALIDATION_REVERTED_ON_CHAIN", "as above, the validation module itself";
    RuntimeValidationRevertedOnChain = "RUNTIME_VALIDATION_REVERTED_ON_CHAIN", "as above, runtime validation";
    SignatureValidationRevertedOnChain = "SIGNATURE_VALIDATION_REVERTED_ON_CHAIN", "as above, signature validation";
    UserOpValidationInvalidOnChain = "USER_OP_VALIDATION_INVALID_ON_CHAIN", "decoded revert: `UserOpValidationInvalid`";
    SignatureValidationInvalidOnChain = "SIGNATURE_VALIDATION_INVALID_ON_CHAIN", "decoded revert: `SignatureValidationInvalid`";
    SignatureEncodingInvalidOnChain = "SIGNATURE_ENCODING_INVALID_ON_CHAIN", "decoded revert: a malformed signature or segment (`SegmentOutOfOrder`, `ValidationSignatureSegmentMissing`, `NonCanonicalEncoding`, `InvalidSignatureType`, `UnexpectedDataPassed`)";
    ExecuteUserOpRequiredOnChain = "EXECUTE_USER_OP_REQUIRED_ON_CHAIN", "decoded revert: a session with execution hooks sent call data without the `executeUserOp` prefix";
    SelfCallNotAllowedOnChain = "SELF_CALL_NOT_ALLOWED_ON_CHAIN", "decoded revert: `SelfCallRecursionDepthExceeded`";
    UnrecognizedFunctionOnChain = "UNRECOGNIZED_FUNCTION_ON_CHAIN", "decoded revert: `UnrecognizedFunction(selector)`";
    DeferredActionSignatureInvalidOnChain = "DEFERRED_ACTION_SIGNATURE_INVALID_ON_CHAIN", "decoded revert: the owner's deferred-install signature does not verify";
    DeferredValidationHasHooksOnChain = "DEFERRED_VALIDATION_HAS_HOOKS_ON_CHAIN", "decoded revert: `DeferredValidationHasValidationHooks`";
    EntityIdInUseOnChain = "ENTITY_ID_IN_USE_ON_CHAIN", "decoded revert: the entity id is taken on chain (`ValidationEntityIdInUse`, `FallbackValidationInstallationNotAllowed`)";
    ValidationAlreadySetOnChain = "VALIDATION_ALREADY_SET_ON_CHAIN", "decoded revert: `ValidationAlreadySet(selector, validation)`";
    HookAlreadySetOnChain = "HOOK_ALREADY_SET_ON_CHAIN", "decoded revert: `PreValidationHookDuplicate`, `ExecutionHookAlreadySet`";
    HookLimitExceededOnChain = "HOOK_LIMIT_EXCEEDED_ON_CHAIN", "decoded revert: `ValidationAssocHookLimitExceeded`";
    ModuleInstallFailedOnChain = "MODULE_INSTALL_FAILED_ON_CHAIN", "decoded revert: a module's `onInstall` reverted with unknown data";
    ModuleInterfaceNotSupportedOnChain = "MODULE_INTERFACE_NOT_SUPPORTED_ON_CHAIN", "decoded revert: `InterfaceNotSupported(module)`";
    ModuleNotImplementedOnChain = "MODULE_NOT_IMPLEMENTED_ON_CHAIN", "decoded revert: a module's `NotImplemented`";
    OwnerSignerInvalidOnChain = "OWNER_SIGNER_INVALID_ON_CHAIN", "decoded revert: `FallbackSignerDisabled`, `FallbackSignerMismatch`";
    AccountRevertedOnChain = "ACCOUNT_REVERTED_ON_CHAIN", "decoded revert: another account error (`error` names it)";
    EntryPointFailedOpOnChain = "ENTRY_POINT_FAILED_OP_ON_CHAIN", "decoded revert: an EntryPoint `FailedOp` without an `AAxx` reason (a reason gives its `BUNDLER_AAxx` code)";
    PaymasterPostOpRevertedOnChain = "PAYMASTER_POST_OP_REVERTED_ON_CHAIN", "decoded revert: `PostOpReverted` with unknown data";
    AggregatorSignatureInvalidOnChain = "AGGREGATOR_SIGNATURE_INVALID_ON_CHAIN", "decoded revert: `SignatureValidationFailed(aggregator)`";
    RevertReasonOnChain = "REVERT_REASON_ON_CHAIN", "decoded revert: `Error(string)`";
    PanicOnChain = "PANIC_ON_CHAIN", "decoded revert: `Panic(uint256)`";
    UnknownRevertOnChain = "UNKNOWN_REVERT_ON_CHAIN", "revert data that matches no known error; the bytes are in `raw`";
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

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
    pub const fn error_code(self) -> ErrorCode {
        match self {
            InputRule::Missing => ErrorCode::MissingField,
            InputRule::Type => ErrorCode::InvalidType,
            InputRule::Hex => ErrorCode::InvalidHex,
            InputRule::Address => ErrorCode::InvalidAddress,
            InputRule::Checksum => ErrorCode::InvalidAddressChecksum,
            InputRule::Number => ErrorCode::InvalidNumber,
            InputRule::Range => ErrorCode::NumberOutOfRange,
            InputRule::Length => ErrorCode::InvalidLength,
            InputRule::Variant => ErrorCode::UnknownVariant,
            InputRule::UnknownField => ErrorCode::UnknownField,
        }
    }

    /// Stable code for this rule, as JS sees it.
    pub const fn code(self) -> &'static str {
        self.error_code().as_str()
    }
}

impl fmt::Display for InputRule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// Every refusal the library makes. A variant's message, field and data come from one template
/// in `Error::parts` (but for `Rpc` and the three that wrap another error).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Error {
    /// Input did not parse. `field` is the path (`permissions[2].data.allowance`).
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
    RootPermissionOnly {
        /// Path of the offending permission.
        field: String,
    },
    /// At most one `native-token-transfer` (SDK: MultipleNativeTokenTransferError).
    MultipleNativeTokenTransfer {
        /// Path of the offending permission.
        field: String,
    },
    /// At most one `gas-limit` (SDK: MultipleGasLimitError).
    MultipleGasLimit {
        /// Path of the offending permission.
        field: String,
    },
    /// The account itself may not be a target (SDK: AccountAddressAsTargetError).
    AccountAddressAsTarget {
        /// Path of the offending address.
        field: String,
    },
    /// A target address may appear in one contract permission only (SDK: DuplicateTargetAddressError).
    DuplicateTargetAddress {
        /// Path of the offending address.
        field: String,
        /// The duplicated address.
        address: String,
    },
    /// Function lists may not be empty (SDK: NoFunctionsProvidedError).
    NoFunctionsProvided {
        /// Path of the empty list.
        field: String,
    },
    /// A selector that would hand over control of the account (SDK: SelectorNotAllowed).
    SelectorNotAllowed {
        /// Path of the selector.
        field: String,
        /// The selector as hex.
        selector: String,
        /// The account function it names.
        name: &'static str,
    },
    /// The zero address is not a valid target or token (SDK: ZeroAddressError).
    ZeroAddress {
        /// Path of the address.
        field: String,
    },
    /// Entity ids must stay below 2^31 - 1 and above 0 (SDK: InvalidEntityIdError, EntityIdOverrideError).
    InvalidEntityId {
        /// The rejected id.
        entity_id: u64,
    },
    /// A non-root session needs at least one selector (SDK: ValidationConfigUnsetError).
    ValidationConfigUnset,
    /// A time bound already in the past (SDK: ExpiredDeadlineError).
    Expired {
        /// `expiresAt` or `deadline`.
        field: &'static str,
        /// The rejected value (unix seconds).
        value: u64,
        /// The clock used (unix seconds).
        now: u64,
    },
    /// A time bound beyond uint48 (SDK: DeadlineOverLimitError).
    TimeOverLimit {
        /// `expiresAt`, `validAfter` or `deadline`.
        field: &'static str,
        /// The rejected value.
        value: u64,
    },
    /// `validAfter` must be before `expiresAt` (the TimeRange module reverts otherwise).
    ValidAfterNotBeforeExpiry {
        /// Start of the window.
        valid_after: u64,
        /// End of the window.
        expires_at: u64,
    },
    /// `validAfter` without `expiresAt` has no time-range hook to live in.
    ValidAfterWithoutExpiry,
    /// The parallel nonce key has at most 152 bits (SDK: InvalidNonceKeyError).
    InvalidNonceKey {
        /// The rejected key, hex.
        value: String,
    },

    // ---- keys and signatures ----
    /// The private key bytes are not a valid secp256k1 scalar.
    InvalidPrivateKey {
        /// Path of the key field.
        field: &'static str,
    },
    /// A signature that cannot be used (wrong length or malformed).
    InvalidSignature {
        /// Path of the signature field.
        field: &'static str,
        /// What is wrong with it.
        detail: String,
    },
    /// Not an uncompressed P-256 public key on the curve.
    InvalidPublicKey {
        /// Path of the key field.
        field: &'static str,
        /// What is wrong with it.
        detail: String,
    },
    /// A WebAuthn assertion field the module or a WebAuthn verifier would refuse.
    InvalidAssertion {
        /// `rpId`, `origin` or `flags`.
        field: &'static str,
        /// What is wrong with it.
        detail: String,
    },
    /// The platform's random number generator failed.
    Random {
        /// What the platform said.
        detail: String,
    },
    /// The deferred-action digest given is not one this library builds.
    InvalidDeferredAction {
        /// What is wrong with it.
        detail: String,
    },

    // ---- session store (browser shell; see `session`) ----
    /// No session with this id in the store.
    SessionNotFound {
        /// The id asked for.
        id: String,
    },
    /// A stored record could not be read (damaged or written by an unknown build).
    RecordCorrupt {
        /// The record's id (`(unknown)` if it has none).
        id: String,
        /// What is wrong with it.
        detail: String,
    },
    /// A stored record was written by a newer build of this library.
    SchemaTooNew {
        /// The record's id.
        id: String,
        /// Its schema version.
        schema: u64,
    },
    /// The key's ciphertext did not authenticate (altered record, or a different wrapping key).
    DecryptFailed {
        /// The record's id.
        id: String,
    },
    /// The entity id asked for is used by another stored session of the same account and chain.
    EntityIdInUse {
        /// The id asked for.
        entity_id: u32,
    },
    /// The on-chain entity-id search stepped over this many installed ids without finding a free one.
    EntityIdSearchLimit {
        /// How many installed ids were stepped over.
        tried: u32,
    },
    /// A status change the lifecycle does not allow (e.g. revoked → active).
    InvalidStatusTransition {
        /// The record's id.
        id: String,
        /// Current status.
        from: &'static str,
        /// Asked-for status.
        to: &'static str,
    },
    /// The session was revoked; it signs nothing.
    SessionRevoked {
        /// The record's id.
        id: String,
    },
    /// `attachOwnerSignature` before `deferredInstall`.
    DeferredNotPrepared {
        /// The record's id.
        id: String,
    },
    /// IndexedDB refused an operation.
    Storage {
        /// What was being done.
        op: &'static str,
        /// The browser's error name and message.
        detail: String,
    },
    /// WebCrypto is missing or refused an operation.
    Crypto {
        /// What was being done.
        op: &'static str,
        /// The browser's error name and message.
        detail: String,
    },
    /// The store was closed.
    StoreClosed,

    // ---- bundler / node JSON-RPC (see `rpc`) ----
    /// The server answered with a JSON-RPC error. `code` is the stable code (scheme in
    /// [`crate::rpc::error_code`]): `BUNDLER_AAxx` when the message carries an EntryPoint `AAxx`
    /// reason, else one per ERC-7769 / JSON-RPC error code (`BUNDLER_SIMULATE_VALIDATION`, …).
    /// The server's own code, message and data are kept as they came.
    Rpc {
        /// Stable code.
        code: ErrorCode,
        /// The JSON-RPC method called.
        method: String,
        /// The server's JSON-RPC error code.
        rpc_code: i64,
        /// The server's message.
        message: String,
        /// The server's `data`, as JSON text, if any.
        data: Option<String>,
    },
    /// An EIP-1193 wallet refused a request: `WALLET_REJECTED` when the user said no (`4001`),
    /// else `WALLET_ERROR`. Not an [`Error::Rpc`]: no bundler or node was asked.
    Wallet {
        /// `WalletRejected` or `WalletError`.
        code: ErrorCode,
        /// The method the wallet was asked for (`personal_sign`, `eth_requestAccounts`).
        method: String,
        /// The wallet's error code (`0` when it gave none).
        wallet_code: i64,
        /// The wallet's message.
        message: String,
    },
    /// An operation was mined but its execution reverted (the receipt says `success: false`).
    UserOpReverted {
        /// The operation's hash.
        user_op_hash: String,
        /// The revert data the receipt gives, hex.
        reason: Option<String>,
    },
    /// The request did not reach the server or no answer came back (connection refused, DNS,
    /// reset, CORS refusal in a browser).
    Network {
        /// Where the request went.
        url: String,
        /// What the platform said.
        detail: String,
    },
    /// No answer within the request timeout.
    Timeout {
        /// Where the request went.
        url: String,
        /// The timeout.
        timeout_ms: u64,
    },
    /// The server answered with an HTTP status other than 2xx.
    Http {
        /// Where the request went.
        url: String,
        /// The HTTP status.
        status: u16,
        /// The start of the body.
        body: String,
    },
    /// The answer is not a JSON-RPC 2.0 response to our request (bad JSON, wrong id, bad result shape).
    BadResponse {
        /// The method called.
        method: String,
        /// What is wrong with it.
        detail: String,
    },
    /// The bundler (or node) is on another chain than the one asked for.
    WrongChain {
        /// The chain id asked for.
        expected: u64,
        /// The chain id the server reported.
        actual: u64,
    },
    /// The bundler does not support EntryPoint v0.7.
    EntryPointNotSupported {
        /// The EntryPoint asked for.
        entry_point: String,
        /// What the bundler listed.
        supported: String,
    },
    /// No receipt for the user operation before the deadline.
    ReceiptTimeout {
        /// The operation's hash.
        user_op_hash: String,
        /// How long it was polled.
        waited_ms: u64,
    },

    // ---- local pre-check of calls against a session's permissions (see `precheck`) ----
    /// A call to a target the session may not call.
    OutOfScopeTarget {
        /// Path of the call (`calls[1].target`).
        field: String,
        /// The target.
        target: String,
    },
    /// A call of a function the session may not call on that target.
    OutOfScopeSelector {
        /// Path of the call data (`calls[1].data`).
        field: String,
        /// The target.
        target: String,
        /// The selector (or `(none)` for calls without one).
        selector: String,
    },
    /// Native value beyond what the session may still spend.
    NativeLimitExceeded {
        /// Path of the call that crosses the limit (`calls[2].value`).
        field: String,
        /// Total value of the calls up to and including this one.
        requested: String,
        /// The limit.
        limit: String,
    },
    /// ERC-20 transfer/approve amounts beyond the session's limit for that token.
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
    SessionExpired {
        /// The session's expiry (unix seconds).
        expires_at: u64,
        /// The clock used (unix seconds).
        now: u64,
        /// The safety margin (seconds).
        margin_s: u64,
    },
    /// The session is not valid yet.
    SessionNotYetValid {
        /// Start of the session's window (unix seconds).
        valid_after: u64,
        /// The clock used (unix seconds).
        now: u64,
    },

    // ---- session service ----
    /// The session only validates operations paid by its paymaster, and no paymaster service
    /// was given to send through.
    PaymasterRequired {
        /// The session's paymaster.
        paymaster: String,
    },
    /// The paymaster service offered another paymaster than the one the session is pinned to.
    PaymasterMismatch {
        /// The session's paymaster.
        required: String,
        /// What the service answered.
        offered: String,
    },
    /// The session has no key any more (revoked: the key was wiped).
    KeyWiped {
        /// The session id.
        id: String,
    },
    /// The session's key cannot leave the vault that made it (a non-extractable WebCrypto key).
    KeyNotExportable {
        /// The session id.
        id: String,
        /// The session's key kind.
        key_kind: &'static str,
    },
    /// The key kind cannot do what was asked.
    KeyKindUnsupported {
        /// The key kind asked for or held by the session.
        key_kind: &'static str,
        /// What cannot be done with it.
        detail: String,
    },
    /// The owner given does not own the session's account (its counterfactual address differs).
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

    /// The call reads MAv2's modules, which the account kind does not have.
    AccountKindUnsupported {
        /// What was asked (`sessionStatus`).
        what: &'static str,
        /// The client's account kind.
        kind: &'static str,
    },
    /// Estimating or sending failed with revert data: `code` says what happened on chain (an
    /// `_ON_CHAIN` code, or the bundler's own when the data matches no known error).
    Reverted {
        /// The decoded code.
        code: ErrorCode,
        /// The bundler's or node's error, as it came.
        rpc: Box<Error>,
        /// What the revert data says.
        revert: Box<crate::revert::DecodedRevert>,
        /// The decoded arguments as a JSON object's text.
        args: String,
        /// For `AA22`: `[validAfter, validUntil, the chain's time]`.
        window: Option<[u64; 3]>,
    },
    /// A limit refusal of the pre-check, with the figures it compared: the grant's, and what the
    /// chain says is left when it was read.
    Budget {
        /// `NATIVE_LIMIT_EXCEEDED` or `ERC20_LIMIT_EXCEEDED`.
        inner: Box<Error>,
        /// The allowance as granted.
        granted: String,
        /// What is left on chain, when read.
        remaining: Option<String>,
        /// `"chain"` when checked against `remaining`, `"grant"` otherwise.
        basis: &'static str,
    },

    // ---- EIP-7702 accounts (see `eip7702`) ----
    /// The EOA delegates its code to another contract than SemiModularAccount7702.
    DelegatedElsewhere {
        /// The EOA.
        account: String,
        /// The contract its code points to.
        delegate: String,
        /// The SemiModularAccount7702 implementation expected.
        expected: String,
    },
    /// The address holds contract code that is no EIP-7702 delegation: it is not an EOA.
    AccountHasCode {
        /// The address.
        account: String,
        /// Length of its code.
        size: usize,
        /// The first bytes of its code, hex.
        head: String,
    },
    /// The EOA is not delegated yet, so its first operation needs a signed authorization.
    AuthorizationRequired {
        /// The EOA.
        account: String,
    },
    /// The authorization delegates to another contract than SemiModularAccount7702.
    AuthorizationWrongDelegate {
        /// The address in the authorization.
        address: String,
        /// The implementation expected.
        expected: String,
    },
    /// The authorization is for another chain (0 means any chain and is accepted).
    AuthorizationWrongChain {
        /// The authorization's chain id.
        chain_id: u64,
        /// The operation's chain id.
        expected: u64,
    },
    /// The authorization's nonce is not the EOA's current nonce, so the chain would skip it.
    AuthorizationWrongNonce {
        /// The authorization's nonce.
        nonce: u64,
        /// The EOA's nonce now.
        expected: u64,
    },
    /// The authorization was signed by another key than the EOA's.
    AuthorizationWrongSigner {
        /// The address the signature recovers to.
        signer: String,
        /// The EOA.
        account: String,
    },

    /// Sending failed after the operation was signed: the cause keeps its own code, field and
    /// data, and the userOpHash the caller can look up or wait for is added to the data.
    SendFailed {
        /// The signed operation's hash.
        user_op_hash: String,
        /// Why the send failed.
        cause: Box<Error>,
    },
}

impl Error {
    /// Stable machine-readable code, the same string JS sees as `error.code`.
    pub fn code(&self) -> &'static str {
        self.error_code().as_str()
    }

    /// The stable code, typed: every variant maps into [`CODES`].
    pub fn error_code(&self) -> ErrorCode {
        match self {
            Error::InvalidInput { rule, .. } => rule.error_code(),
            Error::RootPermissionOnly { .. } => ErrorCode::RootPermissionOnly,
            Error::MultipleNativeTokenTransfer { .. } => ErrorCode::MultipleNativeTokenTransfer,
            Error::MultipleGasLimit { .. } => ErrorCode::MultipleGasLimit,
            Error::AccountAddressAsTarget { .. } => ErrorCode::AccountAddressAsTarget,
            Error::DuplicateTargetAddress { .. } => ErrorCode::DuplicateTargetAddress,
            Error::NoFunctionsProvided { .. } => ErrorCode::NoFunctionsProvided,
            Error::SelectorNotAllowed { .. } => ErrorCode::SelectorNotAllowed,
            Error::ZeroAddress { .. } => ErrorCode::ZeroAddress,
            Error::InvalidEntityId { .. } => ErrorCode::InvalidEntityId,
            Error::ValidationConfigUnset => ErrorCode::ValidationConfigUnset,
            Error::Expired { .. } => ErrorCode::Expired,
            Error::TimeOverLimit { .. } => ErrorCode::TimeOverLimit,
            Error::ValidAfterNotBeforeExpiry { .. } => ErrorCode::ValidAfterNotBeforeExpiry,
            Error::ValidAfterWithoutExpiry => ErrorCode::ValidAfterWithoutExpiry,
            Error::InvalidNonceKey { .. } => ErrorCode::InvalidNonceKey,
            Error::InvalidPrivateKey { .. } => ErrorCode::InvalidPrivateKey,
            Error::InvalidSignature { .. } => ErrorCode::InvalidSignature,
            Error::InvalidPublicKey { .. } => ErrorCode::InvalidPublicKey,
            Error::InvalidAssertion { .. } => ErrorCode::InvalidAssertion,
            Error::InvalidDeferredAction { .. } => ErrorCode::InvalidDeferredAction,
            Error::Random { .. } => ErrorCode::RandomUnavailable,
            Error::SessionNotFound { .. } => ErrorCode::SessionNotFound,
            Error::RecordCorrupt { .. } => ErrorCode::RecordCorrupt,
            Error::SchemaTooNew { .. } => ErrorCode::SchemaTooNew,
            Error::DecryptFailed { .. } => ErrorCode::DecryptFailed,
            Error::EntityIdInUse { .. } => ErrorCode::EntityIdInUse,
            Error::EntityIdSearchLimit { .. } => ErrorCode::EntityIdSearchLimit,
            Error::InvalidStatusTransition { .. } => ErrorCode::InvalidStatusTransition,
            Error::SessionRevoked { .. } => ErrorCode::SessionRevoked,
            Error::DeferredNotPrepared { .. } => ErrorCode::DeferredNotPrepared,
            Error::Storage { .. } => ErrorCode::StorageFailed,
            Error::Crypto { .. } => ErrorCode::CryptoFailed,
            Error::StoreClosed => ErrorCode::StoreClosed,
            Error::Rpc { code, .. } | Error::Wallet { code, .. } => *code,
            Error::UserOpReverted { .. } => ErrorCode::BundlerUserOpReverted,
            Error::Network { .. } => ErrorCode::NetworkError,
            Error::Timeout { .. } => ErrorCode::Timeout,
            Error::Http { .. } => ErrorCode::HttpError,
            Error::BadResponse { .. } => ErrorCode::BadRpcResponse,
            Error::WrongChain { .. } => ErrorCode::WrongChain,
            Error::EntryPointNotSupported { .. } => ErrorCode::EntryPointNotSupported,
            Error::ReceiptTimeout { .. } => ErrorCode::ReceiptTimeout,
            Error::OutOfScopeTarget { .. } => ErrorCode::OutOfScopeTarget,
            Error::OutOfScopeSelector { .. } => ErrorCode::OutOfScopeSelector,
            Error::NativeLimitExceeded { .. } => ErrorCode::NativeLimitExceeded,
            Error::Erc20LimitExceeded { .. } => ErrorCode::Erc20LimitExceeded,
            Error::SessionExpired { .. } => ErrorCode::SessionExpired,
            Error::SessionNotYetValid { .. } => ErrorCode::SessionNotYetValid,
            Error::PaymasterRequired { .. } => ErrorCode::PaymasterRequired,
            Error::PaymasterMismatch { .. } => ErrorCode::PaymasterMismatch,
            Error::KeyWiped { .. } => ErrorCode::KeyWiped,
            Error::KeyNotExportable { .. } => ErrorCode::KeyNotExportable,
            Error::KeyKindUnsupported { .. } => ErrorCode::KeyKindUnsupported,
            Error::OwnerMismatch { .. } => ErrorCode::OwnerMismatch,
            Error::AccountKindUnsupported { .. } => ErrorCode::AccountKindUnsupported,
            Error::Reverted { code, .. } => *code,
            Error::Budget { inner, .. } => inner.error_code(),
            Error::DelegatedElsewhere { .. } => ErrorCode::DelegatedElsewhere,
            Error::AccountHasCode { .. } => ErrorCode::AccountHasCode,
            Error::AuthorizationRequired { .. } => ErrorCode::AuthorizationRequired,
            Error::AuthorizationWrongDelegate { .. } => ErrorCode::AuthorizationWrongDelegate,
            Error::AuthorizationWrongChain { .. } => ErrorCode::AuthorizationWrongChain,
            Error::AuthorizationWrongNonce { .. } => ErrorCode::AuthorizationWrongNonce,
            Error::AuthorizationWrongSigner { .. } => ErrorCode::AuthorizationWrongSigner,
            Error::SendFailed { cause, .. } => cause.error_code(),
        }
    }

    /// The field the error is about, as a path, where one applies: the head of the message
    /// before its first `:`, unless [`Error::parts`] marks the variant as about no field.
    pub fn field(&self) -> Option<String> {
        match self {
            Error::Budget { inner, .. } => inner.field(),
            Error::SendFailed { cause, .. } => cause.field(),
            _ => {
                let mut r = None;
                self.parts(&mut |template, values| r = field_of(template, values));
                r
            }
        }
    }

    /// The figures of the refusal (JS sees them as `error.data`), handed to `put` one key at a
    /// time, where it has any: the server's JSON-RPC code, message and data, the wallet's code,
    /// the limit and the amount a pre-check refused, the times compared. Key names are the same
    /// across variants; the typings' `ErrorData` lists them. A sink rather than a list: the
    /// browser shell sets each value on the JS object as it comes, with no vector in between.
    pub fn data_each(&self, put: &mut dyn FnMut(&'static str, &Datum<'_>)) {
        match self {
            // Beyond 2^53 a JS number would round: such a value goes out as a decimal string.
            Error::TimeOverLimit { value, .. } if *value > (1 << 53) => put("value", &Datum::Str(&value.to_string())),
            Error::Rpc { method, rpc_code, message, data, .. } => {
                put("method", &Datum::from(method));
                put("rpcCode", &Datum::from(rpc_code));
                put("rpcMessage", &Datum::from(message));
                if let Some(d) = data {
                    // The server's data came as JSON; it goes back out as the same JSON value.
                    put("rpcData", &Datum::Json(d));
                }
            }
            Error::Reverted { rpc, revert, args, window, .. } => {
                rpc.data_each(put);
                put("bundlerCode", &Datum::Str(rpc.code()));
                if !revert.error.is_empty() {
                    put("error", &Datum::Str(revert.error));
                }
                if let Some(m) = revert.module {
                    put("module", &Datum::Str(&m.to_checksum(None)));
                }
                if let Some(n) = revert.module_name {
                    put("moduleName", &Datum::Str(n));
                }
                if let Some(e) = &revert.entity_id {
                    put("entityId", &Datum::from(e));
                }
                if let Some(e) = &revert.session_entity_id {
                    put("sessionEntityId", &Datum::from(e));
                }
                if let Some(aa) = &revert.aa {
                    put("aa", &Datum::Str(aa));
                }
                put("args", &Datum::Json(args));
                if let Some(raw) = &revert.raw {
                    put("raw", &Datum::Str(&crate::json::hex(raw)));
                }
                if let Some([after, until, now]) = window {
                    put("validAfter", &Datum::from(after));
                    put("validUntil", &Datum::from(until));
                    put("chainTime", &Datum::from(now));
                }
            }
            Error::Budget { inner, granted, remaining, basis } => {
                inner.data_each(put);
                put("granted", &Datum::from(granted));
                if let Some(r) = remaining {
                    put("remaining", &Datum::from(r));
                }
                put("source", &Datum::Str(basis));
            }
            Error::SendFailed { user_op_hash, cause } => {
                cause.data_each(put);
                put("userOpHash", &Datum::from(user_op_hash));
            }
            _ => self.parts(&mut |template, values| {
                if let Some((_, keys)) = template.split_once('\0') {
                    each(put, keys, values);
                }
            }),
        }
    }

    /// The message template and values of a refusal that wraps no other error (every variant
    /// but `Rpc`, whose data has an optional key, and the three that wrap one). `values` lists the
    /// figures first, in data order, then what only the message shows. The template is the
    /// message with `{i}` where `values[i]` goes, then, when there are figures, a NUL and their
    /// space-separated keys. The message's head before `:` is the field ([`Error::field`]);
    /// a leading U+0001 marks a variant about no field. Message and data share this one match: each variant's fields are
    /// read once for both.
    fn parts(&self, out: &mut dyn FnMut(&'static str, &[Datum<'_>])) {
        match self {
            Error::InvalidInput { field, detail, .. } => out("{0}: {1}", &[Datum::from(field), Datum::from(detail)]),
            Error::RootPermissionOnly { field } => out("{0}: the root permission must be the only permission", &[Datum::from(field)]),
            Error::MultipleNativeTokenTransfer { field } => out("{0}: at most one native-token-transfer permission is allowed", &[Datum::from(field)]),
            Error::MultipleGasLimit { field } => out("{0}: at most one gas-limit permission is allowed", &[Datum::from(field)]),
            Error::AccountAddressAsTarget { field } => out("{0}: the account itself may not be a target; use account-functions", &[Datum::from(field)]),
            Error::DuplicateTargetAddress { address, field } => out("{1}: target {0} already has a contract-access or functions-on-contract permission\0target", &[Datum::from(address), Datum::from(field)]),
            Error::NoFunctionsProvided { field } => out("{0}: at least one function selector is required", &[Datum::from(field)]),
            Error::SelectorNotAllowed { selector, name, field } => out("{2}: selector {0} ({1}) may not be granted to a session key\0selector functionName", &[Datum::from(selector), Datum::from(name), Datum::from(field)]),
            Error::ZeroAddress { field } => out("{0}: the zero address is not allowed", &[Datum::from(field)]),
            Error::InvalidEntityId { entity_id } => out("entityId: {0} is not allowed; session entity ids are 1 ..= 2147483646\0entityId", &[Datum::from(entity_id)]),
            Error::ValidationConfigUnset => out("permissions: a session that is not root needs at least one callable function (add contract-access, functions-on-*, erc20-token-transfer or account-functions)", &[]),
            Error::Expired { value, now, field } => out("{2}: {0} is in the past (now is {1})\0value now", &[Datum::from(value), Datum::from(now), Datum::from(field)]),
            Error::TimeOverLimit { value, field } => out("{1}: {0} does not fit uint48\0value", &[Datum::from(value), Datum::from(field)]),
            Error::ValidAfterNotBeforeExpiry { valid_after, expires_at } => out("validAfter: {0} must be before expiresAt {1}\0validAfter expiresAt", &[Datum::from(valid_after), Datum::from(expires_at)]),
            Error::ValidAfterWithoutExpiry => out("validAfter: requires expiresAt", &[]),
            Error::InvalidNonceKey { value } => out("nonceKey: {0} does not fit in 152 bits\0nonceKey", &[Datum::from(value)]),
            Error::InvalidPrivateKey { field } => out("{0}: not a valid secp256k1 private key", &[Datum::from(field)]),
            Error::InvalidSignature { field, detail } => out("{0}: {1}", &[Datum::from(field), Datum::from(detail)]),
            Error::InvalidPublicKey { field, detail } => out("{0}: {1}", &[Datum::from(field), Datum::from(detail)]),
            Error::InvalidAssertion { field, detail } => out("{0}: {1}", &[Datum::from(field), Datum::from(detail)]),
            Error::Random { detail } => out("\u{1}random: the platform CSPRNG failed: {0}", &[Datum::from(detail)]),
            Error::InvalidDeferredAction { detail } => out("preSignatureDigest: {0}", &[Datum::from(detail)]),
            _ => self.service_parts(out),
        }
    }

    /// The refusals only the session service makes (store, transport, wallet, pre-check, EIP-7702),
    /// as [`Error::parts`]. The core wasm build (`mav2-session-keys/core`: wasm32 without the
    /// `service` feature) exports nothing that makes them, and carries none of their words.
    #[cfg(any(feature = "service", not(target_arch = "wasm32")))]
    fn service_parts(&self, out: &mut dyn FnMut(&'static str, &[Datum<'_>])) {
        match self {
            Error::SessionNotFound { id } => out("id: no session {0} in this store\0id", &[Datum::from(id)]),
            Error::RecordCorrupt { id, detail } => out("id: stored session {0} is unreadable: {1}\0id", &[Datum::from(id), Datum::from(detail)]),
            Error::SchemaTooNew { id, schema } => out("id: stored session {0} has schema {1}, newer than this build understands\0id schema", &[Datum::from(id), Datum::from(schema)]),
            Error::DecryptFailed { id } => out("id: the key of session {0} does not decrypt (record altered, or its wrapping key is gone)\0id", &[Datum::from(id)]),
            Error::EntityIdInUse { entity_id } => out("entityId: {0} is already used by another session of this account\0entityId", &[Datum::from(entity_id)]),
            Error::EntityIdSearchLimit { tried } => out("entityId: {0} entity ids in a row are installed on chain; pass entityId explicitly\0tried", &[Datum::from(tried)]),
            Error::InvalidStatusTransition { id, from, to } => out("id: session {0} is {1}; it cannot become {2}\0id from to", &[Datum::from(id), Datum::from(from), Datum::from(to)]),
            Error::SessionRevoked { id } => out("id: session {0} is revoked\0id", &[Datum::from(id)]),
            Error::DeferredNotPrepared { id } => out("id: session {0} has no deferred install prepared; call deferredInstall first\0id", &[Datum::from(id)]),
            Error::Storage { op, detail } => out("\u{1}storage: {0} failed: {1}\0operation", &[Datum::from(op), Datum::from(detail)]),
            Error::Crypto { op, detail } => out("\u{1}crypto: {0} failed: {1}\0operation", &[Datum::from(op), Datum::from(detail)]),
            Error::StoreClosed => out("\u{1}store: this SessionKeyStore was closed; open it again", &[]),
            Error::Wallet { method, wallet_code, message, .. } => out("\u{1}wallet: {0}: {2} (EIP-1193 {1})\0method walletCode walletMessage", &[Datum::from(method), Datum::from(wallet_code), Datum::from(message)]),
            Error::UserOpReverted { user_op_hash, reason } => out("\u{1}the operation {0} was mined but its execution reverted\0userOpHash reason", &[Datum::from(user_op_hash), Datum::from(reason)]),
            Error::Network { url, detail } => out("\u{1}{0}: network error: {1}\0url", &[Datum::from(url), Datum::from(detail)]),
            Error::Timeout { url, timeout_ms } => out("\u{1}{0}: no answer within {1} ms\0url timeoutMs", &[Datum::from(url), Datum::from(timeout_ms)]),
            Error::Http { url, status, body } => out("\u{1}{0}: HTTP {1}: {2}\0url status body", &[Datum::from(url), Datum::from(status), Datum::from(body)]),
            Error::BadResponse { method, detail } => out("\u{1}{0}: bad JSON-RPC response: {1}\0method", &[Datum::from(method), Datum::from(detail)]),
            Error::WrongChain { expected, actual } => out("chainId: the bundler is on chain {1}, expected {0}\0expectedChainId actualChainId", &[Datum::from(expected), Datum::from(actual)]),
            Error::EntryPointNotSupported { entry_point, supported } => out("entryPoint: the bundler does not support {0} (it supports {1})\0entryPoint supported", &[Datum::from(entry_point), Datum::from(supported)]),
            Error::ReceiptTimeout { user_op_hash, waited_ms } => out("userOpHash: no receipt for {0} within {1} ms\0userOpHash waitedMs", &[Datum::from(user_op_hash), Datum::from(waited_ms)]),
            Error::OutOfScopeTarget { target, field } => out("{1}: target {0} is not allowed for this session\0target", &[Datum::from(target), Datum::from(field)]),
            Error::OutOfScopeSelector { target, selector, field } => out("{2}: selector {1} is not allowed on {0} for this session\0target selector", &[Datum::from(target), Datum::from(selector), Datum::from(field)]),
            Error::NativeLimitExceeded { requested, limit, field } => out("{2}: sends {0} wei in total, the session's native limit is {1} wei\0requested limit", &[Datum::from(requested), Datum::from(limit), Datum::from(field)]),
            Error::Erc20LimitExceeded { token, requested, limit, field } => out("{3}: {1} units of {0} in total, the session's limit is {2}\0token requested limit", &[Datum::from(token), Datum::from(requested), Datum::from(limit), Datum::from(field)]),
            Error::SessionExpired { expires_at, now, margin_s } => out("expiresAt: the session expires at {0}; now {1} + safety margin {2} s is past it\0expiresAt now safetyMarginSeconds", &[Datum::from(expires_at), Datum::from(now), Datum::from(margin_s)]),
            Error::SessionNotYetValid { valid_after, now } => out("validAfter: the session is valid from {0}; now is {1}\0validAfter now", &[Datum::from(valid_after), Datum::from(now)]),
            Error::PaymasterRequired { paymaster } => out("paymaster: this session only validates operations paid by {0}; give the client a paymaster service\0paymaster", &[Datum::from(paymaster)]),
            Error::PaymasterMismatch { required, offered } => out("paymaster: the paymaster service chose {1}, but this session only validates operations paid by {0}\0paymaster offeredPaymaster", &[Datum::from(required), Datum::from(offered)]),
            Error::KeyWiped { id } => out("\u{1}session {0} has no key (revoked)\0id", &[Datum::from(id)]),
            Error::KeyNotExportable { id, key_kind } => out("id: the key of session {0} is a non-extractable {1} key; it cannot be exported\0id keyKind", &[Datum::from(id), Datum::from(key_kind)]),
            Error::KeyKindUnsupported { key_kind, detail } => out("keyKind: {1}\0keyKind", &[Datum::from(key_kind), Datum::from(detail)]),
            Error::OwnerMismatch { owner, salt, predicted, account } => out("owner: {0} with salt {1} deploys {2}, not the session's account {3}\0owner salt predicted account", &[Datum::from(owner), Datum::from(salt), Datum::from(predicted), Datum::from(account)]),
            Error::AccountKindUnsupported { kind, what } => out("accountKind: {1} reads MAv2's modules; a {0} account has none\0accountKind", &[Datum::from(kind), Datum::from(what)]),
            Error::DelegatedElsewhere { account, delegate, expected } => out("account: {0} is delegated to {1}, not to MAv2's SemiModularAccount7702 {2}\0account delegate expectedDelegate", &[Datum::from(account), Datum::from(delegate), Datum::from(expected)]),
            Error::AccountHasCode { account, size, head } => out("account: {0} holds {1} bytes of contract code ({2}…), not an EIP-7702 delegation; it is not an EOA\0account codeSize", &[Datum::from(account), Datum::from(size), Datum::from(head)]),
            Error::AuthorizationRequired { account } => out("authorization: {0} is not delegated to SemiModularAccount7702 yet; its first operation needs a signed EIP-7702 authorization\0account", &[Datum::from(account)]),
            Error::AuthorizationWrongDelegate { address, expected } => out("authorization.address: the authorization delegates to {0}, expected SemiModularAccount7702 {1}\0delegate expectedDelegate", &[Datum::from(address), Datum::from(expected)]),
            Error::AuthorizationWrongChain { chain_id, expected } => out("authorization.chainId: the authorization is for chain {0}, the operation for chain {1}\0chainId expectedChainId", &[Datum::from(chain_id), Datum::from(expected)]),
            Error::AuthorizationWrongNonce { nonce, expected } => out("authorization.nonce: the authorization has nonce {0}, the account's current nonce is {1}\0nonce expectedNonce", &[Datum::from(nonce), Datum::from(expected)]),
            Error::AuthorizationWrongSigner { signer, account } => out("authorization: signed by {0}, not by the account {1}\0signer account", &[Datum::from(signer), Datum::from(account)]),
            Error::Rpc { .. } | Error::Reverted { .. } | Error::Budget { .. } | Error::SendFailed { .. } => {}
            _ => {}
        }
    }

    /// The core wasm build makes none of the service's refusals (see the other `service_parts`).
    #[cfg(all(target_arch = "wasm32", not(feature = "service")))]
    fn service_parts(&self, out: &mut dyn FnMut(&'static str, &[Datum<'_>])) {
        out("\u{1}refused", &[])
    }

    /// [`Error::data_each`] as one JSON object (native callers, tests); `None` when the refusal
    /// has no figures.
    pub fn data(&self) -> Option<serde_json::Value> {
        let mut m = serde_json::Map::new();
        self.data_each(&mut |k, v| {
            let v = match *v {
                Datum::Str(s) => serde_json::Value::from(s),
                Datum::Uint(n) => serde_json::Value::from(n),
                Datum::Int(n) => serde_json::Value::from(n),
                Datum::Null => serde_json::Value::Null,
                Datum::Json(text) => crate::json_text::parse(text).unwrap_or_else(|_| serde_json::Value::from(text)),
            };
            m.insert(k.to_string(), v);
        });
        (!m.is_empty()).then_some(serde_json::Value::Object(m))
    }

    /// Shorthand for an input error.
    pub fn input(field: impl Into<String>, rule: InputRule, detail: impl Into<String>) -> Self {
        Error::InvalidInput { field: field.into(), rule, detail: detail.into() }
    }

    /// `RANDOM_UNAVAILABLE` from a failed `getrandom` call, in words: getrandom's `Display`
    /// formats OS codes through `std::io::Error`, whose formatter (and its table of error kinds)
    /// would be linked for this one message.
    pub fn random(_: getrandom::Error) -> Self {
        Error::Random {
            detail: "no random bytes (in a browser: Web Crypto's getRandomValues is missing or failed)".into(),
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Rpc { method, rpc_code, message, .. } => write!(f, "{method}: {message} (JSON-RPC {rpc_code})"),
            Error::Reverted { rpc, code, .. } => write!(f, "{rpc} [{code}]"),
            Error::Budget { inner, .. } => inner.fmt(f),
            Error::SendFailed { user_op_hash, cause } => write!(f, "{cause} (userOpHash {user_op_hash})"),
            _ => {
                let mut r = Ok(());
                self.parts(&mut |template, values| r = message(f, template, values));
                r
            }
        }
    }
}

impl std::error::Error for Error {}

/// Writes a [`Error::parts`] template's message: its text up to the NUL, each `{i}` replaced by
/// `values[i]`.
fn message(f: &mut fmt::Formatter<'_>, template: &str, values: &[Datum<'_>]) -> fmt::Result {
    let template = template.strip_prefix('\u{1}').unwrap_or(template);
    let mut rest = template.split_once('\0').map_or(template, |(text, _)| text);
    while let Some((text, after)) = rest.split_once('{') {
        f.write_str(text)?;
        let (index, after) = after.split_once('}').unwrap_or((after, ""));
        let i = index.bytes().next().unwrap_or(0).wrapping_sub(b'0');
        match values.get(usize::from(i)) {
            Some(Datum::Str(s)) => f.write_str(s)?,
            Some(Datum::Uint(n)) => write!(f, "{n}")?,
            Some(Datum::Int(n)) => write!(f, "{n}")?,
            _ => {}
        }
        rest = after;
    }
    f.write_str(rest)
}

/// The field of a [`Error::parts`] template: its head before `:`, a literal path or the
/// `{i}` of the value that holds it; none when the template is marked as about no field.
fn field_of(template: &str, values: &[Datum<'_>]) -> Option<String> {
    if template.starts_with('\u{1}') {
        return None;
    }
    let (head, _) = template.split_once(':')?;
    if !head.starts_with('{') {
        return Some(head.into());
    }
    let i = head.as_bytes().get(1).copied().unwrap_or(0).wrapping_sub(b'0');
    match values.get(usize::from(i)) {
        Some(Datum::Str(s)) => Some((*s).into()),
        _ => None,
    }
}

/// Hands the `i`th of the space-separated `keys` and `values[i]` to `put`, pair by pair: a
/// refusal's fixed figures as one key string and a value list, so each variant is a constant and
/// one loop makes the calls.
#[inline(never)]
fn each(put: &mut dyn FnMut(&'static str, &Datum<'_>), keys: &'static str, values: &[Datum<'_>]) {
    for (k, v) in keys.split(' ').zip(values) {
        put(k, v);
    }
}

/// One value of an error's data: kept as plain parts so the browser shell can build the JS object
/// without a JSON tree in between.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Datum<'a> {
    /// A string.
    Str(&'a str),
    /// A whole number below 2^53.
    Uint(u64),
    /// A signed whole number (JSON-RPC and wallet codes).
    Int(i64),
    /// Nothing (`null`).
    Null,
    /// JSON text the server sent, passed through as the value it encodes.
    Json(&'a str),
}

impl<'a> From<&'a String> for Datum<'a> {
    fn from(s: &'a String) -> Self {
        Datum::Str(s)
    }
}
impl<'a> From<&'a str> for Datum<'a> {
    fn from(s: &'a str) -> Self {
        Datum::Str(s)
    }
}
impl<'a> From<&&'a str> for Datum<'a> {
    fn from(s: &&'a str) -> Self {
        Datum::Str(s)
    }
}
impl<'a> From<&'a Option<String>> for Datum<'a> {
    fn from(s: &'a Option<String>) -> Self {
        s.as_deref().map_or(Datum::Null, Datum::Str)
    }
}
macro_rules! datum_uint {
    ($($t:ty),*) => {$(
        impl From<&$t> for Datum<'_> {
            fn from(n: &$t) -> Self {
                Datum::Uint(*n as u64)
            }
        }
    )*};
}
datum_uint!(u64, u32, u16, u8, usize);
impl From<&i64> for Datum<'_> {
    fn from(n: &i64) -> Self {
        Datum::Int(*n)
    }
}
