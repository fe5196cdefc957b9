// The viem app of bench/viem-app.mjs plus Alchemy's MAv2 session pieces, as one esbuild entry:
//   esbuild --bundle --minify --format=esm bench/viem-app-alchemy.mjs
// Its gzip size minus the viem app's is what Alchemy's route adds to a viem app (the marginal
// price), the figure the marginal-price row sets ours against.
export * from "./viem-app.mjs";

// The session key (viem's), the MAv2 account, session grants, install and deferred actions, nonce keys.
export { generatePrivateKey } from "viem/accounts";
export { createModularAccountV2 } from "@account-kit/smart-contracts";
export {
  PermissionBuilder,
  buildFullNonceKey,
  deferralActions,
  installValidationActions,
} from "@account-kit/smart-contracts/experimental";
