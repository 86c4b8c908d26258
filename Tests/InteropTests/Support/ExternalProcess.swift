import Foundation

/// A child process (ffmpeg) whose output goes to files, with a bounded wait.
final class ExternalProcess: @unchecked Sendable {
    let process = Process()
    let standardOutput: URL
    let standardError: URL

    /// Starts `executable` with `arguments`, writing its output into `directory`.
    init(_ executable: String, _ arguments: [String], directory: URL, name: String) throws {
        standardOutput = directory.appendingPathComponent("\(name).out")
        standardError = directory.appendingPathComponent("\(name).err")
        FileManager.default.createFile(atPath: standardOutput.path, contents: nil)
        FileManager.default.createFile(atPath: standardError.path, contents: nil)
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = try FileHandle(forWritingTo: standardOutput)
        process.standardError = try FileHandle(forWritingTo: standardError)
        try process.run()
    }

    /// Waits up to `seconds` for the process to exit; kills it by its PID after that.
    /// - Returns: the exit status, or `nil` when it had to be killed.
    @discardableResult
    func wait(seconds: Double) -> Int32? {
        let deadline = Date().addingTimeInterval(seconds)
        while process.isRunning && Date() < deadline {
            usleep(50_000)
        }
        guard process.isRunning else { return process.terminationStatus }
        stop()
        return nil
    }

    /// Stops the process: SIGINT twice (ffmpeg's way to leave a blocking read), then SIGKILL.
    func stop() {
        let pid = process.processIdentifier
        for signal in [SIGINT, SIGINT, SIGKILL] where process.isRunning {
            kill(pid, signal)
            let deadline = Date().addingTimeInterval(1)
            while process.isRunning && Date() < deadline { usleep(20_000) }
        }
        process.waitUntilExit()
    }

    var output: String { (try? String(contentsOf: standardOutput, encoding: .utf8)) ?? "" }
    var errorOutput: String { (try? String(contentsOf: standardError, encoding: .utf8)) ?? "" }
}

/// Runs a command to completion within `seconds` and returns its standard output.
func run(_ executable: String, _ arguments: [String], directory: URL, name: String, seconds: Double = 120) throws -> String {
    let child = try ExternalProcess(executable, arguments, directory: directory, name: name)
    let status = child.wait(seconds: seconds)
    guard status == 0 else {
        throw InteropFailure("\(name) exited with \(status.map(String.init) ?? "a timeout"): \(child.errorOutput.suffix(2000))")
    }
    return child.output
}

struct InteropFailure: Error, CustomStringConvertible {
    let description: String

    init(_ description: String) {
        self.description = description
    }
}

/// One packet line of `ffmpeg -f framemd5`: `stream, dts, pts, duration, size, md5`.
///
/// Two packets are equal when their bytes are: size and hash. Stream numbers
/// differ between a file and a live player, whose demuxer numbers streams in
/// the order their first packets arrive.
struct FramePacket: Equatable {
    var stream: Int
    var size: Int
    var hash: String

    static func == (lhs: FramePacket, rhs: FramePacket) -> Bool {
        lhs.size == rhs.size && lhs.hash == rhs.hash
    }

    /// Parses framemd5 output into audio and video packets.
    ///
    /// Other streams are left out. A live player's FLV demuxer turns the server's
    /// `onStatus NetStream.Data.Start` data message into a data stream, and
    /// GStreamer's data messages into a subtitle stream; the source file has neither.
    static func parse(_ text: String) -> [FramePacket] {
        let lines = text.split(separator: "\n")
        var dataStreams = Set<Int>()
        for line in lines where line.hasPrefix("#media_type") && !line.hasSuffix(": video") && !line.hasSuffix(": audio") {
            let number = line.dropFirst("#media_type ".count).prefix { $0.isNumber }
            if let stream = Int(number) { dataStreams.insert(stream) }
        }
        return lines.compactMap { line in
            guard !line.hasPrefix("#") else { return nil }
            let fields = line.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
            guard fields.count == 6, let stream = Int(fields[0]), let size = Int(fields[4]) else { return nil }
            guard !dataStreams.contains(stream) else { return nil }
            return FramePacket(stream: stream, size: size, hash: fields[5])
        }
    }
}

/// Where `run` is found in the source packets, when it is one contiguous stretch of them.
/// - Returns: the index in `source` where `run` starts, or `nil`.
func contiguousMatch(_ run: [FramePacket], in source: [FramePacket]) -> Int? {
    guard let first = run.first else { return nil }
    for start in source.indices where source[start] == first {
        let end = start + run.count
        if end <= source.count && Array(source[start..<end]) == run { return start }
    }
    return nil
}
