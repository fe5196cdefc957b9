//! The account's call data: `execute` / `executeBatch`, optionally behind `executeUserOp`.
//!
//! A validation with execution hooks (native-token or ERC-20 limits) only runs when the call data
//! starts with `executeUserOp`'s selector `0x8dd7712f`; the EntryPoint then hands the whole op to
//! the account, which strips the 4 bytes and self-calls the rest (`shared/mav2-spec.md` §1, §8).
//! [`decode_calls`] reads the calls back for a local permission pre-check.

use alloy_primitives::{Address, Bytes, U256};
use alloy_sol_types::SolCall;
use serde::{Deserialize, Deserializer, Serialize};

use crate::abi::{padded, small, word_at, Call, IModularAccount};
use crate::error::{Error, InputRule, Result};
use crate::json::{self, Addr, HexBytes};
use crate::read::{self, Read};

/// `executeUserOp`'s selector, the prefix that makes the EntryPoint run execution hooks.
pub const EXECUTE_USER_OP_SELECTOR: [u8; 4] = IModularAccount::executeUserOpCall::SELECTOR;

/// One call the account should make: `{ target, value?, data? }` as the SDK takes it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CallRequest {
    /// Contract or account called.
    pub target: Addr,
    /// Wei sent along; default 0.
    #[serde(default, deserialize_with = "de_value", serialize_with = "json::u256::serialize")]
    pub value: U256,
    /// Call data; default `0x`.
    #[serde(default)]
    pub data: HexBytes,
}

/// `value` absent, `null` or `undefined` all mean 0 (the SDK's `value ?? 0n`).
fn de_value<'de, D: Deserializer<'de>>(d: D) -> std::result::Result<U256, D::Error> {
    Ok(json::opt::u256::deserialize(d)?.unwrap_or(U256::ZERO))
}

impl CallRequest {
    /// Read one call field by field (the browser's reader; the rules are the derived
    /// `Deserialize`'s, which native callers use).
    pub fn read(v: &serde_json::Value) -> Read<Self> {
        let f = read::strict(v, &["target", "value", "data"])?;
        Ok(CallRequest {
            target: f.req("target", read::leaf)?,
            value: f.opt("value", read::u256)?.unwrap_or(U256::ZERO),
            data: f.or_default("data", read::leaf)?,
        })
    }

    /// Read a list of calls; a failure is named by its index (`[2].target`).
    pub fn read_list(v: &serde_json::Value) -> Read<Vec<Self>> {
        read::list(v, CallRequest::read)
    }
}

impl From<&CallRequest> for Call {
    fn from(c: &CallRequest) -> Self {
        Call { target: c.target.0, value: c.value, data: c.data.0.clone() }
    }
}

fn prefixed(call_data: Vec<u8>, with_execution_hooks: bool) -> Bytes {
    if with_execution_hooks {
        [EXECUTE_USER_OP_SELECTOR.as_slice(), &call_data].concat().into()
    } else {
        call_data.into()
    }
}

/// `execute(target, value, data)`, behind `0x8dd7712f` when the validation has execution hooks.
pub fn encode_execute(call: &CallRequest, with_execution_hooks: bool) -> Bytes {
    let inner = IModularAccount::executeCall { target: call.target.0, value: call.value, data: call.data.0.clone() }
        .abi_encode();
    prefixed(inner, with_execution_hooks)
}

/// `executeBatch((target, value, data)[])`, behind `0x8dd7712f` when the validation has execution
/// hooks. An empty list encodes (as the SDK does) and executes nothing.
pub fn encode_execute_batch(calls: &[CallRequest], with_execution_hooks: bool) -> Bytes {
    let inner = IModularAccount::executeBatchCall { calls: calls.iter().map(Call::from).collect() }.abi_encode();
    prefixed(inner, with_execution_hooks)
}

/// `encodeCalls` input, the SDK account's view: `{ account?, calls, batch?, withExecutionHooks? }`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct EncodeCallsRequest {
    /// The account; a single call to it is sent as its raw data, as the SDK's `encodeExecute` does.
    #[serde(default)]
    pub account: Option<Addr>,
    /// The calls.
    pub calls: Vec<CallRequest>,
    /// `executeBatch` (true) or `execute` of exactly one call (false); default: batch unless
    /// there is exactly one call.
    #[serde(default)]
    pub batch: Option<bool>,
    /// Prefix `executeUserOp`'s selector (the session has execution hooks); default false.
    #[serde(default)]
    pub with_execution_hooks: Option<bool>,
}

/// Encode calls as the SDK account does (`encodeExecute` / `encodeBatchExecute` + `encodeCallData`).
/// `batch: false` with other than one call is refused on `calls`.
pub fn encode_calls(req: &EncodeCallsRequest) -> Result<Bytes> {
    let hooks = req.with_execution_hooks.unwrap_or(false);
    if req.batch.unwrap_or(req.calls.len() != 1) {
        return Ok(encode_execute_batch(&req.calls, hooks));
    }
    let [call] = req.calls.as_slice() else {
        return Err(Error::input(
            "calls",
            InputRule::Length,
            format!("batch: false takes exactly one call, got {}", req.calls.len()),
        ));
    };
    if req.account.is_some_and(|a| a == call.target) {
        // The account calling itself: the SDK sends the data as the op's call data directly.
        return Ok(prefixed(call.data.0.to_vec(), hooks));
    }
    Ok(encode_execute(call, hooks))
}

/// Read back the calls an operation's call data makes: `execute` or `executeBatch`, with or
/// without the `executeUserOp` prefix. Only the canonical ABI encoding (what `encode_execute` and
/// `encode_execute_batch` write: offsets in order, zero padding, nothing after) is read; anything
/// else (another selector, other offsets, truncated or trailing bytes) is refused with an error on
/// `callData`, so a pre-check never passes data it did not understand, and no offset can make two
/// calls share (and the decoder copy twice) the same bytes.
pub fn decode_calls(call_data: &[u8]) -> Result<Vec<(Address, U256, Bytes)>> {
    let inner = call_data.strip_prefix(EXECUTE_USER_OP_SELECTOR.as_slice()).unwrap_or(call_data);
    let selector: [u8; 4] = inner
        .get(..4)
        .and_then(|s| s.try_into().ok())
        .ok_or_else(|| Error::input("callData", InputRule::Length, "shorter than a 4-byte selector"))?;
    let args = &inner[4..];
    let calls = match selector {
        IModularAccount::executeCall::SELECTOR => {
            call_at(args, 0).and_then(|(call, end)| (end == args.len()).then(|| vec![call]))
        }
        IModularAccount::executeBatchCall::SELECTOR => batch(args),
        other => {
            return Err(Error::input(
                "callData",
                InputRule::Variant,
                format!("selector {} is neither execute nor executeBatch", json::hex(other)),
            ))
        }
    };
    calls.ok_or_else(|| Error::input("callData", InputRule::Length, "not a canonical ABI encoding of its arguments"))
}

/// `((address, uint256, bytes)[])`: the array right after its offset word, each element's offset
/// pointing just past the one before.
fn batch(args: &[u8]) -> Option<Vec<(Address, U256, Bytes)>> {
    if small(args, 0)? != 32 {
        return None;
    }
    let n = small(args, 32)?;
    if n > args.len() / 32 {
        return None;
    }
    let base = 64;
    let mut end = base + 32 * n;
    let mut calls = Vec::with_capacity(n);
    for i in 0..n {
        if small(args, base + 32 * i)? != end - base {
            return None;
        }
        let (call, next) = call_at(args, end)?;
        calls.push(call);
        end = next;
    }
    (end == args.len()).then_some(calls)
}

/// `(address target, uint256 value, bytes data)` at `at`: its data right after the three head
/// words, zero-padded to a whole word. Returns the call and where its encoding ends.
fn call_at(b: &[u8], at: usize) -> Option<((Address, U256, Bytes), usize)> {
    let target = Address::from_slice(padded(b, at, 12)?);
    let value = U256::from_be_slice(word_at(b, at.checked_add(32)?)?);
    let len_at = at.checked_add(96)?;
    if small(b, at + 64)? != 96 {
        return None;
    }
    let len = small(b, len_at)?;
    let start = len_at + 32;
    let data = b.get(start..start.checked_add(len)?)?;
    let end = start.checked_add(len.checked_next_multiple_of(32)?)?;
    if b.get(start + len..end)?.iter().any(|x| *x != 0) {
        return None;
    }
    Some(((target, value, Bytes::copy_from_slice(data)), end))
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloy_primitives::hex;
    use serde_json::json;

    fn call(v: serde_json::Value) -> CallRequest {
        json::from_value(&v).unwrap()
    }

    /// `execute(0x…dEaD, 0, 0xdeadbeef)`, word by word (spec §9.1, SDK5 account.test.ts).
    const EXECUTE_DEAD: &str = concat!(
        "b61d27f6",
        "000000000000000000000000000000000000000000000000000000000000dead", // target
        "0000000000000000000000000000000000000000000000000000000000000000", // value
        "0000000000000000000000000000000000000000000000000000000000000060", // offset of data
        "0000000000000000000000000000000000000000000000000000000000000004", // data length
        "deadbeef00000000000000000000000000000000000000000000000000000000", // data, padded
    );

    #[test]
    fn execute_matches_sdk_vector() {
        let c = call(json!({"target": "0x000000000000000000000000000000000000dEaD", "data": "0xdeadbeef"}));
        assert_eq!(hex::encode(encode_execute(&c, false)), EXECUTE_DEAD);
        assert_eq!(hex::encode(encode_execute(&c, true)), format!("8dd7712f{EXECUTE_DEAD}"));
    }

    #[test]
    fn execute_with_value_matches_sdk_vector() {
        let c = call(
            json!({"target": "0x000000000000000000000000000000000000dEaD", "value": "1000000000000000000", "data": "0xdeadbeef"}),
        );
        let expected = concat!(
            "b61d27f6",
            "000000000000000000000000000000000000000000000000000000000000dead",
            "0000000000000000000000000000000000000000000000000de0b6b3a7640000", // 1e18
            "0000000000000000000000000000000000000000000000000000000000000060",
            "0000000000000000000000000000000000000000000000000000000000000004",
            "deadbeef00000000000000000000000000000000000000000000000000000000",
        );
        assert_eq!(hex::encode(encode_execute(&c, false)), expected);
    }

    #[test]
    fn spec_9_3_execute_one_wei_no_data() {
        let c = call(json!({"target": "0x000000000000000000000000000000000000dEaD", "value": 1}));
        let expected = concat!(
            "8dd7712f",
            "b61d27f6",
            "000000000000000000000000000000000000000000000000000000000000dead",
            "0000000000000000000000000000000000000000000000000000000000000001",
            "0000000000000000000000000000000000000000000000000000000000000060",
            "0000000000000000000000000000000000000000000000000000000000000000", // empty data
        );
        assert_eq!(hex::encode(encode_execute(&c, true)), expected);
    }

    #[test]
    fn execute_batch_matches_sdk_vector() {
        let calls = [
            call(json!({"target": "0x000000000000000000000000000000000000dEaD", "value": 0, "data": "0xdeadbeef"})),
            call(
                json!({"target": "0x000000000000000000000000000000000000dEaD", "value": "0xde0b6b3a7640000", "data": "0xcafebabe"}),
            ),
        ];
        let expected = concat!(
            "34fcd5be",
            "0000000000000000000000000000000000000000000000000000000000000020", // offset of calls[]
            "0000000000000000000000000000000000000000000000000000000000000002", // length 2
            "0000000000000000000000000000000000000000000000000000000000000040", // offset of calls[0]
            "00000000000000000000000000000000000000000000000000000000000000e0", // offset of calls[1]
            "000000000000000000000000000000000000000000000000000000000000dead", // [0].target
            "0000000000000000000000000000000000000000000000000000000000000000", // [0].value
            "0000000000000000000000000000000000000000000000000000000000000060", // [0].data offset
            "0000000000000000000000000000000000000000000000000000000000000004", // [0].data length
            "deadbeef00000000000000000000000000000000000000000000000000000000",
            "000000000000000000000000000000000000000000000000000000000000dead", // [1].target
            "0000000000000000000000000000000000000000000000000de0b6b3a7640000", // [1].value 1e18
            "0000000000000000000000000000000000000000000000000000000000000060",
            "0000000000000000000000000000000000000000000000000000000000000004",
            "cafebabe00000000000000000000000000000000000000000000000000000000",
        );
        assert_eq!(hex::encode(encode_execute_batch(&calls, false)), expected);

        let decoded = decode_calls(&encode_execute_batch(&calls, true)).unwrap();
        assert_eq!(decoded.len(), 2);
        assert_eq!(decoded[1].1, U256::from(10u64).pow(U256::from(18)));
        assert_eq!(decoded[1].2.as_ref(), hex!("cafebabe"));
    }

    #[test]
    fn empty_batch() {
        let expected = concat!(
            "34fcd5be",
            "0000000000000000000000000000000000000000000000000000000000000020",
            "0000000000000000000000000000000000000000000000000000000000000000",
        );
        assert_eq!(hex::encode(encode_execute_batch(&[], false)), expected);
        assert!(decode_calls(&hex::decode(expected).unwrap()).unwrap().is_empty());
    }

    #[test]
    fn decodes_and_refuses() {
        let data = hex::decode(format!("8dd7712f{EXECUTE_DEAD}")).unwrap();
        let calls = decode_calls(&data).unwrap();
        assert_eq!(calls.len(), 1);
        assert_eq!(calls[0].0, alloy_primitives::address!("000000000000000000000000000000000000dEaD"));
        assert_eq!(calls[0].1, U256::ZERO);
        assert_eq!(calls[0].2.as_ref(), hex!("deadbeef"));

        // approve(…) sent straight to the account: not something a session may do.
        let e = decode_calls(&hex!("095ea7b3")).unwrap_err();
        assert_eq!((e.code(), e.field().as_deref()), ("UNKNOWN_VARIANT", Some("callData")));
        assert_eq!(decode_calls(&hex!("8dd7712f")).unwrap_err().code(), "INVALID_LENGTH");
        assert_eq!(decode_calls(&[]).unwrap_err().code(), "INVALID_LENGTH");
        // truncated execute
        let e = decode_calls(&data[..data.len() - 32]).unwrap_err();
        assert_eq!(e.code(), "INVALID_LENGTH");
        // a double executeUserOp prefix is not something the account runs as execute
        let double = [&hex!("8dd7712f")[..], &data].concat();
        assert_eq!(decode_calls(&double).unwrap_err().code(), "UNKNOWN_VARIANT");
    }

    #[test]
    fn encode_calls_follows_the_sdk_account() {
        let req = |v: serde_json::Value| json::from_value::<EncodeCallsRequest>(&v).unwrap();
        let one = json!({"target": "0x000000000000000000000000000000000000dEaD", "data": "0xdeadbeef"});
        // one call, batch unspecified ⇒ execute
        assert_eq!(hex::encode(encode_calls(&req(json!({"calls": [one]}))).unwrap()), EXECUTE_DEAD);
        // one call, batch: true ⇒ executeBatch of one
        let b = encode_calls(&req(json!({"calls": [one], "batch": true}))).unwrap();
        assert_eq!(&b[..4], hex!("34fcd5be"));
        // a call to the account itself ⇒ its raw data (behind the prefix if hooks)
        let own = req(
            json!({"account": "0x000000000000000000000000000000000000dEaD", "calls": [one], "withExecutionHooks": true}),
        );
        assert_eq!(hex::encode(encode_calls(&own).unwrap()), "8dd7712fdeadbeef");
        // batch: false with two calls is refused
        let e = encode_calls(&req(json!({"calls": [one, one], "batch": false}))).unwrap_err();
        assert_eq!((e.code(), e.field().as_deref()), ("INVALID_LENGTH", Some("calls")));
    }

    #[test]
    fn call_request_defaults_and_errors() {
        let c = call(json!({"target": "0x000000000000000000000000000000000000dead", "value": null}));
        assert_eq!(c.value, U256::ZERO);
        assert!(c.data.0.is_empty());
        let e = json::from_value::<CallRequest>(
            &json!({"target": "0x000000000000000000000000000000000000dead", "value": -1}),
        )
        .unwrap_err();
        assert_eq!((e.code(), e.field().as_deref()), ("INVALID_NUMBER", Some("value")));
        // Missing `target` is refused. (Its code is up to json.rs: at the time of writing its
        // string/number field deserializers report a missing field as INVALID_TYPE on "".)
        assert!(json::from_value::<CallRequest>(&json!({"value": 1})).is_err());
    }
}
