import FLV
import Foundation
import RTMP
import Testing

@testable import MediaServer

@Suite struct TrackLayoutTests {
    /// A ManyTracksManyCodecs key frame with an avc1 track 0 and an hvc1 track 1.
    static let multitrack: [UInt8] = [
        0x96,  // IsExHeader | key frame | Multitrack
        0x21,  // ManyTracksManyCodecs | CodedFrames
        0x61, 0x76, 0x63, 0x31,  // "avc1"
        0x00,  // track 0
        0x00, 0x00, 0x05,  // size 5
        0x00, 0x00, 0x00,  // composition time 0
        0xA1, 0xA2,  // data
        0x68, 0x76, 0x63, 0x31,  // "hvc1"
        0x01,  // track 1
        0x00, 0x00, 0x04,  // size 4
        0x00, 0x00, 0x00,  // composition time 0
        0xB1,  // data
    ]

    static func layout(_ payload: [UInt8], typeID: MessageTypeID = .video) -> TrackLayout? {
        TrackLayout(typeID: typeID, payload: payload)
    }

    @Test func multitrackEntriesCoverThePayload() throws {
        let layout = try #require(Self.layout(Self.multitrack))
        #expect(layout.isVideo)
        #expect(layout.headerEnd == 2)
        #expect(layout.tracks.map(\.fourCC) == [.avc1, .hvc1])
        #expect(layout.tracks.map(\.entry) == [2..<15, 15..<27])
    }

    @Test func avc1OnlySelectionKeepsTrackZero() throws {
        let layout = try #require(Self.layout(Self.multitrack))
        let selection = layout.select(Self.multitrack) { $0 == .avc1 }
        #expect(selection == .some(Array(Self.multitrack[0..<15])))
    }

    @Test func hvc1OnlySelectionKeepsTrackOne() throws {
        let layout = try #require(Self.layout(Self.multitrack))
        let selection = layout.select(Self.multitrack) { $0 == .hvc1 }
        #expect(selection == .some(Array(Self.multitrack[0..<2] + Self.multitrack[15...])))
    }

    @Test func allOrNoTracksNeedNoCopy() throws {
        let layout = try #require(Self.layout(Self.multitrack))
        #expect(layout.select(Self.multitrack) { _ in true } == .all)
        #expect(layout.select(Self.multitrack) { _ in false } == TrackLayout.Selection.none)
    }

    @Test func legacyTagsHaveNoLayout() {
        #expect(Self.layout([0x17, 0x01, 0x00, 0x00, 0x00, 0x65]) == nil)  // legacy AVC key frame
        #expect(Self.layout([0xAF, 0x01, 0x21], typeID: .audio) == nil)  // legacy AAC frame
        #expect(Self.layout([0x2F, 0xFF], typeID: .audio) == nil)  // legacy MP3 frame
    }

    @Test func singleTrackHevcCannotBeCut() throws {
        let payload: [UInt8] = [0x91, 0x68, 0x76, 0x63, 0x31, 0x00, 0x00, 0x00, 0x01]  // hvc1 key frame
        let layout = try #require(Self.layout(payload))
        #expect(layout.headerEnd == nil)
        #expect(layout.select(payload) { $0 == .avc1 } == TrackLayout.Selection.none)
        #expect(layout.select(payload) { $0 == .hvc1 } == .all)
    }

    @Test func truncatedMultitrackHasNoLayout() {
        #expect(Self.layout(Array(Self.multitrack.prefix(20))) == nil)
    }

    @Test func reconnectTcUrlIsValidated() {
        #expect(throws: Never.self) { try ShutdownConfiguration(reconnectTcUrl: nil).validate() }
        #expect(throws: Never.self) { try ShutdownConfiguration(reconnectTcUrl: "rtmps://edge2.example.com:443/live").validate() }
        for invalid in ["http://example.com/live", "rtmp:///live", "rtmp://host/li ve", String(repeating: "a", count: 1100)] {
            #expect(throws: ConfigurationError.self, "\(invalid.prefix(40))") {
                try ShutdownConfiguration(reconnectTcUrl: invalid).validate()
            }
        }
    }

    @Test func reconnectTcUrlLoadsFromFile() throws {
        let path = NSTemporaryDirectory() + "sealcast-shutdown-\(getpid()).json5"
        try "{ shutdown: { reconnectTcUrl: 'rtmp://127.0.0.1/live' } }".write(toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let configuration = try ServerConfiguration.load(file: path)
        #expect(configuration.shutdown.reconnectTcUrl == "rtmp://127.0.0.1/live")
        #expect(ServerConfiguration().shutdown.reconnectTcUrl == nil)
    }
}
