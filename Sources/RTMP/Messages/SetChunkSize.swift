/// Set Chunk Size (type 1): the largest chunk payload the sender will use from now on.
///
///     0                   1                   2                   3
///     |0| chunk size (31 bits)                                    |
public struct SetChunkSize: ProtocolControlMessage {
    public static let typeID = MessageTypeID.setChunkSize

    /// The new chunk size in bytes, 1...0x7FFFFFFF.
    public var chunkSize: UInt32

    /// Creates the message.
    public init(chunkSize: UInt32) { self.chunkSize = chunkSize }

    /// Decodes the body. The top bit is reserved and cleared, as the
    /// specification requires it to be zero.
    public init(payload: [UInt8]) throws(RTMPProtocolError) {
        chunkSize = try Self.readUInt32(payload, what: "Set Chunk Size") & 0x7FFF_FFFF
    }

    public var payload: [UInt8] { Self.encodeUInt32(chunkSize & 0x7FFF_FFFF) }
}
