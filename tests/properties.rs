//! Property tests (proptest) of the pure core: what we encode decodes back, what we sign
//! recovers to the session key, what we hash moves with every field it commits to, and every
//! refusal on the way is a typed error naming its field.
//!
//! `cargo test --test properties` (PROPTEST_CASES=N for a longer run).
#![cfg(not(target_arch = "wasm32"))]

use alloy_primitives::{Address, Bytes, FixedBytes, B256, U256};
use alloy_sol_types::{SolCall, SolValue};
use proptest::prelude::*;
use serde_json::{json, Value};

use mav2_session_keys::abi::{AllowlistInput, IModularAccount};
use mav2_session_keys::addresses::{ENTRY_POINT_V07, SINGLE_SIGNER_VALIDATION_MODULE};
use mav2_session_keys::calls::{
    decode_calls, encode_calls, encode_execute, encode_execute_batch, CallRequest, EncodeCallsRequest,
};
use mav2_session_keys::deferred::{deferred_action_digest, split_deferred_action};
use mav2_session_keys::eip7702::Authorization;
use mav2_session_keys::install::{
    build_session_install, encode_session_uninstall, hook_uninstall_data, SessionInstallRequest,
    SessionUninstallRequest,
};
use mav2_session_keys::json::{self, Addr, HexBytes};
use mav2_session_keys::key::{recover, SessionKey};
use mav2_session_keys::nonce::{self, decode_nonce_key, full_nonce, split_nonce, NonceKeyRequest};
use mav2_session_keys::permissions::{HookKind, Permission, FORBIDDEN_SELECTORS};
use mav2_session_keys::session::{
    decode_stored, encode_stored, DeferredState, EncryptedKey, KeyKind, PublicKeyXy, SessionRecord, StoredStatus,
};
use mav2_session_keys::sign;
use mav2_session_keys::user_op::UserOperation;
use mav2_session_keys::{Error, InputRule};

const NOW: u64 = 1_764_000_000;

fn config() -> ProptestConfig {
    ProptestConfig { cases: 256, ..ProptestConfig::default() }
}

/// A typed refusal: stable code, and a field path for input errors.
fn typed(e: &Error) {
    let code = e.code();
    assert!(code.bytes().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_'), "{code}");
    if let Error::InvalidInput { field, .. } = e {
        assert!(!field.is_empty(), "{e:?}");
    }
}

// ---------- strategies ----------

fn address() -> impl Strategy<Value = Address> {
    prop_oneof![
        any::<[u8; 20]>().prop_map(Address::from),
        // a small pool, so duplicates and collisions with the account happen
        (0u8..4).prop_map(Address::repeat_byte),
    ]
}

fn u256() -> impl Strategy<Value = U256> {
    prop_oneof![
        any::<u64>().prop_map(U256::from),
        any::<[u8; 32]>().prop_map(U256::from_be_bytes),
        Just(U256::ZERO),
        Just(U256::MAX),
    ]
}

fn bytes(max: usize) -> impl Strategy<Value = Bytes> {
    proptest::collection::vec(any::<u8>(), 0..max).prop_map(Bytes::from)
}

prop_compose! {
    fn user_op()(
        sender in any::<[u8; 20]>(),
        nonce in u256(),
        factory in proptest::option::of((any::<[u8; 20]>(), bytes(80))),
        call_data in bytes(200),
        gas in any::<[u128; 5]>(),
        pvg in u256(),
        paymaster in proptest::option::of((any::<[u8; 20]>(), any::<Option<u128>>(), any::<Option<u128>>(), proptest::option::of(bytes(40)))),
        signature in bytes(70),
    ) -> UserOperation {
        let (factory, factory_data) = match factory {
            // 0x7702… is refused as a factory (viem hashes it differently from EntryPoint v0.7)
            Some((f, d)) if Address::from(f) != alloy_primitives::address!("7702000000000000000000000000000000000000") => {
                (Some(Addr(f.into())), Some(HexBytes(d)))
            }
            _ => (None, None),
        };
        let (paymaster, pvgl, ppogl, pdata) = match paymaster {
            Some((p, v, o, d)) => (Some(Addr(p.into())), v, o, d.map(HexBytes)),
            None => (None, None, None, None),
        };
        UserOperation {
            sender: Addr(sender.into()),
            nonce,
            factory,
            factory_data,
            call_data: HexBytes(call_data),
            call_gas_limit: gas[0],
            verification_gas_limit: gas[1],
            pre_verification_gas: pvg,
            max_fee_per_gas: gas[2],
            max_priority_fee_per_gas: gas[3],
            paymaster,
            paymaster_verification_gas_limit: pvgl,
            paymaster_post_op_gas_limit: ppogl,
            paymaster_data: pdata,
            signature: HexBytes(signature),
        }
    }
}

fn secret() -> impl Strategy<Value = SessionKey> {
    any::<[u8; 32]>().prop_filter_map("not a secp256k1 scalar", |b| SessionKey::from_bytes(&b, "k").ok())
}

fn call() -> impl Strategy<Value = CallRequest> {
    (address(), u256(), bytes(100)).prop_map(|(t, v, d)| CallRequest { target: Addr(t), value: v, data: HexBytes(d) })
}

/// `execute` / `executeBatch` call data as alloy's decoder reads it, when its own encoding of
/// what it read is these very bytes.
fn alloy_canonical(data: &[u8]) -> Option<Vec<(Address, U256, Bytes)>> {
    use alloy_sol_types::SolCall;
    use IModularAccount::{executeBatchCall, executeCall};
    if let Ok(c) = executeCall::abi_decode_validate(data) {
        return (c.abi_encode() == data).then(|| vec![(c.target, c.value, c.data)]);
    }
    let c = executeBatchCall::abi_decode_validate(data).ok()?;
    (c.abi_encode() == data).then(|| c.calls.into_iter().map(|c| (c.target, c.value, c.data)).collect())
}

fn hexs(b: impl AsRef<[u8]>) -> Value {
    Value::String(json::hex(b))
}

/// A selector: mostly arbitrary, sometimes one a session may never get.
fn selector() -> impl Strategy<Value = [u8; 4]> {
    prop_oneof![
        8 => any::<[u8; 4]>(),
        1 => (0..FORBIDDEN_SELECTORS.len()).prop_map(|i| FORBIDDEN_SELECTORS[i].0),
    ]
}

/// One PermissionBuilder permission as JSON (the SDK's shape).
fn permission() -> impl Strategy<Value = Value> {
    let addr = || address().prop_map(|a| Value::String(json::address(&a)));
    let amount = || u256().prop_map(|v| Value::String(json::quantity(v)));
    let sels = || proptest::collection::vec(selector().prop_map(hexs), 0..4);
    prop_oneof![
        amount().prop_map(|a| json!({"type": "native-token-transfer", "data": {"allowance": a}})),
        (addr(), amount())
            .prop_map(|(t, a)| json!({"type": "erc20-token-transfer", "data": {"address": t, "allowance": a}})),
        amount().prop_map(|a| json!({"type": "gas-limit", "data": {"limit": a}})),
        addr().prop_map(|t| json!({"type": "contract-access", "data": {"address": t}})),
        sels().prop_map(|f| json!({"type": "account-functions", "data": {"functions": f}})),
        sels().prop_map(|f| json!({"type": "functions-on-all-contracts", "data": {"functions": f}})),
        (addr(), sels())
            .prop_map(|(t, f)| json!({"type": "functions-on-contract", "data": {"address": t, "functions": f}})),
        Just(json!({"type": "root"})),
    ]
}

prop_compose! {
    fn grant()(
        account in address(),
        session_key in any::<[u8; 20]>(),
        entity_id in prop_oneof![1u64..5, 0u64..=u64::from(u32::MAX) + 1],
        permissions in proptest::collection::vec(permission(), 0..5),
        window in proptest::option::of((NOW - 10..NOW + 1_000_000, proptest::option::of(0u64..NOW + 2_000_000))),
        paymaster in proptest::option::of(address()),
    ) -> Value {
        let mut v = json!({
            "chainId": 11155111,
            "account": json::address(&account),
            "sessionKey": json::address(&Address::from(session_key)),
            "entityId": entity_id,
            "permissions": permissions,
        });
        if let Some((expires_at, valid_after)) = window {
            v["expiresAt"] = json!(expires_at);
            if let Some(va) = valid_after {
                v["validAfter"] = json!(va);
            }
        }
        if let Some(p) = paymaster {
            v["paymaster"] = json!(json::address(&p));
        }
        v
    }
}

// ---------- user operations: pack ⇄ unpack, hash ----------

/// viem's packing, read back: the inverse of `UserOperation::pack` on its normal form.
fn unpack(p: &mav2_session_keys::abi::PackedUserOperation) -> UserOperation {
    let split = |w: &FixedBytes<32>| {
        (u128::from_be_bytes(w[..16].try_into().unwrap()), u128::from_be_bytes(w[16..].try_into().unwrap()))
    };
    let (vgl, cgl) = split(&p.accountGasLimits);
    let (prio, max) = split(&p.gasFees);
    let (factory, factory_data) = match p.initCode.len() {
        0 => (None, None),
        _ => (Some(Addr(Address::from_slice(&p.initCode[..20]))), Some(HexBytes(p.initCode.slice(20..)))),
    };
    let pm = &p.paymasterAndData;
    let (paymaster, pvgl, ppogl, pdata) = match pm.len() {
        0 => (None, None, None, None),
        _ => (
            Some(Addr(Address::from_slice(&pm[..20]))),
            Some(u128::from_be_bytes(pm[20..36].try_into().unwrap())),
            Some(u128::from_be_bytes(pm[36..52].try_into().unwrap())),
            Some(HexBytes(pm.slice(52..))),
        ),
    };
    UserOperation {
        sender: Addr(p.sender),
        nonce: p.nonce,
        factory,
        factory_data,
        call_data: HexBytes(p.callData.clone()),
        call_gas_limit: cgl,
        verification_gas_limit: vgl,
        pre_verification_gas: p.preVerificationGas,
        max_fee_per_gas: max,
        max_priority_fee_per_gas: prio,
        paymaster,
        paymaster_verification_gas_limit: pvgl,
        paymaster_post_op_gas_limit: ppogl,
        paymaster_data: pdata,
        signature: HexBytes(p.signature.clone()),
    }
}

/// The operation as `unpack` returns it: defaults made explicit (what viem packs them as).
fn normal(op: &UserOperation) -> UserOperation {
    let mut n = op.clone();
    if n.factory.is_some() {
        n.factory_data.get_or_insert_with(HexBytes::default);
    }
    if n.paymaster.is_some() {
        n.paymaster_verification_gas_limit.get_or_insert(0);
        n.paymaster_post_op_gas_limit.get_or_insert(0);
        n.paymaster_data.get_or_insert_with(HexBytes::default);
    }
    n
}

/// Change one hashed field of `op` (picked by `which`) to a different value.
fn mutate(op: &mut UserOperation, which: u8, salt: u8) {
    let bump = |x: u128| x ^ (1u128 << (salt % 128));
    match which % 11 {
        0 => op.sender.0 = Address::from(op.sender.0.into_array().map(|b| b ^ 1)),
        1 => op.nonce ^= U256::from(1u8) << (salt as usize),
        2 => op.call_data = HexBytes([op.call_data.0.as_ref(), &[salt]].concat().into()),
        3 => op.call_gas_limit = bump(op.call_gas_limit),
        4 => op.verification_gas_limit = bump(op.verification_gas_limit),
        5 => op.pre_verification_gas ^= U256::from(1u8) << (salt as usize),
        6 => op.max_fee_per_gas = bump(op.max_fee_per_gas),
        7 => op.max_priority_fee_per_gas = bump(op.max_priority_fee_per_gas),
        8 => match &mut op.factory {
            Some(_) => {
                op.factory_data =
                    Some(HexBytes([op.factory_data.clone().unwrap_or_default().0.as_ref(), &[salt]].concat().into()))
            }
            None => {
                op.factory = Some(Addr(Address::repeat_byte(0x11)));
                op.factory_data = None;
            }
        },
        9 => match &op.paymaster {
            Some(_) => op.paymaster_post_op_gas_limit = Some(bump(op.paymaster_post_op_gas_limit.unwrap_or(0))),
            None => op.paymaster = Some(Addr(Address::repeat_byte(0x22))),
        },
        _ => match &op.paymaster {
            Some(_) => {
                op.paymaster_data =
                    Some(HexBytes([op.paymaster_data.clone().unwrap_or_default().0.as_ref(), &[salt]].concat().into()))
            }
            None => op.paymaster = Some(Addr(Address::repeat_byte(0x33))),
        },
    }
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn pack_unpack_round_trips(op in user_op()) {
        prop_assert_eq!(unpack(&op.pack()), normal(&op));
        // and the JSON the bundler receives parses back to the same operation
        let back: UserOperation = json::from_value(&serde_json::to_value(&op).unwrap()).unwrap();
        prop_assert_eq!(back, op);
    }

    #[test]
    fn hash_moves_with_every_field_and_only_those(op in user_op(), which in any::<u8>(), salt in any::<u8>(), sig in bytes(70), chain in 1u64..u64::MAX) {
        let h = op.hash(chain, ENTRY_POINT_V07).unwrap();
        // defaults made explicit hash the same (viem packs an absent value as 0 / empty)
        prop_assert_eq!(normal(&op).hash(chain, ENTRY_POINT_V07).unwrap(), h);
        // the signature is not hashed
        let mut signed = op.clone();
        signed.signature = HexBytes(sig);
        prop_assert_eq!(signed.hash(chain, ENTRY_POINT_V07).unwrap(), h);
        // every other field is
        let mut changed = op.clone();
        mutate(&mut changed, which, salt);
        prop_assert_ne!(changed.hash(chain, ENTRY_POINT_V07).unwrap(), h);
        // and so are the chain and the EntryPoint
        prop_assert_ne!(op.hash(chain ^ 1, ENTRY_POINT_V07).unwrap(), h);
        prop_assert_ne!(op.hash(chain, Address::repeat_byte(0x44)).unwrap(), h);
    }

    // ---------- signatures ----------

    #[test]
    fn sign_then_recover_gives_the_session_address(key in secret(), op in user_op(), chain in 1u64..u64::MAX, prefix in proptest::option::of(bytes(120))) {
        let sig = sign::sign_user_operation(&key, &op, chain, ENTRY_POINT_V07, prefix.as_ref().map(|b| b.as_ref())).unwrap();
        let p = prefix.unwrap_or_default();
        prop_assert!(sig.starts_with(&p));
        let packed = &sig[p.len()..];
        prop_assert_eq!(packed.len(), 67);
        prop_assert_eq!(&packed[..2], &[0xff, 0x00]);
        let digest = sign::eip191_digest(&op.hash(chain, ENTRY_POINT_V07).unwrap());
        prop_assert_eq!(recover(&digest, &packed[2..]).unwrap(), key.address());
        // low-s, v in {27, 28}
        prop_assert!(packed[66] == 27 || packed[66] == 28);
        let s = U256::from_be_slice(&packed[2 + 32..2 + 64]);
        let half_n = U256::from_str_radix("7fffffffffffffffffffffffffffffff5d576e7357a4501ddfe92f46681b20a0", 16).unwrap();
        prop_assert!(s <= half_n);
    }

    #[test]
    fn erc1271_signature_recovers_over_the_replay_safe_hash(key in secret(), chain in any::<u64>(), account in address(), entity in any::<u32>(), hash in any::<[u8; 32]>()) {
        let hash = B256::from(hash);
        let sig = sign::sign_1271(&key, chain, account, entity, hash).unwrap();
        prop_assert_eq!(sig[0], 0);
        prop_assert_eq!(&sig[1..5], &entity.to_be_bytes());
        prop_assert_eq!(&sig[5..7], &[0xff, 0x00]);
        let safe = sign::replay_safe_hash(chain, account, hash);
        prop_assert_eq!(recover(&safe, &sig[7..]).unwrap(), key.address());
        // bound to the account and the chain
        prop_assert_ne!(sign::replay_safe_hash(chain, Address::from(account.into_array().map(|b| !b)), hash), safe);
        prop_assert_ne!(sign::replay_safe_hash(chain ^ 1, account, hash), safe);
    }

    #[test]
    fn recover_refuses_garbage_with_a_typed_error(digest in any::<[u8; 32]>(), sig in bytes(80)) {
        match recover(&B256::from(digest), &sig) {
            Ok(_) => prop_assert_eq!(sig.len(), 65),
            Err(e) => { typed(&e); prop_assert_eq!(e.code(), "INVALID_SIGNATURE"); }
        }
    }

    /// Our recovery agrees with ecdsa's `recover_from_prehash` on any 65 bytes: the same address,
    /// or both refuse.
    #[test]
    fn recover_agrees_with_k256(digest in any::<[u8; 32]>(), rs in any::<[u8; 64]>(), v in 0u8..2, key in secret(), signed in any::<bool>()) {
        let digest = B256::from(digest);
        let mut sig = [0u8; 65];
        if signed {
            sig = key.sign_hash(&digest).unwrap();
        } else {
            sig[..64].copy_from_slice(&rs);
            sig[64] = 27 + v;
        }
        let theirs = k256::ecdsa::Signature::from_slice(&sig[..64]).ok().and_then(|s| {
            let id = k256::ecdsa::RecoveryId::from_byte(sig[64] - 27)?;
            k256::ecdsa::VerifyingKey::recover_from_prehash(digest.as_slice(), &s, id).ok()
        });
        match (recover(&digest, &sig), theirs) {
            (Ok(a), Some(k)) => prop_assert_eq!(a, mav2_session_keys::key::address_of(k.as_affine())),
            (Err(e), None) => prop_assert_eq!(e.code(), "INVALID_SIGNATURE"),
            (ours, theirs) => prop_assert!(false, "ours {:?}, k256 {:?}", ours.map_err(|e| e.to_string()), theirs),
        }
        if signed {
            prop_assert_eq!(recover(&digest, &sig).unwrap(), key.address());
        }
    }

    // ---------- call data ----------

    #[test]
    fn execute_and_batch_decode_back(calls in proptest::collection::vec(call(), 0..6), hooks in any::<bool>()) {
        let want: Vec<(Address, U256, Bytes)> = calls.iter().map(|c| (c.target.0, c.value, c.data.0.clone())).collect();
        let batch = encode_execute_batch(&calls, hooks);
        prop_assert_eq!(batch.starts_with(&[0x8d, 0xd7, 0x71, 0x2f]), hooks);
        prop_assert_eq!(decode_calls(&batch).unwrap(), want.clone());
        if let [one] = calls.as_slice() {
            prop_assert_eq!(decode_calls(&encode_execute(one, hooks)).unwrap(), want.clone());
            let req = EncodeCallsRequest { account: None, calls: calls.clone(), batch: None, with_execution_hooks: Some(hooks) };
            prop_assert_eq!(decode_calls(&encode_calls(&req).unwrap()).unwrap(), want);
        }
    }

    /// Call data read back exactly when alloy's decoder reads it and re-encodes it to the same
    /// bytes (the canonical encoding), with the same calls; anything else is a typed refusal.
    /// Inputs: our encodings cut short, extended, or with one byte changed.
    #[test]
    fn only_canonical_call_data_decodes(
        calls in proptest::collection::vec(call(), 1..4),
        one in any::<bool>(),
        at in any::<prop::sample::Index>(),
        how in 0u8..3,
        byte in any::<u8>(),
    ) {
        let mut data = if one { encode_execute(&calls[0], false) } else { encode_execute_batch(&calls, false) }.to_vec();
        let i = at.index(data.len());
        match how {
            0 => data.truncate(i),
            1 => data.extend(std::iter::repeat_n(0, i % 64 + 1)),
            _ => data[i] = byte,
        }
        match decode_calls(&data) {
            Ok(got) => prop_assert_eq!(Some(got), alloy_canonical(&data)),
            Err(e) => {
                typed(&e);
                prop_assert_eq!(e.field(), Some("callData".to_string()));
                prop_assert_eq!(alloy_canonical(&data), None);
            }
        }
    }

    // ---------- nonce keys ----------

    #[test]
    fn nonce_key_round_trips(parallel in any::<[u8; 19]>(), entity in any::<u32>(), global in any::<bool>(), deferred in any::<bool>(), seq in any::<u64>()) {
        let parallel = U256::from_be_slice(&parallel);
        let req = NonceKeyRequest { nonce_key: Some(parallel), entity_id: Some(entity), is_global_validation: Some(global), is_deferred_action: Some(deferred) };
        let key = nonce::nonce_key(&req).unwrap();
        prop_assert!(key.bit_len() <= 192);
        let parts = decode_nonce_key(key);
        prop_assert_eq!((parts.parallel_key, parts.entity_id, parts.is_global, parts.is_deferred, parts.is_direct_call), (parallel, entity, global, deferred, false));
        let full = full_nonce(key, seq).unwrap();
        prop_assert_eq!(split_nonce(full), (key, seq));
        // the JSON form parses to the same request
        let again = NonceKeyRequest::from_json(&serde_json::to_value(&req).unwrap(), "options").unwrap();
        prop_assert_eq!(again, req);
    }

    #[test]
    fn too_wide_nonce_keys_are_refused(extra in 0usize..100, entity in any::<u32>()) {
        let parallel = nonce::max_parallel_key() + (U256::from(1u8) << extra);
        let req = NonceKeyRequest { nonce_key: Some(parallel), entity_id: Some(entity), ..Default::default() };
        let e = nonce::nonce_key(&req).unwrap_err();
        prop_assert_eq!((e.code(), e.field()), ("INVALID_NONCE_KEY", Some("nonceKey".to_string())));
    }

    // ---------- grants ----------

    #[test]
    fn install_call_data_decodes_to_the_requested_hooks_and_selectors(g in grant()) {
        let req = SessionInstallRequest::from_json(&g, "grant").unwrap();
        let install = match build_session_install(&req, NOW) {
            Ok(i) => i,
            Err(e) => { typed(&e); return Ok(()); }
        };
        let call = IModularAccount::installValidationCall::abi_decode(&install.call_data).unwrap();
        let set = &install.permissions;
        let e = u32::try_from(req.entity_id).unwrap();
        // validation config: SingleSigner ‖ entity ‖ flags (global for root)
        prop_assert_eq!(&call.validationConfig[..20], SINGLE_SIGNER_VALIDATION_MODULE.as_slice());
        prop_assert_eq!(&call.validationConfig[20..24], &e.to_be_bytes());
        let is_root = req.permissions.iter().any(|p| matches!(p, mav2_session_keys::permissions::Permission::Root));
        prop_assert_eq!(call.validationConfig[24], if is_root { 0x05 } else { 0x01 });
        // installData: (entity, session key)
        prop_assert_eq!(<(u32, Address)>::abi_decode_params(&call.installData).unwrap(), (e, req.session_key.0));
        // selectors: account-functions in order, then execute/executeBatch iff an allowlist
        let mut want_sel: Vec<FixedBytes<4>> = Vec::new();
        let mut allowlist = false;
        for p in &g["permissions"].as_array().unwrap().clone() {
            match p["type"].as_str().unwrap() {
                "account-functions" => for f in p["data"]["functions"].as_array().unwrap() {
                    want_sel.push(json::from_value::<json::HexFixed<4>>(f).unwrap().0);
                },
                "contract-access" | "functions-on-contract" | "functions-on-all-contracts" | "erc20-token-transfer" => allowlist = true,
                _ => {}
            }
        }
        if allowlist {
            want_sel.push(FixedBytes([0xb6, 0x1d, 0x27, 0xf6]));
            want_sel.push(FixedBytes([0x34, 0xfc, 0xd5, 0xbe]));
        }
        prop_assert_eq!(&call.selectors, &want_sel);
        prop_assert_eq!(&call.selectors, &set.selectors);
        // hooks: exactly the kinds the request asks for, in install order, encoded as built
        let kinds: Vec<HookKind> = install.hooks.iter().map(|h| h.kind).collect();
        let has = |t: &str| req.permissions.iter().any(|p| serde_json::to_value(p).unwrap()["type"] == t);
        let mut want_kinds = Vec::new();
        if req.expires_at.is_some() { want_kinds.push(HookKind::TimeRange); }
        if req.paymaster.is_some() { want_kinds.push(HookKind::PaymasterGuard); }
        if has("native-token-transfer") { want_kinds.push(HookKind::NativeTokenLimit); }
        if has("erc20-token-transfer") { want_kinds.push(HookKind::Erc20SpendLimit); }
        if has("gas-limit") { want_kinds.push(HookKind::GasLimit); }
        if allowlist { want_kinds.push(HookKind::Allowlist); }
        prop_assert_eq!(kinds, want_kinds);
        prop_assert_eq!(call.hooks.len(), install.hooks.len());
        for (h, got) in install.hooks.iter().zip(&call.hooks) {
            let cfg = h.config.encode();
            prop_assert_eq!(&got[..25], cfg.as_slice());
            prop_assert_eq!(&got[25..], &h.install_data[..]);
            if h.kind == HookKind::TimeRange {
                let (he, until, after) = <(u32, U256, U256)>::abi_decode_params(&got[25..]).unwrap();
                prop_assert_eq!((he, until, after), (e, U256::from(req.expires_at.unwrap()), U256::from(req.valid_after.unwrap_or(0))));
            }
            if h.kind == HookKind::Allowlist {
                let (he, inputs) = <(u32, Vec<AllowlistInput>)>::abi_decode_params(&got[25..]).unwrap();
                prop_assert_eq!(he, e);
                for t in &set.targets {
                    prop_assert!(inputs.iter().any(|i| i.target == t.address));
                }
            }
        }
        prop_assert_eq!(install.has_execution_hooks, has("native-token-transfer") || has("erc20-token-transfer"));

        // the revocation of the same grant names the same hooks (validation first, newest first)
        let mut u = g.clone();
        u.as_object_mut().unwrap().remove("sessionKey");
        let ureq = SessionUninstallRequest::from_json(&u, "grant").unwrap();
        let un = IModularAccount::uninstallValidationCall::abi_decode(&encode_session_uninstall(&ureq).unwrap()).unwrap();
        prop_assert_eq!(&un.validationFunction[..20], SINGLE_SIGNER_VALIDATION_MODULE.as_slice());
        prop_assert_eq!(un.hookUninstallData, hook_uninstall_data(&install.hooks));
    }

    #[test]
    fn deferred_digest_joins_and_splits(hooks in any::<bool>(), nonce in u256(), body in bytes(200), sig in any::<[u8; 65]>(), typed_byte in any::<bool>()) {
        let mut pre = vec![u8::from(hooks)];
        pre.extend_from_slice(&nonce.to_be_bytes::<32>());
        let data = [&[0u8; 27][..], &body].concat();
        pre.extend_from_slice(&(data.len() as u32).to_be_bytes());
        pre.extend_from_slice(&data);
        let owner: Vec<u8> = if typed_byte { [&[0u8][..], &sig].concat() } else { sig.to_vec() };
        let full = deferred_action_digest(&pre, &owner).unwrap();
        let (h, n, prefix) = split_deferred_action(&full).unwrap();
        prop_assert_eq!((h, n), (hooks, nonce));
        prop_assert_eq!(&prefix[..], &full[33..]);
        prop_assert!(full.ends_with(&sig));
        // any strict prefix or extension is refused, typed
        for bad in [&full[..full.len() - 1], &[&full[..], &[0u8][..]].concat()[..]] {
            let e = split_deferred_action(bad).unwrap_err();
            typed(&e);
            prop_assert_eq!(e.code(), "INVALID_DEFERRED_ACTION");
        }
    }

    // ---------- stored records ----------

    #[test]
    fn stored_records_round_trip(
        id in "[0-9a-f]{32}", addr in address(), chain in 1u64..(1 << 53), account in address(), entity in 1u32..=2_147_483_646,
        expires in proptest::option::of(any::<u32>()), status in 0u8..3, iv in any::<[u8; 12]>(), ct in bytes(64),
        deferred in proptest::option::of((u256(), 0u64..(1 << 48), bytes(64), proptest::option::of(bytes(64)))),
        p256 in any::<bool>(),
    ) {
        // A P-256 session: no address, the generator as its public key.
        let (key_kind, address, public_key) = if p256 {
            let g = PublicKeyXy {
                x: json::from_value(&json!("0x6b17d1f2e12c4247f8bce6e563a440f277037d812deb33a0f4a13945d898c296")).unwrap(),
                y: json::from_value(&json!("0x4fe342e2fe1a7f9b8ee7eb4a7c0f9e162bce33576b315ececbb6406837bf51f5")).unwrap(),
            };
            (KeyKind::P256WebCrypto, None, Some(g))
        } else {
            (KeyKind::Secp256k1, Some(Addr(addr)), None)
        };
        let r = SessionRecord {
            schema: 4, id, address, key_kind, public_key, chain_id: chain, account: Addr(account), entity_id: entity,
            permissions: vec![mav2_session_keys::permissions::Permission::Root], expires_at: expires.map(u64::from), valid_after: None, paymaster: None,
            owner: None, salt: None, grant_op: None,
            created_at: 1, status: [StoredStatus::Pending, StoredStatus::Active, StoredStatus::Revoked][status as usize],
            key: Some(EncryptedKey { alg: "AES-GCM".into(), iv: json::HexFixed(iv.into()), ciphertext: HexBytes(ct) }),
            deferred: deferred.map(|(nonce, deadline, pre, full)| DeferredState {
                nonce, deadline, pre_signature_digest: HexBytes(pre), deferred_action_digest: full.map(HexBytes),
            }),
        };
        let v = encode_stored(&r).unwrap();
        prop_assert_eq!(decode_stored(v.clone()).unwrap(), r);
        // a record whose fields are damaged one at a time is refused, typed and named, never panics
        for k in v.as_object().unwrap().keys() {
            let mut bad = v.clone();
            bad[k] = json!({"damaged": true});
            if let Err(e) = decode_stored(bad) { typed(&e); }
        }
    }

    // ---------- JSON scalars ----------

    #[test]
    fn quantities_and_addresses_round_trip(v in u256(), a in any::<[u8; 20]>()) {
        #[derive(serde::Deserialize)]
        struct Q(#[serde(with = "json::u256")] U256);
        prop_assert_eq!(json::from_value::<Q>(&json!(json::quantity(v))).unwrap().0, v);
        prop_assert_eq!(json::from_value::<Q>(&json!(v.to_string())).unwrap().0, v);
        let a = Address::from(a);
        let checksummed = json::address(&a);
        prop_assert_eq!(json::from_value::<Addr>(&json!(checksummed)).unwrap().0, a);
        prop_assert_eq!(json::from_value::<Addr>(&json!(checksummed.to_lowercase())).unwrap().0, a);
        // flip the case of one letter: if the result is mixed case, its checksum is wrong
        if let Some(i) = checksummed[2..].find(|c: char| c.is_ascii_alphabetic()) {
            let mut s: Vec<char> = checksummed.chars().collect();
            let c = s[i + 2];
            s[i + 2] = if c.is_ascii_uppercase() { c.to_ascii_lowercase() } else { c.to_ascii_uppercase() };
            let flipped: String = s.into_iter().collect();
            let digits = &flipped[2..];
            let mixed = digits.chars().any(|c| c.is_ascii_uppercase()) && digits.chars().any(|c| c.is_ascii_lowercase());
            let r = json::from_value::<Addr>(&json!(flipped));
            if mixed {
                let e = r.unwrap_err();
                prop_assert_eq!(e.code(), InputRule::Checksum.code());
            } else {
                prop_assert_eq!(r.unwrap().0, a);
            }
        }
    }

    #[test]
    fn arbitrary_json_into_every_request_is_typed(v in arb_json()) {
        macro_rules! each { ($($t:ty),*) => { $( if let Err(e) = json::from_value::<$t>(&v) { typed(&e); } )* } }
        each!(UserOperation,
              CallRequest, EncodeCallsRequest, Vec<mav2_session_keys::permissions::Permission>);
        if let Err(e) = mav2_session_keys::session::NewSession::from_json(&v, "options") { typed(&e); }
        if let Err(e) = mav2_session_keys::account::AccountRequest::from_json(&v, "options") { typed(&e); }
        if let Err(e) = NonceKeyRequest::from_json(&v, "options") { typed(&e); }
        if let Err(e) = SessionInstallRequest::from_json(&v, "grant") { typed(&e); }
        if let Err(e) = SessionUninstallRequest::from_json(&v, "revoke") { typed(&e); }
        if let Err(e) = mav2_session_keys::deferred::DeferredInstallRequest::from_json(&v, "grant") { typed(&e); }
        if let Err(e) = decode_stored(v) { typed(&e); }
    }
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn field_readers_accept_what_the_derives_accept(v in arb_json()) {
        agree(&v, UserOperation::read);
        agree(&v, CallRequest::read);
        agree(&v, CallRequest::read_list);
        agree(&v, Permission::read_list);
        agree(&v, Authorization::read);
    }
}

/// The browser's field reader of `T` and its `Deserialize` (what native callers use) read `v`
/// alike: both accept it as the same value, or both refuse it.
fn agree<T>(v: &Value, read: fn(&Value) -> mav2_session_keys::read::Read<T>)
where
    T: serde::de::DeserializeOwned + PartialEq + std::fmt::Debug,
{
    let derived = json::from_value::<T>(v);
    let ours = json::read_value(v, read);
    match (&derived, &ours) {
        (Ok(a), Ok(b)) => assert_eq!(a, b, "{v}"),
        (Err(a), Err(b)) => {
            typed(b);
            let _ = a;
        }
        _ => panic!("{v}: derived {derived:?}, reader {ours:?}"),
    }
}

/// As [`agree`], and a refusal is the same code on the same field (for inputs with one mistake).
fn agree_exactly<T>(v: &Value, read: fn(&Value) -> mav2_session_keys::read::Read<T>)
where
    T: serde::de::DeserializeOwned + PartialEq + std::fmt::Debug,
{
    agree(v, read);
    if let (Err(a), Err(b)) = (json::from_value::<T>(v), json::read_value(v, read)) {
        assert_eq!((a.code(), a.field()), (b.code(), b.field()), "{v}: derived {a:?}, reader {b:?}");
    }
}

/// Every field of a valid value, and one more key, set to each kind of bad value (or removed):
/// the reader and the derive refuse it alike.
fn one_mistake_each<T>(base: Value, read: fn(&Value) -> mav2_session_keys::read::Read<T>, at: &[&str])
where
    T: serde::de::DeserializeOwned + PartialEq + std::fmt::Debug,
{
    agree_exactly(&base, read);
    let bad = [
        json!(null),
        json!(true),
        json!(1),
        json!(-1),
        json!(1.5),
        json!("x"),
        json!("0x"),
        json!("0x123"),
        json!("0x1234"),
        json!([]),
        json!([1]),
        json!(["0x12345678", "0x12"]),
        json!({}),
        json!({"a": 1}),
        json!("contract-access"),
        json!("0x000000000000000000000000000000000000dEaD"),
        json!("0x000000000000000000000000000000000000deaD"),
        json!(format!("0x1{}", "0".repeat(64))),
    ];
    let keys: Vec<String> = match at_path(&mut base.clone(), at) {
        Value::Object(m) => m.keys().cloned().chain(["zzz".to_string(), "AAA".to_string()]).collect(),
        _ => panic!("no object at {at:?}"),
    };
    for key in &keys {
        let mut v = base.clone();
        if let Value::Object(m) = at_path(&mut v, at) {
            m.remove(key);
        }
        agree_exactly(&v, read);
        for b in &bad {
            let mut v = base.clone();
            if let Value::Object(m) = at_path(&mut v, at) {
                m.insert(key.clone(), b.clone());
            }
            agree_exactly(&v, read);
        }
    }
    for b in &bad {
        agree_exactly(b, read);
    }
}

/// The value at a path of keys and indexes.
fn at_path<'a>(v: &'a mut Value, at: &[&str]) -> &'a mut Value {
    match at.split_first() {
        None => v,
        Some((k, rest)) => {
            let next = match k.parse::<usize>() {
                Ok(i) => &mut v[i],
                Err(_) => &mut v[*k],
            };
            at_path(next, rest)
        }
    }
}

#[test]
fn field_readers_refuse_one_mistake_as_the_derives_do() {
    let op = json!({
        "sender": "0x65b5DE0251f553B2208762a4724303E750294D96", "nonce": "0x1", "callData": "0x",
        "callGasLimit": 1, "verificationGasLimit": "0x2", "preVerificationGas": "3", "maxFeePerGas": 4,
        "maxPriorityFeePerGas": 5, "factory": "0x000000000000000000000000000000000000dEaD", "factoryData": "0x12",
        "paymaster": "0x000000000000000000000000000000000000dEaD", "paymasterVerificationGasLimit": 6,
        "paymasterPostOpGasLimit": 7, "paymasterData": "0x", "signature": "0xab",
    });
    one_mistake_each(op, UserOperation::read, &[]);
    let call = json!({"target": "0x000000000000000000000000000000000000dEaD", "value": 1, "data": "0x12"});
    one_mistake_each(call.clone(), CallRequest::read, &[]);
    one_mistake_each(json!([call.clone(), call]), CallRequest::read_list, &["1"]);
    let auth = json!({"chainId": 1, "address": "0x000000000000000000000000000000000000dEaD", "nonce": 2,
        "yParity": 1, "v": 28, "r": "0x1", "s": "0x2"});
    one_mistake_each(auth.clone(), Authorization::read, &[]);
    let mut alias = auth;
    alias["contractAddress"] = alias["address"].take();
    alias.as_object_mut().unwrap().remove("address");
    one_mistake_each(alias, Authorization::read, &[]);
    let t = "0x000000000000000000000000000000000000dEaD";
    for p in [
        json!({"type": "native-token-transfer", "data": {"allowance": "0x1"}}),
        json!({"type": "erc20-token-transfer", "data": {"address": t, "allowance": 1}}),
        json!({"type": "gas-limit", "data": {"limit": "10"}}),
        json!({"type": "contract-access", "data": {"address": t}}),
        json!({"type": "account-functions", "data": {"functions": ["0x12345678"]}}),
        json!({"type": "functions-on-all-contracts", "data": {"functions": []}}),
        json!({"type": "functions-on-contract", "data": {"address": t, "functions": ["0x12345678", "0xabcdef01"]}}),
        json!({"type": "root"}),
        json!({"type": "root", "data": null}),
    ] {
        one_mistake_each(json!([p.clone(), p.clone()]), Permission::read_list, &["1"]);
        if p.get("data").is_some_and(Value::is_object) {
            one_mistake_each(json!([p.clone(), p]), Permission::read_list, &["1", "data"]);
        }
    }
}

/// Arbitrary JSON, biased towards the field names and shapes the requests use.
fn arb_json() -> impl Strategy<Value = Value> {
    let names = prop::sample::select(vec![
        "sender",
        "nonce",
        "callData",
        "callGasLimit",
        "factory",
        "paymaster",
        "permissions",
        "type",
        "data",
        "address",
        "functions",
        "allowance",
        "limit",
        "chainId",
        "account",
        "sessionKey",
        "entityId",
        "expiresAt",
        "validAfter",
        "deadline",
        "schema",
        "id",
        "key",
        "iv",
        "ciphertext",
        "target",
        "value",
        "calls",
        "missing field `x`",
    ]);
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| json!(n)),
        any::<f64>().prop_filter_map("finite", |f| serde_json::Number::from_f64(f).map(Value::Number)),
        "0x[0-9a-fA-F]{0,66}".prop_map(Value::String),
        ".{0,12}".prop_map(Value::String),
        prop::sample::select(vec!["root", "contract-access", "native-token-transfer", "gas-limit", "pending"])
            .prop_map(|s| json!(s)),
    ];
    leaf.prop_recursive(4, 48, 6, move |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            proptest::collection::btree_map(names.clone().prop_map(String::from), inner, 0..6)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// A key that spells serde's own wording is still an unknown field, named as such.
#[test]
fn unknown_keys_are_unknown_whatever_they_say() {
    for key in ["missing field `account`", "unknown variant `x`", "invalid length 3"] {
        let mut v = json!({"target": "0x000000000000000000000000000000000000dEaD"});
        v[key] = json!(1);
        let e = json::from_value::<CallRequest>(&v).unwrap_err();
        assert_eq!(e.code(), "UNKNOWN_FIELD", "{key}: {e:?}");
    }
}

/// `json_text::parse` and serde_json agree on `text`: the same value to the bit (numbers of the
/// same kind, floats with the same sign and digits), or a refusal at the same line and column.
fn same_as_serde_json(text: &str) -> Result<(), TestCaseError> {
    match (mav2_session_keys::json_text::parse(text), serde_json::from_str::<Value>(text)) {
        (Ok(a), Ok(b)) => prop_assert!(a == b && format!("{a}") == format!("{b}"), "{:?}: {} vs {}", text, a, b),
        (Err(a), Err(b)) => prop_assert_eq!((a.line, a.column), (b.line(), b.column()), "{:?}: {}", text, b),
        (a, b) => prop_assert!(false, "{:?}: ours {:?}, serde_json {:?}", text, a, b),
    }
    Ok(())
}

/// JSON text in the spellings a server or a browser may use: whitespace anywhere, every escape,
/// numbers at and past the `u64`/`i64`/`f64` edges.
fn json_text() -> impl Strategy<Value = String> {
    let ws = "[ \t\r\n]{0,2}";
    let number = prop_oneof![
        "-?(0|[1-9][0-9]{0,24})(\\.[0-9]{1,24})?([eE][+-]?[0-9]{1,4})?",
        "-?[0-9]{1,3}(\\.[0-9]{0,3})?[eE][+-]?(0|[0-9]{8,12}|3[0-3][0-9])",
        any::<f64>().prop_map(|f| format!("{f:e}")),
        any::<u64>().prop_map(|n| n.to_string()),
        any::<i64>().prop_map(|n| n.to_string()),
    ];
    let string = "\"([a-z é€😀\u{7f}]|\\\\[\"\\\\/bfnrt]|\\\\u[0-9a-fA-F]{4}|\\\\u[dD][89abAB][0-9a-f]{2}\\\\u[dD][c-fC-F][0-9a-f]{2})*\"";
    let leaf = prop_oneof![
        Just("null".to_string()),
        Just("true".to_string()),
        Just("false".to_string()),
        number,
        string.prop_map(|s| s),
    ];
    let leaf = (ws, leaf, ws).prop_map(|(a, v, b)| format!("{a}{v}{b}"));
    leaf.prop_recursive(4, 32, 5, move |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..5).prop_map(|items| format!("[{}]", items.join(","))),
            prop::collection::vec(("\"([a-c]|\\\\u0061){0,2}\"", ws, inner), 0..5).prop_map(|entries| {
                let entries: Vec<String> = entries.into_iter().map(|(k, w, v)| format!("{k}{w}:{v}")).collect();
                format!("{{{}}}", entries.join(","))
            }),
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2048, ..ProptestConfig::default() })]

    #[test]
    fn json_text_parses_as_serde_json_does(text in json_text()) {
        same_as_serde_json(&text)?;
    }

    #[test]
    fn mutated_json_text_parses_as_serde_json_does(
        text in json_text(),
        edits in prop::collection::vec((any::<prop::sample::Index>(), 0u8..3, "[ \n\\[\\]{}:,\"\\\\0-9eE+.\\-ux\u{0}\u{1f}é]"), 1..4),
    ) {
        let mut chars: Vec<char> = text.chars().collect();
        for (at, op, c) in edits {
            let c = c.chars().next().unwrap_or(' ');
            let i = at.index(chars.len() + 1);
            match op {
                0 => chars.insert(i, c),
                1 if i < chars.len() => { chars.remove(i); }
                _ if i < chars.len() => chars[i] = c,
                _ => chars.push(c),
            }
        }
        same_as_serde_json(&chars.into_iter().collect::<String>())?;
    }

    #[test]
    fn json_like_noise_parses_as_serde_json_does(text in "[ \t\n\\[\\]{}:,\"\\\\0-9eE+.\\-nultrfasbu\u{0}é]{0,40}") {
        same_as_serde_json(&text)?;
    }
}
