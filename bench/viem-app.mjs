// A viem app that sends user operations, without Alchemy's SDK, as one esbuild entry:
//   esbuild --bundle --minify --format=esm bench/viem-app.mjs
// The baseline of the marginal-price row: what a viem app already ships before it adds session
// keys, either Alchemy's route (bench/viem-app-alchemy.mjs) or this package (which imports no viem).
export {
  createPublicClient,
  createWalletClient,
  custom,
  encodeFunctionData,
  erc20Abi,
  formatEther,
  getAddress,
  http,
  parseEther,
} from "viem";
export { privateKeyToAccount } from "viem/accounts";
export { createBundlerClient, getUserOperationHash } from "viem/account-abstraction";
