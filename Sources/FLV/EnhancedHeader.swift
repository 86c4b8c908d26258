/// The layout of an Enhanced RTMP multitrack message: one track, or many with one or many codecs.
public struct AvMultitrackType: RawRepresentable, Hashable, Sendable {
    /// The 4-bit value on the wire.
    public var rawValue: UInt8

    /// Creates a type from its 4-bit wire value.
    public init(rawValue: UInt8) {
        self.rawValue = rawValue
    }

    /// One track, whose data runs to the end of the message with no size field.
    public static let oneTrack = AvMultitrackType(rawValue: 0)
    /// Several tracks with one FourCC for all of them, each with a 24-bit size.
    public static let manyTracks = AvMultitrackType(rawValue: 1)
    /// Several tracks, each with its own FourCC and a 24-bit size.
    public static let manyTracksManyCodecs = AvMultitrackType(rawValue: 2)
}

/// A set of track ids (0 to 255) stored in 256 bits, so that building one allocates nothing.
///
/// Legacy messages and single-track Enhanced RTMP messages belong to track 0.
public struct TrackIDSet: Hashable, Sendable, Sequence, ExpressibleByArrayLiteral, CustomStringConvertible {
    private var word0: UInt64 = 0
    private var word1: UInt64 = 0
    private var word2: UInt64 = 0
    private var word3: UInt64 = 0

    /// Creates an empty set.
    public init() {}

    /// Creates a set of the given ids.
    public init(arrayLiteral ids: UInt8...) {
        for id in ids { insert(id) }
    }

    /// Creates a set of the given ids.
    public init<IDs: Sequence>(_ ids: IDs) where IDs.Element == UInt8 {
        for id in ids { insert(id) }
    }

    /// The set that contains only track 0, the track of every single-track message.
    public static let defaultTrack: TrackIDSet = [0]

    /// Adds `id` to the set.
    public mutating func insert(_ id: UInt8) {
        let bit = UInt64(1) << UInt64(id & 63)
        switch id >> 6 {
        case 0: word0 |= bit
        case 1: word1 |= bit
        case 2: word2 |= bit
        default: word3 |= bit
        }
    }

    /// Whether `id` is in the set.
    public func contains(_ id: UInt8) -> Bool {
        word(id >> 6) & (UInt64(1) << UInt64(id & 63)) != 0
    }

    /// Whether the set has no ids.
    public var isEmpty: Bool { word0 | word1 | word2 | word3 == 0 }

    /// The number of ids in the set.
    public var count: Int {
        word0.nonzeroBitCount + word1.nonzeroBitCount + word2.nonzeroBitCount + word3.nonzeroBitCount
    }

    /// Whether every id of this set is also in `other`.
    public func isSubset(of other: TrackIDSet) -> Bool {
        word0 & ~other.word0 == 0 && word1 & ~other.word1 == 0 && word2 & ~other.word2 == 0
            && word3 & ~other.word3 == 0
    }

    /// Whether the two sets share at least one id.
    public func intersects(_ other: TrackIDSet) -> Bool {
        word0 & other.word0 != 0 || word1 & other.word1 != 0 || word2 & other.word2 != 0
            || word3 & other.word3 != 0
    }

    private func word(_ index: UInt8) -> UInt64 {
        switch index {
        case 0: return word0
        case 1: return word1
        case 2: return word2
        default: return word3
        }
    }

    /// Iterates the ids in ascending order.
    public func makeIterator() -> Iterator {
        Iterator(set: self)
    }

    /// An iterator over the ids of a `TrackIDSet` in ascending order.
    public struct Iterator: IteratorProtocol {
        private let set: TrackIDSet
        private var candidate = 0

        fileprivate init(set: TrackIDSet) {
            self.set = set
        }

        public mutating func next() -> UInt8? {
            while candidate < 256 {
                let id = UInt8(candidate)
                candidate += 1
                if set.contains(id) { return id }
            }
            return nil
        }
    }

    public var description: String { "[" + map { String($0) }.joined(separator: ", ") + "]" }
}

/// The parts of the Enhanced RTMP header that audio and video share: the ModEx
/// prefixes and the multitrack layout.
///
///     ModEx, repeated while the packet type is 7:
///       modExDataSize  UI8 + 1, or UI16 + 1 when the UI8 form gives 256
///       modExData      modExDataSize bytes
///       modExType UB[4] | next packetType UB[4]
///
///     Multitrack:
///       multitrackType UB[4] | packetType of every track UB[4]
///       FourCC                  unless multitrackType is ManyTracksManyCodecs
///       per track: [FourCC if ManyTracksManyCodecs] trackId UI8 [size UI24 unless OneTrack] data
enum EnhancedHeader {
    /// The packet type of ModEx, the same for audio and video.
    static let modExPacketType: UInt8 = 7

    /// The packet type that follows any ModEx prefixes, and the prefixes in wire order.
    struct ModEx {
        var packetType: UInt8
        var prefixes: [ModExPrefix] = []
    }

    /// Reads ModEx prefixes until the packet type is something else. Prefixes of
    /// unknown types are kept as they are, because their size is on the wire.
    static func resolveModEx(packetType: UInt8, cursor: inout PayloadCursor) throws(FLVError) -> ModEx {
        var result = ModEx(packetType: packetType)
        // Each round consumes at least two bytes, so the loop ends with the payload.
        while result.packetType == modExPacketType {
            var size = Int(try cursor.readUInt8("ModEx data size")) + 1
            if size == 256 {
                size = Int(try cursor.readUInt16("ModEx data size")) + 1
            }
            let data = try cursor.skip(size, "ModEx data")
            let next = try cursor.readUInt8("ModEx type")
            let prefix = ModExPrefix(type: ModExType(rawValue: next >> 4), data: Array(cursor.bytes[data]))
            if prefix.type == .timestampOffsetNano && prefix.timestampOffsetNanoseconds == nil {
                throw .invalidHeader("TimestampOffsetNano needs 3 bytes of ModEx data, got \(data.count)")
            }
            result.prefixes.append(prefix)
            result.packetType = next & 0x0F
        }
        return result
    }

    /// The fields between the Multitrack packet type and the first track.
    struct MultitrackPrefix {
        var type: AvMultitrackType
        var packetType: UInt8
        var sharedFourCC: FourCC?
    }

    /// Reads the multitrack type, the packet type of every track and the shared FourCC.
    /// - Parameter multitrackPacketType: the value of Multitrack, 6 for video and 5 for audio.
    static func readMultitrackPrefix(
        cursor: inout PayloadCursor,
        multitrackPacketType: UInt8
    ) throws(FLVError) -> MultitrackPrefix {
        let byte = try cursor.readUInt8("multitrack type")
        let type = AvMultitrackType(rawValue: byte >> 4)
        let packetType = byte & 0x0F
        guard type.rawValue <= AvMultitrackType.manyTracksManyCodecs.rawValue else {
            throw .invalidMultitrack("reserved multitrack type \(type.rawValue)")
        }
        guard packetType != multitrackPacketType, packetType != modExPacketType else {
            throw .invalidMultitrack("packet type \(packetType) inside a multitrack message")
        }
        var sharedFourCC: FourCC?
        if type != .manyTracksManyCodecs {
            sharedFourCC = try cursor.readFourCC("multitrack FourCC")
        }
        return MultitrackPrefix(type: type, packetType: packetType, sharedFourCC: sharedFourCC)
    }

    /// Calls `body` with the id, FourCC and data range of each track until the payload ends.
    static func forEachTrack(
        cursor: inout PayloadCursor,
        prefix: MultitrackPrefix,
        _ body: (_ trackID: UInt8, _ fourCC: FourCC, _ data: Range<Int>) throws(FLVError) -> Void
    ) throws(FLVError) {
        guard cursor.remaining > 0 else { throw .invalidMultitrack("multitrack message with no tracks") }
        while cursor.remaining > 0 {
            let fourCC: FourCC
            if let shared = prefix.sharedFourCC {
                fourCC = shared
            } else {
                fourCC = try cursor.readFourCC("track FourCC")
            }
            let trackID = try cursor.readUInt8("track id")
            if prefix.type == .oneTrack {
                try body(trackID, fourCC, cursor.skipToEnd())
                return
            }
            let size = Int(try cursor.readUInt24("track size"))
            guard size <= cursor.remaining else {
                throw .invalidMultitrack("track \(trackID) of \(size) bytes with \(cursor.remaining) left")
            }
            try body(trackID, fourCC, try cursor.skip(size, "track data"))
        }
    }
}
