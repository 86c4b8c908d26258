import AMF
import FLV

/// The capability flags of one codec in `videoFourCcInfoMap` or `audioFourCcInfoMap`.
public struct FourCcInfoMask: OptionSet, Sendable, Hashable {
    /// The mask as sent on the wire.
    public var rawValue: UInt32

    /// Creates a mask from its wire value.
    public init(rawValue: UInt32) { self.rawValue = rawValue }

    /// 0x01: the peer can decode the codec.
    public static let canDecode = FourCcInfoMask(rawValue: 0x01)
    /// 0x02: the peer can encode the codec.
    public static let canEncode = FourCcInfoMask(rawValue: 0x02)
    /// 0x04: the peer can forward the codec without decoding it, as a server or recorder does.
    public static let canForward = FourCcInfoMask(rawValue: 0x04)
}

/// The extended capability flags of the `capsEx` connect property.
public struct CapsExMask: OptionSet, Sendable, Hashable {
    /// The mask as sent on the wire.
    public var rawValue: UInt32

    /// Creates a mask from its wire value.
    public init(rawValue: UInt32) { self.rawValue = rawValue }

    /// 0x01: the peer handles NetConnection.Connect.ReconnectRequest.
    public static let reconnect = CapsExMask(rawValue: 0x01)
    /// 0x02: the peer handles multitrack audio and video messages.
    public static let multitrack = CapsExMask(rawValue: 0x02)
    /// 0x04: the peer can parse ModEx prefixes in audio and video headers.
    public static let modEx = CapsExMask(rawValue: 0x04)
    /// 0x08: the peer handles the nanosecond timestamp offset carried in ModEx.
    public static let timestampNanoOffset = CapsExMask(rawValue: 0x08)
}

/// One entry of `videoFourCcInfoMap` or `audioFourCcInfoMap`: a FourCC, or "*" for every codec.
public struct FourCcInfo: Sendable, Hashable {
    /// The codec's FourCC as text, such as "hvc1", or "*".
    public var fourCC: String
    /// The peer's capabilities for the codec.
    public var mask: FourCcInfoMask

    /// Creates an entry.
    public init(_ fourCC: String, _ mask: FourCcInfoMask) {
        self.fourCC = fourCC
        self.mask = mask
    }
}

/// The Enhanced RTMP properties of a `connect` command object or its `_result`:
/// `fourCcList`, `videoFourCcInfoMap`, `audioFourCcInfoMap` and `capsEx`.
///
/// Each property is `nil` when the peer did not send it. A FourCC of "*" in
/// the list or as a map key stands for every codec. The masks of "*" and of a
/// specific codec are combined, so "*": CanForward with "vp09": CanDecode
/// means every codec can be forwarded and VP9 can also be decoded.
public struct EnhancedCapabilities: Sendable, Hashable {
    /// The FourCCs of the codecs the peer supports (Enhanced RTMP v1).
    public var fourCcList: [String]?
    /// The video codecs with their capability flags (Enhanced RTMP v2).
    public var videoFourCcInfoMap: [FourCcInfo]?
    /// The audio codecs with their capability flags (Enhanced RTMP v2).
    public var audioFourCcInfoMap: [FourCcInfo]?
    /// The extended capabilities.
    public var capsEx: CapsExMask?

    /// Creates capabilities from their properties.
    public init(
        fourCcList: [String]? = nil,
        videoFourCcInfoMap: [FourCcInfo]? = nil,
        audioFourCcInfoMap: [FourCcInfo]? = nil,
        capsEx: CapsExMask? = nil
    ) {
        self.fourCcList = fourCcList
        self.videoFourCcInfoMap = videoFourCcInfoMap
        self.audioFourCcInfoMap = audioFourCcInfoMap
        self.capsEx = capsEx
    }

    /// Reads the Enhanced RTMP properties of a command object.
    ///
    /// Values of the wrong type are skipped: a `fourCcList` that is not a
    /// strict array, list entries that are not strings of four bytes or "*", map
    /// values that are not numbers in the UInt32 range. A map may come as an
    /// object or an ECMA array.
    /// - Returns: the capabilities, or `nil` when none of the four properties is usable.
    public init?(commandObject: AMF0Value) {
        if case .strictArray(let values) = commandObject["fourCcList"] {
            fourCcList = values.compactMap { $0.stringValue }.filter(Self.isFourCCText)
        }
        videoFourCcInfoMap = Self.infoMap(commandObject["videoFourCcInfoMap"])
        audioFourCcInfoMap = Self.infoMap(commandObject["audioFourCcInfoMap"])
        if let number = commandObject["capsEx"]?.numberValue, let mask = Self.mask(number) {
            capsEx = CapsExMask(rawValue: mask)
        }
        let isEmpty = fourCcList == nil && videoFourCcInfoMap == nil && audioFourCcInfoMap == nil && capsEx == nil
        if isEmpty { return nil }
    }

    /// The properties to add to a command object, in the order fourCcList,
    /// videoFourCcInfoMap, audioFourCcInfoMap, capsEx; absent ones are left out.
    public var properties: [AMF0Property] {
        var properties: [AMF0Property] = []
        if let fourCcList {
            properties.append(AMF0Property("fourCcList", .strictArray(fourCcList.map { .string($0) })))
        }
        if let videoFourCcInfoMap {
            properties.append(AMF0Property("videoFourCcInfoMap", Self.encode(videoFourCcInfoMap)))
        }
        if let audioFourCcInfoMap {
            properties.append(AMF0Property("audioFourCcInfoMap", Self.encode(audioFourCcInfoMap)))
        }
        if let capsEx {
            properties.append(AMF0Property("capsEx", .number(Double(capsEx.rawValue))))
        }
        return properties
    }

    /// Whether the peer declared anything about video codecs.
    public var declaresVideoCodecs: Bool { fourCcList != nil || videoFourCcInfoMap != nil }

    /// Whether the peer declared anything about audio codecs.
    public var declaresAudioCodecs: Bool { fourCcList != nil || audioFourCcInfoMap != nil }

    /// Whether the peer can take a codec, by decoding or by forwarding it.
    ///
    /// A codec counts when `fourCcList` names it or "*", or when the info map
    /// of its kind gives it (or "*") CanDecode or CanForward. A peer that
    /// declared nothing for the kind takes every codec.
    /// - Parameters:
    ///   - fourCC: the codec.
    ///   - isVideo: whether to read `videoFourCcInfoMap` rather than `audioFourCcInfoMap`.
    public func accepts(_ fourCC: FourCC, isVideo: Bool) -> Bool {
        let declares = isVideo ? declaresVideoCodecs : declaresAudioCodecs
        guard declares else { return true }
        let text = fourCC.description
        if let fourCcList, fourCcList.contains(where: { $0 == "*" || $0 == text }) {
            return true
        }
        let map = (isVideo ? videoFourCcInfoMap : audioFourCcInfoMap) ?? []
        let mask = map.filter { $0.fourCC == "*" || $0.fourCC == text }.reduce(FourCcInfoMask()) { $0.union($1.mask) }
        return !mask.isDisjoint(with: [.canDecode, .canForward])
    }

    /// The capabilities of a server that forwards every Enhanced RTMP codec
    /// unchanged: every video and audio FourCC of Enhanced RTMP v2 with
    /// CanForward, and Reconnect, Multitrack, ModEx and TimestampNanoOffset.
    public static let forwardingServer: EnhancedCapabilities = {
        let video = ["avc1", "hvc1", "av01", "vp09", "vp08", "vvc1"]
        let audio = ["Opus", "fLaC", "ac-3", "ec-3", ".mp3", "mp4a"]
        return EnhancedCapabilities(
            fourCcList: video + audio,
            videoFourCcInfoMap: video.map { FourCcInfo($0, .canForward) },
            audioFourCcInfoMap: audio.map { FourCcInfo($0, .canForward) },
            capsEx: [.reconnect, .multitrack, .modEx, .timestampNanoOffset]
        )
    }()

    private static func isFourCCText(_ text: String) -> Bool {
        text == "*" || text.utf8.count == 4
    }

    private static func infoMap(_ value: AMF0Value?) -> [FourCcInfo]? {
        guard let properties = value?.properties else { return nil }
        return properties.compactMap { property in
            guard isFourCCText(property.key), let number = property.value.numberValue, let mask = mask(number) else {
                return nil
            }
            return FourCcInfo(property.key, FourCcInfoMask(rawValue: mask))
        }
    }

    private static func mask(_ number: Double) -> UInt32? {
        guard number.isFinite, number >= 0, number <= Double(UInt32.max) else { return nil }
        return UInt32(number)
    }

    private static func encode(_ map: [FourCcInfo]) -> AMF0Value {
        .object(map.map { AMF0Property($0.fourCC, .number(Double($0.mask.rawValue))) })
    }
}
