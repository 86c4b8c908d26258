import Bytes

/// The encoding side of `EnhancedHeader`: the ModEx prefixes and the multitrack
/// layout, written so that the parser reads back the same header.
extension EnhancedHeader {
    /// The largest track size that fits the 24-bit size field.
    static let maximumTrackSize = 0xFF_FFFF

    /// Writes the first byte of an Enhanced RTMP header and the ModEx prefixes after it.
    ///
    /// The low 4 bits of the first byte are ModEx when there are prefixes, and the
    /// byte after the last prefix carries `packetType`.
    /// - Parameters:
    ///   - upperBits: the upper 4 bits of the first byte, already shifted into place.
    ///   - packetType: the packet type on the wire after the prefixes, Multitrack included.
    /// - Throws: `FLVError.invalidHeader` when a prefix cannot be written so that it parses back.
    static func writeFirstByteAndModEx(
        upperBits: UInt8,
        packetType: UInt8,
        prefixes: [ModExPrefix],
        into buffer: inout ByteBuffer
    ) throws(FLVError) {
        guard packetType <= 0x0F else { throw .invalidHeader("packet type \(packetType) does not fit in 4 bits") }
        guard packetType != modExPacketType else {
            throw .invalidHeader("packet type 7 (ModEx) is invalid here; add a ModExPrefix instead")
        }
        buffer.writeByte(upperBits | (prefixes.isEmpty ? packetType : modExPacketType))

        for (index, prefix) in prefixes.enumerated() {
            let size = prefix.data.count
            guard (1...ModExPrefix.maximumDataSize).contains(size) else {
                throw .invalidHeader("ModEx data of \(size) bytes, expected 1 to \(ModExPrefix.maximumDataSize)")
            }
            guard prefix.type.rawValue <= 0x0F else {
                throw .invalidHeader("ModEx type \(prefix.type.rawValue) does not fit in 4 bits")
            }
            guard prefix.type != .timestampOffsetNano || size >= 3 else {
                throw .invalidHeader("TimestampOffsetNano needs 3 bytes of ModEx data, got \(size)")
            }

            // NOTE: the 16-bit form is written only when the 8-bit one cannot hold
            // the size, so a peer's 16-bit form of a small size re-encodes shorter.
            if size < 256 {
                buffer.writeByte(UInt8(size - 1))
            } else {
                buffer.writeByte(0xFF)
                buffer.writeInteger(UInt16(size - 1), endianness: .big)
            }
            buffer.writeBytes(prefix.data)
            let next = index == prefixes.count - 1 ? packetType : modExPacketType
            buffer.writeByte(prefix.type.rawValue << 4 | next)
        }
    }

    /// Writes a signed 24-bit composition time.
    /// - Throws: `FLVError.invalidHeader` when `value` does not fit in 24 bits.
    static func writeCompositionTime(_ value: Int32, into buffer: inout ByteBuffer) throws(FLVError) {
        guard (-0x80_0000...0x7F_FFFF).contains(value) else {
            throw .invalidHeader("composition time \(value) does not fit in 24 bits")
        }
        buffer.writeUInt24(UInt32(bitPattern: value), endianness: .big)
    }

    /// Writes the multitrack type, the packet type of the tracks and the shared FourCC.
    /// - Parameters:
    ///   - fourCCs: the FourCC of each track in order.
    ///   - multitrackPacketType: the value of Multitrack, 6 for video and 5 for audio.
    /// - Throws: `FLVError.invalidMultitrack` when the tracks do not fit the multitrack type.
    static func writeMultitrackPrefix(
        type: AvMultitrackType,
        packetType: UInt8,
        fourCCs: [FourCC],
        multitrackPacketType: UInt8,
        into buffer: inout ByteBuffer
    ) throws(FLVError) {
        guard type.rawValue <= AvMultitrackType.manyTracksManyCodecs.rawValue else {
            throw .invalidMultitrack("reserved multitrack type \(type.rawValue)")
        }
        guard packetType <= 0x0F, packetType != multitrackPacketType, packetType != modExPacketType else {
            throw .invalidMultitrack("packet type \(packetType) inside a multitrack message")
        }
        guard let first = fourCCs.first else { throw .invalidMultitrack("multitrack message with no tracks") }
        guard type != .oneTrack || fourCCs.count == 1 else {
            throw .invalidMultitrack("OneTrack message with \(fourCCs.count) tracks")
        }
        guard type != .manyTracks || fourCCs.allSatisfy({ $0 == first }) else {
            throw .invalidMultitrack("ManyTracks message whose tracks have different FourCCs")
        }

        buffer.writeByte(type.rawValue << 4 | packetType)
        if type != .manyTracksManyCodecs {
            buffer.writeBytes(first.bytes)
        }
    }

    /// Writes the fields before one track's data, calls `body` to write the data,
    /// then fills in the 24-bit size that ManyTracks and ManyTracksManyCodecs need.
    /// - Throws: `FLVError.invalidMultitrack` when the track is over 16,777,215 bytes,
    ///   or what `body` throws.
    static func writeTrack(
        type: AvMultitrackType,
        trackID: UInt8,
        fourCC: FourCC,
        into buffer: inout ByteBuffer,
        body: (inout ByteBuffer) throws(FLVError) -> Void
    ) throws(FLVError) {
        if type == .manyTracksManyCodecs {
            buffer.writeBytes(fourCC.bytes)
        }
        buffer.writeByte(trackID)
        if type == .oneTrack {
            // OneTrack has no size field: the data runs to the end of the message.
            try body(&buffer)
            return
        }

        let sizeIndex = buffer.writerIndex
        buffer.writeUInt24(0, endianness: .big)
        try body(&buffer)
        let size = buffer.writerIndex - sizeIndex - 3
        guard size <= maximumTrackSize else {
            throw .invalidMultitrack("track \(trackID) of \(size) bytes does not fit the 24-bit size")
        }
        buffer.setUInt24(UInt32(size), at: sizeIndex, endianness: .big)
    }
}

/// Runs `body` with a new buffer and returns the bytes it wrote.
func encodeBytes(_ body: (inout ByteBuffer) throws(FLVError) -> Void) throws(FLVError) -> [UInt8] {
    var buffer = ByteBuffer()
    try body(&buffer)
    return buffer.readAllBytes()
}
