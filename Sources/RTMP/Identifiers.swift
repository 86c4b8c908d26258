/// The chunk stream a chunk belongs to: 2...65599 on the wire (0 and 1 select
/// the longer basic-header forms, and 2 is reserved for protocol control).
///
/// Outgoing chunk streams used by this module:
///
/// | id | carries |
/// | --- | --- |
/// | 2 | protocol control and user control messages |
/// | 3 | connection-level commands and their results (`connect`, `createStream`, ...) |
/// | 5 | stream-level commands, `onStatus` and data messages such as `onMetaData` |
/// | 6 | audio |
/// | 7 | video |
public struct ChunkStreamID: Hashable, Sendable, CustomStringConvertible {
    /// The chunk stream ID as the basic header encodes it.
    public var rawValue: UInt32

    /// Creates a chunk stream ID.
    public init(_ rawValue: UInt32) { self.rawValue = rawValue }

    /// Chunk stream 2: protocol control and user control messages.
    public static let protocolControl = ChunkStreamID(2)
    /// Chunk stream 3: connection-level commands and their results.
    public static let command = ChunkStreamID(3)
    /// Chunk stream 5: stream-level commands, `onStatus` and data messages.
    public static let stream = ChunkStreamID(5)
    /// Chunk stream 6: audio messages.
    public static let audio = ChunkStreamID(6)
    /// Chunk stream 7: video messages.
    public static let video = ChunkStreamID(7)

    /// The largest ID a 3-byte basic header can carry.
    public static let maximumRawValue: UInt32 = 65_599

    public var description: String { "csid \(rawValue)" }
}

/// A message stream: 0 for the connection itself, then the IDs that
/// `createStream` returns. Little-endian in the type-0 chunk header.
public struct MessageStreamID: Hashable, Sendable, CustomStringConvertible {
    /// The message stream ID as the chunk header encodes it.
    public var rawValue: UInt32

    /// Creates a message stream ID.
    public init(_ rawValue: UInt32) { self.rawValue = rawValue }

    /// Message stream 0, which carries protocol control and connection commands.
    public static let connection = MessageStreamID(0)

    public var description: String { "stream \(rawValue)" }
}

/// The type of an RTMP message, from the chunk message header.
public struct MessageTypeID: Hashable, Sendable, CustomStringConvertible {
    /// The type ID byte.
    public var rawValue: UInt8

    /// Creates a message type ID.
    public init(_ rawValue: UInt8) { self.rawValue = rawValue }

    /// 1: Set Chunk Size.
    public static let setChunkSize = MessageTypeID(1)
    /// 2: Abort Message.
    public static let abort = MessageTypeID(2)
    /// 3: Acknowledgement.
    public static let acknowledgement = MessageTypeID(3)
    /// 4: User Control Message.
    public static let userControl = MessageTypeID(4)
    /// 5: Window Acknowledgement Size.
    public static let windowAcknowledgementSize = MessageTypeID(5)
    /// 6: Set Peer Bandwidth.
    public static let setPeerBandwidth = MessageTypeID(6)
    /// 8: Audio Message.
    public static let audio = MessageTypeID(8)
    /// 9: Video Message.
    public static let video = MessageTypeID(9)
    /// 15: Data Message encoded with AMF3.
    public static let dataAMF3 = MessageTypeID(15)
    /// 16: Shared Object Message encoded with AMF3.
    public static let sharedObjectAMF3 = MessageTypeID(16)
    /// 17: Command Message encoded with AMF3.
    public static let commandAMF3 = MessageTypeID(17)
    /// 18: Data Message encoded with AMF0.
    public static let dataAMF0 = MessageTypeID(18)
    /// 19: Shared Object Message encoded with AMF0.
    public static let sharedObjectAMF0 = MessageTypeID(19)
    /// 20: Command Message encoded with AMF0.
    public static let commandAMF0 = MessageTypeID(20)
    /// 22: Aggregate Message.
    public static let aggregate = MessageTypeID(22)

    /// Whether the type is audio, video or a data message: what a publisher streams.
    public var isMedia: Bool {
        self == .audio || self == .video || self == .dataAMF0 || self == .dataAMF3 || self == .aggregate
    }

    public var description: String { "type \(rawValue)" }
}

/// A whole message as the chunk layer hands it up or takes it down.
public struct Message: Sendable, Equatable {
    /// The chunk stream the message arrived on or leaves on.
    public var chunkStreamID: ChunkStreamID
    /// The message type.
    public var typeID: MessageTypeID
    /// The message stream.
    public var streamID: MessageStreamID
    /// The absolute timestamp in milliseconds, wrapping at 2^32.
    public var timestamp: UInt32
    /// The message body.
    public var payload: [UInt8]

    /// Creates a message.
    public init(
        chunkStreamID: ChunkStreamID,
        typeID: MessageTypeID,
        streamID: MessageStreamID,
        timestamp: UInt32,
        payload: [UInt8]
    ) {
        self.chunkStreamID = chunkStreamID
        self.typeID = typeID
        self.streamID = streamID
        self.timestamp = timestamp
        self.payload = payload
    }
}
