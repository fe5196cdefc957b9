//! Solidity declarations, and the word readers of hand-written decoders: every ABI the library
//! encodes comes from here.
//!
//! Sources: EntryPoint v0.7 (eth-infinitism/account-abstraction `IEntryPoint.sol`,
//! `PackedUserOperation.sol`), ERC-6900 / Alchemy Modular Account V2 (`IModularAccount.sol`,
//! `AccountFactory.sol`, `AllowlistModule.sol`). Selectors are checked in the unit tests below
//! against the values in `shared/mav2-spec.md` §2.2, §3.1 and §8.

use alloy_sol_types::sol;

sol! {
    /// EntryPoint v0.7 packed user operation.
    #[derive(Debug, PartialEq, Eq)]
    struct PackedUserOperation {
        address sender;
        uint256 nonce;
        bytes initCode;
        bytes callData;
        bytes32 accountGasLimits;
        uint256 preVerificationGas;
        bytes32 gasFees;
        bytes paymasterAndData;
        bytes signature;
    }

    /// EntryPoint v0.7 reads this library makes.
    interface IEntryPoint {
        function getNonce(address sender, uint192 key) external view returns (uint256 nonce);
        function getUserOpHash(PackedUserOperation calldata userOp) external view returns (bytes32);
    }

    /// One call of `executeBatch`.
    #[derive(Debug, PartialEq, Eq)]
    struct Call {
        address target;
        uint256 value;
        bytes data;
    }

    /// Modular Account V2 (ERC-6900) functions a session key grant and use need.
    interface IModularAccount {
        function execute(address target, uint256 value, bytes calldata data) external payable returns (bytes memory result);
        function executeBatch(Call[] calldata calls) external payable returns (bytes[] memory results);
        function executeUserOp(PackedUserOperation calldata userOp, bytes32 userOpHash) external;
        function installValidation(bytes25 validationConfig, bytes4[] calldata selectors, bytes calldata installData, bytes[] calldata hooks) external;
        function uninstallValidation(bytes24 validationFunction, bytes calldata uninstallData, bytes[] calldata hookUninstallData) external;
        function getValidationData(bytes24 validationFunction) external view returns (uint8 validationFlags, bytes25[] memory validationHooks, bytes25[] memory executionHooks, bytes4[] memory selectors);
    }

    /// MAv2 account factory (v2.0.0).
    interface IAccountFactory {
        function createSemiModularAccount(address owner, uint256 salt) external returns (address);
        function getAddressSemiModular(address owner, uint256 salt) external view returns (address);
    }

    /// AllowlistModule install/uninstall entry (`abi.encode(uint32 entityId, AllowlistInput[] inputs)`).
    #[derive(Debug, PartialEq, Eq)]
    struct AllowlistInput {
        address target;
        bool hasSelectorAllowlist;
        bool hasERC20SpendLimit;
        uint256 erc20SpendLimit;
        bytes4[] selectors;
    }
}

/// The 32-byte word at byte `at`, if the buffer holds it.
pub(crate) fn word_at(b: &[u8], at: usize) -> Option<&[u8]> {
    b.get(at..at.checked_add(32)?)
}

/// A word whose first `zeros` bytes are zero (the type's padding), else `None`.
pub(crate) fn padded(b: &[u8], at: usize, zeros: usize) -> Option<&[u8]> {
    let w = word_at(b, at)?;
    w[..zeros].iter().all(|x| *x == 0).then_some(&w[zeros..])
}

/// A word read as a length or offset (at most 8 significant bytes, and a `usize`).
pub(crate) fn small(b: &[u8], at: usize) -> Option<usize> {
    usize::try_from(u64::from_be_bytes(padded(b, at, 24)?.try_into().ok()?)).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloy_sol_types::SolCall;

    #[test]
    fn selectors_match_the_deployed_abi() {
        let hex = |s: [u8; 4]| alloy_primitives::hex::encode(s);
        assert_eq!(hex(IModularAccount::executeCall::SELECTOR), "b61d27f6");
        assert_eq!(hex(IModularAccount::executeBatchCall::SELECTOR), "34fcd5be");
        assert_eq!(hex(IModularAccount::executeUserOpCall::SELECTOR), "8dd7712f");
        assert_eq!(hex(IModularAccount::installValidationCall::SELECTOR), "1bbf564c");
        assert_eq!(hex(IModularAccount::uninstallValidationCall::SELECTOR), "b6b1ccfe");
        assert_eq!(hex(IModularAccount::getValidationDataCall::SELECTOR), "d31b575b");
        assert_eq!(hex(IAccountFactory::createSemiModularAccountCall::SELECTOR), "8b4e464e");
        assert_eq!(hex(IAccountFactory::getAddressSemiModularCall::SELECTOR), "6aa34063");
        assert_eq!(hex(IEntryPoint::getNonceCall::SELECTOR), "35567e1a");
    }
}
