//! Local pre-check of calls against a session's permissions, before anything is signed or sent.
//!
//! The rules mirror what the session's modules enforce on chain (mav2-spec §5), so a call the
//! chain would refuse is refused here first, with an error naming the permission it breaks:
//! - targets and selectors (AllowlistModule): `OUT_OF_SCOPE_TARGET`, `OUT_OF_SCOPE_SELECTOR`;
//! - native value, summed over the calls (NativeTokenLimitModule): `NATIVE_LIMIT_EXCEEDED`;
//! - ERC-20 `transfer` / `approve` amounts, summed per token (AllowlistModule spend limits):
//!   `ERC20_LIMIT_EXCEEDED`;
//! - the time window (TimeRangeModule), with a safety margin so an operation does not expire
//!   while it waits for inclusion: `SESSION_EXPIRED`, `SESSION_NOT_YET_VALID`.
//!
//! Limits are checked against the amounts *of these calls*; what earlier operations already spent
//! is on chain and can be passed in as a smaller remaining limit.
//! Without a `native-token-transfer` permission MAv2 installs no native-limit hook, so native value
//! is **not** limited on chain (`native_limit: None`), and this check lets it through.

use alloy_primitives::{Address, FixedBytes, U256};

use crate::abi::Call;
use crate::error::{Error, Result};

/// ERC-20 `transfer(address,uint256)`.
pub const TRANSFER: [u8; 4] = [0xa9, 0x05, 0x9c, 0xbb];
/// ERC-20 `approve(address,uint256)`.
pub const APPROVE: [u8; 4] = [0x09, 0x5e, 0xa7, 0xb3];

/// What one target allows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TargetScope {
    /// The contract.
    pub address: Address,
    /// `None`: any selector; `Some(list)`: only these.
    pub selectors: Option<Vec<FixedBytes<4>>>,
}

/// The part of a session's permissions the pre-check needs.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Scope {
    /// `root`: any target and selector (time window and limits still apply).
    pub root: bool,
    /// Allowlisted targets.
    pub targets: Vec<TargetScope>,
    /// Selectors allowed on any target (`functions-on-all-contracts`).
    pub any_target_selectors: Vec<FixedBytes<4>>,
    /// Native value the calls may send in total. `None`: no limit hook (unlimited on chain).
    pub native_limit: Option<U256>,
    /// ERC-20 `transfer`/`approve` allowances per token.
    pub erc20_limits: Vec<(Address, U256)>,
    /// Session end (unix seconds), if any.
    pub expires_at: Option<u64>,
    /// Session start (unix seconds), if any.
    pub valid_after: Option<u64>,
    /// Seconds the session must still be valid after now (time to get included). Default 0.
    pub safety_margin_s: u64,
}

/// Check every call; the first broken rule is returned.
pub fn check(calls: &[Call], scope: &Scope, now_s: u64) -> Result<()> {
    if let Some(valid_after) = scope.valid_after {
        if now_s < valid_after {
            return Err(Error::SessionNotYetValid { valid_after, now: now_s });
        }
    }
    if let Some(expires_at) = scope.expires_at {
        if now_s.saturating_add(scope.safety_margin_s) > expires_at {
            return Err(Error::SessionExpired { expires_at, now: now_s, margin_s: scope.safety_margin_s });
        }
    }
    let mut native = U256::ZERO;
    let mut spent: Vec<(Address, U256)> = Vec::new();
    for (i, call) in calls.iter().enumerate() {
        let selector: Option<FixedBytes<4>> = call.data.get(..4).map(FixedBytes::from_slice);
        if !scope.root {
            let target_rule = scope.targets.iter().find(|t| t.address == call.target);
            let any = selector.is_some_and(|s| scope.any_target_selectors.contains(&s));
            match target_rule {
                None if !any => {
                    return Err(Error::OutOfScopeTarget {
                        field: format!("calls[{i}].target"),
                        target: call.target.to_checksum(None),
                    })
                }
                Some(TargetScope { selectors: Some(list), .. }) if !any && !selector.is_some_and(|s| list.contains(&s)) => {
                    return Err(Error::OutOfScopeSelector {
                        field: format!("calls[{i}].data"),
                        target: call.target.to_checksum(None),
                        selector: selector.map_or("(none)".into(), |s| s.to_string()),
                    })
                }
                _ => {}
            }
        }
        if let Some(limit) = scope.native_limit {
            native = native.saturating_add(call.value);
            if native > limit {
                return Err(Error::NativeLimitExceeded {
                    field: format!("calls[{i}].value"),
                    requested: native.to_string(),
                    limit: limit.to_string(),
                });
            }
        }
        if let Some(&(token, limit)) = scope.erc20_limits.iter().find(|(t, _)| *t == call.target) {
            let sel = selector.map(|s| s.0);
            if sel == Some(TRANSFER) || sel == Some(APPROVE) {
                // transfer/approve(address, uint256): the amount is the second word.
                let amount = call.data.get(36..68).map_or(U256::MAX, U256::from_be_slice);
                let total = match spent.iter_mut().find(|(t, _)| *t == token) {
                    Some((_, s)) => {
                        *s = s.saturating_add(amount);
                        *s
                    }
                    None => {
                        spent.push((token, amount));
                        amount
                    }
                };
                if total > limit {
                    return Err(Error::Erc20LimitExceeded {
                        field: format!("calls[{i}].data"),
                        token: token.to_checksum(None),
                        requested: total.to_string(),
                        limit: limit.to_string(),
                    });
                }
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloy_primitives::{address, Bytes};
    use alloy_sol_types::SolValue;

    const TOKEN: Address = address!("1000000000000000000000000000000000000001");
    const DEX: Address = address!("2000000000000000000000000000000000000002");
    const OTHER: Address = address!("3000000000000000000000000000000000000003");

    fn erc20(sel: [u8; 4], amount: u64) -> Bytes {
        [&sel[..], &(OTHER, U256::from(amount)).abi_encode()].concat().into()
    }
    fn call(target: Address, value: u64, data: Bytes) -> Call {
        Call { target, value: U256::from(value), data }
    }
    fn scope() -> Scope {
        Scope {
            targets: vec![
                TargetScope { address: TOKEN, selectors: Some(vec![TRANSFER.into(), APPROVE.into()]) },
                TargetScope { address: DEX, selectors: None },
            ],
            native_limit: Some(U256::from(100)),
            erc20_limits: vec![(TOKEN, U256::from(1000))],
            expires_at: Some(10_000),
            valid_after: Some(1_000),
            safety_margin_s: 60,
            ..Default::default()
        }
    }

    #[test]
    fn allows_in_scope_calls() {
        let calls = [call(TOKEN, 0, erc20(TRANSFER, 600)), call(TOKEN, 0, erc20(APPROVE, 400)), call(DEX, 100, Bytes::new())];
        check(&calls, &scope(), 5_000).unwrap();
    }

    #[test]
    fn names_the_broken_permission() {
        let s = scope();
        let code = |calls: &[Call], now| check(calls, &s, now).unwrap_err();
        let e = code(&[call(DEX, 0, Bytes::new()), call(OTHER, 0, Bytes::new())], 5_000);
        assert_eq!((e.code(), e.field().unwrap().as_str()), ("OUT_OF_SCOPE_TARGET", "calls[1].target"));
        let e = code(&[call(TOKEN, 0, Bytes::from_static(&[0x23, 0xb8, 0x72, 0xdd]))], 5_000);
        assert_eq!((e.code(), e.field().unwrap().as_str()), ("OUT_OF_SCOPE_SELECTOR", "calls[0].data"));
        let e = code(&[call(DEX, 60, Bytes::new()), call(DEX, 41, Bytes::new())], 5_000);
        assert_eq!((e.code(), e.field().unwrap().as_str()), ("NATIVE_LIMIT_EXCEEDED", "calls[1].value"));
        let e = code(&[call(TOKEN, 0, erc20(TRANSFER, 600)), call(TOKEN, 0, erc20(APPROVE, 401))], 5_000);
        assert_eq!((e.code(), e.field().unwrap().as_str()), ("ERC20_LIMIT_EXCEEDED", "calls[1].data"));
        assert_eq!(code(&[], 9_941).code(), "SESSION_EXPIRED");
        check(&[], &s, 9_940).unwrap();
        assert_eq!(code(&[], 999).code(), "SESSION_NOT_YET_VALID");
    }

    #[test]
    fn root_skips_the_allowlist_but_not_limits() {
        let s = Scope { root: true, ..scope() };
        check(&[call(OTHER, 1, Bytes::new())], &s, 5_000).unwrap();
        assert_eq!(check(&[call(OTHER, 101, Bytes::new())], &s, 5_000).unwrap_err().code(), "NATIVE_LIMIT_EXCEEDED");
        let unlimited = Scope { native_limit: None, ..s };
        check(&[call(OTHER, 10u64.pow(18), Bytes::new())], &unlimited, 5_000).unwrap();
    }
}
