import AMF

/// An event that a `ServerSession` reports to the server.
public enum ServerEvent: Sendable {
    /// The handshake finished; `digest` is whether the client used the digest handshake.
    case handshakeCompleted(digest: Bool)
    /// The client sent connect; answer with `acceptConnect()` or `rejectConnect(description:)`.
    case connect(ConnectRequest)
    /// The client created a message stream; the core has already sent the `_result`.
    case createStream(MessageStreamID)
    /// The client wants to publish; answer with `acceptPublish` or `rejectPublish`.
    case publish(PublishRequest)
    /// The client wants to play; answer with `acceptPlay` or `rejectPlay`.
    case play(PlayRequest)
    /// The client sent FCPublish; the core has already sent onFCPublish.
    case fcPublish(streamName: String)
    /// The client sent FCUnpublish; the core has already sent onFCUnpublish.
    case fcUnpublish(streamName: String)
    /// The client sent releaseStream, which asks the server to end an earlier
    /// publish of that name.
    case releaseStream(streamName: String)
    /// The client sent FCSubscribe, as Flash-era players do before play; the core has
    /// already sent onFCSubscribe with NetStream.Play.Start.
    case fcSubscribe(streamName: String)
    /// The client sent receiveAudio on a playing stream: whether it wants audio from now on.
    case receiveAudio(streamID: MessageStreamID, enabled: Bool)
    /// The client sent receiveVideo on a playing stream: whether it wants video from now on.
    case receiveVideo(streamID: MessageStreamID, enabled: Bool)
    /// The client paused (`paused` true) or resumed a playing stream at `milliseconds`
    /// into it. The core has already sent NetStream.Pause.Notify or NetStream.Unpause.Notify.
    case pause(streamID: MessageStreamID, paused: Bool, milliseconds: Double)
    /// The client sent seek on a playing stream. The core has already sent
    /// NetStream.Seek.Notify, and a live stream goes on where it is.
    case seek(streamID: MessageStreamID, milliseconds: Double)
    /// The client sent deleteStream, or closeStream on this message stream.
    case deleteStream(MessageStreamID)
    /// Audio (8), video (9) or data (18 or 15) message on a publishing stream. An
    /// Aggregate Message (22) arrives as one event per sub-message, with absolute timestamps.
    case media(Message)
    /// The peer broke the protocol; the session is closed. Send the queued
    /// outbound bytes, if any, and close the socket.
    case protocolError(RTMPProtocolError)
}

/// A connect command.
public struct ConnectRequest: Sendable {
    /// The application, such as "live", with a trailing "/" and the query string removed.
    public var app: String
    /// The query string after "?" in the app, such as "token=...", or `nil`. Never log it.
    public var query: String?
    /// The tcUrl property, such as "rtmp://host/live".
    public var tcUrl: String?
    /// The objectEncoding property (0 for AMF0, 3 for AMF3), echoed in the `_result`.
    public var objectEncoding: Double
    /// The whole command object.
    public var commandObject: AMF0Value
    /// The Enhanced RTMP properties (fourCcList, the FourCC info maps, capsEx), or
    /// `nil` when the client sent none of them, as legacy clients do.
    public var enhancedCapabilities: EnhancedCapabilities?
    /// The transaction ID, usually 1.
    public var transactionID: Double
}

/// A publish command.
public struct PublishRequest: Sendable {
    /// The message stream the client publishes on.
    public var streamID: MessageStreamID
    /// The stream name without the query string.
    public var streamName: String
    /// The query string after "?" in the name, such as "token=...", or `nil`. Never log it.
    public var query: String?
    /// "live", "record" or "append"; "live" when absent.
    public var publishType: String
    /// The transaction ID; 0 for most clients.
    public var transactionID: Double
}

/// A play command.
public struct PlayRequest: Sendable {
    /// The message stream the client plays on.
    public var streamID: MessageStreamID
    /// The stream name without the query string.
    public var streamName: String
    /// The query string after "?" in the name, or `nil`. Never log it.
    public var query: String?
    /// Where to start: -2 (live, else recorded) by default, -1 for live only.
    public var start: Double
    /// How long to play: -1 (until the end) by default.
    public var duration: Double
    /// Whether to flush a previous playlist; `true` by default.
    public var reset: Bool
    /// The transaction ID; 0 for most clients.
    public var transactionID: Double
}

/// Splits "name?query" at the first "?".
func splitQuery(_ text: String) -> (name: String, query: String?) {
    guard let mark = text.firstIndex(of: "?") else { return (text, nil) }
    return (String(text[..<mark]), String(text[text.index(after: mark)...]))
}
