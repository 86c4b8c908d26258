import Foundation
import Testing

@testable import MediaServer

@Suite struct ConfigurationTests {
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

    @Test func emptyFileGivesTheDefaults() throws {
        let configuration = try decode("{ /* nothing set */ }")
        #expect(configuration.rtmp == "0.0.0.0:1935")
        #expect(configuration.rtmps == "0.0.0.0:1936")
        #expect(configuration.limits.outgoingChunkSize == 4096)
        #expect(validationMessage(configuration) == nil)
    }

    @Test func json5WithCommentsAndTrailingCommasDecodes() throws {
        let configuration = try decode("""
            {
              rtmps: "off", // TLS handled elsewhere
              applications: [{ name: 'live', openPublishing: true, },],
              limits: { playerQueueBytes: 1048576 },
            }
            """)
        #expect(try configuration.rtmpsAddress() == nil)
        #expect(configuration.applications.first?.openPublishing == true)
        #expect(configuration.limits.playerQueueBytes == 1_048_576)
    }

    @Test func invalidValuesNameTheFieldAndTheFix() throws {
        var configuration = ServerConfiguration()
        configuration.rtmp = "1935"
        #expect(validationMessage(configuration)?.contains("invalid rtmp address \"1935\"") == true)

        configuration = ServerConfiguration()
        configuration.limits.outgoingChunkSize = 64
        #expect(validationMessage(configuration) == "invalid limits.outgoingChunkSize 64: use a value from 128 to 65536")

        configuration = ServerConfiguration()
        configuration.logLevel = "loud"
        #expect(validationMessage(configuration)?.hasPrefix("invalid logLevel \"loud\"") == true)

        configuration = ServerConfiguration()
        configuration.rtmp = "off"
        configuration.rtmps = "off"
        #expect(validationMessage(configuration)?.contains("enable at least one listener") == true)

        configuration = ServerConfiguration()
        configuration.certificateFile = "/tmp/cert.pem"
        #expect(validationMessage(configuration)?.contains("certificateFile and privateKeyFile go together") == true)
    }

    @Test func shortStreamKeyIsRejectedWithoutEchoingIt() {
        var configuration = ServerConfiguration()
        configuration.applications = [
            ApplicationConfiguration(name: "live", streamKeys: [StreamKeyConfiguration(stream: "show", key: "short-secret")])
        ]
        let message = validationMessage(configuration)
        #expect(message?.contains("applications[0].streamKeys[0].key") == true)
        #expect(message?.contains("short-secret") == false)
    }

    @Test func wrongTypeInFileNamesTheField() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("sealcast-config-\(getpid()).json5").path
        FileManager.default.createFile(atPath: path, contents: Data("{ limits: { playerQueueBytes: 'lots' } }".utf8))
        defer { try? FileManager.default.removeItem(atPath: path) }
        #expect(throws: ConfigurationError.self) { try ServerConfiguration.load(file: path) }
        do {
            _ = try ServerConfiguration.load(file: path)
        } catch {
            #expect(error.description.contains("limits.playerQueueBytes"))
        }
    }

    func loadMessage(_ text: String) -> String? {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("sealcast-config-\(UInt32.random(in: 0...UInt32.max)).json5").path
        FileManager.default.createFile(atPath: path, contents: Data(text.utf8))
        defer { try? FileManager.default.removeItem(atPath: path) }
        do {
            _ = try ServerConfiguration.load(file: path)
            return nil
        } catch {
            return error.description
        }
    }

    @Test func misspelledFieldIsRejectedWithItsPath() {
        let message = loadMessage("{ logLevle: 'debug' }")
        #expect(message?.contains("field logLevle is not a known setting") == true)
        let nested = loadMessage("{ applications: [{ name: 'live', streamKey: [] }] }")
        #expect(nested?.contains("field applications[0].streamKey is not a known setting") == true)
        let limits = loadMessage("{ limits: { playerQueue: 1 } }")
        #expect(limits?.contains("limits.playerQueue") == true)
    }

    @Test func syntaxErrorSaysWhatToLookFor() {
        let message = loadMessage("{ limits: { outgoingChunkSize: 4o96 } }")
        #expect(message?.contains("is not valid JSON5") == true)
        #expect(message?.contains("missing comma") == true)
    }

    @Test func listenAddressesParse() {
        #expect(ListenAddress(parsing: "127.0.0.1:0") == ListenAddress(host: "127.0.0.1", port: 0))
        #expect(ListenAddress(parsing: "[::1]:1936") == ListenAddress(host: "::1", port: 1936))
        #expect(ListenAddress(parsing: ":1935") == ListenAddress(host: "0.0.0.0", port: 1935))
        #expect(ListenAddress(parsing: "::1:1935") == nil)
        #expect(ListenAddress(parsing: "host:70000") == nil)
        #expect(ListenAddress(parsing: "host") == nil)
    }
}

@Suite struct AccessPolicyTests {
    let policy = AccessPolicy(applications: [
        ApplicationConfiguration(name: "live", streamKeys: [
            StreamKeyConfiguration(stream: "show", key: "key-for-show-0123456789"),
            StreamKeyConfiguration(stream: "news", key: "key-for-news-0123456789"),
        ]),
        ApplicationConfiguration(name: "lan", openPublishing: true),
        ApplicationConfiguration(name: "private", playKeys: ["viewer-key-0123456789"]),
    ])

    @Test func keyPublishesItsPublicName() {
        #expect(policy.authorizePublish(app: "live", name: "key-for-show-0123456789") == .allow(streamName: "show", credentialed: true))
        #expect(policy.authorizePublish(app: "live", name: "key-for-news-0123456789") == .allow(streamName: "news", credentialed: true))
    }

    @Test func publicNameAndOtherAppKeysDoNotPublish() {
        #expect(policy.authorizePublish(app: "live", name: "show") == .invalidKey)
        #expect(policy.authorizePublish(app: "lan", name: "key-for-show-0123456789") == .allow(streamName: "key-for-show-0123456789", credentialed: false))
        #expect(policy.authorizePublish(app: "private", name: "key-for-show-0123456789") == .invalidKey)
        #expect(policy.authorizePublish(app: "nope", name: "key-for-show-0123456789") == .unknownApplication)
    }

    @Test func openApplicationStillRejectsInvalidNames() {
        #expect(policy.authorizePublish(app: "lan", name: "cam1") == .allow(streamName: "cam1", credentialed: false))
        #expect(policy.authorizePublish(app: "lan", name: "../etc") == .invalidKey)
    }

    @Test func playIsOpenUnlessKeysAreSet() {
        #expect(policy.authorizePlay(app: "live", name: "show", query: nil) == .allow)
        #expect(policy.authorizePlay(app: "private", name: "show", query: nil) == .keyRequired)
        #expect(policy.authorizePlay(app: "private", name: "show", query: "key=wrong") == .keyRequired)
        #expect(policy.authorizePlay(app: "private", name: "show", query: "a=1&key=viewer-key-0123456789") == .allow)
    }

    @Test func keyIsNeverAPlayableName() {
        #expect(policy.authorizePlay(app: "live", name: "key-for-show-0123456789", query: nil) == .nameIsAKey)
        #expect(policy.authorizePlay(app: "lan", name: "key-for-show-0123456789", query: nil) == .allow)
    }

    @Test func redactionShowsNoCharacterOfTheSecret() {
        let redacted = AccessPolicy.redact("key-for-show-0123456789")
        #expect(redacted.hasPrefix("sha256:"))
        #expect(redacted.hasSuffix("…(23 bytes)"))
        #expect(!redacted.contains("key-"))
        #expect(AccessPolicy.redact("show") != AccessPolicy.redact("shot"))
    }
}

@Suite struct DataFolderTests {
    @Test func firstStartMakesOwnerOnlyFilesOnce() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("sealcast-data-\(getpid())-\(UInt32.random(in: 0...UInt32.max))").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let folder = DataFolder(path: path)
        try folder.create()
        #expect(try folder.ensureCertificate(hostName: "example-host") == true)
        #expect(try folder.ensureCertificate(hostName: "example-host") == false)
        let first = try folder.ensureStreamKey()
        let second = try folder.ensureStreamKey()
        #expect(first.created)
        #expect(!second.created)
        #expect(first.key == second.key)
        // 24 random bytes in unpadded Base64 are 32 URL-safe characters: 192 bits.
        #expect(first.key.count == 32)
        #expect(StreamNames.isValidSegment(first.key))
        for file in [folder.streamKeyFile, folder.privateKeyFile, folder.certificateFile] {
            let attributes = try FileManager.default.attributesOfItem(atPath: file)
            #expect((attributes[.posixPermissions] as? Int) == 0o600, "\(file) is not mode 0600")
        }
    }

    @Test func newKeysDiffer() {
        #expect(DataFolder.newStreamKey() != DataFolder.newStreamKey())
    }
}
