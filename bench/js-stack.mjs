// The JavaScript stack this package replaces, doing the same jobs, as one esbuild entry:
//   esbuild --bundle --minify --format=esm bench/js-stack.mjs
// Its minified size is the "JS stack" column of the size row; the speed rows call these same
// functions from the same bundle. Import only what an app needs for the jobs our package does.

// viem: the v0.7 user operation (hash, packing), the session key account, a bundler client.
export { custom, http } from "viem";
export { sepolia } from "viem/chains";
export { privateKeyToAccount } from "viem/accounts";
export {
  createBundlerClient,
  entryPoint07Address,
  getUserOperationHash,
  toPackedUserOperation,
} from "viem/account-abstraction";

// Alchemy: the MAv2 account, session grants (PermissionBuilder + hooks), install/uninstall and
// deferred actions, nonce keys and the session signer.
export { LocalAccountSigner, createSmartAccountClient } from "@aa-sdk/core";
export { createModularAccountV2, predictModularAccountV2Address } from "@account-kit/smart-contracts";
export {
  PaymasterGuardModule,
  PermissionBuilder,
  TimeRangeModule,
  buildDeferredActionDigest,
  buildFullNonceKey,
  deferralActions,
  getDefaultPaymasterGuardModuleAddress,
  getDefaultTimeRangeModuleAddress,
  installValidationActions,
} from "@account-kit/smart-contracts/experimental";
