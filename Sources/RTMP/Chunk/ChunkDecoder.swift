import Bytes

/// Reassembles messages from the chunks of one connection.
///
/// The decoder keeps, for each chunk stream, the last message header and an
/// explicit flag for whether that header used an extended timestamp, plus the
/// partly received message. It hands up whole messages with an absolute
/// timestamp: type-1, -2 and -3 headers carry deltas, which are added with
/// 32-bit wrap-around.
///
/// A chunk is consumed only when all of its bytes are readable, so a short
/// buffer leaves the reader index where it was and `decode(from:)` returns
/// `nil` ("need more data").
///
/// The decoder applies the two chunk-layer control messages itself, as soon as
/// it hands them up: Set Chunk Size changes the size of the next chunk, and
/// Abort drops the partial message of the named chunk stream.
public struct ChunkDecoder: Sendable {
    /// The limits on chunk size, message size and chunk stream count.
    public let limits: Limits
    /// The peer's current chunk size; 128 until it sends Set Chunk Size.
    public private(set) var chunkSize: Int = 128

    struct StreamState: Sendable {
        var streamID: MessageStreamID
        var typeID: MessageTypeID
        var length: Int
        /// The absolute timestamp of the last message started on this chunk stream.
        var timestamp: UInt32
        /// The timestamp field of the last type-0, -1 or -2 header, including its
        /// extended value: the absolute timestamp after type 0, otherwise the delta.
        /// A type-3 header that starts a message reuses it as its delta.
        var timestampField: UInt32
        /// Whether the last type-0, -1 or -2 header carried an extended timestamp,
        /// which type-3 chunks of this chunk stream then repeat.
        var hasExtendedTimestamp: Bool
        /// The payload received so far; `nil` when no message is in progress.
        var partialPayload: [UInt8]?
    }

    private var streams: [UInt32: StreamState] = [:]

    /// Creates a decoder.
    public init(limits: Limits = Limits()) {
        self.limits = limits
    }

    /// Decodes chunks until a message is complete.
    /// - Returns: the next whole message, or `nil` when more bytes are needed.
    /// - Throws: `RTMPProtocolError` when a chunk is malformed or exceeds the limits.
    public mutating func decode(from buffer: inout ByteBuffer) throws(RTMPProtocolError) -> Message? {
        while true {
            switch try decodeChunk(from: &buffer) {
            case .needMoreData:
                return nil
            case .chunkConsumed:
                continue
            case .message(let message):
                try applyChunkLayerControl(message)
                return message
            }
        }
    }

    private enum ChunkOutcome {
        case needMoreData
        case chunkConsumed
        case message(Message)
    }

    /// A parsed chunk header, not yet applied to the chunk stream state.
    private struct ParsedHeader {
        var chunkStreamID: UInt32
        var format: ChunkHeaderFormat
        /// The index just past the header, where the payload starts.
        var payloadIndex: Int
        var state: StreamState
    }

    private mutating func decodeChunk(from buffer: inout ByteBuffer) throws(RTMPProtocolError) -> ChunkOutcome {
        guard var header = try parseHeader(in: buffer) else { return .needMoreData }

        // payload of this chunk
        let received = header.state.partialPayload?.count ?? 0
        let chunkLength = min(chunkSize, header.state.length - received)
        guard let bytes = buffer.getBytes(at: header.payloadIndex, length: chunkLength) else { return .needMoreData }

        // commit: the whole chunk is readable, so consume it and update the state
        buffer.moveReaderIndex(forwardBy: header.payloadIndex + chunkLength - buffer.readerIndex)
        if header.state.partialPayload == nil {
            header.state.partialPayload = []
            header.state.partialPayload?.reserveCapacity(min(header.state.length, 1 << 16))
        }
        header.state.partialPayload?.append(contentsOf: bytes)
        guard let payload = header.state.partialPayload, payload.count == header.state.length else {
            streams[header.chunkStreamID] = header.state
            return .chunkConsumed
        }
        header.state.partialPayload = nil
        streams[header.chunkStreamID] = header.state
        let message = Message(
            chunkStreamID: ChunkStreamID(header.chunkStreamID),
            typeID: header.state.typeID,
            streamID: header.state.streamID,
            timestamp: header.state.timestamp,
            payload: payload
        )
        return .message(message)
    }

    /// Reads the basic header, message header and extended timestamp without
    /// consuming them, and works out the chunk stream state they produce.
    private func parseHeader(in buffer: ByteBuffer) throws(RTMPProtocolError) -> ParsedHeader? {
        var index = buffer.readerIndex

        // basic header: 1, 2 or 3 bytes
        guard let first = buffer.getByte(at: index) else { return nil }
        let format = ChunkHeaderFormat(first >> 6)
        var chunkStreamID = UInt32(first & 0x3F)
        index += 1
        if chunkStreamID == 0 {
            guard let second = buffer.getByte(at: index) else { return nil }
            chunkStreamID = 64 + UInt32(second)
            index += 1
        } else if chunkStreamID == 1 {
            guard let value = buffer.getInteger(at: index, endianness: .little, as: UInt16.self) else { return nil }
            chunkStreamID = 64 + UInt32(value)
            index += 2
        }

        // message header
        guard var state = try startingState(chunkStreamID: chunkStreamID, format: format) else { return nil }
        guard buffer.readableBytes >= index - buffer.readerIndex + format.messageHeaderLength else { return nil }
        let startsMessage = format != .continuation || state.partialPayload == nil
        if format != .continuation {
            readMessageHeader(format: format, from: buffer, at: &index, into: &state)
        }

        // extended timestamp
        if format != .continuation, state.timestampField == extendedTimestampMarker {
            guard let extended = buffer.getInteger(at: index, endianness: .big, as: UInt32.self) else { return nil }
            state.timestampField = extended
            state.hasExtendedTimestamp = true
            index += 4
        } else if format != .continuation {
            state.hasExtendedTimestamp = false
        } else if state.hasExtendedTimestamp {
            guard
                let skip = repeatedExtendedTimestampLength(
                    in: buffer,
                    at: index,
                    state: state,
                    startsMessage: startsMessage
                )
            else { return nil }
            if startsMessage, skip == 4, let value = buffer.getInteger(at: index, endianness: .big, as: UInt32.self) {
                state.timestampField = value
            }
            index += skip
        }

        if startsMessage {
            try startMessage(format: format, state: &state)
        }
        return ParsedHeader(chunkStreamID: chunkStreamID, format: format, payloadIndex: index, state: state)
    }

    /// Checks the length of a new message and works out its absolute timestamp.
    private func startMessage(format: ChunkHeaderFormat, state: inout StreamState) throws(RTMPProtocolError) {
        guard state.length <= limits.maximumMessageSize else {
            throw .messageTooLarge(state.length, maximum: limits.maximumMessageSize)
        }
        if format == .full {
            state.timestamp = state.timestampField
        } else {
            state.timestamp = state.timestamp &+ state.timestampField
        }
        // A new header in the middle of a message replaces that message, as in ffmpeg.
        state.partialPayload = nil
    }

    /// Returns the state a chunk starts from: the stored one, or a fresh one for a
    /// type-0 header on a new chunk stream.
    private func startingState(
        chunkStreamID: UInt32,
        format: ChunkHeaderFormat
    ) throws(RTMPProtocolError) -> StreamState? {
        if let state = streams[chunkStreamID] { return state }
        guard format == .full else {
            throw .invalidChunkHeader(
                "type-\(format.rawValue) header on chunk stream \(chunkStreamID), which has no type-0 header yet"
            )
        }
        guard streams.count < limits.maximumChunkStreams else {
            throw .tooManyChunkStreams(limits.maximumChunkStreams)
        }
        return StreamState(
            streamID: .connection,
            typeID: MessageTypeID(0),
            length: 0,
            timestamp: 0,
            timestampField: 0,
            hasExtendedTimestamp: false,
            partialPayload: nil
        )
    }

    /// Reads the fields of a type-0, -1 or -2 message header; the caller has
    /// checked that they are readable.
    private func readMessageHeader(
        format: ChunkHeaderFormat,
        from buffer: ByteBuffer,
        at index: inout Int,
        into state: inout StreamState
    ) {
        state.timestampField = buffer.getUInt24(at: index, endianness: .big) ?? 0
        index += 3
        guard format != .timestampDeltaOnly else { return }
        state.length = Int(buffer.getUInt24(at: index, endianness: .big) ?? 0)
        state.typeID = MessageTypeID(buffer.getByte(at: index + 3) ?? 0)
        index += 4
        guard format == .full else { return }
        // The message stream ID is the one little-endian field of the chunk header.
        state.streamID = MessageStreamID(buffer.getInteger(at: index, endianness: .little, as: UInt32.self) ?? 0)
        index += 4
    }

    /// Returns how many bytes of repeated extended timestamp a type-3 chunk
    /// carries: 4 or 0, or `nil` when too few bytes are readable to tell.
    ///
    /// The specification repeats the extended timestamp on every type-3 chunk of
    /// a chunk stream whose last header used one, but some encoders omit it on
    /// continuation chunks. As librtmp and ffmpeg do, a continuation chunk is
    /// checked for the 4 bytes of the stored value: if they are there they are
    /// skipped, otherwise they are payload. A type-3 header that starts a new
    /// message always carries the field, as it is that message's delta.
    ///
    /// NOTE: a peer that omits the field and whose payload happens to start with
    /// the same 4 bytes is misread, as it is by librtmp and ffmpeg.
    private func repeatedExtendedTimestampLength(
        in buffer: ByteBuffer,
        at index: Int,
        state: StreamState,
        startsMessage: Bool
    ) -> Int? {
        if startsMessage {
            return buffer.readableBytes - (index - buffer.readerIndex) >= 4 ? 4 : nil
        }
        let expected: [UInt8] = [
            UInt8(truncatingIfNeeded: state.timestampField >> 24),
            UInt8(truncatingIfNeeded: state.timestampField >> 16),
            UInt8(truncatingIfNeeded: state.timestampField >> 8),
            UInt8(truncatingIfNeeded: state.timestampField),
        ]
        for offset in 0..<4 {
            guard let byte = buffer.getByte(at: index + offset) else {
                // Every readable byte matches so far: wait for the rest before deciding.
                return nil
            }
            if byte != expected[offset] { return 0 }
        }
        return 4
    }

    /// Applies Set Chunk Size and Abort, which change how later chunks are read.
    private mutating func applyChunkLayerControl(_ message: Message) throws(RTMPProtocolError) {
        switch message.typeID {
        case .setChunkSize:
            let size = try SetChunkSize(payload: message.payload).chunkSize
            guard size >= 1, Int(size) <= limits.maximumIncomingChunkSize else {
                throw .invalidChunkSize(size, maximum: limits.maximumIncomingChunkSize)
            }
            chunkSize = Int(size)
        case .abort:
            let target = try Abort(payload: message.payload).chunkStreamID
            streams[target.rawValue]?.partialPayload = nil
        default:
            break
        }
    }
}
