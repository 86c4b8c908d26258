import RTMP
import TLS

/// Settings shared by `PublishClient` and `PlayClient`.
public struct ClientConfiguration: Sendable {
    /// The server address, application and stream name.
    public var url: RTMPURL
    /// The certificate checks of an `rtmps://` connection. Ignored for `rtmp://`.
    public var tls: ClientTLSOptions
    /// How long the TCP connect may take. Default 10 s.
    public var connectTimeout: Duration
    /// How long each later step may take: the RTMP and TLS handshakes with `connect`, then
    /// `createStream`, then the reply to `publish` or `play`. Default 10 s per step.
    public var responseTimeout: Duration
    /// Queued bytes at which a publisher stops sending (`high`) and resumes (`low`).
    /// Default 256 KiB and 64 KiB.
    public var writeWatermarks: (low: Int, high: Int)
    /// Settings of the RTMP session: limits, handshake and outgoing chunk size.
    public var session: ClientSession.Configuration

    /// Creates the default configuration for `url`.
    public init(url: RTMPURL, tls: ClientTLSOptions = ClientTLSOptions()) {
        self.url = url
        self.tls = tls
        connectTimeout = .seconds(10)
        responseTimeout = .seconds(10)
        writeWatermarks = (low: 64 * 1024, high: 256 * 1024)
        session = ClientSession.Configuration()
    }

    /// Checks the values and creates the TLS context for an `rtmps://` URL.
    ///
    /// - Returns: The context, or `nil` for plain RTMP.
    /// - Throws: `RTMPClientError.invalidOption` naming the value that cannot be used.
    func validate() throws(RTMPClientError) -> TLSContext? {
        guard writeWatermarks.low >= 1, writeWatermarks.low <= writeWatermarks.high else {
            throw .invalidOption("The write watermarks need 1 <= low <= high; got \(writeWatermarks).")
        }
        guard connectTimeout > .zero, responseTimeout > .zero else {
            throw .invalidOption("The connect and response timeouts must be positive.")
        }
        return url.isTLS ? try tls.makeContext() : nil
    }
}
