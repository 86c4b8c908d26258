import TLS

/// How an RTMPS client checks the server's certificate.
///
/// By default the chain is verified against the system CA store, and the certificate must name
/// the URL's host. A host name is also sent as SNI. An IP address is verified but not sent,
/// because SNI carries names only. The options change that:
///
/// - `caFile`: verify against the CA certificates in this PEM file instead of the system store.
/// - `pinnedSHA256`: require the leaf certificate's SHA-256 fingerprint (over its DER form).
///   Without `caFile` the pin replaces chain and name verification, which is how a self-signed
///   server certificate is trusted. With `caFile` both checks apply.
/// - `insecure`: no verification at all, apart from a pin if one is set. It must be asked for
///   explicitly and is meant for tests on loopback.
public struct ClientTLSOptions: Sendable, Hashable {
    /// A PEM file with the CA certificates to trust, or `nil` for the system store.
    public var caFile: String?
    /// The required SHA-256 of the server's leaf certificate, 32 bytes, or `nil`.
    public var pinnedSHA256: [UInt8]?
    /// Turns certificate verification off.
    public var insecure: Bool

    /// Creates options; the defaults verify against the system CA store.
    public init(caFile: String? = nil, pinnedSHA256: [UInt8]? = nil, insecure: Bool = false) {
        self.caFile = caFile
        self.pinnedSHA256 = pinnedSHA256
        self.insecure = insecure
    }

    /// Parses a SHA-256 fingerprint written as 64 hex digits, with or without colons between
    /// the pairs, in either case, as `openssl x509 -fingerprint -sha256` prints it.
    ///
    /// - Throws: `RTMPClientError.invalidOption` when the text is not 32 hex bytes.
    public static func parseFingerprint(_ text: String) throws(RTMPClientError) -> [UInt8] {
        let digits = text.filter { $0 != ":" }
        let usage = "Invalid SHA-256 fingerprint: use 64 hex digits, with or without colons between pairs."
        guard digits.count == 64, digits.allSatisfy(\.isHexDigit), text.count == 64 || text.count == 95 else {
            throw .invalidOption(usage)
        }
        if text.count == 95 {
            // With colons, every third character must be one.
            let colonPositions = text.indices.enumerated().filter { $0.offset % 3 == 2 }.map(\.element)
            guard colonPositions.allSatisfy({ text[$0] == ":" }) else { throw .invalidOption(usage) }
        }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(32)
        var index = digits.startIndex
        while index < digits.endIndex {
            let next = digits.index(index, offsetBy: 2)
            guard let byte = UInt8(digits[index..<next], radix: 16) else { throw .invalidOption(usage) }
            bytes.append(byte)
            index = next
        }
        return bytes
    }

    /// The TLS configuration these options describe.
    public var configuration: TLSConfiguration {
        let roots: TLSConfiguration.TrustRoots
        if insecure {
            roots = .none
        } else if let caFile {
            roots = .file(caFile)
        } else if pinnedSHA256 != nil {
            roots = .none
        } else {
            roots = .system
        }
        var configuration = TLSConfiguration.client(trustRoots: roots)
        configuration.pinnedSHA256 = pinnedSHA256
        return configuration
    }

    /// Creates the TLS context these options describe.
    ///
    /// - Throws: `RTMPClientError.invalidOption` when the CA file cannot be read or the
    ///   system store cannot be loaded.
    public func makeContext() throws(RTMPClientError) -> TLSContext {
        if let pinnedSHA256, pinnedSHA256.count != 32 {
            throw .invalidOption("The pinned SHA-256 fingerprint has \(pinnedSHA256.count) bytes; it needs 32.")
        }
        do {
            return try TLSContext(configuration: configuration)
        } catch {
            throw .invalidOption("Cannot set up TLS: \(error)")
        }
    }
}
