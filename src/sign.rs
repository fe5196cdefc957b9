//! Signatures a session key makes for MAv2: user operations and ERC-1271 messages.
//!
//! Layouts follow the SDK's `singleSignerMessageSigner`, `packUOSignature` and
//! `pack1271EOASignature` (`shared/mav2-spec.md` §6.2, §6.3):
//! - user operation: `0xFF ‖ 0x00 ‖ sig65`, where sig65 signs the EIP-191 digest of the raw
//!   32-byte userOpHash, and a pending deferred action's bytes go in front;
//! - ERC-1271: `0x00 ‖ entityId(4) ‖ 0xFF ‖ 0x00 ‖ sig65`, where sig65 signs the SingleSigner
//!   module's EIP-712 `ReplaySafeHash(bytes32 hash)` bound to the account.

use alloy_primitives::{eip191_hash_message, Address, Bytes, B256};
use serde::{Deserialize, Serialize};

use crate::addresses::{ENTRY_POINT_V07, SINGLE_SIGNER_VALIDATION_MODULE};
use crate::error::{Error, InputRule, Result};
use crate::json::{self, Addr, HexBytes, HexFixed};
use crate::key::SessionKey;
use crate::user_op::UserOperation;

/// Reserved segment index: "validation data follows" (no per-hook segments before it).
const VALIDATION_SEGMENT: u8 = 0xFF;
/// Signature type byte: an EOA (ECDSA) signature follows.
const EOA_SIGNATURE: u8 = 0x00;

/// The SDK's fixed 65-byte placeholder used for gas estimation (valid length, never valid sig).
pub const DUMMY_SIG65: [u8; 65] = alloy_primitives::hex!(
    "fffffffffffffffffffffffffffffff0000000000000000000000000000000007aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa1c"
);

/// [`DUMMY_SIG65`] packed as a user-op signature (`0xFF ‖ 0x00 ‖ placeholder`), what bundlers
/// simulate with before the real signature exists.
pub const DUMMY_SIGNATURE: [u8; 67] = {
    let mut out = [0u8; 67];
    out[0] = VALIDATION_SEGMENT;
    out[1] = EOA_SIGNATURE;
    let mut i = 0;
    while i < 65 {
        out[2 + i] = DUMMY_SIG65[i];
        i += 1;
    }
    out
};

/// The gas-estimation signature, with a pending deferred action's bytes in front as the SDK's
/// `getDummySignature` does (the deferred action changes the validation's gas).
pub fn dummy_signature(deferred_prefix: Option<&[u8]>) -> Bytes {
    [deferred_prefix.unwrap_or_default(), DUMMY_SIGNATURE.as_slice()].concat().into()
}

/// EIP-191 digest of a raw 32-byte hash (`"\x19Ethereum Signed Message:\n32" ‖ hash`), what viem's
/// `signMessage({ raw: hash })` signs.
pub fn eip191_digest(hash: &B256) -> B256 {
    eip191_hash_message(hash.as_slice())
}

/// Sign a userOpHash the way MAv2 validates it: 65-byte ECDSA over its EIP-191 digest.
pub fn sign_user_op_hash(key: &SessionKey, user_op_hash: &B256) -> Result<[u8; 65]> {
    key.sign_hash(&eip191_digest(user_op_hash))
}

/// `0xFF ‖ 0x00 ‖ sig65`: the validation-data segment with an EOA signature (SDK `packUOSignature`).
pub fn pack_user_op_signature(sig65: &[u8; 65]) -> Bytes {
    [&[VALIDATION_SEGMENT, EOA_SIGNATURE][..], sig65].concat().into()
}

/// The full `signature` field of a user operation signed by a session key: the deferred action's
/// on-chain bytes (if this op carries the install) ‖ `0xFF ‖ 0x00 ‖ sig65`.
pub fn sign_user_operation(
    key: &SessionKey,
    user_op: &UserOperation,
    chain_id: u64,
    entry_point: Address,
    deferred_prefix: Option<&[u8]>,
) -> Result<Bytes> {
    let hash = user_op.hash(chain_id, entry_point)?;
    let sig = pack_user_op_signature(&sign_user_op_hash(key, &hash)?);
    Ok([deferred_prefix.unwrap_or_default(), sig.as_ref()].concat().into())
}

/// The separator of the SingleSigner module's EIP-712 domain for `account`:
/// `{ chainId, verifyingContract: module, salt: 12 zero bytes ‖ account }`.
pub fn single_signer_domain(chain_id: u64, account: Address) -> B256 {
    crate::eip712::domain_separator(chain_id, SINGLE_SIGNER_VALIDATION_MODULE, Some(account.into_word()))
}

/// The digest the session key signs for ERC-1271: the module's EIP-712 `ReplaySafeHash(bytes32 hash)`
/// in its domain, so a signature for one account (or chain) cannot be replayed on another.
pub fn replay_safe_hash(chain_id: u64, account: Address, hash: B256) -> B256 {
    crate::eip712::replay_safe_hash(single_signer_domain(chain_id, account), hash)
}

/// `0x00 ‖ entityId(4) ‖ 0xFF ‖ 0x00 ‖ sig65` (SDK `pack1271EOASignature`): what the account's
/// `isValidSignature(hash, signature)` takes to route to the session's validation.
pub fn pack_1271_signature(entity_id: u32, sig65: &[u8; 65]) -> Bytes {
    [&[0u8][..], &entity_id.to_be_bytes(), &[VALIDATION_SEGMENT, EOA_SIGNATURE], sig65].concat().into()
}

/// An ERC-1271 signature by the session key for `hash` (the hash the verifier passes to
/// `isValidSignature`). Only validations installed with signature validation accept it; the
/// PermissionBuilder's sessions are not (spec §6.3).
pub fn sign_1271(key: &SessionKey, chain_id: u64, account: Address, entity_id: u32, hash: B256) -> Result<Bytes> {
    let sig = key.sign_hash(&replay_safe_hash(chain_id, account, hash))?;
    Ok(pack_1271_signature(entity_id, &sig))
}

/// `signUserOperationWithKey` input: sign with a key given by value (tests, tools, keys kept
/// outside the session store).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SignUserOperationRequest {
    /// 32-byte secp256k1 private key.
    pub private_key: json::Secret32,
    /// The operation (its `signature` is ignored).
    pub user_op: UserOperation,
    /// Chain the operation is for.
    #[serde(with = "json::u64")]
    pub chain_id: u64,
    /// EntryPoint; default v0.7.
    #[serde(default)]
    pub entry_point: Option<Addr>,
    /// On-chain deferred-action bytes to put in front (the SDK's `deferredActionData`), for the
    /// first op of a deferred install.
    #[serde(default)]
    pub deferred_action_data: Option<HexBytes>,
}

/// Sign a user operation with a raw key: returns the packed MAv2 signature
/// (`[deferred bytes ‖] 0xFF ‖ 0x00 ‖ sig65`).
pub fn sign_user_operation_with_key(req: &SignUserOperationRequest) -> Result<Bytes> {
    let key = SessionKey::from_bytes(req.private_key.0.as_slice(), "privateKey")?;
    sign_user_operation(
        &key,
        &req.user_op,
        req.chain_id,
        req.entry_point.map(|a| a.0).unwrap_or(ENTRY_POINT_V07),
        req.deferred_action_data.as_ref().map(|d| d.0.as_ref()),
    )
}

/// `sign1271WithKey` input: exactly one of `hash` (what `isValidSignature` receives) or `message`
/// (raw bytes, hashed with EIP-191 as viem's `hashMessage({ raw })`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Sign1271Request {
    /// 32-byte secp256k1 private key.
    pub private_key: json::Secret32,
    /// Chain of the account.
    #[serde(with = "json::u64")]
    pub chain_id: u64,
    /// The account that will verify.
    pub account: Addr,
    /// Entity id of the key's validation.
    #[serde(with = "json::u32")]
    pub entity_id: u32,
    /// The 32-byte hash to sign.
    #[serde(default)]
    pub hash: Option<HexFixed<32>>,
    /// Or raw message bytes, EIP-191-hashed first.
    #[serde(default)]
    pub message: Option<HexBytes>,
}

/// What [`sign_1271_with_key`] returns: the hash `isValidSignature` is called with, the digest
/// actually signed, and the packed signature.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Signed1271 {
    /// The hash the verifier checks.
    pub hash: HexFixed<32>,
    /// EIP-712 ReplaySafeHash digest signed by the key.
    pub replay_safe_hash: HexFixed<32>,
    /// `0x00 ‖ entityId ‖ 0xFF ‖ 0x00 ‖ sig65`.
    pub signature: HexBytes,
}

/// Sign for ERC-1271 with a raw key (see [`Sign1271Request`]).
pub fn sign_1271_with_key(req: &Sign1271Request) -> Result<Signed1271> {
    let hash = match (&req.hash, &req.message) {
        (Some(h), None) => h.0,
        (None, Some(m)) => eip191_hash_message(&m.0),
        (Some(_), Some(_)) => {
            return Err(Error::input("message", InputRule::UnknownField, "give either hash or message, not both"))
        }
        (None, None) => return Err(Error::input("hash", InputRule::Missing, "is required (or message)")),
    };
    let key = SessionKey::from_bytes(req.private_key.0.as_slice(), "privateKey")?;
    let safe = replay_safe_hash(req.chain_id, req.account.0, hash);
    let sig = key.sign_hash(&safe)?;
    Ok(Signed1271 {
        hash: HexFixed(hash),
        replay_safe_hash: HexFixed(safe),
        signature: HexBytes(pack_1271_signature(req.entity_id, &sig)),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::key::recover;
    use alloy_primitives::{address, b256, hex, keccak256};
    use serde_json::json;

    // shared/mav2-spec.md §9.2: anvil key #1 as the session key, the SMA account of anvil #0.
    const SESSION: [u8; 32] = hex!("59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d");
    const ACCOUNT: Address = address!("65b5DE0251f553B2208762a4724303E750294D96");
    const SEPOLIA: u64 = 11155111;

    fn session() -> SessionKey {
        SessionKey::from_bytes(&SESSION, "k").unwrap()
    }

    #[test]
    fn eip191_of_spec_user_op_hash() {
        let h = b256!("905cbf08f8814e73e8a64a90d3fb2339580db920e6fdeaf7979714d3a13d2b86");
        assert_eq!(eip191_digest(&h), b256!("2c3251b9fa28b7efcc7b3473ff3a88c9229c2253d3a979da2874831b0cf7fd8c"));
        // and by hand: keccak("\x19Ethereum Signed Message:\n32" ‖ hash)
        let manual = keccak256([b"\x19Ethereum Signed Message:\n32".as_slice(), h.as_slice()].concat());
        assert_eq!(eip191_digest(&h), manual);
    }

    #[test]
    fn spec_9_3_second_op_signature() {
        let hash = b256!("dc4c17072525e5dcaafde48812f3a577030537c730878e232e1c83927af0e63c");
        let sig = pack_user_op_signature(&sign_user_op_hash(&session(), &hash).unwrap());
        assert_eq!(
            hex::encode(&sig),
            "ff00fecefae1874cbebdd2fd98859fe5ccc11d2b8db9999c9cdc9b737afe7329caa716b81f8878a7a2450d75245712b70ad41e3342e88ea6b087ac2c800c18f754d61c"
        );
    }

    #[test]
    fn spec_9_3_second_op_through_sign_user_operation() {
        let req: SignUserOperationRequest = json::from_value(&json!({
            "privateKey": format!("0x{}", hex::encode(SESSION)),
            "chainId": SEPOLIA,
            "userOp": {
                "sender": "0x65b5DE0251f553B2208762a4724303E750294D96",
                "nonce": "0x1000000000000000000", // key 0x100 << 64, sequence 0
                "callData": "0x8dd7712fb61d27f6000000000000000000000000000000000000000000000000000000000000dead000000000000000000000000000000000000000000000000000000000000000100000000000000000000000000000000000000000000000000000000000000600000000000000000000000000000000000000000000000000000000000000000",
                "callGasLimit": 100000, "verificationGasLimit": 500000, "preVerificationGas": 60000,
                "maxFeePerGas": 2000000000u64, "maxPriorityFeePerGas": 1000000000u64
            }
        }))
        .unwrap();
        let sig = sign_user_operation_with_key(&req).unwrap();
        assert!(hex::encode(&sig).starts_with("ff00fecefae1874cbebdd2fd"), "{sig}");
        assert!(hex::encode(&sig).ends_with("0c18f754d61c"));

        // with a deferred prefix, the prefix goes first and the rest is unchanged
        let prefix = hex!("000003bf0001");
        let key = session();
        let with = sign_user_operation(&key, &req.user_op, SEPOLIA, ENTRY_POINT_V07, Some(&prefix)).unwrap();
        assert_eq!(with.as_ref(), [&prefix[..], sig.as_ref()].concat());
    }

    #[test]
    fn dummy_signature_is_the_sdk_constant() {
        assert_eq!(
            hex::encode(DUMMY_SIGNATURE),
            "ff00fffffffffffffffffffffffffffffff0000000000000000000000000000000007aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa1c"
        );
        assert_eq!(dummy_signature(None).as_ref(), DUMMY_SIGNATURE);
        assert_eq!(dummy_signature(Some(&[0xab])).as_ref()[..3], [0xab, 0xff, 0x00]);
    }

    #[test]
    fn replay_safe_hash_typehash_and_domain() {
        // _REPLAY_SAFE_HASH_TYPEHASH (spec §9.1)
        assert_eq!(
            keccak256("ReplaySafeHash(bytes32 hash)"),
            b256!("294a8735843d4afb4f017c76faf3b7731def145ed0025fc9b1d5ce30adf113ff")
        );
        // module domain typehash (spec §9.1): EIP712Domain(uint256 chainId,address verifyingContract,bytes32 salt)
        assert_eq!(
            keccak256("EIP712Domain(uint256 chainId,address verifyingContract,bytes32 salt)"),
            b256!("71062c282d40422f744945d587dbf4ecfd4f9cfad1d35d62c944373009d96162")
        );
        // SingleSigner module domain separator for the §9.2 account (spec §9.4)
        assert_eq!(
            single_signer_domain(SEPOLIA, ACCOUNT),
            b256!("ef6161fa5aff88519c10794ba300a86795cc6ddd73a9f9c23ea9035e280c68f5")
        );
    }

    #[test]
    fn spec_9_4_erc1271_entity_1() {
        // hash = hashMessage("hello")
        let hash = b256!("50b2c43fd39106bafbba0da34fc430e1f91e3c96ea2acee2bc34119f92b37750");
        assert_eq!(eip191_hash_message(b"hello"), hash);
        assert_eq!(
            replay_safe_hash(SEPOLIA, ACCOUNT, hash),
            b256!("fa188d1c1eda9baf3de56584d619cf86d79f11ec8d6d017d4dba72699c654895")
        );
        let sig = sign_1271(&session(), SEPOLIA, ACCOUNT, 1, hash).unwrap();
        assert_eq!(
            hex::encode(&sig),
            concat!(
                "00",       // no per-hook options
                "00000001", // entity id 1
                "ff00",     // validation segment, EOA signature
                "cf99077b1c6bd3d3ea5ae892e555da4f0bf080c52d8c7cf591121664456d3dbd11cdd86f33c4f97b8874a42e51b0290fb738236931e1cdd1a1464300b047e61f1b"
            )
        );
        let digest = replay_safe_hash(SEPOLIA, ACCOUNT, hash);
        assert_eq!(recover(&digest, &sig[7..]).unwrap(), session().address());

        // the same through the request shape, by message
        let out = sign_1271_with_key(
            &json::from_value(&json!({
                "privateKey": format!("0x{}", hex::encode(SESSION)),
                "chainId": SEPOLIA, "account": "0x65b5DE0251f553B2208762a4724303E750294D96",
                "entityId": 1, "message": "0x68656c6c6f"
            }))
            .unwrap(),
        )
        .unwrap();
        assert_eq!(out.hash.0, hash);
        assert_eq!(out.signature.0, sig);
    }

    #[test]
    fn request_refusals() {
        let base = json!({
            "privateKey": format!("0x{}", hex::encode(SESSION)),
            "chainId": 1, "account": "0x65b5DE0251f553B2208762a4724303E750294D96", "entityId": 1
        });
        let req: Sign1271Request = json::from_value(&base).unwrap();
        let e = sign_1271_with_key(&req).unwrap_err();
        assert_eq!((e.code(), e.field().as_deref()), ("MISSING_FIELD", Some("hash")));
        let mut both = base.clone();
        both["hash"] = json!(format!("0x{}", "11".repeat(32)));
        both["message"] = json!("0x");
        let e = sign_1271_with_key(&json::from_value(&both).unwrap()).unwrap_err();
        assert_eq!(e.field().as_deref(), Some("message"));
        let mut zero = base.clone();
        zero["privateKey"] = json!(format!("0x{}", "00".repeat(32)));
        zero["hash"] = json!(format!("0x{}", "11".repeat(32)));
        let e = sign_1271_with_key(&json::from_value(&zero).unwrap()).unwrap_err();
        assert_eq!((e.code(), e.field().as_deref()), ("INVALID_PRIVATE_KEY", Some("privateKey")));
        let mut short = base;
        short["privateKey"] = json!("0x1234");
        let e = json::from_value::<Sign1271Request>(&short).unwrap_err();
        assert_eq!((e.code(), e.field().as_deref()), ("INVALID_LENGTH", Some("privateKey")));
    }
}
