import Bytes

/// A bounds-checked reader over a message payload that never copies it.
///
/// Each read throws `FLVError.truncated` naming the field when the payload ends
/// first. Offsets count from the start of the payload, so the ranges it returns
/// apply to the caller's own bytes.
struct PayloadCursor {
    let bytes: UnsafeRawBufferPointer
    var offset = 0

    init(_ bytes: UnsafeRawBufferPointer) {
        self.bytes = bytes
    }

    var remaining: Int { bytes.count - offset }

    mutating func readUInt8(_ field: StaticString) throws(FLVError) -> UInt8 {
        guard remaining >= 1 else { throw .truncated("\(field)") }
        defer { offset += 1 }
        return bytes[offset]
    }

    mutating func readUInt16(_ field: StaticString) throws(FLVError) -> UInt16 {
        guard remaining >= 2 else { throw .truncated("\(field)") }
        defer { offset += 2 }
        return UInt16(bytes[offset]) << 8 | UInt16(bytes[offset + 1])
    }

    mutating func readUInt24(_ field: StaticString) throws(FLVError) -> UInt32 {
        guard remaining >= 3 else { throw .truncated("\(field)") }
        defer { offset += 3 }
        return UInt32(bytes[offset]) << 16 | UInt32(bytes[offset + 1]) << 8 | UInt32(bytes[offset + 2])
    }

    /// Reads a signed 24-bit integer, the form of a composition time offset.
    mutating func readInt24(_ field: StaticString) throws(FLVError) -> Int32 {
        let raw = try readUInt24(field)
        // Shifting the sign bit up to bit 31 and back down extends it.
        return Int32(bitPattern: raw << 8) >> 8
    }

    mutating func readFourCC(_ field: StaticString) throws(FLVError) -> FourCC {
        guard remaining >= 4 else { throw .truncated("\(field)") }
        defer { offset += 4 }
        var value: UInt32 = 0
        for index in offset..<offset + 4 {
            value = value << 8 | UInt32(bytes[index])
        }
        return FourCC(rawValue: value)
    }

    /// Consumes `count` bytes and returns their range.
    mutating func skip(_ count: Int, _ field: StaticString) throws(FLVError) -> Range<Int> {
        guard count >= 0, count <= remaining else { throw .truncated("\(field)") }
        defer { offset += count }
        return offset..<offset + count
    }

    /// Consumes the rest of the payload and returns its range.
    mutating func skipToEnd() -> Range<Int> {
        defer { offset = bytes.count }
        return offset..<bytes.count
    }
}

/// Calls `body` with the contiguous bytes of `payload`, copying only when the
/// collection has no contiguous storage.
func withPayloadBytes<Payload: Collection, Result>(
    _ payload: Payload,
    _ body: (UnsafeRawBufferPointer) throws(FLVError) -> Result
) throws(FLVError) -> Result where Payload.Element == UInt8 {
    func run(_ raw: UnsafeRawBufferPointer) -> Swift.Result<Result, FLVError> {
        do throws(FLVError) {
            return .success(try body(raw))
        } catch {
            return .failure(error)
        }
    }
    if let direct = payload.withContiguousStorageIfAvailable({ run(UnsafeRawBufferPointer($0)) }) {
        return try direct.get()
    }
    return try Array(payload).withUnsafeBytes { run($0) }.get()
}

/// Calls `body` with the readable bytes of `buffer`, without copying them.
func withPayloadBytes<Result>(
    _ buffer: ByteBuffer,
    _ body: (UnsafeRawBufferPointer) throws(FLVError) -> Result
) throws(FLVError) -> Result {
    try buffer.withUnsafeReadableBytes { raw in
        do throws(FLVError) {
            return Swift.Result<Result, FLVError>.success(try body(raw))
        } catch {
            return .failure(error)
        }
    }.get()
}
