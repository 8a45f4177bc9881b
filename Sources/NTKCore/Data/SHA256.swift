import Foundation
import CCrypto

/// SHA-256 through OpenSSL's EVP interface (libcrypto); no hand-written hashing.
public enum SHA256 {
    /// Lower-case hex digest of `bytes`.
    public static func hex<C: ContiguousBytes>(_ bytes: C) -> String {
        var md = [UInt8](repeating: 0, count: 32)
        var len: UInt32 = 0
        let ok = bytes.withUnsafeBytes { raw in
            md.withUnsafeMutableBufferPointer { pm in
                EVP_Digest(raw.baseAddress, raw.count, pm.baseAddress, &len, EVP_sha256(), nil)
            }
        }
        precondition(ok == 1 && len == 32, "EVP_Digest(SHA-256) failed")
        return md.map { String(format: "%02x", $0) }.joined()
    }

    /// Hex digest of a file's bytes.
    public static func hex(ofFile path: String) throws -> String {
        guard let d = FileManager.default.contents(atPath: path) else {
            throw DataError.unreadable(path, reason: "cannot open")
        }
        return hex(d)
    }

    /// Parses a `sha256sum`-style listing ("<hex>  <name>" per line) into name → hex.
    public static func parseListing(_ text: String) -> [String: String] {
        var out = [String: String]()
        for line in text.split(separator: "\n") {
            let parts = line.split(separator: " ", omittingEmptySubsequences: true)
            guard parts.count >= 2 else { continue }
            var name = String(parts[parts.count - 1])
            if name.hasPrefix("*") { name.removeFirst() }
            out[name] = String(parts[0]).lowercased()
        }
        return out
    }
}
