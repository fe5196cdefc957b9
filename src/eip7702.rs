//! MAv2's SemiModularAccount7702: an EOA that delegates its code to MAv2 with EIP-7702 and so
//! becomes its own smart account (SDK `createModularAccountV2({ mode: "7702" })`).
//!
//! What differs from the default SemiModularAccount, read from SDK 4.88.5
//! (`ma-v2/account/modularAccountV2.js`, `modularAccountV2Base.js`, `nativeSMASigner.js`, and
//! `@aa-sdk/core`'s `initUserOperation.js` / `userOpSigner.js`):
//! - the account is the owner's EOA, and there is no factory and no init code; the account exists
//!   once the EOA's code is `0xef0100 ‖ implementation`;
//! - the first operation of an EOA not yet delegated carries a signed EIP-7702 authorization in
//!   the `eip7702Auth` field (EntryPoint v0.7: the bundler puts it in its type-4 transaction; the
//!   userOpHash does not cover it);
//! - everything else is the default kind's: owner signature `0xFF ‖ 0x00 ‖ sig65` over the
//!   EIP-191 digest of the userOpHash, owner nonce key `0x01`, the same session validation, hooks
//!   and `executeUserOp` rule, and the deferred action's EIP-712 domain
//!   `{ chainId, verifyingContract: account }`, where the account is the EOA.
//!
//! The contract reads its fallback signer as `address(this)`, the EOA itself
//! (alchemyplatform/modular-account `SemiModularAccount7702.sol`).

use alloy_primitives::aliases::U192;
use alloy_primitives::{address, keccak256, Address, Bytes, B256, U256};
use serde::{Deserialize, Serialize, Serializer};

use crate::error::{Error, InputRule, Result};
use crate::json::{self, Addr};
use crate::read::{self, Fields, Read};
use crate::user_op::UserOperation;
use crate::write::{self, Obj};

/// SemiModularAccount7702 v1.0.0, the implementation the SDK's 7702 mode delegates to.
pub const SMA7702_IMPL: Address = address!("69007702764179f14F51cdce752f4f775d74E139");

/// EIP-7702 delegation designator prefix: a delegated EOA's code is this ‖ 20-byte address.
pub const DELEGATION_PREFIX: [u8; 3] = [0xef, 0x01, 0x00];

/// EIP-7702 `MAGIC`: the byte in front of the RLP an authorization signs.
const AUTHORIZATION_MAGIC: u8 = 0x05;

/// secp256k1 order / 2: EIP-7702 refuses authorizations with a larger `s`.
const HALF_ORDER: U256 =
    U256::from_limbs([0xdfe9_2f46_681b_20a0, 0x5d57_6e73_57a4_501d, 0xffff_ffff_ffff_ffff, 0x7fff_ffff_ffff_ffff]);

// ---- the account kind ----

/// The account of an EOA owner: the EOA itself.
pub fn account_address(owner: Address) -> Address {
    owner
}

/// Init code of every operation: empty. The EOA is never deployed by a factory; an authorization
/// gives it code instead.
pub fn init_code() -> Bytes {
    Bytes::new()
}

/// The owner's nonce key: the EOA is the fallback validation (entity 0) used as global, `0x01`,
/// as for the default kind (the SDK shares `getNonce`).
pub fn owner_nonce_key() -> U192 {
    crate::send::owner_nonce_key(crate::send::AccountKind::Mav2)
}

/// The owner's user-operation signature: `0xFF ‖ 0x00 ‖ sig65`, sig65 over the EIP-191 digest of
/// the userOpHash (the SDK uses the same `nativeSMASigner` in both modes).
pub fn pack_owner_signature(sig65: &[u8; 65]) -> Bytes {
    crate::sign::pack_user_op_signature(sig65)
}

/// The deferred action's EIP-712 digest: its domain's `verifyingContract` is the EOA.
pub fn deferred_action_hash(chain_id: u64, owner: Address, nonce: U256, deadline: u64, call: &[u8]) -> B256 {
    crate::deferred::deferred_action_hash(chain_id, account_address(owner), nonce, deadline, call)
}

/// Whether an operation's call data needs the `executeUserOp` prefix.
///
/// The SDK prefixes when the pending deferred action installs execution hooks, or when the
/// validation's installed execution hooks say so; it reads those only from a delegated account
/// (an EOA without the delegation has no validation installed).
pub fn uses_execute_user_op(delegation: Delegation, deferred_has_exec_hooks: bool, installed_exec_hooks: bool) -> bool {
    deferred_has_exec_hooks || (delegation == Delegation::Sma7702 && installed_exec_hooks)
}

// ---- delegation state ----

/// What an EOA's code says about its delegation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Delegation {
    /// No code: the first operation needs an authorization.
    None,
    /// `0xef0100 ‖ SMA7702_IMPL`: an MAv2 account already.
    Sma7702,
}

/// `0xef0100 ‖ implementation`: the code of an EOA delegated to `implementation`.
pub fn delegation_code(implementation: Address) -> [u8; 23] {
    let mut out = [0u8; 23];
    out[..3].copy_from_slice(&DELEGATION_PREFIX);
    out[3..].copy_from_slice(implementation.as_slice());
    out
}

/// Read `eth_getCode(account)`. Another delegation or plain contract code is refused with what is
/// there: sending would replace another wallet's delegation, or the address is not an EOA.
pub fn delegation(account: Address, code: &[u8]) -> Result<Delegation> {
    if code.is_empty() {
        return Ok(Delegation::None);
    }
    if code.len() == 23 && code[..3] == DELEGATION_PREFIX {
        let delegate = Address::from_slice(&code[3..]);
        if delegate == SMA7702_IMPL {
            return Ok(Delegation::Sma7702);
        }
        return Err(Error::DelegatedElsewhere {
            account: json::address(&account),
            delegate: json::address(&delegate),
            expected: json::address(&SMA7702_IMPL),
        });
    }
    Err(Error::AccountHasCode {
        account: json::address(&account),
        size: code.len(),
        head: json::hex(&code[..code.len().min(8)]),
    })
}

// ---- the authorization ----

/// The key an authorization names its delegate under: `address`, or viem's other name
/// `contractAddress`; both at once is a duplicate (serde's rule for an alias).
pub fn address_key(f: Fields<'_>) -> Read<&'static str> {
    match (f.get("address"), f.get("contractAddress")) {
        (Some(_), Some(_)) => Err(read::duplicate("address")),
        (None, Some(_)) => Ok("contractAddress"),
        _ => Ok("address"),
    }
}

/// A signed EIP-7702 authorization in viem's shape: `{ chainId, address, nonce, yParity, r, s }`
/// or with `v` (27/28) instead of (or beside) `yParity`. Quantities are read as hex, decimal
/// strings or numbers.
///
/// Written ([`Authorization::obj`]) as the `eip7702Auth` field bundlers take with an EntryPoint v0.7 operation, in the
/// SDK's spelling: quantities `0x…`, `r`/`s` 32 bytes, `yParity` `0x0`/`0x1`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Authorization {
    /// Chain the authorization is valid on; 0 means every chain.
    #[serde(with = "json::u64")]
    pub chain_id: u64,
    /// The contract the EOA delegates to (viem's other name `contractAddress` is accepted).
    #[serde(alias = "contractAddress")]
    pub address: Addr,
    /// The EOA's nonce the authorization consumes.
    #[serde(with = "json::u64")]
    pub nonce: u64,
    /// Signature parity, 0 or 1.
    #[serde(default, with = "json::opt::u64")]
    pub y_parity: Option<u64>,
    /// Legacy recovery value, 27 or 28 (viem fills both).
    #[serde(default, with = "json::opt::u64")]
    pub v: Option<u64>,
    /// Signature `r`.
    #[serde(with = "json::u256")]
    pub r: U256,
    /// Signature `s`.
    #[serde(with = "json::u256")]
    pub s: U256,
}

impl Authorization {
    /// Read an authorization field by field (the browser's reader; the rules are the derived
    /// `Deserialize`'s, which native callers use).
    pub fn read(v: &serde_json::Value) -> Read<Self> {
        let f = read::strict(v, &["chainId", "address", "contractAddress", "nonce", "yParity", "v", "r", "s"])?;
        Ok(Authorization {
            chain_id: f.req("chainId", read::u64_number)?,
            address: f.req(address_key(f)?, read::leaf)?,
            nonce: f.req("nonce", read::u64_number)?,
            y_parity: f.opt("yParity", read::u64_number)?,
            v: f.opt("v", read::u64_number)?,
            r: f.req("r", read::u256)?,
            s: f.req("s", read::u256)?,
        })
    }

    /// The parity bit from `yParity` or `v`; both given must agree.
    pub fn parity(&self) -> Result<u8> {
        let bad = |detail: String| Error::InvalidSignature { field: "authorization.yParity", detail };
        let from_v = match self.v {
            None => None,
            Some(v @ (27 | 28)) => Some((v - 27) as u8),
            Some(v @ (0 | 1)) => Some(v as u8),
            Some(v) => return Err(bad(format!("v must be 27 or 28, got {v}"))),
        };
        let from_y = match self.y_parity {
            None => None,
            Some(y @ (0 | 1)) => Some(y as u8),
            Some(y) => return Err(bad(format!("yParity must be 0 or 1, got {y}"))),
        };
        match (from_y, from_v) {
            (Some(y), Some(v)) if y != v => Err(bad(format!("yParity {y} and v {} disagree", self.v.unwrap_or(0)))),
            (Some(p), _) | (None, Some(p)) => Ok(p),
            (None, None) => Err(Error::input("authorization.yParity", InputRule::Missing, "is required (or v)")),
        }
    }

    /// The digest the EOA signed: `keccak256(0x05 ‖ rlp([chain_id, address, nonce]))`.
    pub fn signing_hash(&self) -> B256 {
        authorization_hash(self.chain_id, self.address.0, self.nonce)
    }

    /// The address that signed it. Refuses what the chain would skip: `s` above half the curve
    /// order, `r` or `s` zero or out of range, a parity other than 0/1.
    pub fn authority(&self) -> Result<Address> {
        let bad = |detail: &str| Error::InvalidSignature { field: "authorization", detail: detail.into() };
        let parity = self.parity()?;
        if self.r.is_zero() || self.s.is_zero() {
            return Err(bad("r and s must not be zero"));
        }
        if self.s > HALF_ORDER {
            return Err(bad("s is above half the curve order; EIP-7702 skips such an authorization"));
        }
        let mut sig = [0u8; 65];
        sig[..32].copy_from_slice(&self.r.to_be_bytes::<32>());
        sig[32..64].copy_from_slice(&self.s.to_be_bytes::<32>());
        sig[64] = parity;
        crate::key::recover(&self.signing_hash(), &sig).map_err(|_| bad("no key recovers from this signature"))
    }

    /// Check that the authorization delegates `account` to SMA7702 on `chain_id` (or every chain)
    /// at the account's current `account_nonce`, signed by the account. Each refusal is what would
    /// make the chain skip it, and the operation then fail without the delegation.
    pub fn check(&self, account: Address, chain_id: u64, account_nonce: u64) -> Result<()> {
        if self.address.0 != SMA7702_IMPL {
            return Err(Error::AuthorizationWrongDelegate {
                address: json::address(&self.address.0),
                expected: json::address(&SMA7702_IMPL),
            });
        }
        if self.chain_id != 0 && self.chain_id != chain_id {
            return Err(Error::AuthorizationWrongChain { chain_id: self.chain_id, expected: chain_id });
        }
        if self.nonce != account_nonce {
            return Err(Error::AuthorizationWrongNonce { nonce: self.nonce, expected: account_nonce });
        }
        let signer = self.authority()?;
        if signer != account {
            return Err(Error::AuthorizationWrongSigner {
                signer: json::address(&signer),
                account: json::address(&account),
            });
        }
        Ok(())
    }

    /// The unsigned stand-in the SDK sends for gas estimation (`r = s = 0`, `yParity 0`).
    pub fn estimation_stub(chain_id: u64, account_nonce: u64) -> Self {
        Authorization {
            chain_id,
            address: Addr(SMA7702_IMPL),
            nonce: account_nonce,
            y_parity: Some(0),
            v: None,
            r: U256::ZERO,
            s: U256::ZERO,
        }
    }
}

impl Authorization {
    /// The `eip7702Auth` object, fields in the SDK's order; a parity [`Authorization::parity`]
    /// refuses is refused.
    pub fn obj(&self) -> Result<Obj> {
        let parity = self.parity()?;
        let word = |v: U256| write::hex(&v.to_be_bytes::<32>());
        Ok(Obj::new()
            .quantity("chainId", U256::from(self.chain_id))
            .address("address", &self.address.0)
            .quantity("nonce", U256::from(self.nonce))
            .put("r", word(self.r))
            .put("s", word(self.s))
            .quantity("yParity", U256::from(parity))
            .take())
    }
}

impl Serialize for Authorization {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        let v = self.obj().map_err(serde::ser::Error::custom)?.value();
        v.serialize(s)
    }
}

/// `keccak256(0x05 ‖ rlp([chain_id, address, nonce]))` (EIP-7702; viem `hashAuthorization`).
pub fn authorization_hash(chain_id: u64, address: Address, nonce: u64) -> B256 {
    let mut payload = Vec::with_capacity(39);
    rlp_u64(&mut payload, chain_id);
    payload.push(0x80 + 20);
    payload.extend_from_slice(address.as_slice());
    rlp_u64(&mut payload, nonce);
    // At most 9 + 21 + 9 = 39 bytes: always a short list.
    let mut out = Vec::with_capacity(2 + payload.len());
    out.push(AUTHORIZATION_MAGIC);
    out.push(0xc0 + payload.len() as u8);
    out.extend_from_slice(&payload);
    keccak256(out)
}

/// RLP of an unsigned integer: big-endian without leading zeros; 0 is the empty string.
fn rlp_u64(out: &mut Vec<u8>, v: u64) {
    let bytes = v.to_be_bytes();
    let b = &bytes[(v.leading_zeros() / 8) as usize..];
    match b {
        [x] if *x < 0x80 => out.push(*x),
        _ => {
            out.push(0x80 + b.len() as u8);
            out.extend_from_slice(b);
        }
    }
}

/// The authorization an operation must carry: none once the EOA is delegated to SMA7702 (the SDK
/// then sends none), else the caller's, checked. `code` is the EOA's code, `account_nonce` its
/// transaction count.
pub fn authorization_for_op<'a>(
    account: Address,
    code: &[u8],
    authorization: Option<&'a Authorization>,
    chain_id: u64,
    account_nonce: u64,
) -> Result<Option<&'a Authorization>> {
    match delegation(account, code)? {
        Delegation::Sma7702 => Ok(None),
        Delegation::None => {
            let auth =
                authorization.ok_or_else(|| Error::AuthorizationRequired { account: json::address(&account) })?;
            auth.check(account, chain_id, account_nonce)?;
            Ok(Some(auth))
        }
    }
}

// ---- the user operation with an authorization ----

/// An operation as `eth_sendUserOperation` / `eth_estimateUserOperationGas` take it for a 7702
/// account: the v0.7 fields and, on the delegating operation, `eip7702Auth`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserOperation7702<'a> {
    /// The operation.
    pub user_op: &'a UserOperation,
    /// The authorization, on the first operation only.
    pub eip7702_auth: Option<&'a Authorization>,
}

impl UserOperation7702<'_> {
    /// The operation's fields, then `eip7702Auth` when there is one.
    pub fn obj(&self) -> Result<Obj> {
        let mut op = self.user_op.obj();
        if let Some(a) = self.eip7702_auth {
            op.obj("eip7702Auth", a.obj()?);
        }
        Ok(op)
    }
}

impl Serialize for UserOperation7702<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        let v = self.obj().map_err(serde::ser::Error::custom)?.value();
        v.serialize(s)
    }
}

/// The v0.7 userOpHash of an operation that may carry an authorization: EntryPoint v0.7 hashes
/// the packed fields alone, so the authorization changes nothing (viem's `getUserOperationHash`
/// agrees while `factory` is absent). A factory beside an authorization is refused: a 7702
/// account has none, and viem would hash its `0x7702` marker the v0.8 way.
pub fn user_op_hash(
    op: &UserOperation,
    authorization: Option<&Authorization>,
    chain_id: u64,
    entry_point: Address,
) -> Result<B256> {
    if authorization.is_some() && op.factory.is_some() {
        return Err(Error::input(
            "factory",
            InputRule::UnknownField,
            "an EIP-7702 account has no factory; leave it out when eip7702Auth is given",
        ));
    }
    op.hash(chain_id, entry_point)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::key::SessionKey;
    use alloy_primitives::hex;
    use serde_json::json;

    // anvil's first dev key (public test key).
    const OWNER: [u8; 32] = hex!("ac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80");
    const EOA: Address = address!("f39Fd6e51aad88F6F4ce6aB8827279cffFb92266");

    /// Signed by the SDK's LocalAccountSigner.signAuthorization (viem) for anvil #0, chain 31337,
    /// nonce 5 (tests/vectors/gen, offline).
    fn sdk_auth() -> serde_json::Value {
        json!({
            "chainId": "0x7a69",
            "nonce": "0x5",
            "address": "0x69007702764179f14F51cdce752f4f775d74E139",
            "r": "0x6817b518bbd7b66046f911024d70d83bde51c5dc2d8a14afea9e8c31a4e2a07e",
            "s": "0x6b717fdcaac87f86fc760be50da9f0480ccbad995f255697895bd2eb926fb7ba",
            "yParity": "0x1"
        })
    }

    fn auth(v: serde_json::Value) -> Authorization {
        json::from_value(&v).unwrap()
    }

    #[test]
    fn rlp_and_hash_by_hand() {
        // chain 1, nonce 0: c0+23 ‖ 01 ‖ 94 ‖ address ‖ 80
        let mut expected = vec![0x05, 0xd7, 0x01, 0x94];
        expected.extend_from_slice(SMA7702_IMPL.as_slice());
        expected.push(0x80);
        assert_eq!(authorization_hash(1, SMA7702_IMPL, 0), keccak256(&expected));
        let mut v = Vec::new();
        rlp_u64(&mut v, 0x7f);
        rlp_u64(&mut v, 0x80);
        rlp_u64(&mut v, u64::MAX);
        assert_eq!(v, hex!("7f8180" "88ffffffffffffffff"));
    }

    #[test]
    fn sdk_authorization_recovers_and_checks() {
        let a = auth(sdk_auth());
        assert_eq!(a.authority().unwrap(), EOA);
        a.check(EOA, 31337, 5).unwrap();
        // the same with v instead of yParity, with both, and as numbers
        let mut v = sdk_auth();
        v.as_object_mut().unwrap().remove("yParity");
        v["v"] = json!(28);
        assert_eq!(auth(v.clone()).authority().unwrap(), EOA);
        v["yParity"] = json!(1);
        v["chainId"] = json!(31337);
        v["nonce"] = json!(5);
        assert_eq!(auth(v.clone()), Authorization { y_parity: Some(1), v: Some(28), ..auth(sdk_auth()) });
        // serializes back to the SDK's eip7702Auth spelling
        let out = serde_json::to_value(auth(v)).unwrap();
        assert_eq!(out, sdk_auth());
        assert_eq!(
            serde_json::to_value(Authorization::estimation_stub(31337, 5)).unwrap(),
            json!({"chainId": "0x7a69", "nonce": "0x5", "address": "0x69007702764179f14F51cdce752f4f775d74E139",
                   "r": format!("0x{}", "0".repeat(64)), "s": format!("0x{}", "0".repeat(64)), "yParity": "0x0"})
        );
    }

    #[test]
    fn check_refusals_have_codes() {
        let code = |v: serde_json::Value, chain: u64, nonce: u64| {
            let e = auth(v).check(EOA, chain, nonce).unwrap_err();
            (e.code(), e.field())
        };
        let f = |s: &str| Some(s.to_string());
        assert_eq!(code(sdk_auth(), 1, 5), ("AUTHORIZATION_WRONG_CHAIN", f("authorization.chainId")));
        assert_eq!(code(sdk_auth(), 31337, 6), ("AUTHORIZATION_WRONG_NONCE", f("authorization.nonce")));
        let mut v = sdk_auth();
        v["address"] = json!("0x77021100bD87b7008E5E1989d0eB38555d0d0000");
        assert_eq!(code(v, 31337, 5), ("AUTHORIZATION_WRONG_DELEGATE", f("authorization.address")));
        // another signer: a fresh signature by another key over the same tuple
        let other = SessionKey::from_bytes(&[7u8; 32], "k").unwrap();
        let sig = other.sign_hash(&auth(sdk_auth()).signing_hash()).unwrap();
        let mut v = sdk_auth();
        v["r"] = json!(hex::encode_prefixed(&sig[..32]));
        v["s"] = json!(hex::encode_prefixed(&sig[32..64]));
        v["yParity"] = json!(sig[64] - 27);
        assert_eq!(code(v, 31337, 5), ("AUTHORIZATION_WRONG_SIGNER", f("authorization")));
        // chain 0 is valid on every chain
        let sig =
            SessionKey::from_bytes(&OWNER, "k").unwrap().sign_hash(&authorization_hash(0, SMA7702_IMPL, 9)).unwrap();
        let any = auth(json!({"chainId": 0, "address": SMA7702_IMPL.to_string(), "nonce": 9,
            "r": hex::encode_prefixed(&sig[..32]), "s": hex::encode_prefixed(&sig[32..64]), "v": sig[64]}));
        any.check(EOA, 8453, 9).unwrap();
        // signature forms the chain skips
        let mut high = sdk_auth();
        let n = U256::from_be_slice(&hex!("fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141"));
        let s = U256::from_be_slice(&hex!("6b717fdcaac87f86fc760be50da9f0480ccbad995f255697895bd2eb926fb7ba"));
        high["s"] = json!(format!("{:#x}", n - s));
        high["yParity"] = json!(0);
        assert_eq!(code(high, 31337, 5), ("INVALID_SIGNATURE", f("authorization")));
        let mut zero = sdk_auth();
        zero["r"] = json!("0x0");
        assert_eq!(code(zero, 31337, 5), ("INVALID_SIGNATURE", f("authorization")));
        for (y, v) in [(json!(2), json!(null)), (json!(null), json!(29)), (json!(0), json!(28))] {
            let mut bad = sdk_auth();
            bad["yParity"] = y;
            bad["v"] = v;
            assert_eq!(code(bad, 31337, 5), ("INVALID_SIGNATURE", f("authorization.yParity")));
        }
        let mut none = sdk_auth();
        none.as_object_mut().unwrap().remove("yParity");
        assert_eq!(code(none.clone(), 31337, 5), ("MISSING_FIELD", f("authorization.yParity")));
        assert!(serde_json::to_value(auth(none)).is_err());
        // shape refusals name the field
        let mut v = sdk_auth();
        v["nonce"] = json!("0x10000000000000000");
        let e = json::from_value::<Authorization>(&v).unwrap_err();
        assert_eq!((e.code(), e.field().as_deref()), ("NUMBER_OUT_OF_RANGE", Some("nonce")));
        let mut v = sdk_auth();
        v["extra"] = json!(1);
        assert_eq!(json::from_value::<Authorization>(&v).unwrap_err().code(), "UNKNOWN_FIELD");
    }

    #[test]
    fn delegation_states() {
        assert_eq!(delegation(EOA, &[]).unwrap(), Delegation::None);
        assert_eq!(delegation(EOA, &delegation_code(SMA7702_IMPL)).unwrap(), Delegation::Sma7702);
        let e = delegation(EOA, &delegation_code(Address::repeat_byte(0x11))).unwrap_err();
        assert_eq!((e.code(), e.field().as_deref()), ("DELEGATED_ELSEWHERE", Some("account")));
        assert!(e.to_string().contains("0x1111111111111111111111111111111111111111"), "{e}");
        for code in
            [&hex!("6080604052")[..], &hex!("ef0100")[..], &[&delegation_code(SMA7702_IMPL)[..], &[0]].concat()[..]]
        {
            let e = delegation(EOA, code).unwrap_err();
            assert_eq!((e.code(), e.field().as_deref()), ("ACCOUNT_HAS_CODE", Some("account")));
        }
        assert!(delegation(EOA, &hex!("6080604052")).unwrap_err().to_string().contains("0x6080604052"));

        let a = auth(sdk_auth());
        assert_eq!(authorization_for_op(EOA, &delegation_code(SMA7702_IMPL), Some(&a), 31337, 5).unwrap(), None);
        assert_eq!(authorization_for_op(EOA, &[], Some(&a), 31337, 5).unwrap(), Some(&a));
        assert_eq!(authorization_for_op(EOA, &[], None, 31337, 5).unwrap_err().code(), "AUTHORIZATION_REQUIRED");
        assert_eq!(authorization_for_op(EOA, &[], Some(&a), 31337, 4).unwrap_err().code(), "AUTHORIZATION_WRONG_NONCE");
        assert_eq!(
            authorization_for_op(EOA, &delegation_code(Address::ZERO), Some(&a), 31337, 5).unwrap_err().code(),
            "DELEGATED_ELSEWHERE"
        );
    }

    #[test]
    fn account_kind_rules() {
        assert_eq!(account_address(EOA), EOA);
        assert!(init_code().is_empty());
        assert_eq!(owner_nonce_key(), U192::from(1u8));
        assert!(!uses_execute_user_op(Delegation::None, false, true));
        assert!(uses_execute_user_op(Delegation::None, true, false));
        assert!(uses_execute_user_op(Delegation::Sma7702, false, true));
        assert!(!uses_execute_user_op(Delegation::Sma7702, false, false));
    }

    #[test]
    fn op_with_authorization_hash_and_body() {
        let op: UserOperation = json::from_value(&json!({
            "sender": "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266",
            "nonce": "0x10000000000000003",
            "callData": "0x",
            "callGasLimit": "0x186a0", "verificationGasLimit": "0x30d40", "preVerificationGas": "0xc350",
            "maxFeePerGas": "0xb2d05e00", "maxPriorityFeePerGas": "0x3b9aca00",
            "signature": "0xff00"
        }))
        .unwrap();
        let a = auth(sdk_auth());
        let with = user_op_hash(&op, Some(&a), 31337, crate::addresses::ENTRY_POINT_V07).unwrap();
        assert_eq!(with, op.hash(31337, crate::addresses::ENTRY_POINT_V07).unwrap());
        let body = serde_json::to_value(UserOperation7702 { user_op: &op, eip7702_auth: Some(&a) }).unwrap();
        assert_eq!(body["eip7702Auth"], sdk_auth());
        assert_eq!(body["nonce"], "0x10000000000000003");
        let body = serde_json::to_value(UserOperation7702 { user_op: &op, eip7702_auth: None }).unwrap();
        assert!(body.get("eip7702Auth").is_none());
        assert_eq!(body, serde_json::to_value(&op).unwrap());

        let mut with_factory = op.clone();
        with_factory.factory = Some(Addr(Address::repeat_byte(1)));
        let e = user_op_hash(&with_factory, Some(&a), 1, crate::addresses::ENTRY_POINT_V07).unwrap_err();
        assert_eq!(e.field().as_deref(), Some("factory"));
        assert!(user_op_hash(&with_factory, None, 1, crate::addresses::ENTRY_POINT_V07).is_ok());
    }
}
