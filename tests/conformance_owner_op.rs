//! The owner's user operation of a session grant or revocation (`BundlerClient.grantSession` /
//! `revokeSession`) against Alchemy's SDK (`tests/vectors/owner_op.json`): the owner's nonce key,
//! the call data, the dummy signature and the owner's signature packing (SMA owner:
//! `personal_sign` of the raw userOpHash, packed `0xFF ‖ 0x00 ‖ sig65`), through the same
//! `OwnerSigner` the browser uses with an EIP-1193 wallet.
#![cfg(not(target_arch = "wasm32"))]

mod common;

use std::future::Future;

use alloy_primitives::{Address, Bytes, B256, U256};
use mav2_session_keys::addresses::ENTRY_POINT_V07;
use mav2_session_keys::install::{
    encode_session_install, encode_session_uninstall, SessionInstallRequest, SessionUninstallRequest,
};
use mav2_session_keys::json::{self, HexFixed};
use mav2_session_keys::key::SessionKey;
use mav2_session_keys::send::{owner_nonce_key, AccountKind, OwnerSigner, PersonalSign, UserOpSigner};
use mav2_session_keys::sign::eip191_digest;
use mav2_session_keys::user_op::UserOperation;
use mav2_session_keys::Result;

/// Before every expiresAt in the vectors.
const NOW: u64 = 1_700_000_000;

/// A wallet that holds the key itself and answers `personal_sign` like an EIP-1193 wallet: an
/// ECDSA signature over the EIP-191 digest of the raw bytes.
struct LocalWallet(SessionKey);

impl PersonalSign for LocalWallet {
    fn address(&self) -> Address {
        self.0.address()
    }
    async fn personal_sign(&self, hash: B256) -> Result<Bytes> {
        Ok(Bytes::copy_from_slice(&self.0.sign_hash(&eip191_digest(&hash))?))
    }
}

fn block_on<F: Future>(f: F) -> F::Output {
    use std::task::{Context, Poll, Waker};
    let mut f = std::pin::pin!(f);
    match f.as_mut().poll(&mut Context::from_waker(Waker::noop())) {
        Poll::Ready(v) => v,
        Poll::Pending => panic!("future waited"),
    }
}

#[test]
fn owner_operation_matches_the_sdk() {
    let v = common::load("owner_op.json", include_str!("vectors/owner_op.json"));
    let (mut grants, mut revokes) = (0, 0);
    for case in &v.cases {
        let name = case["name"].as_str().unwrap();
        let (input, output) = (&case["input"], &case["output"]);
        let key: HexFixed<32> = json::from_value(&input["ownerKey"]).unwrap();
        let wallet = LocalWallet(SessionKey::from_bytes(key.0.as_slice(), "ownerKey").unwrap());
        common::assert_hex_eq(case, "owner", &json::address(&wallet.address()), &output["owner"]);

        // Nonce key: entity 0 (the SMA owner), global.
        let nonce_key = owner_nonce_key(AccountKind::Mav2);
        common::assert_hex_eq(case, "nonceKey", &json::quantity(U256::from(nonce_key)), &output["nonceKey"]);
        let sequence: U256 = json::from_value::<HexFixed<32>>(&serde_json::json!(format!(
            "0x{:0>64}",
            input["onchainSequence"].as_str().unwrap().trim_start_matches("0x")
        )))
        .map(|h| U256::from_be_bytes(h.0 .0))
        .unwrap();
        let nonce = (U256::from(nonce_key) << 64) | sequence;
        common::assert_hex_eq(case, "nonce", &json::quantity(nonce), &output["nonce"]);

        // Call data: the session's installValidation / uninstallValidation, sent as a self-call.
        let call_data = match input["action"].as_str().unwrap() {
            "installValidation" => {
                grants += 1;
                encode_session_install(&SessionInstallRequest::from_json(&input["grant"], "grant").unwrap(), NOW)
                    .unwrap()
            }
            _ => {
                revokes += 1;
                encode_session_uninstall(&SessionUninstallRequest::from_json(&input["grant"], "grant").unwrap())
                    .unwrap()
            }
        };
        common::assert_hex_eq(case, "callData", &json::hex(&call_data), &output["callData"]);

        // The operation, its hash, and the owner's signatures.
        let mut op: UserOperation = json::from_value(&input["userOp"]).unwrap();
        assert_eq!(op.nonce, nonce, "{name}");
        assert_eq!(op.call_data.0, call_data, "{name}");
        let chain_id = input["grant"]["chainId"].as_u64().unwrap();
        let hash = op.hash(chain_id, ENTRY_POINT_V07).unwrap();
        common::assert_hex_eq(case, "userOpHash", &json::hex(hash), &output["userOpHash"]);
        let signer = OwnerSigner { wallet, kind: AccountKind::Mav2 };
        common::assert_hex_eq(case, "dummySignature", &json::hex(signer.dummy_signature()), &output["dummySignature"]);
        let sig = block_on(signer.sign(hash)).unwrap();
        common::assert_hex_eq(case, "signature", &json::hex(&sig), &output["signature"]);
        op.signature = json::HexBytes(sig);
    }
    assert!(grants > 10 && revokes > 5, "{grants} grants, {revokes} revocations");
    println!("owner_op.json: {grants} grants and {revokes} revocations equal the SDK's");
}

#[test]
fn owner_signer_refuses_a_wallet_answering_for_another_address() {
    struct Liar(SessionKey, Address);
    impl PersonalSign for Liar {
        fn address(&self) -> Address {
            self.1
        }
        async fn personal_sign(&self, hash: B256) -> Result<Bytes> {
            Ok(Bytes::copy_from_slice(&self.0.sign_hash(&eip191_digest(&hash))?))
        }
    }
    let signer =
        OwnerSigner { wallet: Liar(SessionKey::generate().unwrap(), Address::repeat_byte(7)), kind: AccountKind::Mav2 };
    let e = block_on(signer.sign(B256::repeat_byte(1))).unwrap_err();
    assert_eq!(e.code(), "INVALID_SIGNATURE");
    // A SimpleAccount owner signs the raw 65 bytes.
    let k = SessionKey::generate().unwrap();
    let simple = OwnerSigner { wallet: LocalWallet(k), kind: AccountKind::SimpleAccount };
    assert_eq!(block_on(simple.sign(B256::repeat_byte(1))).unwrap().len(), 65);
    assert_eq!(owner_nonce_key(AccountKind::SimpleAccount), alloy_primitives::aliases::U192::ZERO);
}
