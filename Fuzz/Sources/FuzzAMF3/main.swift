// FuzzAMF3: the AMF3 decoder over arbitrary bytes.
//
// Invariant: `AMF3Decoder` decodes a value or throws `AMFError` (the only error
// its typed `throws` allows); it never traps, nesting deeper than
// `AMFLimits.maximumDepth` throws, and references cannot expand a short input
// past `AMFLimits.maximumDecodedValues`. The values that decode re-encode
// together with `AMF3Encoder` to bytes that a fresh decoder decodes to the same
// values, and encoding those again gives the same bytes. A NaN compares unequal to
// itself, so values that differ only there are compared by their description.
import AMF
import FuzzSupport

func check(_ input: [UInt8]) {
    var decoder = AMF3Decoder()
    let values = checkRoundTrip(
        input,
        decodeOne: { try decoder.decode(from: &$0) },
        encode: { AMF3Encoder.encode($0) },
        decodeAll: { try AMF3Decoder.decodeAll($0) }
    )

    // The AMF0 view of a value is what the server reads commands from.
    for value in values {
        _ = value.toAMF0()
    }
}

runFuzzer { data, count in
    check(inputBytes(data, count))
    return 0
}
