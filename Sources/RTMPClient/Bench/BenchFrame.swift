/// The kind of frame a video message carries, read from its first two bytes by the load
/// generator's players.
///
/// Legacy FLV video: the high nibble is the frame type and the low nibble the codec. For AVC
/// (7) and HEVC (12) the second byte is the packet type, and only type 1 (NALU) carries a
/// frame. Enhanced RTMP (high bit set): bits 4–6 are the frame type and the low nibble the
/// packet type; CodedFrames (1) and CodedFramesX (3) carry a frame. Anything else, such as a
/// sequence header, is configuration. Frame type 1 is a keyframe.
public enum BenchFrame: Sendable, Equatable {
    case keyframe
    case interframe
    /// A sequence header, metadata packet or anything else that is not a coded frame.
    case other

    /// Classifies a video message from its first bytes.
    /// - Parameter head: up to the first two payload bytes.
    public static func classifyVideo(_ head: CountingChunkParser.MediaHead) -> BenchFrame {
        guard head.count >= 2 else { return .other }
        let first = head.first
        let frameType: UInt8
        let isCoded: Bool
        if first & 0x80 != 0 {
            frameType = (first >> 4) & 0x07
            let packetType = first & 0x0F
            isCoded = packetType == 1 || packetType == 3
        } else {
            frameType = first >> 4
            let codec = first & 0x0F
            isCoded = (codec != 7 && codec != 12) || head.second == 1
        }
        guard isCoded else { return .other }
        return frameType == 1 ? .keyframe : .interframe
    }
}
