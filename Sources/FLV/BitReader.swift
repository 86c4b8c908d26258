/// A bounds-checked, most-significant-bit-first reader over a byte array, for
/// parameter sets and frame headers.
///
/// Every read throws `CodecConfigurationError.truncated` when the bits run out,
/// and exp-Golomb codes are limited to 32 bits, so no input makes it trap or loop.
struct BitReader {
    private let bytes: [UInt8]
    private(set) var bitOffset = 0

    init(_ bytes: [UInt8]) {
        self.bytes = bytes
    }

    var remainingBits: Int { bytes.count * 8 - bitOffset }

    /// Reads `count` bits (at most 32) as an unsigned integer.
    mutating func read(_ count: Int, _ field: StaticString) throws(CodecConfigurationError) -> UInt32 {
        precondition((0...32).contains(count), "a bit field has 0 to 32 bits, got \(count)")
        guard count <= remainingBits else { throw .truncated("\(field)") }
        var value: UInt32 = 0
        for _ in 0..<count {
            let byte = bytes[bitOffset >> 3]
            let bit = (byte >> (7 - UInt8(bitOffset & 7))) & 1
            value = value << 1 | UInt32(bit)
            bitOffset += 1
        }
        return value
    }

    mutating func readFlag(_ field: StaticString) throws(CodecConfigurationError) -> Bool {
        try read(1, field) == 1
    }

    /// Reads `count` whole bytes; the reader need not be on a byte boundary.
    mutating func readBytes(_ count: Int, _ field: StaticString) throws(CodecConfigurationError) -> [UInt8] {
        guard count >= 0, count * 8 <= remainingBits else { throw .truncated("\(field)") }
        if bitOffset & 7 == 0 {
            let start = bitOffset >> 3
            bitOffset += count * 8
            return Array(bytes[start..<start + count])
        }
        var result: [UInt8] = []
        result.reserveCapacity(count)
        for _ in 0..<count {
            result.append(UInt8(try read(8, field)))
        }
        return result
    }

    mutating func skip(_ count: Int, _ field: StaticString) throws(CodecConfigurationError) {
        guard count >= 0, count <= remainingBits else { throw .truncated("\(field)") }
        bitOffset += count
    }

    /// Reads an unsigned exp-Golomb code, ue(v) in H.264 and H.265.
    mutating func readUnsignedExpGolomb(_ field: StaticString) throws(CodecConfigurationError) -> UInt32 {
        var leadingZeros = 0
        while try read(1, field) == 0 {
            leadingZeros += 1
            // 2^32 - 1 is the largest value that a ue(v) field in these parameter sets may carry.
            guard leadingZeros < 32 else { throw .invalidValue("exp-Golomb code in \(field) is over 32 bits") }
        }
        let suffix = UInt64(try read(leadingZeros, field))
        return UInt32(truncatingIfNeeded: (UInt64(1) << UInt64(leadingZeros)) - 1 + suffix)
    }

    /// Reads a signed exp-Golomb code, se(v).
    mutating func readSignedExpGolomb(_ field: StaticString) throws(CodecConfigurationError) -> Int32 {
        let code = Int64(try readUnsignedExpGolomb(field))
        let magnitude = (code + 1) / 2
        return Int32(truncatingIfNeeded: code % 2 == 1 ? magnitude : -magnitude)
    }

    /// Reads an AV1 uvlc() code, which saturates at 2^32 - 1 instead of failing.
    mutating func readUVLC(_ field: StaticString) throws(CodecConfigurationError) -> UInt32 {
        var leadingZeros = 0
        while try read(1, field) == 0 {
            leadingZeros += 1
            guard leadingZeros < 64 else { throw .invalidValue("uvlc code in \(field) is over 64 bits") }
        }
        if leadingZeros >= 32 { return UInt32.max }
        let suffix = UInt64(try read(leadingZeros, field))
        return UInt32(truncatingIfNeeded: (UInt64(1) << UInt64(leadingZeros)) - 1 + suffix)
    }
}

/// Returns the raw byte sequence payload of an H.264 or H.265 NAL unit: the
/// bytes with every emulation prevention byte (the 0x03 of 0x00 0x00 0x03) removed.
func removingEmulationPrevention<Bytes: Collection>(_ nalUnit: Bytes) -> [UInt8] where Bytes.Element == UInt8 {
    var result: [UInt8] = []
    result.reserveCapacity(nalUnit.count)
    var zeros = 0
    for byte in nalUnit {
        if zeros >= 2 && byte == 0x03 {
            zeros = 0
            continue
        }
        zeros = byte == 0 ? zeros + 1 : 0
        result.append(byte)
    }
    return result
}
