import AMF
import Bytes
import FLV
import Testing

@testable import RTMP

/// Enhanced RTMP connect negotiation: the client's fourCcList, FourCC info maps
/// and capsEx, the server's reply, and the Reconnect Request.
@Suite struct EnhancedConnectTests {
    /// The Enhanced RTMP properties of a player that decodes HEVC and takes
    /// anything else, as one AMF0 object.
    static let propertiesBytes: [UInt8] = [
        0x03,  // object marker
        0x00, 0x0A,  // key length 10
        0x66, 0x6F, 0x75, 0x72, 0x43, 0x63, 0x4C, 0x69, 0x73, 0x74,  // "fourCcList"
        0x0A, 0x00, 0x00, 0x00, 0x02,  // strict array marker, 2 entries
        0x02, 0x00, 0x04, 0x68, 0x76, 0x63, 0x31,  // string "hvc1"
        0x02, 0x00, 0x01, 0x2A,  // string "*"
        0x00, 0x12,  // key length 18
        0x76, 0x69, 0x64, 0x65, 0x6F, 0x46, 0x6F, 0x75, 0x72,  // "videoFour"
        0x43, 0x63, 0x49, 0x6E, 0x66, 0x6F, 0x4D, 0x61, 0x70,  // "CcInfoMap"
        0x03,  // object marker
        0x00, 0x04, 0x68, 0x76, 0x63, 0x31,  // key "hvc1"
        0x00, 0x40, 0x14, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,  // number 5: CanDecode | CanForward
        0x00, 0x00, 0x09,  // object end
        0x00, 0x06, 0x63, 0x61, 0x70, 0x73, 0x45, 0x78,  // key "capsEx"
        0x00, 0x40, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,  // number 3: Reconnect | Multitrack
        0x00, 0x00, 0x09,  // object end
    ]

    static let properties = EnhancedCapabilities(
        fourCcList: ["hvc1", "*"],
        videoFourCcInfoMap: [FourCcInfo("hvc1", [.canDecode, .canForward])],
        capsEx: [.reconnect, .multitrack]
    )

    @Test func propertiesDecodeFromFixture() throws {
        let values = try AMF0Decoder.decodeAll(Self.propertiesBytes, limits: AMFLimits())
        #expect(values.count == 1)
        #expect(EnhancedCapabilities(commandObject: values[0]) == Self.properties)
    }

    @Test func propertiesEncodeToFixture() {
        #expect(AMF0Value.encode([.object(Self.properties.properties)]) == Self.propertiesBytes)
    }

    @Test func legacyCommandObjectGivesNil() {
        let object: AMF0Value = .object([AMF0Property("app", "live"), AMF0Property("videoCodecs", 252)])
        #expect(EnhancedCapabilities(commandObject: object) == nil)
    }

    @Test func invalidValuesAreSkipped() {
        let object: AMF0Value = .object([
            AMF0Property("fourCcList", "hvc1"),  // a string, not a strict array
            AMF0Property("videoFourCcInfoMap", .ecmaArray([
                AMF0Property("av01", 1),
                AMF0Property("toolong", 1),  // not a FourCC
                AMF0Property("vp09", -1),  // not a mask
            ])),
            AMF0Property("capsEx", 1e12),  // beyond UInt32
        ])
        let capabilities = EnhancedCapabilities(commandObject: object)
        #expect(capabilities?.fourCcList == nil)
        #expect(capabilities?.videoFourCcInfoMap == [FourCcInfo("av01", .canDecode)])
        #expect(capabilities?.capsEx == nil)
    }

    @Test func listOnlyAvc1RejectsHevc() {
        let capabilities = EnhancedCapabilities(fourCcList: ["avc1"])
        #expect(capabilities.accepts(.avc1, isVideo: true))
        #expect(!capabilities.accepts(.hvc1, isVideo: true))
        #expect(!capabilities.accepts(.opus, isVideo: false))
    }

    @Test func wildcardAcceptsEveryCodec() {
        #expect(EnhancedCapabilities(fourCcList: ["*"]).accepts(.vvc1, isVideo: true))
        let forwarder = EnhancedCapabilities(videoFourCcInfoMap: [FourCcInfo("*", .canForward)])
        #expect(forwarder.accepts(.av01, isVideo: true))
    }

    @Test func encodeOnlyMaskIsNotAccepted() {
        let encoder = EnhancedCapabilities(videoFourCcInfoMap: [FourCcInfo("hvc1", .canEncode)])
        #expect(!encoder.accepts(.hvc1, isVideo: true))
    }

    @Test func undeclaredKindAcceptsEverything() {
        let videoOnly = EnhancedCapabilities(videoFourCcInfoMap: [FourCcInfo("avc1", .canDecode)])
        #expect(videoOnly.accepts(.opus, isVideo: false))
        #expect(!videoOnly.accepts(.hvc1, isVideo: true))
        #expect(EnhancedCapabilities(capsEx: .reconnect).accepts(.hvc1, isVideo: true))
    }

    // MARK: - Server and client sessions

    /// Runs connect with `properties` and returns the request and the `_result`.
    static func connectResult(_ properties: [AMF0Property]) throws -> (ConnectRequest?, Command?) {
        let driver = ServerDriver()
        try driver.performHandshake()
        let replies = try driver.send(connect([AMF0Property("app", "live")] + properties))
        let request = driver.events.compactMap { event -> ConnectRequest? in
            if case .connect(let request) = event { return request }
            return nil
        }.first
        return (request, replies.first { $0.name == "_result" })
    }

    @Test func legacyConnectResultIsUnchanged() throws {
        let (request, result) = try Self.connectResult([])
        #expect(request?.enhancedCapabilities == nil)
        #expect(result?.commandObject.properties?.map(\.key) == ["fmsVer", "capabilities", "mode"])
    }

    @Test func enhancedConnectResultAdvertisesServer() throws {
        let (request, result) = try Self.connectResult(Self.properties.properties)
        #expect(request?.enhancedCapabilities == Self.properties)
        let object = result?.commandObject ?? .null
        #expect(object.properties?.map(\.key) == [
            "fmsVer", "capabilities", "mode", "fourCcList", "videoFourCcInfoMap", "audioFourCcInfoMap", "capsEx",
        ])
        let advertised = EnhancedCapabilities(commandObject: object)
        #expect(advertised == .forwardingServer)
        #expect(advertised?.fourCcList == [
            "avc1", "hvc1", "av01", "vp09", "vp08", "vvc1", "Opus", "fLaC", "ac-3", "ec-3", ".mp3", "mp4a",
        ])
        #expect(advertised?.videoFourCcInfoMap?.allSatisfy { $0.mask == .canForward } == true)
        #expect(advertised?.audioFourCcInfoMap?.count == 6)
        #expect(object["capsEx"] == .number(15))
    }

    @Test func reconnectRequestBytes() throws {
        let driver = ServerDriver()
        try driver.performHandshake()
        try driver.send(connect([AMF0Property("app", "live")]))
        driver.server.sendReconnectRequest(tcUrl: "rtmp://127.0.0.1/live", description: "server restarting")
        let replies = try driver.collectReplies()
        #expect(replies.count == 1)
        #expect(replies.first?.streamID == .connection)
        #expect(replies.first?.chunkStreamID == .command)
        let command = try Command(message: replies[0])
        #expect(command == Command(name: "onStatus", transactionID: 0, commandObject: .null, arguments: [
            .object([
                AMF0Property("level", "status"),
                AMF0Property("code", "NetConnection.Connect.ReconnectRequest"),
                AMF0Property("description", "server restarting"),
                AMF0Property("tcUrl", "rtmp://127.0.0.1/live"),
            ])
        ]))
    }

    @Test func reconnectRequestWithoutTcUrl() throws {
        let driver = ServerDriver()
        try driver.performHandshake()
        try driver.send(connect([AMF0Property("app", "live")]))
        driver.server.sendReconnectRequest(tcUrl: nil, description: "bye")
        let command = try Command(message: try driver.collectReplies()[0])
        #expect(command.arguments.first?["tcUrl"] == nil)
        #expect(statusCode(command) == "NetConnection.Connect.ReconnectRequest")
    }

    @Test func clientSendsNoEnhancedFieldsByDefault() {
        let pair = SessionPair()
        pair.client.connect(app: "live", tcUrl: "rtmp://127.0.0.1/live")
        pair.drive()
        let request = pair.serverEvents.compactMap { event -> ConnectRequest? in
            if case .connect(let request) = event { return request }
            return nil
        }.first
        #expect(request?.commandObject.properties?.map(\.key) == ["app", "type", "flashVer", "tcUrl", "objectEncoding"])
        #expect(request?.enhancedCapabilities == nil)
    }

    @Test func clientSendsConfiguredFieldsAndReadsReply() {
        var configuration = ClientSession.Configuration()
        configuration.enhancedCapabilities = Self.properties
        let pair = SessionPair(clientConfiguration: configuration)
        pair.client.connect(app: "live", tcUrl: "rtmp://127.0.0.1/live")
        pair.drive()
        let request = pair.serverEvents.compactMap { event -> ConnectRequest? in
            if case .connect(let request) = event { return request }
            return nil
        }.first
        #expect(request?.enhancedCapabilities == Self.properties)
        let result = pair.clientEvents.compactMap { event -> Command? in
            if case .connected(let result) = event { return result }
            return nil
        }.first
        #expect(result.flatMap { EnhancedCapabilities(commandObject: $0.commandObject) } == .forwardingServer)
    }

    @Test func clientReportsReconnectRequest() {
        let pair = SessionPair()
        pair.client.connect(app: "live", tcUrl: "rtmp://127.0.0.1/live")
        pair.drive()
        _ = pair.takeEvents()
        pair.server.sendReconnectRequest(tcUrl: "rtmp://127.0.0.1/other", description: "moving")
        pair.drive()
        let events = pair.takeEvents().client
        guard case .reconnectRequest(let tcUrl, let description) = events.first else {
            Issue.record("expected reconnectRequest, got \(events)")
            return
        }
        #expect(tcUrl == "rtmp://127.0.0.1/other")
        #expect(description == "moving")
    }
}
