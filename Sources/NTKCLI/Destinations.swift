import NTKCore

/// Checks, before any work is done, that every output can be written, that no two outputs are
/// one file and that no output is an input. Paths are compared as files (`AtomicFile.identity`),
/// not as strings: "a.npy", "./a.npy" and a link to it are one file.
public func checkDestinations(_ outputs: [(flag: String, path: String)],
                              inputs: [(flag: String, path: String)]) throws {
    for o in outputs {
        do { try AtomicFile.checkWritable(o.path) } catch { throw InputError("\(error)") }
    }
    let ids = outputs.map { AtomicFile.identity($0.path) ?? "path " + $0.path }
    if Set(ids).count != ids.count {
        let flags = outputs.map(\.flag)
        throw InputError("\(flags.dropLast().joined(separator: ", ")) and \(flags.last!) must be different files")
    }
    for i in inputs {
        if let id = AtomicFile.identity(i.path), let k = ids.firstIndex(of: id) {
            throw InputError("\(outputs[k].flag) \(outputs[k].path) is the input \(i.flag) \(i.path); write it elsewhere")
        }
    }
}
