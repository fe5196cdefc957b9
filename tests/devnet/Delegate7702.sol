// SPDX-License-Identifier: MIT
// A stand-in for MAv2's SemiModularAccount7702 on the devnet, where SMA7702 itself cannot be
// deployed (it is in no registry): the code an EOA delegates to with EIP-7702. The EOA
// (`address(this)`) is its own owner. The devnet installs its runtime code at SMA7702's address
// (deploy.mjs) so the library's check of the delegate passes unchanged; it therefore has no
// constructor and no immutables, and its storage is the EOA's.
//
// `validateUserOp` accepts, in MAv2's layout `0xFF ‖ 0x00 ‖ sig65` (what `accountKind:
// "mav2-7702"` signs) or raw 65 bytes, sig65 over the EIP-191 digest of the v0.7 userOpHash:
// - the EOA's own signature, whatever the nonce key;
// - a session key's, when the nonce key's entity id (MAv2's layout: key = parallel ‖ entity id (4)
//   ‖ options (1)) names a SingleSigner validation installed here whose install data named that
//   key, and the call data is `execute`, an `executeBatch`, or `executeUserOp` in front of one of
//   them;
// - a `p256-webcrypto` session's WebAuthn assertion, `0xFF ‖ abi.encode(WebAuthnAuth)`, when the
//   nonce key's entity id names a WebAuthnValidationModule validation installed here: checked by
//   WebAuthnVerifier.sol's `WebAuthnCheck` (webauthn-sol's checks, P-256 through the precompile)
//   against the key its install data named, for the same call data as above;
// - with the options' deferred bit (0x02), MAv2's deferred action in front of the signature:
//   `uint32 len ‖ (uint168 validationLocator ‖ uint48 deadline ‖ call) ‖ uint32 len ‖ 0x00 ‖
//   r ‖ s ‖ v`, where the locator must be the owner's (entity 0, global: 1), the deadline 0 or
//   not passed, and r ‖ s ‖ v the EOA's signature of the EIP-712 `DeferredAction(uint256 nonce,
//   uint48 deadline,bytes call)` (domain: chain id and this account) with the operation's nonce;
//   then `call` runs as a self-call (it installs the session) before the rest is validated as
//   above. A deferred action that cannot be read, is not the EOA's, or whose call fails reverts.
// Installs, uninstalls and `getValidationData` are StandInValidations.sol's bookkeeping, taken from
// the EOA, the EntryPoint or the account itself. Execution: `execute`, MAv2's
// `executeBatch((address,uint256,bytes)[])`, SimpleAccount's three-array `executeBatch`, and
// `executeUserOp`, which self-calls the operation's call data after its 4-byte selector.
//
// It proves the authorization path (a type-4 transaction through the bundler) and the bytes of the
// session flow on a 7702 account (install and uninstall call data, nonce keys, session signatures,
// the deferred action's layout and digest) against this contract, not SMA7702's validation: no
// module or hook runs, so no permission, limit, time range or paymaster is enforced.
// Test contract; never deploy it anywhere that matters.
pragma solidity 0.8.26;

import {PackedUserOperation, StandInValidations} from "./StandInValidations.sol";
import {WebAuthnCheck} from "./WebAuthnVerifier.sol";

/// One call of MAv2's `executeBatch`.
struct Call {
    address target;
    uint256 value;
    bytes data;
}

contract Delegate7702 is StandInValidations, WebAuthnCheck {
    /// No immutables: the runtime code is copied to another address as is.
    address public constant ENTRY_POINT = 0x0000000071727De22E5E9d8BAf0edAc6f37da032;
    /// MAv2's SingleSignerValidationModule (src/addresses.rs), the module a session's validation names.
    address public constant SINGLE_SIGNER_VALIDATION_MODULE = 0x00000000000099DE0BF6fA90dEB851E2A2df7d83;
    /// MAv2's WebAuthnValidationModule (src/addresses.rs), the module a P-256 session's validation names.
    address public constant WEBAUTHN_VALIDATION_MODULE = 0x0000000000001D9d34E07D9834274dF9ae575217;

    bytes32 private constant DOMAIN_TYPEHASH = keccak256("EIP712Domain(uint256 chainId,address verifyingContract)");
    bytes32 private constant DEFERRED_ACTION_TYPEHASH =
        keccak256("DeferredAction(uint256 nonce,uint48 deadline,bytes call)");
    uint8 private constant OPTION_DEFERRED = 0x02;
    uint168 private constant OWNER_LOCATOR = 1;

    /// The deferred action in front of the signature could not be read or was not the owner's.
    error InvalidDeferredAction();

    function entryPointAddress() internal pure override returns (address) {
        return ENTRY_POINT;
    }

    /// The EOA itself; StandInMav2Account.sol names an owner of its own.
    function ownerAddress() internal view virtual override returns (address) {
        return address(this);
    }

    function validate(PackedUserOperation calldata userOp, bytes32 userOpHash) internal override returns (uint256) {
        bytes calldata sig = userOp.signature;
        uint256 key = userOp.nonce >> 64;
        if (uint8(key) & OPTION_DEFERRED != 0) sig = runDeferredAction(userOp.nonce, sig);
        if (sig.length > 67 && sig[0] == 0xff) return validateWebAuthn(userOp, userOpHash, sig, uint32(key >> 8));
        if (sig.length == 67 && sig[0] == 0xff && sig[1] == 0x00) sig = sig[2:];
        address signer = recover(userOpHash, sig);
        if (signer == address(0)) return 1;
        if (signer == ownerAddress()) return 0;
        bytes24 validation = validationOf(uint32(key >> 8));
        if (!installed[validation] || signerOf[validation] != signer) return 1;
        return isExecution(userOp.callData) ? 0 : 1;
    }

    /// A WebAuthn assertion for the WebAuthn validation at `entityId`: its key's, for an execution.
    function validateWebAuthn(PackedUserOperation calldata userOp, bytes32 userOpHash, bytes calldata sig, uint32 entityId)
        internal
        view
        returns (uint256)
    {
        bytes24 validation = bytes24((uint192(uint160(WEBAUTHN_VALIDATION_MODULE)) << 32) | entityId);
        uint256[2] memory k = p256KeyOf[validation];
        if (!installed[validation] || (k[0] == 0 && k[1] == 0)) return 1;
        if (!webauthnValid(userOpHash, sig, k[0], k[1])) return 1;
        return isExecution(userOp.callData) ? 0 : 1;
    }

    /// MAv2's batch: each call in order, reverting with the first failure's revert data.
    function executeBatch(Call[] calldata calls) external onlyOwnerOrEntryPoint {
        for (uint256 i = 0; i < calls.length; i++) {
            forward(calls[i].target, calls[i].value, calls[i].data);
        }
    }

    /// ERC-4337 v0.7 `IAccountExecute`: the EntryPoint calls it for call data that starts with its
    /// selector; the rest of the call data is run as a self-call.
    function executeUserOp(PackedUserOperation calldata userOp, bytes32) external {
        if (msg.sender != ENTRY_POINT) revert NotAuthorized(msg.sender);
        forward(address(this), 0, userOp.callData[4:]);
    }

    /// SingleSigner's validation function (module ‖ entity id) for `entityId`.
    function validationOf(uint32 entityId) internal pure returns (bytes24) {
        return bytes24((uint192(uint160(SINGLE_SIGNER_VALIDATION_MODULE)) << 32) | entityId);
    }

    /// `execute`, either `executeBatch`, or `executeUserOp` followed by one of those.
    function isExecution(bytes calldata callData) internal pure returns (bool) {
        if (callData.length >= 4 && bytes4(callData[:4]) == this.executeUserOp.selector) callData = callData[4:];
        if (callData.length < 4) return false;
        bytes4 selector = bytes4(callData[:4]);
        return selector == this.execute.selector || selector == bytes4(keccak256("executeBatch((address,uint256,bytes)[])"))
            || selector == bytes4(keccak256("executeBatch(address[],uint256[],bytes[])"));
    }

    /// Check and run the deferred action at the front of `sig` for the operation of `nonce`;
    /// returns the signature after it. Reverts when it cannot be read, is not the owner's, or its
    /// call reverts (MAv2 reverts there too).
    function runDeferredAction(uint256 nonce, bytes calldata sig) internal returns (bytes calldata rest) {
        bytes calldata data;
        bytes calldata ownerSig;
        (data, ownerSig, rest) = splitDeferredAction(sig);
        uint48 deadline = uint48(bytes6(data[21:27]));
        if (uint168(bytes21(data[:21])) != OWNER_LOCATOR || (deadline != 0 && block.timestamp > deadline)) {
            revert InvalidDeferredAction();
        }
        if (ownerSig.length != 66 || ownerSig[0] != 0x00) revert InvalidDeferredAction();
        if (recoverDigest(deferredActionHash(nonce, deadline, data[27:]), ownerSig[1:]) != ownerAddress()) {
            revert InvalidDeferredAction();
        }
        forward(address(this), 0, data[27:]);
    }

    /// `uint32 len ‖ data ‖ uint32 len ‖ ownerSig ‖ rest` → its three parts; `data` is at least the
    /// locator and the deadline (27 bytes).
    function splitDeferredAction(bytes calldata sig)
        internal
        pure
        returns (bytes calldata data, bytes calldata ownerSig, bytes calldata rest)
    {
        if (sig.length < 4) revert InvalidDeferredAction();
        uint256 dataEnd = 4 + uint256(uint32(bytes4(sig[:4])));
        if (dataEnd < 4 + 27 || sig.length < dataEnd + 4) revert InvalidDeferredAction();
        uint256 sigEnd = dataEnd + 4 + uint256(uint32(bytes4(sig[dataEnd:dataEnd + 4])));
        if (sig.length < sigEnd) revert InvalidDeferredAction();
        return (sig[4:dataEnd], sig[dataEnd + 4:sigEnd], sig[sigEnd:]);
    }

    /// The EIP-712 digest of `DeferredAction(nonce, deadline, call)` for this account on this chain.
    function deferredActionHash(uint256 nonce, uint48 deadline, bytes calldata call) internal view returns (bytes32) {
        bytes32 domain = keccak256(abi.encode(DOMAIN_TYPEHASH, block.chainid, address(this)));
        bytes32 structHash = keccak256(abi.encode(DEFERRED_ACTION_TYPEHASH, nonce, deadline, keccak256(call)));
        return keccak256(abi.encodePacked("\x19\x01", domain, structHash));
    }
}
