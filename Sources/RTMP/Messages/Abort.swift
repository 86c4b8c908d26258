/// Abort Message (type 2): discard the partly received message on a chunk stream.
public struct Abort: ProtocolControlMessage {
    public static let typeID = MessageTypeID.abort

    /// The chunk stream whose partial message is discarded.
    public var chunkStreamID: ChunkStreamID

    /// Creates the message.
    public init(chunkStreamID: ChunkStreamID) { self.chunkStreamID = chunkStreamID }

    /// Decodes the body: a 32-bit big-endian chunk stream ID.
    public init(payload: [UInt8]) throws(RTMPProtocolError) {
        chunkStreamID = ChunkStreamID(try Self.readUInt32(payload, what: "Abort"))
    }

    public var payload: [UInt8] { Self.encodeUInt32(chunkStreamID.rawValue) }
}
