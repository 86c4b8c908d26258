import Bytes

/// Writes an FLV file: the header, then each tag followed by its PreviousTagSize.
///
/// The writer buffers output until `takeBytes()`, so a recorder can write the
/// bytes to a file in whatever pieces suit it.
///
///     var writer = FLVWriter(header: FLVFileHeader(hasAudio: true, hasVideo: true))
///     try writer.writeTag(type: .video, timestamp: 0, data: payload)
///     let bytes = writer.takeBytes()
public struct FLVWriter: Sendable {
    private var buffer = ByteBuffer()

    /// Creates a writer and writes the file header and PreviousTagSize0.
    /// A `dataOffset` above 9 is filled with zero bytes.
    public init(header: FLVFileHeader) {
        buffer.writeBytes("FLV".utf8)
        buffer.writeByte(header.version)
        buffer.writeByte((header.hasAudio ? 0x04 : 0) | (header.hasVideo ? 0x01 : 0))
        let dataOffset = max(header.dataOffset, UInt32(FLVFileHeader.size))
        buffer.writeInteger(dataOffset, endianness: .big)
        buffer.writeRepeating(0, count: Int(dataOffset) - FLVFileHeader.size)
        buffer.writeInteger(UInt32(0), endianness: .big)  // PreviousTagSize0
    }

    /// Writes one tag and its PreviousTagSize.
    /// - Throws: `FLVError.payloadTooLarge` when the data is over 16,777,215 bytes.
    public mutating func write(_ tag: FLVTag) throws(FLVError) {
        try writeTag(type: tag.type, timestamp: tag.timestamp, streamID: tag.streamID, data: tag.data)
    }

    /// Writes one tag from a message payload and its PreviousTagSize.
    /// - Parameters:
    ///   - type: the tag type, equal to the RTMP message type id.
    ///   - timestamp: milliseconds; bits 24 to 31 go to the extended timestamp byte.
    ///   - streamID: written as 24 bits; 0 for files.
    ///   - data: the message payload.
    /// - Throws: `FLVError.payloadTooLarge` when the data is over 16,777,215 bytes.
    public mutating func writeTag<Data: Collection>(
        type: FLVTagType,
        timestamp: UInt32,
        streamID: UInt32 = 0,
        data: Data
    ) throws(FLVError) where Data.Element == UInt8 {
        let size = data.count
        guard size <= FLVTag.maximumDataSize else { throw .payloadTooLarge(size) }
        buffer.writeByte(type.rawValue & 0x1F)
        buffer.writeUInt24(UInt32(size), endianness: .big)
        buffer.writeUInt24(timestamp, endianness: .big)
        buffer.writeByte(UInt8(truncatingIfNeeded: timestamp >> 24))
        buffer.writeUInt24(streamID, endianness: .big)
        buffer.writeBytes(data)
        buffer.writeInteger(UInt32(FLVTag.headerSize + size), endianness: .big)
    }

    /// Returns the bytes written since the last call and clears them.
    public mutating func takeBytes() -> [UInt8] {
        let bytes = buffer.readAllBytes()
        buffer.clear()
        return bytes
    }
}
