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

    /// A line of a checksum listing that is not "<64 hex digits>  <name>".
    public struct ListingError: Error, Sendable {
        public let reason: String
    }

    /// Parses a `sha256sum` listing, rejecting any non-blank line that is not 64 hex digits,
    /// white space and a file name (LF or CRLF line ends).
    public static func parseListingStrict(_ text: String) throws -> [String: String] {
        var out = [String: String]()
        for (i, line) in text.split(whereSeparator: \.isNewline).enumerated() {
            let parts = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
            if parts.isEmpty { continue }
            let hex = parts[0]
            guard parts.count == 2, hex.count == 64, hex.allSatisfy(\.isHexDigit) else {
                throw ListingError(reason: "line \(i + 1) is not '<64 hex digits>  <file name>'")
            }
            var name = String(parts[1])
            if name.hasPrefix("*") { name.removeFirst() }
            out[name] = hex.lowercased()
        }
        guard !out.isEmpty else { throw ListingError(reason: "no checksum lines") }
        return out
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
