// SPDX-License-Identifier: MIT
// A stand-in for MAv2's SemiModularAccount7702 on the devnet, where SMA7702 itself cannot be
// deployed (it is in no registry): the code an EOA delegates to with EIP-7702. The EOA is its own
// owner: `validateUserOp` accepts the EOA's EIP-191 signature over the v0.7 userOpHash, in MAv2's
// owner layout `0xFF ‖ 0x00 ‖ sig65` (what `accountKind: "mav2-7702"` signs for the owner) or raw;
// `execute` / `executeBatch` are MAv2's selectors. It proves the authorization path (a type-4
// transaction through the bundler), not SMA7702's validation. The devnet installs its runtime code
// at SMA7702's address (deploy.mjs) so the library's check of the delegate passes unchanged.
// Test contract; never deploy it anywhere that matters.
pragma solidity 0.8.26;

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

contract Delegate7702 {
    /// No immutables: the runtime code is copied to another address as is.
    address public constant ENTRY_POINT = 0x0000000071727De22E5E9d8BAf0edAc6f37da032;

    error NotAuthorized(address caller);

    receive() external payable {}

    modifier onlyEntryPointOrSelf() {
        if (msg.sender != ENTRY_POINT && msg.sender != address(this)) revert NotAuthorized(msg.sender);
        _;
    }

    function validateUserOp(PackedUserOperation calldata userOp, bytes32 userOpHash, uint256 missingAccountFunds)
        external
        returns (uint256 validationData)
    {
        if (msg.sender != ENTRY_POINT) revert NotAuthorized(msg.sender);
        bytes calldata sig = userOp.signature;
        if (sig.length == 67 && sig[0] == 0xff && sig[1] == 0x00) sig = sig[2:];
        validationData = recover(userOpHash, sig) == address(this) ? 0 : 1;
        if (missingAccountFunds > 0) {
            (bool ok,) = payable(msg.sender).call{value: missingAccountFunds}("");
            ok;
        }
    }

    function execute(address target, uint256 value, bytes calldata data) external onlyEntryPointOrSelf {
        forward(target, value, data);
    }

    function executeBatch(address[] calldata target, uint256[] calldata value, bytes[] calldata data)
        external
        onlyEntryPointOrSelf
    {
        for (uint256 i = 0; i < target.length; i++) {
            forward(target[i], value.length == 0 ? 0 : value[i], data[i]);
        }
    }

    function forward(address target, uint256 value, bytes calldata data) internal {
        (bool ok, bytes memory result) = target.call{value: value}(data);
        if (!ok) {
            assembly {
                revert(add(result, 32), mload(result))
            }
        }
    }

    /// The signer of the EIP-191 message `userOpHash`; zero for a malformed signature.
    function recover(bytes32 userOpHash, bytes calldata sig) internal pure returns (address) {
        if (sig.length != 65) return address(0);
        bytes32 digest = keccak256(abi.encodePacked("\x19Ethereum Signed Message:\n32", userOpHash));
        bytes32 r = bytes32(sig[0:32]);
        bytes32 s = bytes32(sig[32:64]);
        uint8 v = uint8(sig[64]);
        if (uint256(s) > 0x7FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF5D576E7357A4501DDFE92F46681B20A0) return address(0);
        return ecrecover(digest, v, r, s);
    }
}
