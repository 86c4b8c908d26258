/// An event that a `ClientSession` reports to its user.
public enum ClientEvent: Sendable {
    /// The handshake finished; `digest` is whether the server signed S1 and S2.
    case handshakeCompleted(digest: Bool)
    /// The server accepted connect; the value is its `_result`.
    case connected(Command)
    /// The server rejected connect with `_error`; the value is its description.
    case connectRejected(description: String)
    /// createStream returned this message stream.
    case streamCreated(MessageStreamID)
    /// The server asked for a reconnect (onStatus NetConnection.Connect.ReconnectRequest).
    /// Connect again, to `tcUrl` when given or else to the same URL, then close this session.
    case reconnectRequest(tcUrl: String?, description: String)
    /// An onStatus command on a message stream.
    case status(streamID: MessageStreamID, level: String, code: String, description: String)
    /// Audio, video, data or aggregate message from the server.
    case media(Message)
    /// Any other command, such as onFCPublish or the `_result` of releaseStream.
    case command(Command, streamID: MessageStreamID)
    /// A User Control event other than Ping Request, to which the session replies itself.
    case userControl(UserControl)
    /// The server broke the protocol; the session is closed.
    case protocolError(RTMPProtocolError)
}
