import Bytes

/// Decodes values from `input` until the first error and checks that they survive a round trip.
///
/// The values are re-encoded together, because a reference may point into an earlier value.
/// Those bytes must decode to the same values, and encoding them again must give the same
/// bytes. A NaN compares unequal to itself, so values holding one are compared by their
/// description. Every failed check stops the fuzzer through `require`.
///
/// - Parameters:
///   - decodeOne: Decodes the next value from the buffer, with the caller's decoder state.
///   - encode: Encodes values back to back.
///   - decodeAll: Decodes every value of an encoding with a fresh decoder.
/// - Returns: The values decoded from `input`.
@discardableResult
public func checkRoundTrip<Value: Equatable>(
    _ input: [UInt8],
    decodeOne: (inout ByteBuffer) throws -> Value,
    encode: ([Value]) -> [UInt8],
    decodeAll: ([UInt8]) throws -> [Value]
) -> [Value] {
    var buffer = ByteBuffer(bytes: input)
    var values: [Value] = []
    while buffer.readableBytes > 0 {
        let before = buffer.readableBytes
        guard let value = try? decodeOne(&buffer) else { break }
        require(buffer.readableBytes < before, "a value decoded from no bytes")
        values.append(value)
    }

    let encoded = encode(values)
    let decoded: [Value]
    do {
        decoded = try decodeAll(encoded)
    } catch {
        require(false, "re-encoded values \(values) do not decode: \(error)")
        return values
    }
    require(decoded.count == values.count, "\(values.count) values re-encoded decode to \(decoded.count) values")
    let equal = decoded == values || String(reflecting: decoded) == String(reflecting: values)
    require(equal, "round trip changed \(values) to \(decoded)")
    require(encode(decoded) == encoded, "second encoding differs from the first for \(values)")
    return values
}
