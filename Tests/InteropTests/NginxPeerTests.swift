import Foundation
import Testing

/// nginx-rtmp as a peer: the same file through nginx-rtmp and through Sealcast must reach
/// ffmpeg players with the same packets.
@Suite(.serialized, .timeLimit(.minutes(2)))
struct NginxPeerTests {
    let live = FFmpegLiveTests()

    @Test func nginxAndSealcastDeliverTheSamePackets() throws {
        #expect(NginxRTMP.isInstalled, "nginx with libnginx-mod-rtmp is missing: run scripts/test.sh")
        guard NginxRTMP.isInstalled else { return }
        let sample = Samples.bFrames
        let nginx = try NginxRTMP()
        let server = try TestServer()
        defer { server.server.shutdown() }

        let nginxPlayer = try live.startPlayer("\(nginx.url)/show", name: "play-nginx")
        let sealcastPlayer = try live.startPlayer("\(server.rtmpURL)/show", name: "play-sealcast-beside-nginx")
        usleep(700_000)
        let toNginx = try live.startPublisher(sample, "\(nginx.url)/show", name: "publish-nginx")
        let toSealcast = try live.startPublisher(sample, "\(server.rtmpsURL)/\(TestServer.key)", name: "publish-sealcast-beside-nginx")
        #expect(toNginx.wait(seconds: 30) == 0, "publishing to nginx failed: \(toNginx.errorOutput)")
        #expect(toSealcast.wait(seconds: 30) == 0, "publishing to Sealcast failed: \(toSealcast.errorOutput)")
        nginxPlayer.wait(seconds: 15)
        sealcastPlayer.wait(seconds: 15)

        let viaNginx = FramePacket.parse(nginxPlayer.output)
        let viaSealcast = FramePacket.parse(sealcastPlayer.output)
        #expect(viaNginx.count == (try Samples.packets(of: sample)).count, "nginx: \(nginxPlayer.errorOutput) \(nginx.errorLog)")
        #expect(viaSealcast.map(\.hash).sorted() == viaNginx.map(\.hash).sorted())
    }
}
