// SPDX-License-Identifier: MIT
// A stand-in for a Modular Account V2 on the devnet, where MAv2 itself cannot be deployed (it is in
// no registry): an ERC-4337 v0.7 account validated like the EntryPoint package's SimpleAccount (the
// owner's EIP-191 signature over the userOpHash, raw 65 bytes: what `accountKind: "simple-account"`
// signs), with MAv2's `installValidation` / `uninstallValidation` as owner-or-EntryPoint functions
// that only record what was installed, and MAv2's `getValidationData(bytes24)` answered from that
// record (StandInValidations.sol). It stands in for the account's bookkeeping, not for MAv2's
// validation: no hook runs, the nonce key selects nothing, and the one session rule it keeps is
// that a signer named by any installed SingleSigner validation (install data
// `abi.encode(uint32 entityId, address signer)`) may sign `execute` / `executeBatch` (SimpleAccount's
// three-array batch), raw 65 bytes, until it is uninstalled. Test contract; never deploy it
// anywhere that matters.
pragma solidity 0.8.26;

import {PackedUserOperation, StandInValidations} from "./StandInValidations.sol";

contract StandInAccount is StandInValidations {
    address public immutable entryPoint;
    address public immutable owner;

    constructor(address entryPoint_, address owner_) {
        entryPoint = entryPoint_;
        owner = owner_;
    }

    function entryPointAddress() internal view override returns (address) {
        return entryPoint;
    }

    function ownerAddress() internal view override returns (address) {
        return owner;
    }

    /// The owner's signature, or a session signer's for `execute` / `executeBatch`; raw 65 bytes.
    function validate(PackedUserOperation calldata userOp, bytes32 userOpHash) internal view override returns (uint256) {
        address signer = recover(userOpHash, userOp.signature);
        if (signer == address(0)) return 1;
        if (signer == owner) return 0;
        if (sessionSigner[signer] > 0 && userOp.callData.length >= 4) {
            bytes4 selector = bytes4(userOp.callData[:4]);
            return (selector == this.execute.selector || selector == this.executeBatch.selector) ? 0 : 1;
        }
        return 1;
    }
}

/// One stand-in account per (owner, salt), at a CREATE2 address known before it exists; the
/// interface of SimpleAccountFactory, so a user operation's initCode deploys it.
contract StandInAccountFactory {
    address public immutable entryPoint;

    constructor(address entryPoint_) {
        entryPoint = entryPoint_;
    }

    function createAccount(address owner, uint256 salt) external returns (address account) {
        account = getAddress(owner, salt);
        if (account.code.length > 0) return account;
        return address(new StandInAccount{salt: bytes32(salt)}(entryPoint, owner));
    }

    function getAddress(address owner, uint256 salt) public view returns (address) {
        bytes32 initHash = keccak256(abi.encodePacked(type(StandInAccount).creationCode, abi.encode(entryPoint, owner)));
        return address(uint160(uint256(keccak256(abi.encodePacked(bytes1(0xff), address(this), bytes32(salt), initHash)))));
    }
}
