import AMF
import Bytes

/// The `onMetaData` data message and the `@setDataFrame` wrapper that publishers put around it.
///
/// A publisher sends `["@setDataFrame", "onMetaData", {...}]` to ask the server
/// to store the metadata. The server strips the first value and sends
/// subscribers `["onMetaData", {...}]`, which is also the form of the script
/// data tag at the start of an FLV file.
public enum Metadata {
    /// The command name that requests a server to store the data frame that follows.
    public static let setDataFrame = "@setDataFrame"
    /// The name of the stream metadata handler.
    public static let onMetaData = "onMetaData"

    /// Whether the first AMF0 value of `payload` is the string `name`, checked without decoding.
    public static func startsWithString<Payload: Collection>(
        _ name: String,
        in payload: Payload
    ) -> Bool where Payload.Element == UInt8 {
        let utf8 = name.utf8
        guard payload.count >= 3 + utf8.count else { return false }
        var index = payload.startIndex
        guard payload[index] == 0x02 else { return false }  // marker: string
        index = payload.index(after: index)
        let high = Int(payload[index])
        index = payload.index(after: index)
        let low = Int(payload[index])
        index = payload.index(after: index)
        guard high << 8 | low == utf8.count else { return false }
        return payload[index...].starts(with: utf8)
    }

    /// Returns the bytes of a data message after its `@setDataFrame` string, so that
    /// `["@setDataFrame", "onMetaData", {...}]` becomes `["onMetaData", {...}]`.
    /// The remaining values are not decoded or re-encoded.
    /// - Returns: `nil` when the message does not start with `@setDataFrame`.
    public static func strippingSetDataFrame<Payload: Collection>(
        _ payload: Payload
    ) -> [UInt8]? where Payload.Element == UInt8 {
        guard startsWithString(setDataFrame, in: payload) else { return nil }
        // marker, 16-bit length, then the name
        return Array(payload.dropFirst(3 + setDataFrame.utf8.count))
    }

    /// Decodes the metadata object of an `onMetaData` data message, with or without `@setDataFrame`.
    /// - Returns: the second value (an object or ECMA array as publishers send it), or
    ///   `nil` when the message is not `onMetaData` or has no second value.
    /// - Throws: `AMFError` when the message is not valid AMF0 or exceeds `limits`.
    public static func decodeOnMetaData<Payload: Collection>(
        _ payload: Payload,
        limits: AMFLimits = AMFLimits()
    ) throws(AMFError) -> AMF0Value? where Payload.Element == UInt8 {
        let body = strippingSetDataFrame(payload) ?? Array(payload)
        guard startsWithString(onMetaData, in: body) else { return nil }
        let values = try AMF0Decoder.decodeAll(body, limits: limits)
        return values.count >= 2 ? values[1] : nil
    }

    /// Encodes `["onMetaData", metadata]`, the form that subscribers and FLV files receive.
    public static func encodeOnMetaData(_ metadata: AMF0Value) -> [UInt8] {
        AMF0Value.encode([.string(onMetaData), metadata])
    }
}
