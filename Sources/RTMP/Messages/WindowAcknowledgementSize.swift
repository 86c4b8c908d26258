/// Window Acknowledgement Size (type 5): how many bytes the sender may send
/// before it expects an Acknowledgement.
public struct WindowAcknowledgementSize: ProtocolControlMessage {
    public static let typeID = MessageTypeID.windowAcknowledgementSize

    /// The window in bytes.
    public var windowSize: UInt32

    /// Creates the message.
    public init(windowSize: UInt32) { self.windowSize = windowSize }

    /// Decodes the body: a 32-bit big-endian window size.
    public init(payload: [UInt8]) throws(RTMPProtocolError) {
        windowSize = try Self.readUInt32(payload, what: "Window Acknowledgement Size")
    }

    public var payload: [UInt8] { Self.encodeUInt32(windowSize) }
}
