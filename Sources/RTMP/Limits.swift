import AMF

/// Every hard limit of the protocol core, checked on the way in before memory
/// is reserved.
public struct Limits: Sendable {
    /// The largest Set Chunk Size accepted from the peer; a larger one is a
    /// protocol error. Default 65,536 bytes (OBS and ffmpeg announce 4,096).
    public var maximumIncomingChunkSize: Int
    /// The largest message accepted, in bytes. Default 16 MiB, which holds a
    /// keyframe of a high-bitrate 4K stream.
    public var maximumMessageSize: Int
    /// The most chunk streams one connection may use. Default 64.
    public var maximumChunkStreams: Int
    /// The most message streams (`createStream` results) one connection may
    /// hold at once. Default 16.
    public var maximumMessageStreams: Int
    /// The maximum number of sub-messages in one Aggregate Message. Default 1,024.
    public var maximumAggregateParts: Int
    /// Bounds for AMF command and data bodies.
    public var amf: AMFLimits
    /// The largest Window Acknowledgement Size taken from the peer; a larger one
    /// is clamped, so this side acknowledges at least every this many bytes.
    /// Default 2^31 bytes.
    public var maximumAcknowledgementWindow: UInt32
    /// The smallest Window Acknowledgement Size taken from the peer; a smaller
    /// one is raised to it, so that a peer cannot make this side send an
    /// Acknowledgement for every few bytes. Default 4,096 bytes.
    public var minimumAcknowledgementWindow: UInt32

    /// Creates the default limits.
    public init() {
        maximumIncomingChunkSize = 65_536
        maximumMessageSize = 16 << 20
        maximumChunkStreams = 64
        maximumMessageStreams = 16
        maximumAggregateParts = 1_024
        amf = AMFLimits()
        maximumAcknowledgementWindow = 1 << 31
        minimumAcknowledgementWindow = 4_096
    }
}
