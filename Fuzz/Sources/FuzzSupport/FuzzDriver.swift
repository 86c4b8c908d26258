import Foundation
import RTMP
import TLS

/// The entry point of libFuzzer's driver, linked in by `-sanitize=fuzzer`:
/// `int LLVMFuzzerRunDriver(int *argc, char ***argv, int (*callback)(const uint8_t *, size_t))`.
///
/// SwiftPM renames an executable's `main`, so a target cannot define
/// `LLVMFuzzerTestOneInput` and let libFuzzer's own `main` call it. Each target's
/// `main.swift` calls this driver instead, which parses libFuzzer's flags and
/// calls the callback once per input.
@_silgen_name("LLVMFuzzerRunDriver")
func LLVMFuzzerRunDriver(
    _ argc: UnsafeMutablePointer<Int32>,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>>,
    _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> Int32
) -> Int32

/// A fuzz target's callback: it receives one input and traps when an invariant breaks.
public typealias FuzzCallback = @convention(c) (UnsafePointer<UInt8>?, Int) -> Int32

/// Runs libFuzzer with the process arguments and exits with its status.
public func runFuzzer(_ callback: FuzzCallback) -> Never {
    var argc = CommandLine.argc
    var argv = CommandLine.unsafeArgv
    exit(LLVMFuzzerRunDriver(&argc, &argv, callback))
}

/// Copies libFuzzer's input into an array. A `nil` pointer is the empty input.
public func inputBytes(_ data: UnsafePointer<UInt8>?, _ count: Int) -> [UInt8] {
    guard let data, count > 0 else { return [] }
    return Array(UnsafeBufferPointer(start: data, count: count))
}

/// Stops the process with `message` when an invariant does not hold, so that
/// libFuzzer reports the crash and saves the input.
///
/// `precondition` would do the same in a debug build, but these targets are
/// built with `-c release`, where a failed `precondition` prints no message.
public func require(
    _ condition: @autoclosure () -> Bool,
    _ message: @autoclosure () -> String,
    file: StaticString = #fileID,
    line: UInt = #line
) {
    if !condition() {
        FileHandle.standardError.write(Data("invariant broken at \(file):\(line): \(message())\n".utf8))
        abort()
    }
}

/// Cuts `bytes` into pieces whose lengths follow a pattern chosen by `seed`,
/// so one input is also fed in many different splits.
///
/// The pattern cycles through `seed % 7 + 1` bytes, 1 byte and `seed * 13 + 1` bytes,
/// which covers byte-by-byte feeding, small pieces and pieces that straddle
/// handshake packets and chunk headers.
public func pieces(of bytes: [UInt8], seed: UInt8) -> [ArraySlice<UInt8>] {
    let lengths = [Int(seed % 7) + 1, 1, Int(seed) * 13 + 1]
    var result: [ArraySlice<UInt8>] = []
    var start = 0
    var turn = 0
    while start < bytes.count {
        let end = min(start + lengths[turn % lengths.count], bytes.count)
        result.append(bytes[start..<end])
        start = end
        turn += 1
    }
    return result
}

/// Handshake cryptography for the fuzz targets: OpenSSL's HMAC-SHA256 and a
/// fixed byte pattern in place of random bytes, so every run of an input is
/// the same.
public struct FuzzCrypto: HandshakeCrypto {
    /// The first byte of the pattern.
    public var seed: UInt8

    /// Creates the crypto with the pattern that starts at `seed`.
    public init(seed: UInt8) {
        self.seed = seed
    }

    /// Computes the HMAC-SHA256 of `data` under `key` with OpenSSL.
    public func hmacSHA256(key: [UInt8], data: [UInt8]) -> [UInt8] {
        Crypto.hmacSHA256(key: key, data: data)
    }

    /// Returns `count` bytes of the fixed pattern.
    public func randomBytes(count: Int) -> [UInt8] {
        (0..<count).map { UInt8(truncatingIfNeeded: Int(seed) &+ $0 &* 7) }
    }
}
