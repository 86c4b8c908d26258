import Bytes

/// User Control Message (type 4): a 16-bit big-endian event type followed by
/// the event data.
///
///     | event type (16 bits) | event data (4 bytes; 8 for Set Buffer Length) |
public enum UserControl: ProtocolControlMessage {
    public static let typeID = MessageTypeID.userControl

    /// Event 0: the stream is ready to carry data.
    case streamBegin(MessageStreamID)
    /// Event 1: playback of the stream ended.
    case streamEOF(MessageStreamID)
    /// Event 2: the stream has no more data for now.
    case streamDry(MessageStreamID)
    /// Event 3: the client's buffer length for a stream, in milliseconds.
    case setBufferLength(MessageStreamID, milliseconds: UInt32)
    /// Event 4: the stream is recorded.
    case streamIsRecorded(MessageStreamID)
    /// Event 6: the receiver replies with a Ping Response that carries the same timestamp.
    case pingRequest(timestamp: UInt32)
    /// Event 7: the answer to a Ping Request.
    case pingResponse(timestamp: UInt32)
    /// Any other event (for example 0x1A, SWF verification), kept as it came.
    case other(eventType: UInt16, data: [UInt8])

    /// Decodes the body.
    /// - Throws: `RTMPProtocolError.invalidMessage` when the event data is too short.
    public init(payload: [UInt8]) throws(RTMPProtocolError) {
        var buffer = ByteBuffer(bytes: payload)
        guard let eventType = buffer.readInteger(endianness: .big, as: UInt16.self) else {
            throw .invalidMessage("User Control body of \(payload.count) bytes lacks the event type")
        }
        // Unknown events carry data of their own shape, so only known ones need 4 bytes.
        guard (0...7).contains(eventType) && eventType != 5 else {
            self = .other(eventType: eventType, data: buffer.readAllBytes())
            return
        }
        guard let value = buffer.readInteger(endianness: .big, as: UInt32.self) else {
            throw .invalidMessage("User Control event \(eventType) lacks its 4-byte data")
        }
        switch eventType {
        case 0: self = .streamBegin(MessageStreamID(value))
        case 1: self = .streamEOF(MessageStreamID(value))
        case 2: self = .streamDry(MessageStreamID(value))
        case 3:
            guard let milliseconds = buffer.readInteger(endianness: .big, as: UInt32.self) else {
                throw .invalidMessage("Set Buffer Length lacks its buffer length")
            }
            self = .setBufferLength(MessageStreamID(value), milliseconds: milliseconds)
        case 4: self = .streamIsRecorded(MessageStreamID(value))
        case 6: self = .pingRequest(timestamp: value)
        default: self = .pingResponse(timestamp: value)
        }
    }

    /// The event type field.
    public var eventType: UInt16 {
        switch self {
        case .streamBegin: return 0
        case .streamEOF: return 1
        case .streamDry: return 2
        case .setBufferLength: return 3
        case .streamIsRecorded: return 4
        case .pingRequest: return 6
        case .pingResponse: return 7
        case .other(let eventType, _): return eventType
        }
    }

    public var payload: [UInt8] {
        var buffer = ByteBuffer(capacity: 10)
        buffer.writeInteger(eventType, endianness: .big)
        switch self {
        case .streamBegin(let id), .streamEOF(let id), .streamDry(let id), .streamIsRecorded(let id):
            buffer.writeInteger(id.rawValue, endianness: .big)
        case .setBufferLength(let id, let milliseconds):
            buffer.writeInteger(id.rawValue, endianness: .big)
            buffer.writeInteger(milliseconds, endianness: .big)
        case .pingRequest(let timestamp), .pingResponse(let timestamp):
            buffer.writeInteger(timestamp, endianness: .big)
        case .other(_, let data):
            buffer.writeBytes(data)
        }
        return buffer.readAllBytes()
    }
}
