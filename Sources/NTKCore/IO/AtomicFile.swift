import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A write that failed, with the path it was for.
public struct OutputError: Error, CustomStringConvertible, Sendable {
    public let path: String
    public let reason: String
    public init(path: String, reason: String) {
        self.path = path
        self.reason = reason
    }
    public var description: String { "cannot write \(path): \(reason)" }
}

/// Atomic file output: data goes to a temporary file in the destination's directory, is flushed
/// to disk, then renamed over the destination. An interrupted run leaves either the old file or
/// the new one, never half a file. Every writer in the project (PNG, CSV, JSON) goes through here.
public enum AtomicFile {
    /// Writes `data` to `path` atomically, creating parent directories as needed.
    ///
    /// - Throws: `OutputError` naming the path when any step fails.
    public static func write(_ data: Data, to path: String) throws {
        let url = URL(fileURLWithPath: path)
        let dir = url.deletingLastPathComponent().path
        do {
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        } catch {
            throw OutputError(path: path, reason: "cannot create directory \(dir) (\(error.localizedDescription))")
        }
        let tmp = dir + "/." + url.lastPathComponent + ".tmp-\(getpid())"
        let fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        if fd < 0 { throw OutputError(path: path, reason: String(cString: strerror(errno))) }
        var failure: String?
        data.withUnsafeBytes { raw in
            var off = 0
            while off < raw.count {
                let n = Glibc.write(fd, raw.baseAddress! + off, raw.count - off)
                if n < 0 {
                    if errno == EINTR { continue }
                    failure = String(cString: strerror(errno)); return
                }
                off += n
            }
        }
        if failure == nil && fsync(fd) != 0 { failure = String(cString: strerror(errno)) }
        if close(fd) != 0 && failure == nil { failure = String(cString: strerror(errno)) }
        if let f = failure {
            unlink(tmp)
            throw OutputError(path: path, reason: f)
        }
        if rename(tmp, path) != 0 {
            let f = String(cString: strerror(errno))
            unlink(tmp)
            throw OutputError(path: path, reason: f)
        }
    }

    /// Writes a UTF-8 string atomically.
    public static func write(_ text: String, to path: String) throws {
        try write(Data(text.utf8), to: path)
    }
}

/// Writes a line to standard error (fd 2). Swift 6 forbids the C `stderr` global.
public func printErr(_ s: String) {
    FileHandle.standardError.write(Data((s + "\n").utf8))
}
