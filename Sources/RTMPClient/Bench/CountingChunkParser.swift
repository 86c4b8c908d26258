import RTMP

/// A chunk stream parser for the load generator's players: it follows the chunk headers of
/// everything the server sends but never copies audio, video or aggregate payloads. It counts
/// their bytes and keeps their first two bytes, which is enough to tell a keyframe from other
/// frames. Other messages (commands, control messages) are small and are collected whole.
///
///     bytes -> [basic header | message header | extended timestamp] -> chunk payload ...
///              `---------------- copied, at most 18 bytes ----------'    counted only (media)
///
/// Timestamps follow the chunk rules: a type-0 header sets the absolute timestamp, types 1 and
/// 2 add their delta, and a type-3 header that starts a new message adds the last delta. As
/// ffmpeg does, the delta after a type-0 header is its timestamp field. A type-3 header carries
/// an extended timestamp when the stream's last type 0, 1 or 2 header did.
///
/// The parser applies Set Chunk Size and Abort itself; it reports every complete message to
/// the caller's closure and stops when the closure returns false.
public struct CountingChunkParser: Sendable {
    /// A complete message as the parser reports it.
    public struct ParsedMessage: Sendable, Equatable {
        /// The message type ID.
        public var typeID: UInt8
        /// The message stream ID.
        public var streamID: UInt32
        /// The absolute timestamp in milliseconds.
        public var timestamp: UInt32
        /// The payload length from the header.
        public var length: Int
        /// Up to the first two payload bytes of an audio, video or aggregate message.
        public var head: MediaHead
        /// The whole payload of any other message; empty for media.
        public var payload: [UInt8]

        /// True for audio (8), video (9) and aggregate (22) messages, whose payload is not kept.
        public var isMedia: Bool { Self.isMediaType(typeID) }

        static func isMediaType(_ typeID: UInt8) -> Bool { typeID == 8 || typeID == 9 || typeID == 22 }
    }

    /// The first bytes of a media payload, without an allocation.
    public struct MediaHead: Sendable, Equatable {
        /// How many of `first` and `second` are set: 0, 1 or 2.
        public var count = 0
        public var first: UInt8 = 0
        public var second: UInt8 = 0

        public init(count: Int = 0, first: UInt8 = 0, second: UInt8 = 0) {
            self.count = count
            self.first = first
            self.second = second
        }

        mutating func append(_ byte: UInt8) {
            if count == 0 { first = byte } else { second = byte }
            count += 1
        }
    }

    /// The reason the parser stopped for good.
    public enum Failure: Error, Sendable, Equatable {
        /// A Set Chunk Size of 0 or above the limit.
        case invalidChunkSize(UInt32)
        /// A non-media message longer than the limit for collected payloads.
        case messageTooLong(Int)
        /// More chunk streams in use than the limit.
        case tooManyChunkStreams
    }

    fileprivate struct ChunkStream {
        var timestamp: UInt32 = 0
        var delta: UInt32 = 0
        var length = 0
        var typeID: UInt8 = 0
        var streamID: UInt32 = 0
        /// Whether the last type 0, 1 or 2 header had an extended timestamp.
        var hasExtendedTimestamp = false
        /// Payload bytes of the current message not yet received; 0 between messages.
        var remaining = 0
        var head = MediaHead()
        var payload: [UInt8] = []
    }

    /// The largest chunk payload the server sends; changed by Set Chunk Size.
    public private(set) var chunkSize = 128
    /// The largest non-media message that is collected, in bytes.
    public let maximumCollectedLength: Int
    /// The maximum number of chunk streams the server may use at once.
    public let maximumChunkStreams: Int

    /// Chunk streams 2–63 by number; rarer larger IDs in `otherStreams`.
    private var lowStreams = [ChunkStream?](repeating: nil, count: 64)
    private var otherStreams: [UInt32: ChunkStream] = [:]
    private var header: [UInt8] = []
    /// The chunk stream and payload bytes left of the chunk being read, once its header is complete.
    private var currentStream: UInt32 = 0
    private var chunkRemaining = 0
    private var failure: Failure?

    /// Creates a parser with the protocol's initial chunk size of 128.
    public init(maximumCollectedLength: Int = 1 << 20, maximumChunkStreams: Int = 64) {
        self.maximumCollectedLength = maximumCollectedLength
        self.maximumChunkStreams = maximumChunkStreams
        header.reserveCapacity(18)
    }

    /// Parses `bytes`, calling `handle` for every complete message.
    ///
    /// - Returns: false when `handle` requested a stop; the rest of `bytes` is then dropped.
    /// - Throws: `Failure` when the stream cannot be followed any more.
    @discardableResult
    public mutating func parse(
        _ bytes: UnsafeRawBufferPointer,
        _ handle: (ParsedMessage) -> Bool
    ) throws(Failure) -> Bool {
        if let failure { throw failure }
        var offset = 0
        while offset < bytes.count {
            if chunkRemaining == 0 {
                offset += readHeader(bytes, from: offset)
                guard header.isEmpty else { continue }
                if let failure { throw failure }
                if stream(currentStream).remaining == 0 {
                    // A message of length 0 is complete with its header.
                    guard try complete(handle) else { return false }
                }
                continue
            }
            let take = min(chunkRemaining, bytes.count - offset)
            consumePayload(UnsafeRawBufferPointer(rebasing: bytes[offset..<(offset + take)]))
            offset += take
            chunkRemaining -= take
            if stream(currentStream).remaining == 0 {
                guard try complete(handle) else { return false }
            }
        }
        return true
    }

    // MARK: - Headers

    /// Copies header bytes until the header is complete, then starts its chunk.
    /// - Returns: the bytes of `bytes` used.
    private mutating func readHeader(_ bytes: UnsafeRawBufferPointer, from start: Int) -> Int {
        var offset = start
        while offset < bytes.count {
            header.append(bytes[offset])
            offset += 1
            if let length = requiredHeaderLength(), header.count == length {
                startChunk()
                header.removeAll(keepingCapacity: true)
                return offset - start
            }
        }
        return offset - start
    }

    /// Returns the length of the header in `header`, or nil while too few bytes are known.
    private func requiredHeaderLength() -> Int? {
        let format = header[0] >> 6
        let basicLength: Int
        switch header[0] & 0x3F {
        case 0: basicLength = 2
        case 1: basicLength = 3
        default: basicLength = 1
        }
        let fixed = basicLength + Self.messageHeaderLength(format)
        guard header.count >= basicLength else { return nil }
        let extended: Bool
        if format == 3 {
            extended = existingStream(chunkStreamID(basicLength: basicLength))?.hasExtendedTimestamp ?? false
        } else {
            guard header.count >= basicLength + 3 else { return nil }
            extended = timestampField(at: basicLength) == 0xFF_FFFF
        }
        return fixed + (extended ? 4 : 0)
    }

    /// Returns the message header length of chunk header types 0 to 3.
    private static func messageHeaderLength(_ format: UInt8) -> Int {
        switch format {
        case 0: return 11
        case 1: return 7
        case 2: return 3
        default: return 0
        }
    }

    private func chunkStreamID(basicLength: Int) -> UInt32 {
        switch basicLength {
        case 2: return 64 + UInt32(header[1])
        case 3: return 64 + UInt32(header[1]) + (UInt32(header[2]) << 8)
        default: return UInt32(header[0] & 0x3F)
        }
    }

    private func timestampField(at index: Int) -> UInt32 {
        (UInt32(header[index]) << 16) | (UInt32(header[index + 1]) << 8) | UInt32(header[index + 2])
    }

    private func uint24(at index: Int) -> Int {
        Int(timestampField(at: index))
    }

    /// Applies the complete header in `header` to its chunk stream.
    private mutating func startChunk() {
        let format = header[0] >> 6
        let basicLength = header[0] & 0x3F == 0 ? 2 : (header[0] & 0x3F == 1 ? 3 : 1)
        let id = chunkStreamID(basicLength: basicLength)
        guard var state = existingStream(id) ?? newStream(id) else { return }
        let fieldsEnd = basicLength + Self.messageHeaderLength(format)
        let extendedValue: UInt32? = header.count > fieldsEnd
            ? header[fieldsEnd..<(fieldsEnd + 4)].reduce(0) { ($0 << 8) | UInt32($1) } : nil

        if format == 3 && state.remaining > 0 {
            // A continuation of the current message.
        } else {
            var field = format == 3 ? state.delta : timestampField(at: basicLength)
            if format < 3 {
                state.hasExtendedTimestamp = extendedValue != nil
                if let extendedValue { field = extendedValue }
            }
            if format <= 1 {
                state.length = uint24(at: basicLength + 3)
                state.typeID = header[basicLength + 6]
            }
            if format == 0 {
                let index = basicLength + 7
                state.streamID = UInt32(header[index]) | (UInt32(header[index + 1]) << 8)
                    | (UInt32(header[index + 2]) << 16) | (UInt32(header[index + 3]) << 24)
                state.timestamp = field
                state.delta = field
            } else if format < 3 {
                state.delta = field
                state.timestamp &+= field
            } else {
                state.timestamp &+= state.delta
            }
            state.remaining = state.length
            state.head = MediaHead()
            state.payload = []
            if !ParsedMessage.isMediaType(state.typeID) {
                guard state.length <= maximumCollectedLength else {
                    failure = .messageTooLong(state.length)
                    return
                }
                state.payload.reserveCapacity(state.length)
            }
        }
        currentStream = id
        chunkRemaining = min(state.remaining, chunkSize)
        store(state, id)
    }

    // MARK: - Payloads

    private mutating func consumePayload(_ bytes: UnsafeRawBufferPointer) {
        let id = currentStream
        if id < 64 {
            lowStreams[Int(id)]!.consume(bytes)
        } else {
            otherStreams[id]!.consume(bytes)
        }
    }

    /// Reports the message complete on the current chunk stream and applies chunk-layer messages.
    private mutating func complete(_ handle: (ParsedMessage) -> Bool) throws(Failure) -> Bool {
        var state = stream(currentStream)
        let message = ParsedMessage(
            typeID: state.typeID,
            streamID: state.streamID,
            timestamp: state.timestamp,
            length: state.length,
            head: state.head,
            payload: state.payload
        )
        state.payload = []
        store(state, currentStream)
        if message.typeID == 1 || message.typeID == 2, message.payload.count >= 4 {
            let value = message.payload.prefix(4).reduce(UInt32(0)) { ($0 << 8) | UInt32($1) }
            if message.typeID == 1 {
                let size = value & 0x7FFF_FFFF
                guard size >= 1 && size <= 0xFF_FFFF else {
                    failure = .invalidChunkSize(value)
                    throw .invalidChunkSize(value)
                }
                chunkSize = Int(size)
            } else {
                abort(value)
            }
        }
        return handle(message)
    }

    /// Drops the partly received message of a chunk stream (Abort, type 2).
    private mutating func abort(_ id: UInt32) {
        guard var state = existingStream(id) else { return }
        state.remaining = 0
        state.payload = []
        store(state, id)
    }

    // MARK: - Chunk stream table

    private func existingStream(_ id: UInt32) -> ChunkStream? {
        id < 64 ? lowStreams[Int(id)] : otherStreams[id]
    }

    private func stream(_ id: UInt32) -> ChunkStream {
        existingStream(id) ?? ChunkStream()
    }

    private mutating func newStream(_ id: UInt32) -> ChunkStream? {
        let inUse = lowStreams.reduce(0) { $0 + ($1 == nil ? 0 : 1) } + otherStreams.count
        guard inUse < maximumChunkStreams else {
            failure = .tooManyChunkStreams
            return nil
        }
        return ChunkStream()
    }

    private mutating func store(_ state: ChunkStream, _ id: UInt32) {
        if id < 64 { lowStreams[Int(id)] = state } else { otherStreams[id] = state }
    }
}

extension CountingChunkParser.ChunkStream {
    /// Counts payload bytes; keeps the first two of media and all of anything else.
    fileprivate mutating func consume(_ bytes: UnsafeRawBufferPointer) {
        if CountingChunkParser.ParsedMessage.isMediaType(typeID) {
            var index = 0
            while head.count < 2 && index < bytes.count {
                head.append(bytes[index])
                index += 1
            }
        } else {
            payload.append(contentsOf: bytes)
        }
        remaining -= bytes.count
    }
}
