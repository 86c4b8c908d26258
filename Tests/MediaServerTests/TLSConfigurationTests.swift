import Foundation
import Testing
import TLS

@testable import MediaServer

@Suite struct TLSConfigurationTests {
    func decode(_ text: String) throws -> ServerConfiguration {
        let decoder = JSONDecoder()
        decoder.allowsJSON5 = true
        return try decoder.decode(ServerConfiguration.self, from: Data(text.utf8))
    }

    func validationMessage(_ tls: TLSSettingsConfiguration) -> String? {
        var configuration = ServerConfiguration()
        configuration.tls = tls
        do {
            try configuration.validate()
            return nil
        } catch {
            return error.description
        }
    }

    @Test func tlsSectionDefaults() throws {
        let tls = try decode("{}").tls
        #expect(tls == TLSSettingsConfiguration())
        #expect(tls.minimumVersion == "1.2")
        #expect(tls.tls12Ciphers == TLSConfiguration.defaultTLS12Ciphers)
        #expect(tls.clientCertificates == "off")
        #expect(tls.reloadCheckSeconds == 5)
        #expect(tls.sessionTicketRotationSeconds == 3600)
        #expect(validationMessage(tls) == nil)
    }

    @Test func tlsSectionDecodesEveryField() throws {
        let tls = try decode("""
            { tls: {
                minimumVersion: '1.3',
                tls12Ciphers: 'ECDHE-ECDSA-AES256-GCM-SHA384',
                tls13CipherSuites: 'TLS_AES_256_GCM_SHA384',
                serverNameCertificates: [{ certificateFile: 'b.pem', privateKeyFile: 'b.key' }],
                clientCertificateCAFile: 'ca.pem',
                clientCertificates: 'required',
                sessionTicketRotationSeconds: 0,
                reloadCheckSeconds: 0,
            } }
            """).tls
        #expect(tls.minimumVersion == "1.3")
        #expect(tls.tls12Ciphers == "ECDHE-ECDSA-AES256-GCM-SHA384")
        #expect(tls.tls13CipherSuites == "TLS_AES_256_GCM_SHA384")
        #expect(tls.serverNameCertificates == [CertificateFilesConfiguration(certificateFile: "b.pem", privateKeyFile: "b.key")])
        #expect(tls.clientCertificateCAFile == "ca.pem")
        #expect(tls.clientCertificates == "required")
        #expect(tls.reloadCheckSeconds == 0)
        #expect(tls.sessionTicketRotationSeconds == 0)

        let built = tls.serverConfiguration(certificateFile: "a.pem", privateKeyFile: "a.key")
        #expect(built.minimumVersion == .tls13)
        #expect(built.certificateChainFile == "a.pem")
        #expect(built.serverNameCertificates.map(\.certificateChainFile) == ["b.pem"])
        #expect(built.clientCertificateCAFile == "ca.pem")
        #expect(built.clientCertificateRequired)
        #expect(built.sessionTicketKeyRotation == nil)
        #expect(TLSSettingsConfiguration().serverConfiguration(certificateFile: "a", privateKeyFile: "b")
            .sessionTicketKeyRotation == .seconds(3600))
    }

    @Test func unknownTLSKeysAreRejected() {
        #expect(throws: DecodingError.self) { try decode("{ tls: { minVersion: '1.2' } }") }
        #expect(throws: DecodingError.self) {
            try decode("{ tls: { serverNameCertificates: [{ certificateFile: 'a', privateKeyFile: 'b', host: 'x' }] } }")
        }
    }

    @Test(arguments: [
        ("minimumVersion", "1.1", "invalid tls.minimumVersion \"1.1\": use \"1.2\" or \"1.3\""),
        ("tls12Ciphers", "AES128-SHA", "lacks forward secrecy or AEAD"),
        ("tls12Ciphers", "NOPE", "selects no cipher"),
        ("tls13CipherSuites", "TLS_NOPE", "TLS_NOPE"),
        ("clientCertificates", "sometimes", "use \"off\", \"optional\" or \"required\""),
        ("clientCertificates", "required", "tls.clientCertificateCAFile is missing"),
        ("clientCertificateCAFile", "ca.pem", "tls.clientCertificates is \"off\""),
        ("reloadCheckSeconds", "-1", "invalid tls.reloadCheckSeconds -1: use 0 (no check) up to 3600"),
        ("sessionTicketRotationSeconds", "30", "invalid tls.sessionTicketRotationSeconds 30: use 0 (no session tickets) or 60 up to 86400"),
    ])
    func invalidTLSValuesNameTheFieldAndTheFix(field: String, value: String, expected: String) {
        var tls = TLSSettingsConfiguration()
        switch field {
        case "minimumVersion": tls.minimumVersion = value
        case "tls12Ciphers": tls.tls12Ciphers = value
        case "tls13CipherSuites": tls.tls13CipherSuites = value
        case "clientCertificates": tls.clientCertificates = value
        case "clientCertificateCAFile": tls.clientCertificateCAFile = value
        case "sessionTicketRotationSeconds": tls.sessionTicketRotationSeconds = Int(value)!
        default: tls.reloadCheckSeconds = Int(value)!
        }
        let message = validationMessage(tls)
        #expect(message?.contains(expected) == true, "\(message ?? "accepted")")
        if field.hasPrefix("tls1") {
            #expect(message?.contains("tls.tls12Ciphers or tls.tls13CipherSuites") == true)
        }
    }
}
