import Bytes
import FLV
import Network
import Synchronization

/// The receiving end of a live stream on one event loop: a player connection.
protocol PlayerSink: AnyObject {
    /// A publisher started; its GOP cache and media follow through `deliver(_:)`.
    func publishStarted()
    /// One live packet, or one packet of the GOP cache when the player joins.
    func deliver(_ packet: MediaPacket)
    /// The publisher left; the player stays and waits for the next one.
    func publishStopped()
    /// Returns whether the player takes the write batch that starts now as one block, because it
    /// is in step with the live stream and would be sent every packet of the batch unchanged.
    func joinsBatch() -> Bool
    /// Writes the packets of a batch the player joined, encoded back to back in `block`.
    func deliverBatch(_ block: SharedBytes, packets: [MediaPacket])
}

/// What travels from a publisher's loop to every loop with the stream.
enum FanoutEvent: Sendable {
    case publishStarted
    case packet(MediaPacket)
    case publishStopped
}

/// One live stream, such as `live/stream`.
///
/// The publisher's loop hands each packet to every loop once: one hand-off per
/// message per loop, not per player. Each loop's `LoopFanout` then writes it
/// to its own players and keeps its own GOP cache, so a player joins without
/// taking a lock or leaving its loop.
///
///     publisher (loop 0) ──► LoopFanout[0] ──► players on loop 0
///                       └─execute─► LoopFanout[1] ──► players on loop 1
final class LiveStream: Sendable {
    /// `APP/NAME`, the public identity used in logs.
    let path: String
    /// One fan-out per event loop of the server, in the group's loop order.
    let fanouts: [LoopFanout]

    /// The latest stream information from the publisher's loop, for readers on any thread.
    private let information = Mutex<StreamInfo?>(nil)

    init(path: String, loops: [EventLoop], gopCacheBytes: Int, batchDelay: Duration = .zero) {
        self.path = path
        self.fanouts = loops.map { LoopFanout(loop: $0, gopCacheBytes: gopCacheBytes, batchDelay: batchDelay) }
    }

    /// Codec, resolution, frame rate and bitrates of the current publish, once known.
    var currentInformation: StreamInfo? { information.withLock { $0 } }

    func setInformation(_ value: StreamInfo?) {
        information.withLock { $0 = value }
    }

    /// Sends `event` to every loop; called on the publisher's loop.
    func broadcast(_ event: FanoutEvent, from loop: EventLoop) {
        for fanout in fanouts {
            if fanout.loop === loop {
                fanout.handle(event)
            } else {
                fanout.loop.execute { fanout.handle(event) }
            }
        }
    }

    /// The fan-out that belongs to `loop`.
    func fanout(on loop: EventLoop) -> LoopFanout {
        guard let fanout = fanouts.first(where: { $0.loop === loop }) else {
            preconditionFailure("event loop is not one of the server's loops")
        }
        return fanout
    }
}

/// A stream's players and GOP cache on one event loop. Touched only on that loop.
///
/// Live packets go out in write batches of up to `batchDelay`. When a batch starts, every
/// player in step with the stream joins it. At the end, the batch's packets are copied once into
/// one block, and each member queues that block with a single write. Players out of step (new,
/// paused, behind, filtering codecs, on their own chunk encoding) get each packet on its own
/// meanwhile, and join a later batch once they are in step. So the work per player and packet
/// that a busy stream would cost becomes work per player and batch.
final class LoopFanout: @unchecked Sendable {
    let loop: EventLoop
    private var players: [ObjectIdentifier: any PlayerSink] = [:]
    private var cache: GOPCache
    private(set) var isPublishing = false

    /// The maximum time a live packet waits in a batch. Zero sends every packet to every player at once.
    private let batchDelay: Duration
    /// The packets of the open batch, in order, and their encoded size.
    private var batch: [MediaPacket] = []
    private var batchBytes = 0
    /// Players that take the open batch as one block, and those that get its packets one by one.
    private var batchMembers: [any PlayerSink] = []
    private var individualPlayers: [any PlayerSink] = []
    private var batchTimer: TimerHandle?

    /// Encoded bytes that end a batch early, so that a large keyframe does not wait.
    static let batchLimitBytes = 64 * 1024

    init(loop: EventLoop, gopCacheBytes: Int, batchDelay: Duration = .zero) {
        self.loop = loop
        self.cache = GOPCache(limitBytes: gopCacheBytes)
        self.batchDelay = batchDelay
    }

    func handle(_ event: FanoutEvent) {
        loop.preconditionInEventLoop()
        switch event {
        case .publishStarted:
            finishBatch()
            isPublishing = true
            cache.reset()
            for player in players.values { player.publishStarted() }
        case .packet(let packet):
            cache.add(packet)
            guard batchDelay > .zero else {
                for player in players.values { player.deliver(packet) }
                return
            }
            if batch.isEmpty {
                startBatch()
            }
            batch.append(packet)
            batchBytes += packet.chunks.count
            for player in individualPlayers { player.deliver(packet) }
            if batchBytes >= Self.batchLimitBytes {
                finishBatch()
            }
        case .publishStopped:
            finishBatch()
            isPublishing = false
            cache.reset()
            for player in players.values { player.publishStopped() }
        }
    }

    /// Sorts the players into members of the new batch and the rest, and arms its timer.
    private func startBatch() {
        for player in players.values {
            if player.joinsBatch() {
                batchMembers.append(player)
            } else {
                individualPlayers.append(player)
            }
        }
        batchTimer = loop.scheduleTimer(at: .now() + batchDelay) { [self] in
            batchTimer = nil
            finishBatch()
        }
    }

    /// Sends the open batch to its members as one block and closes it.
    private func finishBatch() {
        guard !batch.isEmpty else { return }
        if let batchTimer {
            loop.cancelTimer(batchTimer)
            self.batchTimer = nil
        }
        let packets = batch
        let members = batchMembers
        batch.removeAll(keepingCapacity: true)
        batchBytes = 0
        batchMembers.removeAll(keepingCapacity: true)
        individualPlayers.removeAll(keepingCapacity: true)
        guard !members.isEmpty else { return }
        let block = packets.count == 1 ? packets[0].chunks : SharedBytes(concatenating: packets.map(\.chunks))
        for player in members { player.deliverBatch(block, packets: packets) }
    }

    /// Adds a player and sends it the cached start of the stream. It gets live packets one by
    /// one until the next batch starts.
    func add(_ player: any PlayerSink) {
        loop.preconditionInEventLoop()
        players[ObjectIdentifier(player)] = player
        if !batch.isEmpty {
            individualPlayers.append(player)
        }
        guard isPublishing else { return }
        for packet in cache.startSequence { player.deliver(packet) }
    }

    func remove(_ player: any PlayerSink) {
        loop.preconditionInEventLoop()
        let identifier = ObjectIdentifier(player)
        players[identifier] = nil
        batchMembers.removeAll { ObjectIdentifier($0) == identifier }
        individualPlayers.removeAll { ObjectIdentifier($0) == identifier }
    }

    /// Whether the stream has carried video since it started, for audio-only drop decisions.
    var hasVideo: Bool { cache.hasVideo }
}

/// Every live stream of the server, by `APP/NAME`.
///
/// Only publish, play and their ends take the lock; media never does. A
/// stream is removed once it has neither publisher nor players, and at most
/// `maximumStreams` exist at once.
final class StreamRegistry: Sendable {
    private struct Entry {
        var stream: LiveStream
        var publisher: ObjectIdentifier?
        var players = 0
    }

    /// The outcome of `claimPublisher`.
    enum Claim {
        case claimed(LiveStream)
        /// Another connection publishes the stream.
        case taken
        /// The stream does not exist and `maximumStreams` exist already.
        case full
    }

    private let loops: [EventLoop]
    private let gopCacheBytes: Int
    private let maximumStreams: Int
    private let batchDelay: Duration
    private let entries = Mutex<[String: Entry]>([:])

    init(loops: [EventLoop], gopCacheBytes: Int, maximumStreams: Int = .max, batchDelay: Duration = .zero) {
        self.loops = loops
        self.gopCacheBytes = gopCacheBytes
        self.maximumStreams = maximumStreams
        self.batchDelay = batchDelay
    }

    /// Makes `owner` the stream's publisher.
    func claimPublisher(path: String, owner: ObjectIdentifier) -> Claim {
        entries.withLock { table in
            guard var entry = table[path] ?? newEntry(path: path, count: table.count) else { return .full }
            guard entry.publisher == nil else { return .taken }
            entry.publisher = owner
            table[path] = entry
            return .claimed(entry.stream)
        }
    }

    /// Makes `owner` the stream's publisher even when another publisher has it.
    /// - Returns: the claim (`.full` when the stream is new and `maximumStreams` exist) and the
    ///   publisher it replaced, if any.
    func replacePublisher(path: String, owner: ObjectIdentifier) -> (claim: Claim, replaced: ObjectIdentifier?) {
        entries.withLock { table in
            guard var entry = table[path] ?? newEntry(path: path, count: table.count) else { return (.full, nil) }
            let previous = entry.publisher
            entry.publisher = owner
            table[path] = entry
            return (.claimed(entry.stream), previous)
        }
    }

    /// Ends `owner`'s claim on the stream.
    func releasePublisher(path: String, owner: ObjectIdentifier) {
        entries.withLock { table in
            guard var entry = table[path], entry.publisher == owner else { return }
            entry.publisher = nil
            table[path] = entry.players == 0 ? nil : entry
        }
    }

    /// Counts a new player of the stream, creating the stream when it is the first.
    /// - Returns: the stream, or `nil` when it does not exist and `maximumStreams` exist already.
    func addPlayer(path: String) -> LiveStream? {
        entries.withLock { table in
            guard var entry = table[path] ?? newEntry(path: path, count: table.count) else { return nil }
            entry.players += 1
            table[path] = entry
            return entry.stream
        }
    }

    /// Counts a player leaving.
    func removePlayer(path: String) {
        entries.withLock { table in
            guard var entry = table[path] else { return }
            entry.players -= 1
            table[path] = entry.players == 0 && entry.publisher == nil ? nil : entry
        }
    }

    /// A new entry for `path`, or `nil` when `count` streams already fill the registry.
    private func newEntry(path: String, count: Int) -> Entry? {
        guard count < maximumStreams else { return nil }
        return Entry(stream: LiveStream(path: path, loops: loops, gopCacheBytes: gopCacheBytes, batchDelay: batchDelay))
    }

    /// The number of streams, for metrics and tests.
    var count: Int { entries.withLock { $0.count } }
}
