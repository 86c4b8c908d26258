// FuzzAMF0: the AMF0 decoder over arbitrary bytes.
//
// Invariant: `AMF0Decoder` decodes a value or throws `AMFError` (the only error
// its typed `throws` allows); it never traps, and nesting deeper than
// `AMFLimits.maximumDepth` throws instead of exhausting the stack. The values
// that decode re-encode together to bytes that decode to the same values, and
// encoding those again gives the same bytes. A NaN number compares unequal to
// itself, so values that differ only there are compared by their description.
import AMF
import Bytes
import FuzzSupport

func check(_ input: [UInt8]) {
    var buffer = ByteBuffer(bytes: input)
    var decoder = AMF0Decoder()
    var values: [AMF0Value] = []
    while buffer.readableBytes > 0 {
        let before = buffer.readableBytes
        guard let value = try? decoder.decode(from: &buffer) else { break }
        require(buffer.readableBytes < before, "a value decoded from no bytes")
        values.append(value)
    }

    // The values are re-encoded together because a reference may point into an earlier value.
    let encoded = AMF0Value.encode(values)
    let decoded: [AMF0Value]
    do {
        decoded = try AMF0Decoder.decodeAll(encoded)
    } catch {
        require(false, "re-encoded values \(values) do not decode: \(error)")
        return
    }
    require(decoded.count == values.count, "\(values.count) values re-encoded decode to \(decoded.count) values")
    // A NaN compares unequal to itself, so values holding one are compared by their description.
    let equal = decoded == values || String(reflecting: decoded) == String(reflecting: values)
    require(equal, "round trip changed \(values) to \(decoded)")
    require(AMF0Value.encode(decoded) == encoded, "second encoding differs from the first for \(values)")
}

runFuzzer { data, count in
    check(inputBytes(data, count))
    return 0
}
