// libFuzzer harness: the .npy reader. The header parser runs on the bytes; the whole-file reader
// runs on the same bytes written to a scratch file (it reads through a file descriptor so that
// sizes are checked against the file before allocating). Any input must read or throw NPYError.
import Foundation

private let scratch: String = {
    let dir = FileManager.default.fileExists(atPath: "/dev/shm") ? "/dev/shm" : NSTemporaryDirectory()
    return "\(dir)/ntk-fuzz-npy-\(getpid()).npy"
}()

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzNPY(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    _ = try? NPY.parseHeader(bytes, name: "fuzz")
    guard FileManager.default.createFile(atPath: scratch, contents: Data(bytes)) else { return 0 }
    if let m = try? NPY.readMatrix(scratch) {
        precondition(m.storage.count == m.rows * m.columns)
        precondition(m.storage.allSatisfy(\.isFinite), "a non-finite value was accepted")
    }
    return 0
}
