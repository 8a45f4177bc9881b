// libFuzzer harness: the byte-level CSV matrix reader (MatrixCSV.parse). Any input must parse to
// a finite, rectangular matrix or throw CSVError; a trap or a sanitizer report is a bug.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzCSV(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    if let m = try? MatrixCSV.parse(bytes, name: "fuzz") {
        precondition(m.rows > 0 && m.columns > 0 && m.storage.count == m.rows * m.columns)
        precondition(m.storage.allSatisfy(\.isFinite), "a non-finite value was accepted")
    }
    return 0
}
