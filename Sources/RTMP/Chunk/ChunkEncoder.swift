import Bytes

/// The stateless chunk encoder of the media fast path.
public enum ChunkEncoder {
    /// Encodes one message as chunks with a type-0 header first and type-3
    /// continuation chunks, repeating the extended timestamp on every
    /// continuation when the timestamp is 0xFFFFFF or more.
    ///
    /// The server encodes a media message once and shares the bytes with every
    /// player; a type-0 header depends on no earlier message, so the bytes are
    /// valid on any connection that uses the same chunk size.
    /// - Parameters:
    ///   - message: the message; its timestamp is written as an absolute value.
    ///   - chunkSize: the largest chunk payload, as announced with Set Chunk Size.
    ///   - buffer: the buffer the chunks are appended to.
    public static func encode(_ message: Message, chunkSize: Int, into buffer: inout ByteBuffer) {
        precondition(chunkSize > 0, "chunk size must be positive")
        let header = EncodedHeader(
            format: .full,
            timestampField: message.timestamp,
            length: message.payload.count,
            typeID: message.typeID,
            streamID: message.streamID
        )
        writeChunks(of: message, firstHeader: header, chunkSize: chunkSize, into: &buffer)
    }

    /// The fields of the first chunk header of a message.
    struct EncodedHeader {
        var format: ChunkHeaderFormat
        /// The absolute timestamp for type 0, otherwise the delta.
        var timestampField: UInt32
        var length: Int
        var typeID: MessageTypeID
        var streamID: MessageStreamID

        var isExtended: Bool { timestampField >= extendedTimestampMarker }
    }

    /// Writes the first chunk with `firstHeader`, then type-3 continuations.
    static func writeChunks(
        of message: Message,
        firstHeader header: EncodedHeader,
        chunkSize: Int,
        into buffer: inout ByteBuffer
    ) {
        let payload = message.payload
        let chunkCount = max(1, (payload.count + chunkSize - 1) / chunkSize)
        buffer.reserveCapacity(appending: payload.count + 18 + (chunkCount - 1) * 7)

        // first chunk: basic header, message header, extended timestamp
        buffer.writeBasicHeader(format: header.format, chunkStreamID: message.chunkStreamID)
        let timestamp24 = header.isExtended ? extendedTimestampMarker : header.timestampField
        if header.format != .continuation {
            buffer.writeUInt24(timestamp24, endianness: .big)
        }
        if header.format == .full || header.format == .sameStream {
            buffer.writeUInt24(UInt32(truncatingIfNeeded: header.length), endianness: .big)
            buffer.writeByte(header.typeID.rawValue)
        }
        if header.format == .full {
            buffer.writeInteger(header.streamID.rawValue, endianness: .little)
        }
        if header.isExtended {
            buffer.writeInteger(header.timestampField, endianness: .big)
        }

        // payload, with a type-3 header before every chunk after the first
        var offset = 0
        repeat {
            if offset > 0 {
                buffer.writeBasicHeader(format: .continuation, chunkStreamID: message.chunkStreamID)
                if header.isExtended {
                    buffer.writeInteger(header.timestampField, endianness: .big)
                }
            }
            let end = min(offset + chunkSize, payload.count)
            buffer.writeBytes(payload[offset..<end])
            offset = end
        } while offset < payload.count
    }
}

/// The stateful chunk encoder of one connection: it remembers the last header
/// on each chunk stream and compresses later headers to types 1, 2 and 3.
///
/// Header choice for a message on a chunk stream that carried one before:
/// type 0 when the message stream changes or the timestamp goes backwards;
/// type 1 when the length or type changes; type 2 when only the delta
/// changes; type 3 when the delta equals the one the previous type-1 or
/// type-2 header sent. Type 3 is never used right after a type-0 header,
/// because decoders disagree on which delta that implies.
public struct ChunkWriter: Sendable {
    /// The largest chunk payload this side sends; change it only right after
    /// writing a Set Chunk Size.
    public var chunkSize: Int

    /// The chunk streams whose headers may be compressed; `nil` means all.
    /// Chunk streams that another encoder also writes to (such as the
    /// stateless fast path) must be left out, or the peer applies a delta to
    /// a header this writer never saw.
    public var compressedChunkStreams: Set<ChunkStreamID>?

    private struct LastHeader: Sendable {
        var streamID: MessageStreamID
        var typeID: MessageTypeID
        var length: Int
        var timestamp: UInt32
        /// The delta of the last type-1 or type-2 header; `nil` after a type-0 header.
        var delta: UInt32?
    }

    private var lastHeaders: [ChunkStreamID: LastHeader] = [:]

    /// Creates a writer with the protocol's initial chunk size of 128 bytes.
    public init(chunkSize: Int = 128, compressedChunkStreams: Set<ChunkStreamID>? = nil) {
        self.chunkSize = chunkSize
        self.compressedChunkStreams = compressedChunkStreams
    }

    /// Encodes `message` with the most compact header the previous one allows.
    public mutating func write(_ message: Message, into buffer: inout ByteBuffer) {
        let header = chooseHeader(for: message)
        ChunkEncoder.writeChunks(of: message, firstHeader: header, chunkSize: chunkSize, into: &buffer)
        guard compressedChunkStreams?.contains(message.chunkStreamID) ?? true else { return }
        lastHeaders[message.chunkStreamID] = LastHeader(
            streamID: message.streamID,
            typeID: message.typeID,
            length: message.payload.count,
            timestamp: message.timestamp,
            delta: header.format == .full ? nil : header.timestampField
        )
    }

    private func chooseHeader(for message: Message) -> ChunkEncoder.EncodedHeader {
        var header = ChunkEncoder.EncodedHeader(
            format: .full,
            timestampField: message.timestamp,
            length: message.payload.count,
            typeID: message.typeID,
            streamID: message.streamID
        )
        guard compressedChunkStreams?.contains(message.chunkStreamID) ?? true,
            let last = lastHeaders[message.chunkStreamID],
            last.streamID == message.streamID,
            message.timestamp >= last.timestamp
        else { return header }

        let delta = message.timestamp - last.timestamp
        header.timestampField = delta
        if last.length != message.payload.count || last.typeID != message.typeID {
            header.format = .sameStream
        } else if last.delta == delta {
            header.format = .continuation
        } else {
            header.format = .timestampDeltaOnly
        }
        return header
    }
}
