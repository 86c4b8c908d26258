// FuzzAMF0: the AMF0 decoder over arbitrary bytes.
//
// Invariant: `AMF0Decoder` decodes a value or throws `AMFError` (the only error
// its typed `throws` allows); it never traps, and nesting deeper than
// `AMFLimits.maximumDepth` throws instead of exhausting the stack. The values
// that decode re-encode together to bytes that decode to the same values, and
// encoding those again gives the same bytes. A NaN number compares unequal to
// itself, so values that differ only there are compared by their description.
import AMF
import FuzzSupport

func check(_ input: [UInt8]) {
    var decoder = AMF0Decoder()
    checkRoundTrip(
        input,
        decodeOne: { try decoder.decode(from: &$0) },
        encode: { AMF0Value.encode($0) },
        decodeAll: { try AMF0Decoder.decodeAll($0) }
    )
}

runFuzzer { data, count in
    check(inputBytes(data, count))
    return 0
}
