// SPDX-License-Identifier: MIT
// A counterfactual MAv2 account stand-in for sessions that send through their own viem clients
// (tests/js/viem_devnet.test.mjs): Delegate7702.sol's validation (MAv2's signature layout
// `[deferred action ‖] 0xFF ‖ 0x00 ‖ sig65`, the nonce key's entity id naming the SingleSigner
// validation, the deferred action run as a self-call before the rest is checked, `execute`, MAv2's
// `executeBatch((address,uint256,bytes)[])`, `executeUserOp`) with an owner of its own instead of
// the EOA. Its factory has MAv2's factory function, `createSemiModularAccount(owner, salt)`, so a
// user operation's factory data has MAv2's shape, and deploys a minimal proxy per (owner, salt),
// cheap enough for the bundler's gas estimation, as MAv2 deploys a proxy. The proxy's address is
// this factory's CREATE2, not MAv2's: a test names the account by address and init code.
// Like Delegate7702, no module or hook runs. Test contracts; never deploy them anywhere that matters.
pragma solidity 0.8.26;

import {Delegate7702} from "./Delegate7702.sol";

contract StandInMav2Account is Delegate7702 {
    address private owner;

    error AlreadyInitialized();

    /// Set once, by the factory in the transaction that deploys the proxy.
    function initialize(address owner_) external {
        if (owner != address(0)) revert AlreadyInitialized();
        owner = owner_;
    }

    function ownerAddress() internal view override returns (address) {
        return owner;
    }
}

/// One EIP-1167 proxy to a StandInMav2Account per (owner, salt), at a CREATE2 address known
/// before it exists; the salt binds the owner, so no one else can initialize that address.
contract StandInMav2AccountFactory {
    address public immutable implementation;

    constructor() {
        implementation = address(new StandInMav2Account());
    }

    function createSemiModularAccount(address owner, uint256 salt) external returns (address account) {
        account = getAddress(owner, salt);
        if (account.code.length > 0) return account;
        bytes memory code = proxyCode();
        bytes32 s = keccak256(abi.encode(owner, salt));
        assembly {
            account := create2(0, add(code, 32), mload(code), s)
        }
        StandInMav2Account(payable(account)).initialize(owner);
    }

    function getAddress(address owner, uint256 salt) public view returns (address) {
        bytes32 s = keccak256(abi.encode(owner, salt));
        bytes32 h = keccak256(abi.encodePacked(bytes1(0xff), address(this), s, keccak256(proxyCode())));
        return address(uint160(uint256(h)));
    }

    function proxyCode() internal view returns (bytes memory) {
        return abi.encodePacked(
            hex"3d602d80600a3d3981f3363d3d373d3d3d363d73", implementation, hex"5af43d82803e903d91602b57fd5bf3"
        );
    }
}
