// Digests, random secrets and password hashing from reference implementations (libcrypto, libargon2).
import CArgon2
import COpenSSL
import Foundation
import RiposteCore

/// Cryptographic primitives; nothing here is hand-rolled.
package enum Crypto {
    /// SHA-256 of `bytes` as lowercase hex.
    package static func sha256Hex(_ bytes: some Collection<UInt8>) -> String { sha256Hex(prefix: "", bytes) }

    /// `prefix` then the SHA-256 of `bytes` as lowercase hex, made as one string (`sha256:…` source refs are
    /// computed for every line a parser reads, so no intermediate arrays or strings).
    package static func sha256Hex(prefix: String, _ bytes: some Collection<UInt8>) -> String {
        let hex: String? = bytes.withContiguousStorageIfAvailable { sha256Hex(prefix: prefix, $0) }
        return hex ?? Array(bytes).withUnsafeBufferPointer { sha256Hex(prefix: prefix, $0) }
    }

    /// ``sha256Hex(prefix:_:)`` of bytes in memory; not generic, so callers in other modules do not run the
    /// unspecialised generic (its witness calls cost a third as much as the digest of a short source ref).
    package static func sha256Hex(prefix: String, _ bytes: UnsafeBufferPointer<UInt8>) -> String {
        var digest: SHA256Digest = (0, 0, 0, 0)
        withUnsafeMutableBytes(of: &digest) { output in
            let out = output.baseAddress!.assumingMemoryBound(to: UInt8.self)
            _ = EVP_Digest(bytes.baseAddress, bytes.count, out, nil, sha256, nil)
        }
        return hex(prefix: prefix, digest)
    }

    /// A SHA-256 digest's 32 bytes.
    typealias SHA256Digest = (UInt64, UInt64, UInt64, UInt64)

    /// `prefix` then `digest` in lowercase hex, made as one string.
    static func hex(prefix: String, _ digest: SHA256Digest) -> String {
        var prefix = prefix
        return prefix.withUTF8 { head in
            String(unsafeUninitializedCapacity: head.count + 64) { text in
                _ = text.initialize(fromContentsOf: head)
                withUnsafeBytes(of: digest) { digest in
                    for (index, byte) in digest.enumerated() {
                        text[head.count + 2 * index] = hexDigits[Int(byte >> 4)]
                        text[head.count + 2 * index + 1] = hexDigits[Int(byte & 0x0F)]
                    }
                }
                return head.count + 64
            }
        }
    }

    private static let hexDigits: [UInt8] = Array("0123456789abcdef".utf8)

    /// SHA-256 fetched from the default provider once: `SHA256()` and `EVP_sha256()` look it up on every call.
    /// Immutable after the fetch, and OpenSSL documents fetched algorithms as safe to share between threads.
    nonisolated(unsafe) private static let sha256 = EVP_MD_fetch(nil, "SHA256", nil) ?? EVP_sha256()

    /// SHA-256 through one reused digest context, for a parser hashing every line of a body: `EVP_Digest` makes
    /// and frees a context per call, about a third of hashing a 170-byte line. One thread at a time.
    package final class SHA256Hasher {
        private let context: OpaquePointer

        package init() {
            // EVP_MD_CTX_new fails only when malloc does.
            context = EVP_MD_CTX_new()!
        }

        deinit { EVP_MD_CTX_free(context) }

        /// `prefix` then the SHA-256 of `bytes` as lowercase hex, as ``Crypto/sha256Hex(prefix:_:)``.
        package func hex(prefix: String, _ bytes: UnsafeBufferPointer<UInt8>) -> String {
            var digest: SHA256Digest = (0, 0, 0, 0)
            withUnsafeMutableBytes(of: &digest) { output in
                let out = output.baseAddress!.assumingMemoryBound(to: UInt8.self)
                _ = EVP_DigestInit_ex2(context, sha256, nil)
                _ = EVP_DigestUpdate(context, bytes.baseAddress, bytes.count)
                _ = EVP_DigestFinal_ex(context, out, nil)
            }
            return Crypto.hex(prefix: prefix, digest)
        }
    }

    /// HMAC-SHA256 of `message` under `key`.
    package static func hmacSHA256(key: [UInt8], message: [UInt8]) -> [UInt8] {
        var digest = [UInt8](repeating: 0, count: 32)
        var length: UInt32 = 32
        _ = HMAC(EVP_sha256(), key, Int32(key.count), message, message.count, &digest, &length)
        return digest
    }

    /// `count` bytes from the operating system's CSPRNG (OpenSSL `RAND_bytes`).
    /// - Throws: `.internal` if the generator fails, which never happens on a healthy system.
    package static func randomBytes(_ count: Int) throws -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: count)
        guard RAND_bytes(&bytes, Int32(count)) == 1 else {
            throw RiposteError(.internal, "the random number generator failed")
        }
        return bytes
    }

    /// A URL-safe random secret of `byteCount` bytes of entropy (base64url, no padding).
    package static func randomToken(byteCount: Int = 32) throws -> String {
        base64URL(try randomBytes(byteCount))
    }

    /// argon2id with OWASP's recommended minimum (m=19 MiB, t=2, p=1): ~50 ms here, and small enough
    /// that a burst of sign-ins cannot exhaust memory. The result is the PHC-encoded string with salt
    /// and parameters, so stronger parameters later still verify old hashes.
    package static func hashPassword(_ password: String) throws -> String {
        let salt = try randomBytes(16)
        let passwordBytes = Array(password.utf8)
        let timeCost: UInt32 = 2, memoryKiB: UInt32 = 19_456, lanes: UInt32 = 1, hashLength = 32
        let encodedLength = argon2_encodedlen(timeCost, memoryKiB, lanes, UInt32(salt.count), UInt32(hashLength), Argon2_id)
        var encoded = [CChar](repeating: 0, count: encodedLength)
        let status = argon2id_hash_encoded(
            timeCost, memoryKiB, lanes, passwordBytes, passwordBytes.count, salt, salt.count, hashLength, &encoded,
            encodedLength)
        guard status == ARGON2_OK.rawValue else {
            throw RiposteError(.internal, "password hashing failed")
        }
        return String(decoding: encoded.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// True when `password` matches the PHC-encoded argon2id `hash`.
    package static func verifyPassword(_ password: String, hash: String) -> Bool {
        let passwordBytes = Array(password.utf8)
        return argon2id_verify(hash, passwordBytes, passwordBytes.count) == ARGON2_OK.rawValue
    }

    /// Compares two byte strings in time independent of where they differ.
    package static func constantTimeEqual(_ lhs: [UInt8], _ rhs: [UInt8]) -> Bool {
        guard lhs.count == rhs.count else { return false }
        return CRYPTO_memcmp(lhs, rhs, lhs.count) == 0
    }

    package static func hex(_ bytes: [UInt8]) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out = [UInt8]()
        out.reserveCapacity(bytes.count * 2)
        for byte in bytes {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    package static func base64URL(_ bytes: [UInt8]) -> String {
        Data(bytes).base64EncodedString().replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }
}
