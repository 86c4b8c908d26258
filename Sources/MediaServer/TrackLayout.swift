import FLV
import RTMP

/// The codecs of an Enhanced RTMP audio or video message and where each track
/// sits in its payload, so that a player can be sent only the tracks it can take.
///
/// Only Enhanced RTMP messages have a layout. Legacy FLV tags (AVC codec id 7,
/// AAC sound format 10, MP3 and the other legacy ids) have none and always
/// pass the codec filter. A client's fourCcList and FourCC info maps describe
/// Enhanced RTMP codecs, and every client that plays RTMP decodes the legacy ones.
///
/// A multitrack message of type ManyTracks or ManyTracksManyCodecs can be cut
/// down to some of its tracks. Each track entry (its FourCC when every track
/// names its own, the track id, the 24-bit size and the data) is copied as it
/// is, behind the unchanged header bytes before the first entry.
struct TrackLayout: Sendable {
    struct Track: Sendable {
        var fourCC: FourCC
        /// The bytes of the whole track entry within the payload.
        var entry: Range<Int>
    }

    /// The part of a message that one player receives.
    enum Selection: Equatable {
        case all
        case none
        /// A copy of the payload with only the accepted tracks.
        case some([UInt8])
    }

    let isVideo: Bool
    let tracks: [Track]
    /// The end of the header bytes before the first track entry, or `nil` when
    /// the message cannot be cut down to some of its tracks.
    let headerEnd: Int?

    /// Reads the layout of an Enhanced RTMP audio or video message.
    /// - Returns: `nil` for legacy tags, data messages, command frames and malformed headers.
    init?(typeID: MessageTypeID, payload: [UInt8]) {
        guard let first = payload.first else { return nil }
        if typeID == .video, first & 0x80 != 0, let header = try? VideoTagHeader(payload: payload) {
            let codecs = header.tracks.compactMap { track -> (UInt8, FourCC, Range<Int>)? in
                guard case .fourCC(let fourCC) = track.codec else { return nil }
                return (track.trackID, fourCC, track.data)
            }
            // CodedFrames of avc1 and hvc1 start with a composition time that the track's data range leaves out.
            let compositionTimeBytes: (FourCC) -> Int = { fourCC in
                header.packetType == .codedFrames && (fourCC == .avc1 || fourCC == .hvc1) ? 3 : 0
            }
            self.init(isVideo: true, multitrackType: header.multitrackType, codecs: codecs, dataOffset: compositionTimeBytes)
        } else if typeID == .audio, first >> 4 == SoundFormat.exHeader.rawValue,
            let header = try? AudioTagHeader(payload: payload)
        {
            let codecs = header.tracks.compactMap { track -> (UInt8, FourCC, Range<Int>)? in
                guard case .fourCC(let fourCC) = track.codec else { return nil }
                return (track.trackID, fourCC, track.data)
            }
            self.init(isVideo: false, multitrackType: header.multitrackType, codecs: codecs, dataOffset: { _ in 0 })
        } else {
            return nil
        }
    }

    private init?(
        isVideo: Bool,
        multitrackType: AvMultitrackType?,
        codecs: [(trackID: UInt8, fourCC: FourCC, data: Range<Int>)],
        dataOffset: (FourCC) -> Int
    ) {
        guard !codecs.isEmpty else { return nil }
        self.isVideo = isVideo
        guard let multitrackType, multitrackType != .oneTrack else {
            tracks = codecs.map { Track(fourCC: $0.fourCC, entry: $0.data) }
            headerEnd = nil
            return
        }

        // Walk back from each track's data over its size, id and, with many codecs, its FourCC.
        let fieldBytes = 3 + 1 + (multitrackType == .manyTracksManyCodecs ? 4 : 0)
        tracks = codecs.map { codec in
            Track(fourCC: codec.fourCC, entry: (codec.data.lowerBound - dataOffset(codec.fourCC) - fieldBytes)..<codec.data.upperBound)
        }
        // The entries must tile the payload after the header; if they do not, the message is sent whole or not at all.
        let contiguous = zip(tracks, tracks.dropFirst()).allSatisfy { $0.entry.upperBound == $1.entry.lowerBound }
        let start = tracks[0].entry.lowerBound
        headerEnd = contiguous && start > 0 ? start : nil
    }

    /// Decides which tracks of `payload` a player receives.
    /// - Parameters:
    ///   - payload: the payload this layout was read from.
    ///   - accepts: whether the player takes a codec.
    func select(_ payload: [UInt8], accepts: (FourCC) -> Bool) -> Selection {
        let accepted = tracks.map { accepts($0.fourCC) }
        if accepted.allSatisfy({ $0 }) { return .all }
        guard accepted.contains(true), let headerEnd else {
            // A message that cannot be cut goes whole when any of its tracks is accepted.
            return accepted.contains(true) ? .all : .none
        }
        var copy = Array(payload[..<headerEnd])
        for (track, isAccepted) in zip(tracks, accepted) where isAccepted {
            copy += payload[track.entry]
        }
        return .some(copy)
    }
}
