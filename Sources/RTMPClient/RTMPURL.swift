/// An `rtmp://` or `rtmps://` address split into what a client needs: where to connect, the
/// application for `connect`, and the stream name for `publish` or `play`.
///
///     rtmp[s]://host[:port]/app[/instance]/name[?query]
///
/// With two path segments the first is the application and the second the stream name. With
/// three or more, the first two form the application (`app/instance`, as librtmp and ffmpeg
/// read them) and the rest is the stream name. A query stays on the stream name, because
/// servers read keys and tokens from it there.
///
/// Default ports: 1935 for `rtmp`, and 443 for `rtmps`, which is the port that hosted
/// platforms such as YouTube and Facebook give in their RTMPS ingest addresses.
public struct RTMPURL: Sendable, Hashable, CustomStringConvertible {
    /// The port used when an `rtmp://` address names none.
    public static let defaultRTMPPort = 1935
    /// The port used when an `rtmps://` address names none.
    public static let defaultRTMPSPort = 443

    /// True for `rtmps://`: the connection runs TLS.
    public var isTLS: Bool
    /// The host name or IP address, without brackets for IPv6.
    public var host: String
    /// The TCP port.
    public var port: Int
    /// The application, sent as `app` in `connect`.
    public var application: String
    /// The stream name with its query, sent in `publish` or `play`. For publishing it is
    /// usually the stream key, so it is a secret.
    public var streamName: String

    /// Parses an address.
    ///
    /// - Parameters:
    ///   - text: The address.
    ///   - requiresStreamName: Whether a missing stream name is an error.
    /// - Throws: `RTMPClientError.invalidURL` naming the part that is missing or invalid.
    public init(_ text: String, requiresStreamName: Bool = true) throws(RTMPClientError) {
        // scheme
        guard let separator = text.range(of: "://") else {
            throw .invalidURL("it has no scheme; start it with rtmp:// or rtmps://")
        }
        let scheme = text[..<separator.lowerBound]
        switch scheme.lowercased() {
        case "rtmp": isTLS = false
        case "rtmps": isTLS = true
        default: throw .invalidURL("the scheme \(scheme) is not rtmp or rtmps")
        }

        // authority, then the path and query
        let rest = text[separator.upperBound...]
        let authority = rest.prefix { $0 != "/" && $0 != "?" }
        let defaultPort = isTLS ? Self.defaultRTMPSPort : Self.defaultRTMPPort
        (host, port) = try Self.parseAuthority(authority, defaultPort: defaultPort)
        var path = rest.dropFirst(authority.count)
        if path.first == "/" { path = path.dropFirst() }
        let query = path.firstIndex(of: "?").map { path[$0...] } ?? ""
        let segments = path.dropLast(query.count).split(separator: "/", omittingEmptySubsequences: false)

        // application and stream name
        guard let first = segments.first, !first.isEmpty else {
            throw .invalidURL("it has no application; add one, as in rtmp://host/live/name")
        }
        let applicationCount = segments.count >= 3 ? 2 : 1
        application = segments.prefix(applicationCount).joined(separator: "/")
        let name = segments.dropFirst(applicationCount).joined(separator: "/")
        if requiresStreamName && name.isEmpty {
            throw .invalidURL("it has no stream name; add one after the application")
        }
        streamName = name.isEmpty ? "" : name + query
    }

    private static func parseAuthority(
        _ authority: Substring,
        defaultPort: Int
    ) throws(RTMPClientError) -> (host: String, port: Int) {
        guard !authority.contains("@") else {
            throw .invalidURL("RTMP addresses carry no user name or password; remove the part before @")
        }
        var host = authority
        var portText: Substring?
        if authority.first == "[" {
            // An IPv6 literal: [::1] or [::1]:1935.
            guard let close = authority.firstIndex(of: "]") else {
                throw .invalidURL("the IPv6 address has no closing ]")
            }
            host = authority[authority.index(after: authority.startIndex)..<close]
            let after = authority[authority.index(after: close)...]
            if !after.isEmpty {
                guard after.first == ":" else {
                    throw .invalidURL("only :PORT may follow the IPv6 address")
                }
                portText = after.dropFirst()
            }
        } else if let colon = authority.lastIndex(of: ":") {
            host = authority[..<colon]
            portText = authority[authority.index(after: colon)...]
        }
        guard !host.isEmpty else {
            throw .invalidURL("it has no host")
        }
        guard let portText else {
            return (String(host), defaultPort)
        }
        guard let port = Int(portText), (1...65_535).contains(port) else {
            throw .invalidURL("the port '\(portText)' is not a number from 1 to 65535")
        }
        return (String(host), port)
    }

    /// The `tcUrl` of `connect`: scheme, host, port and application, without the stream name.
    public var tcURL: String {
        let bracketedHost = host.contains(":") ? "[\(host)]" : host
        return "\(isTLS ? "rtmps" : "rtmp")://\(bracketedHost):\(port)/\(application)"
    }

    /// The address without the stream name, which may be a key; safe for logs and messages.
    public var description: String { tcURL }
}
