// SPDX-License-Identifier: MIT
// Stand-ins for the view functions of MAv2's modules that `onchain::read_session_state` calls, on
// the devnet, where the modules themselves cannot be deployed (they are in no registry). Each one
// has exactly the module's view function, as a public mapping with the ABI Alchemy's SDK ships
// (the getter's selector is the SDK's), and a setter through which a test chooses what it answers.
// Nothing here enforces a limit, a window or a paymaster, and no account calls these on install:
// they prove the reads (selectors, argument order, decoding of real `eth_call` answers), not the
// modules' bookkeeping.
//
// The crate calls the modules at their fixed addresses (src/addresses.rs), so deploy.mjs puts each
// stand-in's runtime code at its module's address with `anvil_setCode`. That is sound only because
// these contracts have no constructor and no immutables: their runtime code is all of them.
// Storage is per address, so it survives a repeated `anvil_setCode`. Anyone may call the setters:
// test contracts; never deploy them anywhere that matters.
pragma solidity 0.8.26;

/// NativeTokenLimitModule: `limits(uint256 entityId, address account)` (0xe19500ba); the entity id
/// is a uint256 there. A validation's native budget sits at its entity id, its gas budget at the
/// hook entity id (entity id + 0x7FFFFFFF).
contract StandInNativeTokenLimitModule {
    mapping(uint256 entityId => mapping(address account => uint256 limit)) public limits;

    function setLimit(uint256 entityId, address account, uint256 limit) external {
        limits[entityId][account] = limit;
    }
}

/// AllowlistModule: `erc20SpendLimits(uint32 entityId, address target, address account)` (0xb33b322c).
contract StandInAllowlistModule {
    mapping(uint32 entityId => mapping(address target => mapping(address account => uint256))) public erc20SpendLimits;

    function setErc20SpendLimit(uint32 entityId, address target, address account, uint256 limit) external {
        erc20SpendLimits[entityId][target][account] = limit;
    }
}

/// TimeRangeModule: `timeRanges(uint32 entityId, address account)` (0xcb81b9bc) →
/// `(uint48 validUntil, uint48 validAfter)`.
contract StandInTimeRangeModule {
    struct TimeRange {
        uint48 validUntil;
        uint48 validAfter;
    }

    mapping(uint32 entityId => mapping(address account => TimeRange)) public timeRanges;

    function setTimeRange(uint32 entityId, address account, uint48 validUntil, uint48 validAfter) external {
        timeRanges[entityId][account] = TimeRange(validUntil, validAfter);
    }
}

/// PaymasterGuardModule: `paymasters(uint32 entityId, address account)` (0x24795c26).
contract StandInPaymasterGuardModule {
    mapping(uint32 entityId => mapping(address account => address paymaster)) public paymasters;

    function setPaymaster(uint32 entityId, address account, address paymaster) external {
        paymasters[entityId][account] = paymaster;
    }
}

/// SingleSignerValidationModule: `signers(uint32 entityId, address account)` (0x217178fb).
contract StandInSingleSignerValidationModule {
    mapping(uint32 entityId => mapping(address account => address)) public signers;

    function setSigner(uint32 entityId, address account, address signer) external {
        signers[entityId][account] = signer;
    }
}
