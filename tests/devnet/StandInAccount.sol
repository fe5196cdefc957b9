// SPDX-License-Identifier: MIT
// A stand-in for a Modular Account V2 on the devnet, where MAv2 itself cannot be deployed (it is in
// no registry): an ERC-4337 v0.7 account validated like the EntryPoint package's SimpleAccount (the
// owner's EIP-191 signature over the userOpHash, raw 65 bytes: what `accountKind: "simple-account"`
// signs), with MAv2's `installValidation` / `uninstallValidation` as owner-or-EntryPoint functions
// that only record what was installed. It stands in for the account's bookkeeping, not for MAv2's
// validation: no hook runs, and the one session rule it keeps is that the signer named by an
// installed SingleSigner validation (install data `abi.encode(uint32 entityId, address signer)`)
// may sign `execute` / `executeBatch`, until it is uninstalled. It also answers MAv2's
// `getValidationData(bytes24)` with what was installed at the entity id (flags from the
// ValidationConfig, selectors, and each hook's 25-byte HookConfig sorted by its validation-hook
// bit, in install order), keyed by entity id only as MAv2 keys it; the owner can overwrite that
// answer with `setValidationData` so a test can make it differ from the grant. Test contract;
// never deploy it anywhere that matters.
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

contract StandInAccount {
    address public immutable entryPoint;
    address public immutable owner;

    /// Validation function (module ‖ entity id) → installed.
    mapping(bytes24 => bool) public installed;
    /// Validation function → the signer its install data named.
    mapping(bytes24 => address) public signerOf;
    /// Signer → how many installed validations name it.
    mapping(address => uint256) public sessionSigner;
    /// Entity id → what `getValidationData` answers for it.
    mapping(uint32 => ValidationDataView) internal validationData;

    /// The whole `installValidation(...)` call data, as the account received it.
    event ValidationInstalled(bytes24 indexed validationFunction, bytes callData);
    /// The whole `uninstallValidation(...)` call data, as the account received it.
    event ValidationUninstalled(bytes24 indexed validationFunction, bytes callData);

    error NotAuthorized(address caller);
    error AlreadyInstalled(bytes24 validationFunction);
    error NotInstalled(bytes24 validationFunction);

    constructor(address entryPoint_, address owner_) {
        entryPoint = entryPoint_;
        owner = owner_;
    }

    receive() external payable {}

    modifier onlyOwnerOrEntryPoint() {
        if (msg.sender != entryPoint && msg.sender != owner && msg.sender != address(this)) revert NotAuthorized(msg.sender);
        _;
    }

    function validateUserOp(PackedUserOperation calldata userOp, bytes32 userOpHash, uint256 missingAccountFunds)
        external
        returns (uint256 validationData)
    {
        if (msg.sender != entryPoint) revert NotAuthorized(msg.sender);
        address signer = recover(userOpHash, userOp.signature);
        if (signer == address(0)) {
            validationData = 1;
        } else if (signer == owner) {
            validationData = 0;
        } else if (sessionSigner[signer] > 0 && userOp.callData.length >= 4) {
            bytes4 selector = bytes4(userOp.callData[:4]);
            validationData = (selector == this.execute.selector || selector == this.executeBatch.selector) ? 0 : 1;
        } else {
            validationData = 1;
        }
        if (missingAccountFunds > 0) {
            (bool ok,) = payable(msg.sender).call{value: missingAccountFunds}("");
            ok;
        }
    }

    function execute(address dest, uint256 value, bytes calldata func) external onlyOwnerOrEntryPoint {
        forward(dest, value, func);
    }

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
        address signer = signerOf[validationFunction];
        if (signer != address(0)) {
            sessionSigner[signer] -= 1;
            delete signerOf[validationFunction];
        }
        emit ValidationUninstalled(validationFunction, msg.data);
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
        if (sig.length != 65) return address(0);
        bytes32 digest = keccak256(abi.encodePacked("\x19Ethereum Signed Message:\n32", userOpHash));
        bytes32 r = bytes32(sig[0:32]);
        bytes32 s = bytes32(sig[32:64]);
        uint8 v = uint8(sig[64]);
        if (uint256(s) > 0x7FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF5D576E7357A4501DDFE92F46681B20A0) return address(0);
        return ecrecover(digest, v, r, s);
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
