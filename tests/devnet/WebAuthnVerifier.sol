// SPDX-License-Identifier: MIT
pragma solidity 0.8.26;

/// A stand-in for the signature check of MAv2's WebAuthnValidationModule, for the devnet only
/// (the module is in no registry reachable here): `WebAuthnCheck`, which the 7702 delegate
/// stand-in (Delegate7702.sol) runs for installed WebAuthn validations, and
/// `StandInWebAuthnVerifier`, the same check deployed on its own for tests to call. It checks a session's user-operation signature
/// the way the module does through the WebAuthn library it uses (base-org/webauthn-sol
/// `WebAuthn.verify`): the signature is `0xFF ‖ abi.encode(WebAuthnAuth)`, the challenge is the
/// EIP-191 digest of the userOpHash (the account's `toEthSignedMessageHash`), and then
///   - `s` is at most n/2 (no malleable signatures);
///   - `"type":"webauthn.get"` stands at `typeIndex` of clientDataJSON;
///   - `"challenge":"<base64url(challenge), no padding>"` stands at `challengeIndex`;
///   - authenticatorData's flags have UP (and UV when asked);
///   - the P-256 signature (r, s) of `sha256(authenticatorData ‖ sha256(clientDataJSON))` by (x, y)
///     verifies through the precompile at 0x100 (RIP-7212 / EIP-7951; anvil has it).
/// The library falls back to a Solidity verifier (FreshCryptoLib) where the precompile is absent;
/// this stand-in has no fallback and says false there, so a devnet without the precompile fails
/// the tests instead of passing them by another path.
abstract contract WebAuthnCheck {
    struct WebAuthnAuth {
        bytes authenticatorData;
        string clientDataJSON;
        uint256 challengeIndex;
        uint256 typeIndex;
        uint256 r;
        uint256 s;
    }

    uint256 private constant P256_N_DIV_2 = 0x7FFFFFFF800000007FFFFFFFFFFFFFFFDE737D56D38BCF4279DCE5617E3192A8;
    address private constant P256_VERIFIER = address(0x100);
    bytes32 private constant EXPECTED_TYPE_HASH = keccak256('"type":"webauthn.get"');
    bytes1 private constant FLAG_UP = 0x01;
    bytes1 private constant FLAG_UV = 0x04;

    /// The check a session's user-operation signature meets: `signature` is the validation
    /// segment `0xFF ‖ abi.encode(WebAuthnAuth)` the account hands to the module.
    function webauthnValid(bytes32 userOpHash, bytes calldata signature, uint256 x, uint256 y)
        internal
        view
        returns (bool)
    {
        if (signature.length < 2 || signature[0] != 0xFF) return false;
        WebAuthnAuth memory auth = abi.decode(signature[1:], (WebAuthnAuth));
        bytes32 digest = keccak256(abi.encodePacked("\x19Ethereum Signed Message:\n32", userOpHash));
        return verify(abi.encode(digest), false, auth, x, y);
    }

    /// webauthn-sol's `WebAuthn.verify`, step for step.
    function verify(bytes memory challenge, bool requireUV, WebAuthnAuth memory auth, uint256 x, uint256 y)
        internal
        view
        returns (bool)
    {
        if (auth.s > P256_N_DIV_2) return false;
        bytes memory client = bytes(auth.clientDataJSON);
        if (keccak256(slice(client, auth.typeIndex, 21)) != EXPECTED_TYPE_HASH) return false;
        bytes memory expected = bytes(string.concat('"challenge":"', base64url(challenge), '"'));
        if (keccak256(slice(client, auth.challengeIndex, expected.length)) != keccak256(expected)) return false;
        if (auth.authenticatorData.length < 37) return false;
        bytes1 flags = auth.authenticatorData[32];
        if (flags & FLAG_UP != FLAG_UP) return false;
        if (requireUV && flags & FLAG_UV != FLAG_UV) return false;
        bytes32 message = sha256(abi.encodePacked(auth.authenticatorData, sha256(client)));
        (bool ok, bytes memory ret) = P256_VERIFIER.staticcall(abi.encode(message, auth.r, auth.s, x, y));
        return ok && ret.length == 32 && abi.decode(ret, (uint256)) == 1;
    }

    /// Whether the chain has the P-256 precompile (a known valid signature verifies).
    function p256Precompile() internal view returns (bool) {
        (bool ok, bytes memory ret) = P256_VERIFIER.staticcall(
            abi.encode(
                bytes32(0x532eaabd9574880dbf76b9b8cc00832c20a6ec113d682299550d7a6e0f345e25),
                uint256(5),
                uint256(1),
                uint256(0x4a03ef9f92eb268cafa601072489a56380fa0dc43171d7712813b3a19a1eb5e5),
                uint256(0x3e213e28a608ce9a2f4a17fd830c6654018a79b3e0263d91a8ba90622df6f2f0)
            )
        );
        return ok && ret.length == 32 && abi.decode(ret, (uint256)) == 1;
    }

    /// `len` bytes of `b` from `start`; empty when that runs past the end (the check then fails).
    function slice(bytes memory b, uint256 start, uint256 len) internal pure returns (bytes memory out) {
        if (start > b.length || len > b.length - start) return "";
        out = new bytes(len);
        for (uint256 i = 0; i < len; i++) {
            out[i] = b[start + i];
        }
    }

    /// Base64url without padding (RFC 4648 §5), as WebAuthn writes the challenge.
    function base64url(bytes memory data) internal pure returns (string memory) {
        bytes memory abc = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
        bytes memory out = new bytes((data.length * 8 + 5) / 6);
        uint256 o = 0;
        for (uint256 i = 0; i < data.length; i += 3) {
            uint256 n = uint256(uint8(data[i])) << 16;
            if (i + 1 < data.length) n |= uint256(uint8(data[i + 1])) << 8;
            if (i + 2 < data.length) n |= uint256(uint8(data[i + 2]));
            uint256 chars = data.length - i >= 3 ? 4 : data.length - i + 1;
            for (uint256 j = 0; j < chars; j++) {
                out[o++] = abc[(n >> (18 - 6 * j)) & 63];
            }
        }
        return string(out);
    }
}

/// The check on its own, deployed on the devnet (deploy.mjs, CREATE2) for tests to call.
contract StandInWebAuthnVerifier is WebAuthnCheck {
    function validateUserOpSignature(bytes32 userOpHash, bytes calldata signature, uint256 x, uint256 y)
        external
        view
        returns (bool)
    {
        return webauthnValid(userOpHash, signature, x, y);
    }

    function hasP256Precompile() external view returns (bool) {
        return p256Precompile();
    }
}
