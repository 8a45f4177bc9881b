// libFuzzer harness: the IDX/gzip reader (IDXArray(fileBytes:)) on arbitrary bytes. Any input
// must either parse or throw; a trap, an out-of-memory or a sanitizer report is a bug.
// Built by scripts/fuzz.sh together with NTKCore's sources (one module), never by SwiftPM.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzIDX(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    if let a = try? IDXArray(fileBytes: bytes, name: "fuzz") {
        precondition(a.bytes.count == a.dimensions.reduce(1, *), "body size disagrees with the header")
    }
    return 0
}
