import Bytes

/// Reads an FLV file header and its tags from bytes that may arrive in pieces.
///
/// Feed bytes with `append(_:)` and call `nextTag()` until it returns `nil`,
/// which means more bytes are needed. The file header is read on the first
/// call. Each tag's PreviousTagSize is read and skipped.
///
///     var reader = FLVReader(bytes: fileBytes)
///     while let tag = try reader.nextTag() { ... }
///
/// NOTE: PreviousTagSize is not checked against the tag size, because some
/// writers get it wrong and the tag header alone locates the next tag.
public struct FLVReader: Sendable {
    private var buffer: ByteBuffer
    /// The file header, once it has been read.
    public private(set) var header: FLVFileHeader?

    /// Creates a reader over the first bytes of a file.
    public init<Bytes: Sequence>(bytes: Bytes) where Bytes.Element == UInt8 {
        buffer = ByteBuffer(bytes: bytes)
    }

    /// Creates a reader over the readable bytes of `buffer`.
    public init(buffer: ByteBuffer) {
        self.buffer = buffer
    }

    /// Appends the next bytes of the file.
    public mutating func append<Bytes: Sequence>(_ bytes: Bytes) where Bytes.Element == UInt8 {
        buffer.compact()
        buffer.writeBytes(bytes)
    }

    /// The number of bytes appended but not yet read.
    public var bufferedBytes: Int { buffer.readableBytes }

    /// Reads the next tag.
    /// - Returns: the tag, or `nil` when the bytes end before the tag (or the file header) does.
    /// - Throws: `FLVError` when the file header is invalid.
    public mutating func nextTag() throws(FLVError) -> FLVTag? {
        if header == nil {
            guard let fileHeader = try readFileHeader() else { return nil }
            header = fileHeader
        }

        // tag header, data and the PreviousTagSize after them
        guard let dataSize = buffer.getUInt24(at: buffer.readerIndex + 1, endianness: .big) else { return nil }
        let total = FLVTag.headerSize + Int(dataSize) + 4
        guard buffer.readableBytes >= total else { return nil }

        // every read below is within the checked length
        let typeByte = buffer.readByte() ?? 0
        buffer.moveReaderIndex(forwardBy: 3)
        let lower = buffer.readUInt24(endianness: .big) ?? 0
        let upper = UInt32(buffer.readByte() ?? 0)
        let streamID = buffer.readUInt24(endianness: .big) ?? 0
        let data = buffer.readBytes(length: Int(dataSize)) ?? []
        buffer.moveReaderIndex(forwardBy: 4)

        return FLVTag(
            type: FLVTagType(rawValue: typeByte & 0x1F),
            timestamp: upper << 24 | lower,
            streamID: streamID,
            isFiltered: typeByte & 0x20 != 0,
            data: data
        )
    }

    /// Reads every tag of a whole file.
    /// - Throws: `FLVError` when the header is invalid or the file ends inside a tag.
    public static func readAll<Bytes: Sequence>(
        _ bytes: Bytes
    ) throws(FLVError) -> (header: FLVFileHeader, tags: [FLVTag]) where Bytes.Element == UInt8 {
        var reader = FLVReader(bytes: bytes)
        var tags: [FLVTag] = []
        while let tag = try reader.nextTag() {
            tags.append(tag)
        }
        guard let header = reader.header else { throw .truncated("FLV file header") }
        guard reader.bufferedBytes == 0 else { throw .truncated("tag at the end of the file") }
        return (header, tags)
    }

    /// Reads the file header and PreviousTagSize0, or returns `nil` until they have all arrived.
    private mutating func readFileHeader() throws(FLVError) -> FLVFileHeader? {
        guard buffer.readableBytes >= FLVFileHeader.size else { return nil }
        let start = buffer.readerIndex
        let signature = buffer.getBytes(at: start, length: 3) ?? []
        guard signature == Array("FLV".utf8) else { throw .invalidSignature(signature) }

        let version = buffer.getByte(at: start + 3) ?? 0
        let flags = buffer.getByte(at: start + 4) ?? 0
        let dataOffset = buffer.getInteger(at: start + 5, endianness: .big, as: UInt32.self) ?? 0
        guard dataOffset >= UInt32(FLVFileHeader.size) else {
            throw .invalidHeader("FLV data offset \(dataOffset) is smaller than the 9-byte header")
        }
        // A larger offset leaves room for header fields of a later version, which are skipped.
        guard dataOffset <= UInt32(1 << 20) else {
            throw .invalidHeader("FLV data offset \(dataOffset) is over 1 MiB")
        }
        guard buffer.readableBytes >= Int(dataOffset) + 4 else { return nil }
        buffer.moveReaderIndex(forwardBy: Int(dataOffset) + 4)

        return FLVFileHeader(
            version: version,
            hasAudio: flags & 0x04 != 0,
            hasVideo: flags & 0x01 != 0,
            dataOffset: dataOffset
        )
    }
}
