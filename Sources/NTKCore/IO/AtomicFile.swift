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
/// the new one, never half a file. Every writer in the project (PNG, CSV, JSON, .npy) goes
/// through here.
///
/// Destination policy (README "Output files"):
/// - a regular file (or a name that does not exist yet) is replaced atomically;
/// - a symbolic link is followed: its final target is replaced atomically, the link stays
///   (a dangling link is refused);
/// - a character/block device, FIFO or socket (`/dev/stdout`, a pipe, `/dev/null`) is opened and
///   written in place, never renamed over;
/// - a directory is refused.
public enum AtomicFile {
    /// What `path` names once symbolic links are followed.
    public enum Target: Equatable, Sendable {
        /// Replace `path` (a regular file or a new name) through a temporary in its directory.
        case regular(path: String)
        /// Write straight into an existing device, FIFO or socket.
        case stream(path: String)
    }

    /// Resolves `path` according to the destination policy above.
    public static func resolve(_ path: String) throws -> Target {
        guard !path.isEmpty else { throw OutputError(path: path, reason: "empty path") }
        var st = stat()
        if lstat(path, &st) != 0 {
            if errno == ENOENT { return .regular(path: path) }
            throw OutputError(path: path, reason: String(cString: strerror(errno)))
        }
        var resolved = path
        if (st.st_mode & S_IFMT) == S_IFLNK {
            guard let rp = realpath(path, nil) else {
                // /dev/stdout → /proc/self/fd/1 → "pipe:[…]" has no path, but it opens: a
                // link whose target stat()s as a FIFO, socket or device is written in place.
                let why = String(cString: strerror(errno))
                var target = stat()
                if stat(path, &target) == 0 {
                    switch target.st_mode & S_IFMT {
                    case S_IFREG, S_IFDIR, S_IFLNK: break
                    default: return .stream(path: path)
                    }
                }
                throw OutputError(path: path, reason: "symbolic link to a missing target (\(why))")
            }
            resolved = String(cString: rp)
            free(rp)
            guard stat(resolved, &st) == 0 else {
                throw OutputError(path: path, reason: String(cString: strerror(errno)))
            }
        }
        switch st.st_mode & S_IFMT {
        case S_IFREG: return .regular(path: resolved)
        case S_IFDIR: throw OutputError(path: path, reason: "is a directory")
        default: return .stream(path: resolved)
        }
    }

    /// Checks, before any work is done, that `path` can be written: the device/FIFO is writable,
    /// or the file's directory accepts a new file (a directory that does not exist yet: its
    /// nearest existing ancestor is a writable directory), and the temporary's name fits.
    /// Nothing is created: a run that fails later leaves no new directory behind.
    public static func checkWritable(_ path: String) throws {
        switch try resolve(path) {
        case .stream(let p):
            if access(p, W_OK) != 0 { throw OutputError(path: path, reason: String(cString: strerror(errno))) }
        case .regular(let p):
            let name = URL(fileURLWithPath: p).lastPathComponent.utf8.count
            let temporary = URL(fileURLWithPath: temporaryPath(for: p)).lastPathComponent.utf8.count
            if temporary > Int(NAME_MAX) {
                throw OutputError(path: path, reason: "the file name is too long for its temporary '.NAME.tmp-PID' (at most \(Int(NAME_MAX) - (temporary - name)) bytes)")
            }
            // The nearest existing ancestor: the file's directory, or the one in which the
            // missing directories will be made when the outputs are written.
            let parent = URL(fileURLWithPath: p).deletingLastPathComponent().path
            var dir = parent
            var st = stat()
            while stat(dir, &st) != 0 {
                guard errno == ENOENT, dir != "/" else {
                    throw OutputError(path: path, reason: "cannot create directory \(dir) (\(String(cString: strerror(errno))))")
                }
                dir = URL(fileURLWithPath: dir).deletingLastPathComponent().path
            }
            guard (st.st_mode & S_IFMT) == S_IFDIR else {
                throw OutputError(path: path, reason: "\(dir) is not a directory")
            }
            // Create and remove a probe file there (access() alone passes for root in /proc or
            // /sys, where no file can be created).
            let probe = dir + "/.ntk-write-probe.tmp-\(getpid())"
            let fd = open(probe, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, 0o644)
            if fd < 0 {
                let why = String(cString: strerror(errno))
                throw OutputError(path: path, reason: dir == parent ? "directory \(dir) is not writable (\(why))"
                                                                    : "cannot create directory \(parent): \(dir) is not writable (\(why))")
            }
            close(fd)
            unlink(probe)
        }
    }

    /// What a regular destination names, for telling whether two output paths are the same
    /// file: an existing file's device and inode; for a new name, the real path of its nearest
    /// existing ancestor directory followed by the rest of the path, with "." and ".." resolved.
    /// Nil for a device, FIFO or socket (a terminal or a pipe may rightly take two outputs) and
    /// when `path` cannot be resolved (its writer reports why).
    public static func identity(_ path: String) -> String? {
        guard case .regular(let p)? = try? resolve(path) else { return nil }
        var st = stat()
        if stat(p, &st) == 0 { return "inode \(st.st_dev):\(st.st_ino)" }
        // Components as strings (URL would keep "new/.." as it is when "new" does not exist).
        let absolute = p.hasPrefix("/") ? p : FileManager.default.currentDirectoryPath + "/" + p
        var head = absolute.split(separator: "/").map(String.init)
        var rest = [String]()
        while !head.isEmpty {
            rest.insert(head.removeLast(), at: 0)
            guard let rp = realpath("/" + head.joined(separator: "/"), nil) else { continue }
            var base = String(cString: rp).split(separator: "/").map(String.init)
            free(rp)
            for c in rest {
                switch c {
                case ".": continue
                case "..": if !base.isEmpty { base.removeLast() }
                default: base.append(c)
                }
            }
            return "name /" + base.joined(separator: "/")
        }
        return "name " + absolute
    }

    /// Checks a directory of outputs (a figure's --out) before the computation starts.
    public static func checkWritableDirectory(_ dir: String) throws {
        try checkWritable(dir + "/.ntk-probe")
    }

    static func makeDirectory(for path: String, reported: String) throws -> String {
        let dir = URL(fileURLWithPath: path).deletingLastPathComponent().path
        do {
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        } catch {
            throw OutputError(path: reported, reason: "cannot create directory \(dir) (\(error.localizedDescription))")
        }
        return dir
    }

    /// The temporary name used for `path` by this process: `.NAME.tmp-PID` in the same directory.
    public static func temporaryPath(for path: String) -> String {
        let url = URL(fileURLWithPath: path)
        return url.deletingLastPathComponent().path + "/." + url.lastPathComponent + ".tmp-\(getpid())"
    }

    /// Removes temporaries `.NAME.tmp-PID` left in `directory` by processes that no longer run
    /// (a SIGKILLed earlier run), for the given output names. Returns the paths removed.
    @discardableResult
    public static func removeStaleTemporaries(in directory: String, names: [String]) -> [String] {
        guard let entries = try? FileManager.default.contentsOfDirectory(atPath: directory) else { return [] }
        var removed = [String]()
        for e in entries {
            for n in names {
                let prefix = "." + n + ".tmp-"
                guard e.hasPrefix(prefix), let pid = Int32(e.dropFirst(prefix.count)) else { continue }
                // kill(pid, 0) fails with ESRCH when no such process exists.
                if pid != getpid() && kill(pid, 0) != 0 && errno == ESRCH {
                    let p = directory + "/" + e
                    if unlink(p) == 0 { removed.append(p) }
                }
            }
        }
        return removed
    }

    /// Writes `data` to `path` (atomically for a regular file; see the policy above), creating
    /// parent directories as needed.
    ///
    /// - Throws: `OutputError` naming the path when any step fails.
    public static func write(_ data: Data, to path: String) throws {
        let out = try Output(path: path)
        try out.write(data)
        try out.commit()
    }

    /// Writes a UTF-8 string atomically.
    public static func write(_ text: String, to path: String) throws {
        try write(Data(text.utf8), to: path)
    }

    /// A streaming output: bytes are written as they come (bounded memory), to a temporary for
    /// a regular destination. `prepare()` flushes and closes; `publish()` renames into place
    /// (`commit()` does both). An `Output` dropped before `publish()` removes its temporary
    /// and leaves the destination untouched. Not thread-safe.
    public final class Output {
        /// The path the caller asked for.
        public let path: String
        /// The resolved destination.
        public let target: Target
        /// The temporary being written (nil for a device/FIFO).
        public let temporary: String?
        var fd: Int32
        var buffer = [UInt8]()
        var published = false
        static let bufferLimit = 1 << 20

        public init(path: String) throws {
            self.path = path
            target = try AtomicFile.resolve(path)
            switch target {
            case .stream(let p):
                temporary = nil
                fd = open(p, O_WRONLY)
                if fd < 0 { throw OutputError(path: path, reason: String(cString: strerror(errno))) }
            case .regular(let p):
                _ = try AtomicFile.makeDirectory(for: p, reported: path)
                let tmp = AtomicFile.temporaryPath(for: p)
                temporary = tmp
                unlink(tmp)   // a leftover of a dead process with our pid, or a planted link
                fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, 0o644)
                if fd < 0 { throw OutputError(path: path, reason: String(cString: strerror(errno))) }
            }
        }

        deinit {
            if fd >= 0 { close(fd) }
            if !published, let t = temporary { unlink(t) }
        }

        public func write(_ data: Data) throws {
            try data.withUnsafeBytes { try write($0) }
        }

        public func write(_ bytes: [UInt8]) throws {
            try bytes.withUnsafeBytes { try write($0) }
        }

        public func write(_ raw: UnsafeRawBufferPointer) throws {
            precondition(fd >= 0, "AtomicFile.Output written after prepare()")
            if buffer.count + raw.count > Output.bufferLimit { try flush() }
            if raw.count >= Output.bufferLimit { try writeAll(raw) } else { buffer.append(contentsOf: raw) }
        }

        func flush() throws {
            let b = buffer
            buffer.removeAll(keepingCapacity: true)
            try b.withUnsafeBytes { try writeAll($0) }
        }

        func writeAll(_ raw: UnsafeRawBufferPointer) throws {
            var off = 0
            while off < raw.count {
                let n = Glibc.write(fd, raw.baseAddress! + off, raw.count - off)
                if n < 0 {
                    if errno == EINTR { continue }
                    throw OutputError(path: path, reason: String(cString: strerror(errno)))
                }
                off += n
            }
        }

        /// Flushes the data to disk and closes the file; the destination is not touched yet.
        public func prepare() throws {
            guard fd >= 0 else { return }
            var failure: String?
            do { try flush() } catch let e as OutputError { failure = e.reason }
            if failure == nil, temporary != nil, fsync(fd) != 0 { failure = String(cString: strerror(errno)) }
            if close(fd) != 0 && failure == nil { failure = String(cString: strerror(errno)) }
            fd = -1
            if let f = failure { throw OutputError(path: path, reason: f) }
        }

        /// Renames the temporary over the destination (nothing to do for a device/FIFO).
        public func publish() throws {
            try prepare()
            guard !published else { return }
            if case .regular(let p) = target, let tmp = temporary {
                if rename(tmp, p) != 0 { throw OutputError(path: path, reason: String(cString: strerror(errno))) }
            }
            published = true
        }

        /// `prepare()` then `publish()`.
        public func commit() throws { try publish() }
    }
}

/// Writes a line to standard error (fd 2). Swift 6 forbids the C `stderr` global. Control
/// characters (a newline or escape sequence from a hostile name or header) are shown as `\xNN`,
/// so every message stays one printable line.
public func printErr(_ s: String) {
    FileHandle.standardError.write(Data((escapingControlCharacters(s) + "\n").utf8))
}

/// `s` with C0/C1 control characters shown as `\xNN` and a byte-order mark as `\u{FEFF}`.
public func escapingControlCharacters(_ s: String) -> String {
    guard s.unicodeScalars.contains(where: { $0.value < 0x20 || (0x7F...0x9F).contains($0.value) || $0.value == 0xFEFF }) else { return s }
    return s.unicodeScalars.map { c in
        switch c.value {
        case 0..<0x20, 0x7F...0x9F: return "\\x" + String(format: "%02x", c.value)
        case 0xFEFF: return "\\u{FEFF}"
        default: return String(c)
        }
    }.joined()
}
