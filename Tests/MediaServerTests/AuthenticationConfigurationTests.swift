import Foundation
import Testing

@testable import MediaServer

/// The authentication fields of the configuration file and their checks.
struct AuthenticationConfigurationTests {
    func decode(_ text: String) throws -> ServerConfiguration {
        let decoder = JSONDecoder()
        decoder.allowsJSON5 = true
        return try decoder.decode(ServerConfiguration.self, from: Data(text.utf8))
    }

    func validationMessage(_ configuration: ServerConfiguration) -> String? {
        do {
            try configuration.validate()
            return nil
        } catch {
            return error.description
        }
    }

    static let complete = """
        {
          applications: [{
            name: "live",
            tokenSecrets: ["0123456789abcdef0123456789abcdef", "fedcba9876543210fedcba9876543210"],
            playRequiresCredentials: true,
            users: [{ user: "alice", password: "correct-horse" }],
            duplicatePublisher: "replace",
            publishAllow: ["10.0.0.0/8", "2001:db8::/32"],
            publishDeny: ["10.9.9.9"],
            playAllow: [],
            playDeny: ["192.0.2.0/24"],
            webhook: { url: "http://127.0.0.1:8080/hook", timeoutMilliseconds: 1500, failurePolicy: "allow" },
          }],
          proxyProtocol: { listeners: ["rtmp"], trustedProxies: ["10.0.0.1"], headerTimeoutSeconds: 3 },
        }
        """

    @Test func everyFieldDecodes() throws {
        let configuration = try decode(Self.complete)
        #expect(validationMessage(configuration) == nil)
        let application = try #require(configuration.applications.first)
        #expect(application.tokenSecrets.count == 2)
        #expect(application.playRequiresCredentials)
        #expect(application.users.first?.user == "alice")
        #expect(application.duplicatePublisher == .replace)
        #expect(application.publishAllow == ["10.0.0.0/8", "2001:db8::/32"])
        #expect(application.publishDeny == ["10.9.9.9"])
        #expect(application.playDeny == ["192.0.2.0/24"])
        #expect(application.webhook?.failurePolicy == .allow)
        #expect(application.webhook?.timeoutMilliseconds == 1500)
        let proxy = try #require(try configuration.proxyProtocol?.settings())
        #expect(proxy.rtmp?.trustedProxies.map(\.description) == ["10.0.0.1/32"])
        #expect(proxy.rtmps == nil)
    }

    @Test func misspelledFieldsAreRejected() {
        #expect(throws: DecodingError.self) { try decode("{ applications: [{ name: 'live', tokenSecret: [] }] }") }
        #expect(throws: DecodingError.self) { try decode("{ applications: [{ name: 'live', users: [{ user: 'a', pass: 'b' }] }] }") }
        #expect(throws: DecodingError.self) { try decode("{ applications: [{ name: 'live', duplicatePublisher: 'kick' }] }") }
        #expect(throws: DecodingError.self) { try decode("{ proxyProtocol: { listeners: [], trustedProxies: [], timeout: 1 } }") }
    }

    @Test func invalidValuesNameTheFieldWithoutTheSecret() throws {
        func message(_ change: (inout ApplicationConfiguration) -> Void) -> String? {
            var application = ApplicationConfiguration(name: "live")
            change(&application)
            var configuration = ServerConfiguration()
            configuration.applications = [application]
            return validationMessage(configuration)
        }
        let short = message { $0.tokenSecrets = ["short-secret-value"] }
        #expect(short?.hasPrefix("invalid applications[0].tokenSecrets[0]: use at least 32 bytes") == true)
        #expect(short?.contains("short-secret-value") == false)
        let password = message { $0.users = [UserConfiguration(user: "alice", password: "abc")] }
        #expect(password == "invalid applications[0].users[0].password: use at least 8 characters")
        let twice = message {
            $0.users = [UserConfiguration(user: "alice", password: "password-1"), UserConfiguration(user: "alice", password: "password-2")]
        }
        #expect(twice?.hasPrefix("duplicate applications[0].users[1].user \"alice\"") == true)
        let network = message { $0.playDeny = ["10.0.0.0/33"] }
        #expect(network?.hasPrefix("invalid applications[0].playDeny[0] \"10.0.0.0/33\"") == true)
        let url = message { $0.webhook = WebhookConfiguration(url: "ftp://example.com/hook") }
        #expect(url?.hasPrefix("invalid applications[0].webhook.url") == true)

        var configuration = ServerConfiguration()
        configuration.proxyProtocol = ProxyProtocolConfiguration(listeners: ["rtmp"], trustedProxies: ["proxy.example"])
        #expect(validationMessage(configuration)?.hasPrefix("invalid proxyProtocol.trustedProxies[0]") == true)
        configuration.proxyProtocol = ProxyProtocolConfiguration(listeners: ["http"], trustedProxies: ["10.0.0.1"])
        #expect(validationMessage(configuration)?.hasPrefix("invalid proxyProtocol.listeners[0]") == true)
    }
}
