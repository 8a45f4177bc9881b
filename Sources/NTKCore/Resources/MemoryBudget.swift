import Foundation

/// A computation refused before it allocates: what it needs and what the machine has.
public struct ResourceError: Error, CustomStringConvertible, Equatable, Sendable {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// Memory estimates are checked against this before big allocations, so a request that cannot
/// fit is refused with one line instead of an allocation abort or the OOM killer.
public enum MemoryBudget {
    /// Bytes this process may still allocate: MemAvailable from /proc/meminfo, lowered to the
    /// cgroup (container) limit minus current use when one is set. nil if neither is readable.
    public static func availableBytes() -> Int? {
        var best = meminfoBytes("MemAvailable:")
        if let limit = readInt("/sys/fs/cgroup/memory.max") {
            let free = max(0, limit - (readInt("/sys/fs/cgroup/memory.current") ?? 0))
            best = min(best ?? free, free)
        }
        return best
    }

    /// The machine's memory: MemTotal from /proc/meminfo, lowered to the cgroup (container)
    /// limit when one is set. nil if neither is readable.
    public static func totalBytes() -> Int? {
        var best = meminfoBytes("MemTotal:")
        if let limit = readInt("/sys/fs/cgroup/memory.max") { best = min(best ?? limit, limit) }
        return best
    }

    /// A "Key: N kB" line of /proc/meminfo, in bytes.
    static func meminfoBytes(_ key: String) -> Int? {
        guard let text = try? String(contentsOfFile: "/proc/meminfo", encoding: .utf8) else { return nil }
        for line in text.split(whereSeparator: \.isNewline) where line.hasPrefix(key) {
            let parts = line.split(separator: " ")
            if parts.count >= 2, let kb = Int(parts[1]) { return kb * 1024 }
        }
        return nil
    }

    static func readInt(_ p: String) -> Int? {
        guard let s = try? String(contentsOfFile: p, encoding: .utf8) else { return nil }
        return Int(s.trimmingCharacters(in: .whitespacesAndNewlines))
    }

    /// Human-readable size (GB with 3 significant digits, or MB).
    public static func describe(_ bytes: Double) -> String {
        bytes >= 1e9 ? String(format: "%.3g GB", bytes / 1e9) : String(format: "%.3g MB", bytes / 1e6)
    }

    /// Multiplies sizes, returning nil on overflow (a size that cannot even be represented).
    public static func product(_ xs: Int...) -> Int? {
        var p = 1
        for x in xs {
            guard x >= 0 else { return nil }
            let (r, o) = p.multipliedReportingOverflow(by: x)
            if o { return nil }
            p = r
        }
        return p
    }

    /// Throws a `ResourceError` if `bytes` (nil: overflowed) exceeds the memory available.
    public static func require(bytes: Int?, for what: String) throws {
        guard let bytes else {
            throw ResourceError("\(what) needs more memory than can be counted (the sizes overflow 64-bit arithmetic)")
        }
        guard let avail = availableBytes() else { return }
        if bytes > avail {
            throw ResourceError("\(what) needs about \(describe(Double(bytes))) of memory; this machine has \(describe(Double(avail))) available")
        }
    }

    /// Sums sizes, nil if any is nil or the sum overflows.
    public static func sum(_ xs: Int?...) -> Int? {
        var s = 0
        for x in xs {
            guard let x else { return nil }
            let (r, o) = s.addingReportingOverflow(x)
            if o { return nil }
            s = r
        }
        return s
    }
}
