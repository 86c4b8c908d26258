/// The start of a live stream that a new player receives at once: the metadata,
/// the sequence headers of every track, and the packets since the last video keyframe.
///
/// With it, a player's first video message is a keyframe and it starts without
/// waiting for the publisher's next one. The cache is bounded in bytes; a
/// group of pictures larger than the bound stops being cached until the next
/// keyframe.
struct GOPCache {
    private(set) var metadata: MediaPacket?
    /// The latest configuration packet of each slot, in the order they first came.
    private var configurations: [(slot: ConfigurationSlot, packet: MediaPacket)] = []
    private var frames: [MediaPacket] = []
    private var frameBytes = 0
    private var overflowed = false
    private(set) var hasVideo = false

    /// Maximum bytes of cached frames.
    let limitBytes: Int

    init(limitBytes: Int) {
        self.limitBytes = limitBytes
    }

    /// Whether the cached frames start with a video keyframe.
    var startsAtKeyframe: Bool { frames.first?.kind == .videoKeyframe }

    mutating func add(_ packet: MediaPacket) {
        switch packet.kind {
        case .metadata:
            metadata = packet
        case .configuration(let slot):
            if slot.category.isVideo { hasVideo = true }
            replaceConfiguration(slot, with: packet)
        case .videoKeyframe:
            hasVideo = true
            frames.removeAll(keepingCapacity: true)
            frameBytes = 0
            overflowed = false
            append(packet)
        case .videoFrame, .audioFrame, .data:
            if packet.kind.isVideo { hasVideo = true }
            // Before the first keyframe nothing decodable can be cached.
            guard !frames.isEmpty else { return }
            append(packet)
        }
    }

    private mutating func append(_ packet: MediaPacket) {
        guard !overflowed else { return }
        let size = packet.chunks.count
        if frameBytes + size > limitBytes {
            overflowed = true
            frames.removeAll()
            frameBytes = 0
            return
        }
        frames.append(packet)
        frameBytes += size
    }

    /// Keeps `packet` as the configuration of its slot. A packet for a set of tracks
    /// replaces earlier packets of the same kind whose tracks it covers.
    private mutating func replaceConfiguration(_ slot: ConfigurationSlot, with packet: MediaPacket) {
        if let index = configurations.firstIndex(where: { $0.slot == slot }) {
            configurations[index].packet = packet
            return
        }
        configurations.removeAll { $0.slot.category == slot.category && $0.slot.tracks.isSubset(of: slot.tracks) }
        configurations.append((slot, packet))
    }

    /// The packets a new player receives, in order.
    var startSequence: [MediaPacket] {
        var packets: [MediaPacket] = []
        if let metadata { packets.append(metadata) }
        packets += configurations.filter { $0.slot.category.isVideo }.map(\.packet)
        packets += configurations.filter { !$0.slot.category.isVideo }.map(\.packet)
        packets += frames
        return packets
    }

    /// Forgets everything, when the publisher leaves.
    mutating func reset() {
        self = GOPCache(limitBytes: limitBytes)
    }
}
