/// Set Peer Bandwidth (type 6): limits the receiver's output bandwidth by
/// asking it to use this window for its own Window Acknowledgement Size.
public struct SetPeerBandwidth: ProtocolControlMessage {
    public static let typeID = MessageTypeID.setPeerBandwidth

    /// How the receiver applies the new window.
    public struct LimitType: Hashable, Sendable {
        /// The limit type byte.
        public var rawValue: UInt8
        /// Creates a limit type.
        public init(_ rawValue: UInt8) { self.rawValue = rawValue }
        /// 0: use this window.
        public static let hard = LimitType(0)
        /// 1: use the smaller of this window and the current one.
        public static let soft = LimitType(1)
        /// 2: hard if the previous limit was hard, otherwise ignore.
        public static let dynamic = LimitType(2)
    }

    /// The window in bytes.
    public var windowSize: UInt32
    /// How to apply the window.
    public var limitType: LimitType

    /// Creates the message.
    public init(windowSize: UInt32, limitType: LimitType) {
        self.windowSize = windowSize
        self.limitType = limitType
    }

    /// Decodes the body: a 32-bit big-endian window size and a limit type byte.
    public init(payload: [UInt8]) throws(RTMPProtocolError) {
        guard payload.count >= 5 else {
            throw .invalidMessage("Set Peer Bandwidth body of \(payload.count) bytes is shorter than 5")
        }
        windowSize = try Self.readUInt32(payload, what: "Set Peer Bandwidth")
        limitType = LimitType(payload[4])
    }

    public var payload: [UInt8] { Self.encodeUInt32(windowSize) + [limitType.rawValue] }
}
