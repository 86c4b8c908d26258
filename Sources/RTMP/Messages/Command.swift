import AMF
import Bytes

/// A Command Message (type 20, or 17 with an AMF3 marker byte first): a name,
/// a transaction ID, a command object and further arguments, all AMF0.
///
/// A transaction ID of 0 means the sender expects no answer.
public struct Command: Sendable, Equatable {
    /// The command name, such as "connect" or "_result".
    public var name: String
    /// The transaction ID; 0 when no answer is expected.
    public var transactionID: Double
    /// The command object; `.null` for most commands after connect.
    public var commandObject: AMF0Value
    /// The values after the command object.
    public var arguments: [AMF0Value]

    /// Creates a command.
    public init(name: String, transactionID: Double, commandObject: AMF0Value = .null, arguments: [AMF0Value] = []) {
        self.name = name
        self.transactionID = transactionID
        self.commandObject = commandObject
        self.arguments = arguments
    }

    /// Decodes a command message body.
    ///
    /// A missing transaction ID or command object reads as 0 or `.null`, as
    /// some encoders send a bare name for notifications.
    /// - Throws: `RTMPProtocolError.invalidCommand` when the body is not AMF0 or
    ///   does not start with a string.
    public init(message: Message, limits: AMFLimits = AMFLimits()) throws(RTMPProtocolError) {
        let values = try Self.decodeValues(message, limits: limits)
        guard let name = values.first?.stringValue else {
            throw .invalidCommand("command body does not start with a name string")
        }
        self.name = name
        transactionID = values.count > 1 ? (values[1].numberValue ?? 0) : 0
        commandObject = values.count > 2 ? values[2] : .null
        arguments = values.count > 3 ? Array(values[3...]) : []
    }

    /// Decodes the AMF0 values of a command or data message. A type-17 or
    /// type-15 body starts with an AMF3 format byte of 0, which is skipped.
    static func decodeValues(_ message: Message, limits: AMFLimits) throws(RTMPProtocolError) -> [AMF0Value] {
        var body = message.payload[...]
        let isAMF3 = message.typeID == .commandAMF3 || message.typeID == .dataAMF3
        if isAMF3, body.first == 0 {
            body = body.dropFirst()
        }
        do {
            return try AMF0Decoder.decodeAll(body, limits: limits)
        } catch {
            throw .invalidCommand("\(message.typeID) body: \(error.detail)")
        }
    }

    /// The AMF0 body.
    public var payload: [UInt8] {
        AMF0Value.encode([.string(name), .number(transactionID), commandObject] + arguments)
    }

    /// The whole type-20 message.
    public func message(
        chunkStreamID: ChunkStreamID = .command,
        streamID: MessageStreamID = .connection,
        timestamp: UInt32 = 0
    ) -> Message {
        Message(
            chunkStreamID: chunkStreamID,
            typeID: .commandAMF0,
            streamID: streamID,
            timestamp: timestamp,
            payload: payload
        )
    }
}

/// A Data Message (type 18, or 15 with an AMF3 marker byte first): a handler
/// name followed by values, with no transaction ID. Examples are
/// `@setDataFrame`, `onMetaData` and `|RtmpSampleAccess`.
public struct DataMessage: Sendable, Equatable {
    /// The handler name.
    public var name: String
    /// The values after the name.
    public var values: [AMF0Value]

    /// Creates a data message.
    public init(name: String, values: [AMF0Value]) {
        self.name = name
        self.values = values
    }

    /// Decodes a data message body.
    /// - Throws: `RTMPProtocolError.invalidCommand` when the body is not AMF0 or
    ///   does not start with a string.
    public init(message: Message, limits: AMFLimits = AMFLimits()) throws(RTMPProtocolError) {
        let decoded = try Command.decodeValues(message, limits: limits)
        guard let name = decoded.first?.stringValue else {
            throw .invalidCommand("data message body does not start with a name string")
        }
        self.name = name
        values = Array(decoded.dropFirst())
    }

    /// The AMF0 body.
    public var payload: [UInt8] { AMF0Value.encode([.string(name)] + values) }

    /// The whole type-18 message.
    public func message(
        chunkStreamID: ChunkStreamID = .stream,
        streamID: MessageStreamID,
        timestamp: UInt32 = 0
    ) -> Message {
        Message(
            chunkStreamID: chunkStreamID,
            typeID: .dataAMF0,
            streamID: streamID,
            timestamp: timestamp,
            payload: payload
        )
    }
}
