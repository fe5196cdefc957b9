//! EIP-712 digests of the two structs the library signs or has signed, hashed word by word.
//!
//! Both domains and both structs are fixed, so their type hashes are constants and each hash is
//! one keccak over a few 32-byte words; the tests check every constant and digest against
//! `alloy_sol_types`' generic EIP-712 encoder.

use alloy_primitives::{b256, keccak256, Address, B256, U256};

/// `keccak256("EIP712Domain(uint256 chainId,address verifyingContract)")`: the account's domain.
const DOMAIN_CHAIN_CONTRACT: B256 = b256!("47e79534a245952e8b16893a336b85a3d9ea9fa8c573f3d803afb92a79469218");
/// `keccak256("EIP712Domain(uint256 chainId,address verifyingContract,bytes32 salt)")`: a module's.
const DOMAIN_CHAIN_CONTRACT_SALT: B256 = b256!("71062c282d40422f744945d587dbf4ecfd4f9cfad1d35d62c944373009d96162");
/// `keccak256("DeferredAction(uint256 nonce,uint48 deadline,bytes call)")`.
const DEFERRED_ACTION: B256 = b256!("9b23e06584efc6b65fc854cee55011d89f86485487b6db36aed7d23884711ea3");
/// `keccak256("ReplaySafeHash(bytes32 hash)")` (the SingleSigner module's `_REPLAY_SAFE_HASH_TYPEHASH`).
const REPLAY_SAFE_HASH: B256 = b256!("294a8735843d4afb4f017c76faf3b7731def145ed0025fc9b1d5ce30adf113ff");

/// keccak256 of 32-byte words laid end to end (`abi.encode` of static values).
fn hash_words(words: &[[u8; 32]]) -> B256 {
    keccak256(words.concat())
}

/// `keccak256(0x1901 ‖ domainSeparator ‖ hashStruct)`.
fn digest(domain: B256, struct_hash: B256) -> B256 {
    keccak256([&[0x19, 0x01][..], domain.as_slice(), struct_hash.as_slice()].concat())
}

/// The separator of `{ chainId, verifyingContract[, salt] }`.
pub fn domain_separator(chain_id: u64, verifying_contract: Address, salt: Option<B256>) -> B256 {
    let chain = U256::from(chain_id).to_be_bytes::<32>();
    let contract = verifying_contract.into_word();
    match salt {
        None => hash_words(&[DOMAIN_CHAIN_CONTRACT.0, chain, contract.0]),
        Some(salt) => hash_words(&[DOMAIN_CHAIN_CONTRACT_SALT.0, chain, contract.0, salt.0]),
    }
}

/// Digest of `DeferredAction(nonce, deadline, call)` under `domain`; `deadline` is a uint48.
pub fn deferred_action(domain: B256, nonce: U256, deadline: u64, call: &[u8]) -> B256 {
    let deadline = U256::from(deadline).to_be_bytes::<32>();
    digest(domain, hash_words(&[DEFERRED_ACTION.0, nonce.to_be_bytes::<32>(), deadline, keccak256(call).0]))
}

/// Digest of `ReplaySafeHash(hash)` under `domain`.
pub fn replay_safe_hash(domain: B256, hash: B256) -> B256 {
    digest(domain, hash_words(&[REPLAY_SAFE_HASH.0, hash.0]))
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloy_primitives::{address, aliases::U48, Bytes};
    use alloy_sol_types::{eip712_domain, sol, Eip712Domain, SolStruct};

    sol! {
        struct DeferredAction { uint256 nonce; uint48 deadline; bytes call; }
        struct ReplaySafeHash { bytes32 hash; }
    }

    #[test]
    fn type_hashes_are_keccak_of_the_type_strings() {
        assert_eq!(DOMAIN_CHAIN_CONTRACT, keccak256("EIP712Domain(uint256 chainId,address verifyingContract)"));
        assert_eq!(
            DOMAIN_CHAIN_CONTRACT_SALT,
            keccak256("EIP712Domain(uint256 chainId,address verifyingContract,bytes32 salt)")
        );
        assert_eq!(DEFERRED_ACTION, keccak256("DeferredAction(uint256 nonce,uint48 deadline,bytes call)"));
        assert_eq!(REPLAY_SAFE_HASH, keccak256("ReplaySafeHash(bytes32 hash)"));
    }

    #[test]
    fn digests_match_alloys_eip712_encoder() {
        let account = address!("1EDF20dCF613e6c363e4B161f2C4E759e441642f");
        for i in 0u64..64 {
            let seed = keccak256(i.to_be_bytes());
            let chain_id = u64::from_be_bytes(seed[..8].try_into().unwrap()) >> (i % 64);
            let contract = Address::from_slice(&seed[12..]);
            let nonce = U256::from_be_bytes(keccak256(seed).0);
            let deadline = u64::from_be_bytes(seed[8..16].try_into().unwrap()) & 0xffff_ffff_ffff;
            let call = vec![seed[0]; (i * 7) as usize];

            let plain = Eip712Domain {
                chain_id: Some(U256::from(chain_id)),
                verifying_contract: Some(contract),
                ..Default::default()
            };
            assert_eq!(domain_separator(chain_id, contract, None), plain.separator());
            let action = DeferredAction { nonce, deadline: U48::from(deadline), call: Bytes::from(call.clone()) };
            assert_eq!(
                deferred_action(domain_separator(chain_id, contract, None), nonce, deadline, &call),
                action.eip712_signing_hash(&plain)
            );

            let salted = eip712_domain! { chain_id: chain_id, verifying_contract: contract, salt: account.into_word() };
            assert_eq!(domain_separator(chain_id, contract, Some(account.into_word())), salted.separator());
            assert_eq!(
                replay_safe_hash(domain_separator(chain_id, contract, Some(account.into_word())), seed),
                ReplaySafeHash { hash: seed }.eip712_signing_hash(&salted)
            );
        }
    }
}
