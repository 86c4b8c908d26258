import Bytes
import Foundation
import Network
import RTMP
import Synchronization
import Testing

@testable import MediaServer

/// Write batches of one stream on one loop, with recording players in place of connections.
@Suite("Loop fan-out batches", .serialized)
struct LoopFanoutTests {
    /// A player that records what reaches it, in order, as the bytes a connection would queue.
    final class RecordingPlayer: PlayerSink, @unchecked Sendable {
        var joins = true
        private(set) var bytes: [UInt8] = []
        private(set) var singlePackets = 0
        private(set) var blocks = 0

        func publishStarted() {}
        func publishStopped() {}

        func deliver(_ packet: MediaPacket) {
            singlePackets += 1
            bytes += packet.chunks.bytes
        }

        func joinsBatch() -> Bool { joins }

        func deliverBatch(_ block: SharedBytes, packets: [MediaPacket]) {
            blocks += 1
            bytes += block.bytes
        }
    }

    static func packet(_ index: Int, kind: PacketKind = .audioFrame, size: Int = 200) -> MediaPacket {
        let payload = [UInt8](repeating: UInt8(truncatingIfNeeded: index), count: size)
        let typeID: MessageTypeID = kind == .audioFrame ? .audio : .video
        return MediaPacket(kind: kind, typeID: typeID, timestamp: UInt32(index), payload: payload, chunkSize: 4096)
    }

    /// Runs `body` on the loop and waits for it.
    static func onLoop<T: Sendable>(_ loop: EventLoop, _ body: @escaping @Sendable () -> T) -> T {
        let result = Mutex<T?>(nil)
        let done = DispatchSemaphore(value: 0)
        loop.execute {
            result.withLock { $0 = body() }
            done.signal()
        }
        done.wait()
        return result.withLock { $0! }
    }

    @Test("members get one block per batch, in order")
    func membersGetOneBlock() throws {
        let group = EventLoopGroup(numberOfThreads: 1)
        defer { group.shutdown() }
        let loop = group.loops[0]
        let fanout = LoopFanout(loop: loop, gopCacheBytes: 1 << 20, batchDelay: .milliseconds(50))
        let player = RecordingPlayer()
        let packets = (0..<10).map { Self.packet($0) }
        let expected = packets.flatMap { Array($0.chunks.bytes) }

        Self.onLoop(loop) {
            fanout.add(player)
            fanout.handle(.publishStarted)
            for packet in packets { fanout.handle(.packet(packet)) }
        }
        #expect(Self.onLoop(loop) { player.blocks } == 0, "the batch waits for its delay")
        Thread.sleep(forTimeInterval: 0.2)

        #expect(Self.onLoop(loop) { player.blocks } == 1)
        #expect(Self.onLoop(loop) { player.singlePackets } == 0)
        #expect(Self.onLoop(loop) { player.bytes } == expected)
    }

    @Test("a player joining mid-batch gets packets singly, without gaps or repeats")
    func joinerMidBatch() throws {
        let group = EventLoopGroup(numberOfThreads: 1)
        defer { group.shutdown() }
        let loop = group.loops[0]
        let fanout = LoopFanout(loop: loop, gopCacheBytes: 0, batchDelay: .milliseconds(50))
        let early = RecordingPlayer()
        let late = RecordingPlayer()
        let first = (0..<5).map { Self.packet($0) }
        let second = (5..<10).map { Self.packet($0) }
        let third = (10..<15).map { Self.packet($0) }

        Self.onLoop(loop) {
            fanout.add(early)
            fanout.handle(.publishStarted)
            for packet in first { fanout.handle(.packet(packet)) }
            fanout.add(late)
            for packet in second { fanout.handle(.packet(packet)) }
        }
        Thread.sleep(forTimeInterval: 0.2)
        Self.onLoop(loop) {
            for packet in third { fanout.handle(.packet(packet)) }
        }
        Thread.sleep(forTimeInterval: 0.2)

        let everything = (first + second + third).flatMap { Array($0.chunks.bytes) }
        let fromSecond = (second + third).flatMap { Array($0.chunks.bytes) }
        #expect(Self.onLoop(loop) { early.bytes } == everything)
        #expect(Self.onLoop(loop) { late.bytes } == fromSecond)
        #expect(Self.onLoop(loop) { late.singlePackets } == second.count)
        #expect(Self.onLoop(loop) { late.blocks } == 1, "the late player joins the next batch")
    }

    @Test("a player out of step gets every packet singly")
    func outOfStepPlayer() throws {
        let group = EventLoopGroup(numberOfThreads: 1)
        defer { group.shutdown() }
        let loop = group.loops[0]
        let fanout = LoopFanout(loop: loop, gopCacheBytes: 0, batchDelay: .milliseconds(50))
        let player = RecordingPlayer()
        player.joins = false
        let packets = (0..<6).map { Self.packet($0) }

        Self.onLoop(loop) {
            fanout.add(player)
            fanout.handle(.publishStarted)
            for packet in packets { fanout.handle(.packet(packet)) }
        }
        Thread.sleep(forTimeInterval: 0.2)

        #expect(Self.onLoop(loop) { player.singlePackets } == packets.count)
        #expect(Self.onLoop(loop) { player.blocks } == 0)
        #expect(Self.onLoop(loop) { player.bytes } == packets.flatMap { Array($0.chunks.bytes) })
    }

    @Test("64 KiB in a batch ends it at once")
    func largeBatchEndsEarly() throws {
        let group = EventLoopGroup(numberOfThreads: 1)
        defer { group.shutdown() }
        let loop = group.loops[0]
        let fanout = LoopFanout(loop: loop, gopCacheBytes: 0, batchDelay: .seconds(60))
        let player = RecordingPlayer()
        let keyframe = Self.packet(1, kind: .videoKeyframe, size: LoopFanout.batchLimitBytes)

        let blocks = Self.onLoop(loop) { () -> Int in
            fanout.add(player)
            fanout.handle(.publishStarted)
            fanout.handle(.packet(keyframe))
            return player.blocks
        }

        #expect(blocks == 1)
        #expect(Self.onLoop(loop) { player.bytes } == Array(keyframe.chunks.bytes))
    }

    @Test("unpublish sends the open batch first")
    func unpublishFlushesBatch() throws {
        let group = EventLoopGroup(numberOfThreads: 1)
        defer { group.shutdown() }
        let loop = group.loops[0]
        let fanout = LoopFanout(loop: loop, gopCacheBytes: 0, batchDelay: .seconds(60))
        let player = RecordingPlayer()
        let packets = (0..<3).map { Self.packet($0) }

        let blocks = Self.onLoop(loop) { () -> Int in
            fanout.add(player)
            fanout.handle(.publishStarted)
            for packet in packets { fanout.handle(.packet(packet)) }
            fanout.handle(.publishStopped)
            return player.blocks
        }

        #expect(blocks == 1)
        #expect(Self.onLoop(loop) { player.bytes } == packets.flatMap { Array($0.chunks.bytes) })
    }

    @Test("a removed member gets nothing more")
    func removedMember() throws {
        let group = EventLoopGroup(numberOfThreads: 1)
        defer { group.shutdown() }
        let loop = group.loops[0]
        let fanout = LoopFanout(loop: loop, gopCacheBytes: 0, batchDelay: .milliseconds(50))
        let player = RecordingPlayer()

        Self.onLoop(loop) {
            fanout.add(player)
            fanout.handle(.publishStarted)
            fanout.handle(.packet(Self.packet(0)))
            fanout.remove(player)
        }
        Thread.sleep(forTimeInterval: 0.2)

        #expect(Self.onLoop(loop) { player.bytes }.isEmpty)
    }
}
