// SPDX-License-Identifier: MIT
// What the devnet's two stand-in accounts share (StandInAccount.sol: the counterfactual MAv2
// account; Delegate7702.sol: the EIP-7702 delegate at SMA7702's address): MAv2's
// `installValidation` / `uninstallValidation` as owner-or-EntryPoint-or-self functions that only
// record what was installed, MAv2's `getValidationData(bytes24)` answered from that record, the
// ERC-4337 `validateUserOp` frame (EntryPoint only, prefund paid), `execute` / `executeBatch`, and
// the EIP-191 signature recovery both check. Which signatures validate is each account's own rule
// (`validate`). Nothing here runs a module or a hook.
//
// The bookkeeping: an installed validation is keyed by its validation function (module ‖ entity
// id, the first 24 bytes of the ValidationConfig); install data of 64 bytes is read as
// SingleSigner's `abi.encode(uint32 entityId, address signer)` and its signer recorded, install
// data of 96 bytes as WebAuthnValidationModule's `abi.encode(uint32 entityId, uint256 x, uint256 y)`
// and its P-256 key recorded, until uninstalled. `getValidationData` answers with what was installed at the entity id (flags from
// the ValidationConfig, selectors, and each hook's 25-byte HookConfig sorted by its
// validation-hook bit, in install order), keyed by entity id only as MAv2 keys it; the owner can
// overwrite that answer with `setValidationData` so a test can make it differ from the grant.
//
// No constructor and no storage set at deployment: a contract built on it may run as a 7702
// delegate, whose storage is the EOA's. Test contracts; never deploy them anywhere that matters.
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

/// `getValidationData`'s result, as MAv2's `modularAccountAbi` returns it.
struct ValidationDataView {
    uint8 validationFlags;
    bytes25[] validationHooks;
    bytes25[] executionHooks;
    bytes4[] selectors;
}

abstract contract StandInValidations {
    /// Validation function (module ‖ entity id) → installed.
    mapping(bytes24 => bool) public installed;
    /// Validation function → the signer its install data named.
    mapping(bytes24 => address) public signerOf;
    /// Signer → how many installed validations name it.
    mapping(address => uint256) public sessionSigner;
    /// Entity id → what `getValidationData` answers for it.
    mapping(uint32 => ValidationDataView) internal validationData;
    /// Validation function → the P-256 key (x, y) its WebAuthn install data named.
    mapping(bytes24 => uint256[2]) internal p256KeyOf;

    /// The whole `installValidation(...)` call data, as the account received it.
    event ValidationInstalled(bytes24 indexed validationFunction, bytes callData);
    /// The whole `uninstallValidation(...)` call data, as the account received it.
    event ValidationUninstalled(bytes24 indexed validationFunction, bytes callData);

    error NotAuthorized(address caller);
    error AlreadyInstalled(bytes24 validationFunction);
    error NotInstalled(bytes24 validationFunction);

    receive() external payable {}

    /// The EntryPoint this account takes operations from.
    function entryPointAddress() internal view virtual returns (address);

    /// The account's owner.
    function ownerAddress() internal view virtual returns (address);

    /// 0 when `userOp` (whose hash is `userOpHash`) is validly signed, 1 when not.
    function validate(PackedUserOperation calldata userOp, bytes32 userOpHash) internal virtual returns (uint256);

    modifier onlyOwnerOrEntryPoint() {
        if (msg.sender != entryPointAddress() && msg.sender != ownerAddress() && msg.sender != address(this)) {
            revert NotAuthorized(msg.sender);
        }
        _;
    }

    function validateUserOp(PackedUserOperation calldata userOp, bytes32 userOpHash, uint256 missingAccountFunds)
        external
        returns (uint256 validationData)
    {
        if (msg.sender != entryPointAddress()) revert NotAuthorized(msg.sender);
        validationData = validate(userOp, userOpHash);
        if (missingAccountFunds > 0) {
            (bool ok,) = payable(msg.sender).call{value: missingAccountFunds}("");
            ok;
        }
    }

    function execute(address dest, uint256 value, bytes calldata func) external onlyOwnerOrEntryPoint {
        forward(dest, value, func);
    }

    /// SimpleAccount's batch (three arrays; an empty `value` sends no value).
    function executeBatch(address[] calldata dest, uint256[] calldata value, bytes[] calldata func)
        external
        onlyOwnerOrEntryPoint
    {
        for (uint256 i = 0; i < dest.length; i++) {
            forward(dest[i], value.length == 0 ? 0 : value[i], func[i]);
        }
    }

    function installValidation(
        bytes25 validationConfig,
        bytes4[] calldata selectors,
        bytes calldata installData,
        bytes[] calldata hooks
    ) external onlyOwnerOrEntryPoint {
        bytes24 validation = bytes24(validationConfig);
        if (installed[validation]) revert AlreadyInstalled(validation);
        installed[validation] = true;
        recordView(validationConfig, selectors, hooks);
        if (installData.length == 64) {
            (, address signer) = abi.decode(installData, (uint32, address));
            signerOf[validation] = signer;
            sessionSigner[signer] += 1;
        } else if (installData.length == 96) {
            (, uint256 x, uint256 y) = abi.decode(installData, (uint32, uint256, uint256));
            p256KeyOf[validation] = [x, y];
        }
        emit ValidationInstalled(validation, msg.data);
    }

    function uninstallValidation(bytes24 validationFunction, bytes calldata, bytes[] calldata)
        external
        onlyOwnerOrEntryPoint
    {
        if (!installed[validationFunction]) revert NotInstalled(validationFunction);
        installed[validationFunction] = false;
        delete validationData[entityIdOf(validationFunction)];
        delete p256KeyOf[validationFunction];
        address signer = signerOf[validationFunction];
        if (signer != address(0)) {
            sessionSigner[signer] -= 1;
            delete signerOf[validationFunction];
        }
        emit ValidationUninstalled(validationFunction, msg.data);
    }

    /// The P-256 key a WebAuthn validation names (zero when none).
    function p256Key(bytes24 validationFunction) external view returns (uint256 x, uint256 y) {
        return (p256KeyOf[validationFunction][0], p256KeyOf[validationFunction][1]);
    }

    /// MAv2's view of one validation; the module part of `validationFunction` is ignored.
    function getValidationData(bytes24 validationFunction) external view returns (ValidationDataView memory data) {
        return validationData[entityIdOf(validationFunction)];
    }

    /// Replace what `getValidationData` answers for `entityId` (all zero: nothing installed).
    function setValidationData(uint32 entityId, ValidationDataView calldata data) external onlyOwnerOrEntryPoint {
        ValidationDataView storage v = validationData[entityId];
        v.validationFlags = data.validationFlags;
        v.validationHooks = data.validationHooks;
        v.executionHooks = data.executionHooks;
        v.selectors = data.selectors;
    }

    /// ValidationConfig = module (20) ‖ entity id (4) ‖ flags (1); hooks[i] = HookConfig (25) ‖ install data,
    /// HookConfig's last byte bit 0 set for a validation hook.
    function recordView(bytes25 validationConfig, bytes4[] calldata selectors, bytes[] calldata hooks) internal {
        ValidationDataView storage v = validationData[uint32(uint200(validationConfig) >> 8)];
        v.validationFlags = uint8(uint200(validationConfig));
        for (uint256 i = 0; i < selectors.length; i++) {
            v.selectors.push(selectors[i]);
        }
        for (uint256 i = 0; i < hooks.length; i++) {
            if (hooks[i].length < 25) continue;
            bytes25 hook = bytes25(hooks[i][:25]);
            if (uint8(uint200(hook)) & 1 == 1) v.validationHooks.push(hook);
            else v.executionHooks.push(hook);
        }
    }

    function entityIdOf(bytes24 validationFunction) internal pure returns (uint32) {
        return uint32(uint192(validationFunction));
    }

    function forward(address target, uint256 value, bytes calldata data) internal {
        (bool ok, bytes memory result) = target.call{value: value}(data);
        if (!ok) {
            assembly {
                revert(add(result, 32), mload(result))
            }
        }
    }

    /// The signer of the EIP-191 message `userOpHash` (`personal_sign` of the raw 32 bytes).
    function recover(bytes32 userOpHash, bytes calldata sig) internal pure returns (address) {
        return recoverDigest(keccak256(abi.encodePacked("\x19Ethereum Signed Message:\n32", userOpHash)), sig);
    }

    /// The signer of `digest` as signed (`r ‖ s ‖ v`); zero for a malformed or high-s signature.
    function recoverDigest(bytes32 digest, bytes calldata sig) internal pure returns (address) {
        if (sig.length != 65) return address(0);
        bytes32 r = bytes32(sig[0:32]);
        bytes32 s = bytes32(sig[32:64]);
        uint8 v = uint8(sig[64]);
        if (uint256(s) > 0x7FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF5D576E7357A4501DDFE92F46681B20A0) return address(0);
        return ecrecover(digest, v, r, s);
    }
}
