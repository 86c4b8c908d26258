import Testing

@testable import RTMPClient

struct RTMPURLTests {
    struct Case: Sendable {
        var text: String
        var isTLS: Bool
        var host: String
        var port: Int
        var application: String
        var streamName: String
    }

    static let valid: [Case] = [
        Case(text: "rtmp://example.com/live/show", isTLS: false, host: "example.com", port: 1935,
             application: "live", streamName: "show"),
        Case(text: "rtmps://example.com/live/show", isTLS: true, host: "example.com", port: 443,
             application: "live", streamName: "show"),
        Case(text: "rtmp://127.0.0.1:1936/live/show?token=abc", isTLS: false, host: "127.0.0.1", port: 1936,
             application: "live", streamName: "show?token=abc"),
        Case(text: "rtmp://[::1]:2000/app/inst/name", isTLS: false, host: "::1", port: 2000,
             application: "app/inst", streamName: "name"),
        Case(text: "RTMPS://[::1]/live/a/b/c", isTLS: true, host: "::1", port: 443,
             application: "live/a", streamName: "b/c"),
    ]

    @Test(arguments: valid)
    func parsesValidURL(_ example: Case) throws {
        let url = try RTMPURL(example.text)
        #expect(url.isTLS == example.isTLS)
        #expect(url.host == example.host)
        #expect(url.port == example.port)
        #expect(url.application == example.application)
        #expect(url.streamName == example.streamName)
    }

    @Test func tcURLLeavesOutTheStreamName() throws {
        let url = try RTMPURL("rtmps://[::1]:8443/live/secret-key?x=1")
        #expect(url.tcURL == "rtmps://[::1]:8443/live")
        #expect(!"\(url)".contains("secret"))
    }

    @Test(arguments: [
        "example.com/live/show",
        "http://example.com/live/show",
        "rtmp:///live/show",
        "rtmp://example.com",
        "rtmp://example.com/live",
        "rtmp://example.com:0/live/show",
        "rtmp://example.com:70000/live/show",
        "rtmp://example.com:x/live/show",
        "rtmp://user:pass@example.com/live/show",
        "rtmp://[::1/live/show",
    ])
    func rejectsInvalidURL(_ text: String) {
        #expect(throws: RTMPClientError.invalidURL) { try RTMPURL(text) }
    }

    @Test func applicationAloneIsAllowedWhenNoNameIsNeeded() throws {
        let url = try RTMPURL("rtmp://example.com/live", requiresStreamName: false)
        #expect(url.application == "live")
        #expect(url.streamName == "")
    }

    @Test func invalidURLMessageKeepsTheKeyOut() {
        do {
            _ = try RTMPURL("rtmp://example.com:99999/live/secret-key")
            Issue.record("the port was accepted")
        } catch {
            #expect(!error.description.contains("secret-key"))
            #expect(error.description.contains("99999"))
        }
    }
}

struct ClientTLSOptionsTests {
    static let hex = "00112233445566778899AABBCCDDEEFF00112233445566778899aabbccddeeff"

    @Test func fingerprintParsesWithAndWithoutColons() throws {
        let plain = try ClientTLSOptions.parseFingerprint(Self.hex)
        var pairs: [String] = []
        var index = Self.hex.startIndex
        while index < Self.hex.endIndex {
            let next = Self.hex.index(index, offsetBy: 2)
            pairs.append(String(Self.hex[index..<next]))
            index = next
        }
        let colons = try ClientTLSOptions.parseFingerprint(pairs.joined(separator: ":"))
        #expect(plain.count == 32)
        #expect(plain == colons)
        #expect(plain.first == 0x00)
        #expect(plain[10] == 0xAA)
        #expect(plain.last == 0xFF)
    }

    @Test(arguments: [
        "",
        String(hex.dropLast()),
        hex + "00",
        String(hex.dropLast()) + "g",
        "0:0112233445566778899AABBCCDDEEFF00112233445566778899aabbccddeeff",
        "+0112233445566778899AABBCCDDEEFF00112233445566778899aabbccddeeff",
    ])
    func fingerprintRejectsInvalidText(_ text: String) {
        #expect(throws: RTMPClientError.invalidOption) { try ClientTLSOptions.parseFingerprint(text) }
    }

    @Test func pinWithoutCAFileReplacesChainVerification() {
        let options = ClientTLSOptions(pinnedSHA256: [UInt8](repeating: 1, count: 32))
        guard case .none = options.configuration.trustRoots else {
            Issue.record("expected no trust roots, got \(options.configuration.trustRoots)")
            return
        }
        #expect(options.configuration.pinnedSHA256?.count == 32)
    }

    @Test func defaultOptionsVerifyAgainstTheSystemStore() {
        guard case .system = ClientTLSOptions().configuration.trustRoots else {
            Issue.record("expected the system store")
            return
        }
    }
}
