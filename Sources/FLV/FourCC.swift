/// A four-character code that names a codec in Enhanced RTMP, sent as a big-endian 32-bit value.
public struct FourCC: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    /// The four bytes as a big-endian integer: "avc1" is 0x6176_6331.
    public var rawValue: UInt32

    /// Creates a code from its big-endian integer.
    public init(rawValue: UInt32) {
        self.rawValue = rawValue
    }

    /// Creates a code from four ASCII characters; `text` must be exactly four bytes of UTF-8.
    public init(_ text: StaticString) {
        precondition(text.utf8CodeUnitCount == 4, "a FourCC has four bytes, got \"\(text)\"")
        let bytes = UnsafeBufferPointer(start: text.utf8Start, count: 4)
        rawValue = bytes.reduce(0) { $0 << 8 | UInt32($1) }
    }

    /// The four bytes in wire order.
    public var bytes: [UInt8] {
        [24, 16, 8, 0].map { UInt8(truncatingIfNeeded: rawValue >> $0) }
    }

    /// The code as text, with bytes outside printable ASCII shown as "?".
    public var description: String {
        String(decoding: bytes.map { (0x20...0x7E).contains($0) ? $0 : 0x3F }, as: UTF8.self)
    }
}

extension FourCC {
    /// H.264 / AVC video.
    public static let avc1 = FourCC("avc1")
    /// H.265 / HEVC video.
    public static let hvc1 = FourCC("hvc1")
    /// AV1 video.
    public static let av01 = FourCC("av01")
    /// VP9 video.
    public static let vp09 = FourCC("vp09")
    /// VP8 video.
    public static let vp08 = FourCC("vp08")
    /// H.266 / VVC video.
    public static let vvc1 = FourCC("vvc1")

    /// Opus audio.
    public static let opus = FourCC("Opus")
    /// FLAC audio.
    public static let flac = FourCC("fLaC")
    /// AC-3 audio.
    public static let ac3 = FourCC("ac-3")
    /// E-AC-3 audio.
    public static let eac3 = FourCC("ec-3")
    /// MP3 audio.
    public static let mp3 = FourCC(".mp3")
    /// AAC audio.
    public static let mp4a = FourCC("mp4a")
}
