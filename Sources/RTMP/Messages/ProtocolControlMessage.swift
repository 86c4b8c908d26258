import Bytes

/// A protocol control message (types 1, 2, 3, 5 and 6) or a User Control
/// message (type 4): sent on chunk stream 2, message stream 0, timestamp 0.
public protocol ProtocolControlMessage: Sendable, Equatable {
    /// The message type this value is carried in.
    static var typeID: MessageTypeID { get }
    /// Decodes the message body.
    /// - Throws: `RTMPProtocolError.invalidMessage` when the body is too short.
    init(payload: [UInt8]) throws(RTMPProtocolError)
    /// The message body.
    var payload: [UInt8] { get }
}

extension ProtocolControlMessage {
    /// The whole message, ready for a chunk encoder.
    public var message: Message {
        Message(
            chunkStreamID: .protocolControl,
            typeID: Self.typeID,
            streamID: .connection,
            timestamp: 0,
            payload: payload
        )
    }

    /// Reads the 32-bit big-endian field that most protocol control bodies start with.
    static func readUInt32(_ payload: [UInt8], what: String) throws(RTMPProtocolError) -> UInt32 {
        var buffer = ByteBuffer(bytes: payload)
        guard let value = buffer.readInteger(endianness: .big, as: UInt32.self) else {
            throw .invalidMessage("\(what) body of \(payload.count) bytes is shorter than 4")
        }
        return value
    }

    /// Encodes one 32-bit big-endian field.
    static func encodeUInt32(_ value: UInt32) -> [UInt8] {
        var buffer = ByteBuffer(capacity: 4)
        buffer.writeInteger(value, endianness: .big)
        return buffer.readAllBytes()
    }
}
