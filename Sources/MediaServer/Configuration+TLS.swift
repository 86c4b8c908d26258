import Foundation
import TLS

/// The `tls` section: the RTMPS policy, extra certificates chosen by SNI, client certificates
/// and certificate reloading. The main certificate stays in `certificateFile` and `privateKeyFile`.
public struct TLSSettingsConfiguration: Sendable, Codable, Equatable {
    /// Lowest TLS version accepted: "1.2" (the default) or "1.3".
    public var minimumVersion: String = "1.2"
    /// OpenSSL cipher list for TLS 1.2; every cipher it selects must use ECDHE or DHE and AEAD.
    public var tls12Ciphers: String = TLSConfiguration.defaultTLS12Ciphers
    /// TLS 1.3 cipher suites, colon-separated.
    public var tls13CipherSuites: String = TLSConfiguration.defaultTLS13CipherSuites
    /// More certificates, each served to clients whose SNI names a host it covers.
    public var serverNameCertificates: [CertificateFilesConfiguration] = []
    /// PEM file of CA certificates that client certificates must chain to, for mutual TLS.
    public var clientCertificateCAFile: String?
    /// Client certificates: "off" (the default), "optional" or "required".
    public var clientCertificates: String = "off"
    /// Seconds between session ticket key rotations; 0 turns session tickets and resumption off.
    public var sessionTicketRotationSeconds: Int = 3600
    /// Seconds between checks of the certificate files for changes; 0 turns the check off. Changed
    /// files are loaded once they stay the same for one more check.
    public var reloadCheckSeconds: Int = 5

    /// Creates the defaults.
    public init() {}

    private enum CodingKeys: String, CodingKey, CaseIterable {
        case minimumVersion, tls12Ciphers, tls13CipherSuites, serverNameCertificates, clientCertificateCAFile
        case clientCertificates, sessionTicketRotationSeconds, reloadCheckSeconds
    }

    public init(from decoder: any Decoder) throws {
        let defaults = TLSSettingsConfiguration()
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let container = try decoder.container(keyedBy: CodingKeys.self)
        minimumVersion = try container.decodeIfPresent(String.self, forKey: .minimumVersion) ?? defaults.minimumVersion
        tls12Ciphers = try container.decodeIfPresent(String.self, forKey: .tls12Ciphers) ?? defaults.tls12Ciphers
        tls13CipherSuites =
            try container.decodeIfPresent(String.self, forKey: .tls13CipherSuites) ?? defaults.tls13CipherSuites
        serverNameCertificates =
            try container.decodeIfPresent([CertificateFilesConfiguration].self, forKey: .serverNameCertificates) ?? []
        clientCertificateCAFile = try container.decodeIfPresent(String.self, forKey: .clientCertificateCAFile)
        clientCertificates =
            try container.decodeIfPresent(String.self, forKey: .clientCertificates) ?? defaults.clientCertificates
        sessionTicketRotationSeconds =
            try container.decodeIfPresent(Int.self, forKey: .sessionTicketRotationSeconds)
            ?? defaults.sessionTicketRotationSeconds
        reloadCheckSeconds =
            try container.decodeIfPresent(Int.self, forKey: .reloadCheckSeconds) ?? defaults.reloadCheckSeconds
    }

    /// Checks every field, including the cipher strings against OpenSSL.
    /// - Throws: `ConfigurationError` naming the field, the value and the fix.
    public func validate() throws(ConfigurationError) {
        guard TLSVersion(rawValue: minimumVersion) != nil else {
            throw ConfigurationError("invalid tls.minimumVersion \"\(minimumVersion)\": use \"1.2\" or \"1.3\"")
        }
        do {
            try TLSContext.validateCiphers(tls12Ciphers: tls12Ciphers, tls13CipherSuites: tls13CipherSuites)
        } catch {
            throw ConfigurationError("invalid tls.tls12Ciphers or tls.tls13CipherSuites: \(error.detail)")
        }
        switch (clientCertificates, clientCertificateCAFile) {
        case ("off", nil), ("optional", .some), ("required", .some):
            break
        case ("off", .some):
            throw ConfigurationError(
                "tls.clientCertificateCAFile is set but tls.clientCertificates is \"off\": "
                    + "set tls.clientCertificates to \"optional\" or \"required\", or remove the CA file"
            )
        case ("optional", nil), ("required", nil):
            throw ConfigurationError(
                "tls.clientCertificates is \"\(clientCertificates)\" but tls.clientCertificateCAFile is missing: "
                    + "set it to the PEM file of the CA that issues client certificates"
            )
        default:
            throw ConfigurationError(
                "invalid tls.clientCertificates \"\(clientCertificates)\": use \"off\", \"optional\" or \"required\""
            )
        }
        guard sessionTicketRotationSeconds == 0 || (60...86_400).contains(sessionTicketRotationSeconds) else {
            throw ConfigurationError(
                "invalid tls.sessionTicketRotationSeconds \(sessionTicketRotationSeconds): "
                    + "use 0 (no session tickets) or 60 up to 86400"
            )
        }
        guard (0...3600).contains(reloadCheckSeconds) else {
            throw ConfigurationError(
                "invalid tls.reloadCheckSeconds \(reloadCheckSeconds): use 0 (no check) up to 3600"
            )
        }
    }

    /// Builds the server `TLSConfiguration` for the main certificate and this section.
    /// Call `validate()` first; an unknown version falls back to TLS 1.2.
    public func serverConfiguration(certificateFile: String, privateKeyFile: String) -> TLSConfiguration {
        var configuration = TLSConfiguration.server(certificateChainFile: certificateFile, privateKeyFile: privateKeyFile)
        configuration.minimumVersion = TLSVersion(rawValue: minimumVersion) ?? .tls12
        configuration.tls12Ciphers = tls12Ciphers
        configuration.tls13CipherSuites = tls13CipherSuites
        configuration.serverNameCertificates = serverNameCertificates.map {
            TLSConfiguration.CertificateFiles(certificateChainFile: $0.certificateFile, privateKeyFile: $0.privateKeyFile)
        }
        configuration.clientCertificateCAFile = clientCertificates == "off" ? nil : clientCertificateCAFile
        configuration.clientCertificateRequired = clientCertificates == "required"
        configuration.sessionTicketKeyRotation =
            sessionTicketRotationSeconds > 0 ? .seconds(sessionTicketRotationSeconds) : nil
        return configuration
    }
}

/// A PEM certificate chain and its private key in the configuration file.
public struct CertificateFilesConfiguration: Sendable, Codable, Equatable {
    /// PEM certificate chain, leaf first.
    public var certificateFile: String
    /// PEM private key of the leaf certificate, unencrypted.
    public var privateKeyFile: String

    /// Creates the pair from the two paths.
    public init(certificateFile: String, privateKeyFile: String) {
        self.certificateFile = certificateFile
        self.privateKeyFile = privateKeyFile
    }

    private enum CodingKeys: String, CodingKey, CaseIterable { case certificateFile, privateKeyFile }

    public init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let container = try decoder.container(keyedBy: CodingKeys.self)
        certificateFile = try container.decode(String.self, forKey: .certificateFile)
        privateKeyFile = try container.decode(String.self, forKey: .privateKeyFile)
    }
}
