/// Acknowledgement (type 3): the number of bytes received so far, sent each
/// time the received count crosses the peer's window. The count wraps at 2^32.
public struct Acknowledgement: ProtocolControlMessage {
    public static let typeID = MessageTypeID.acknowledgement

    /// The bytes received so far, modulo 2^32.
    public var sequenceNumber: UInt32

    /// Creates the message.
    public init(sequenceNumber: UInt32) { self.sequenceNumber = sequenceNumber }

    /// Decodes the body: a 32-bit big-endian byte count.
    public init(payload: [UInt8]) throws(RTMPProtocolError) {
        sequenceNumber = try Self.readUInt32(payload, what: "Acknowledgement")
    }

    public var payload: [UInt8] { Self.encodeUInt32(sequenceNumber) }
}
