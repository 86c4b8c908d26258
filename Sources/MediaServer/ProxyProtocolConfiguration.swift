import Network

/// The PROXY protocol (versions 1 and 2) on listeners behind a load balancer.
///
/// On the listed listeners, connections from `trustedProxies` must start with a
/// PROXY header, and the client address in it is used for logs and for the
/// applications' allow and deny lists. Connections from other addresses connect
/// directly, and are closed if they start with a PROXY header.
public struct ProxyProtocolConfiguration: Sendable, Codable {
    /// The listeners that read PROXY headers: `rtmp`, `rtmps` or both.
    public var listeners: [String]
    /// The load balancers' addresses or networks (CIDR).
    public var trustedProxies: [String]
    /// Seconds a trusted proxy has to send the whole header.
    public var headerTimeoutSeconds: Int

    public init(listeners: [String], trustedProxies: [String], headerTimeoutSeconds: Int = 5) {
        self.listeners = listeners
        self.trustedProxies = trustedProxies
        self.headerTimeoutSeconds = headerTimeoutSeconds
    }

    private enum CodingKeys: String, CodingKey, CaseIterable { case listeners, trustedProxies, headerTimeoutSeconds }

    public init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let container = try decoder.container(keyedBy: CodingKeys.self)
        listeners = try container.decode([String].self, forKey: .listeners)
        trustedProxies = try container.decode([String].self, forKey: .trustedProxies)
        headerTimeoutSeconds = try container.decodeIfPresent(Int.self, forKey: .headerTimeoutSeconds) ?? 5
    }

    /// Checks the fields and returns the settings for the listeners.
    /// - Throws: `ConfigurationError` naming the field, the value and the fix.
    public func settings() throws(ConfigurationError) -> ProxyProtocolListeners {
        for (index, listener) in listeners.enumerated() where listener != "rtmp" && listener != "rtmps" {
            throw ConfigurationError("invalid proxyProtocol.listeners[\(index)] \"\(listener)\": use rtmp or rtmps")
        }
        guard !trustedProxies.isEmpty else {
            throw ConfigurationError("proxyProtocol.trustedProxies is empty: list the load balancers' addresses")
        }
        var ranges: [AddressRange] = []
        for (index, entry) in trustedProxies.enumerated() {
            guard let range = AddressRange(parsing: entry) else {
                throw ConfigurationError(
                    "invalid proxyProtocol.trustedProxies[\(index)] \"\(entry)\": use an address or network such as 10.0.0.0/8"
                )
            }
            ranges.append(range)
        }
        guard (1...60).contains(headerTimeoutSeconds) else {
            throw ConfigurationError("invalid proxyProtocol.headerTimeoutSeconds \(headerTimeoutSeconds): use 1 to 60")
        }
        let settings = ProxyProtocolSettings(trustedProxies: ranges, headerTimeout: .seconds(headerTimeoutSeconds))
        return ProxyProtocolListeners(
            rtmp: listeners.contains("rtmp") ? settings : nil, rtmps: listeners.contains("rtmps") ? settings : nil
        )
    }
}

/// The PROXY protocol settings of each listener; `nil` where it is off.
public struct ProxyProtocolListeners: Sendable {
    public var rtmp: ProxyProtocolSettings?
    public var rtmps: ProxyProtocolSettings?

    public init(rtmp: ProxyProtocolSettings?, rtmps: ProxyProtocolSettings?) {
        self.rtmp = rtmp
        self.rtmps = rtmps
    }
}
