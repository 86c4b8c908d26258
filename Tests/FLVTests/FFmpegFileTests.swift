import Foundation
import Testing

@testable import FLV

/// Runs a tool with a time limit, writing its standard output to a file.
/// - Returns: the exit status and the standard output.
private func run(_ tool: String, _ arguments: [String], in directory: URL, seconds: Double = 60) throws -> (Int32, String) {
    let outputURL = directory.appendingPathComponent("\(UUID().uuidString).out")
    FileManager.default.createFile(atPath: outputURL.path, contents: nil)
    let output = try FileHandle(forWritingTo: outputURL)
    defer { try? output.close() }

    let process = Process()
    process.executableURL = URL(fileURLWithPath: tool)
    process.arguments = arguments
    process.currentDirectoryURL = directory
    process.standardOutput = output
    process.standardError = FileHandle.nullDevice
    try process.run()

    // Stop the process (by its own PID) if it runs past the limit.
    let deadline = Date().addingTimeInterval(seconds)
    while process.isRunning && Date() < deadline {
        Thread.sleep(forTimeInterval: 0.05)
    }
    if process.isRunning {
        process.terminate()
        process.waitUntilExit()
        Issue.record("\(tool) ran longer than \(seconds) s and was stopped")
    }
    return (process.terminationStatus, try String(contentsOf: outputURL, encoding: .utf8))
}

/// Reads an FLV file that Debian's ffmpeg makes at test time and checks it against ffprobe.
@Suite(.serialized) struct FFmpegFileTests {
    @Test func ffmpegFileMatchesFFprobe() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("flv-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }

        // make 2 s of H.264 (a key frame every 30 frames) and AAC
        let (status, _) = try run(
            "/usr/bin/ffmpeg",
            [
                "-hide_banner", "-loglevel", "error", "-nostdin", "-y",
                "-f", "lavfi", "-i", "testsrc2=size=320x240:rate=30",
                "-f", "lavfi", "-i", "sine",
                "-t", "2", "-c:v", "libx264", "-g", "30", "-c:a", "aac", "-f", "flv", "out.flv",
            ],
            in: directory
        )
        try #require(status == 0, "ffmpeg failed with status \(status)")

        // what ffprobe reports
        let probe = try FFprobeReport(directory: directory)

        // what the reader and the classifier find
        let bytes = try [UInt8](Data(contentsOf: directory.appendingPathComponent("out.flv")))
        let (header, tags) = try FLVReader.readAll(bytes)
        #expect(header.hasAudio)
        #expect(header.hasVideo)

        var kinds: [MediaKind: Int] = [:]
        var videoConfigSizes: [Int] = []
        var audioConfigSizes: [Int] = []
        for tag in tags {
            kinds[MediaClassifier.classify(typeID: tag.type.rawValue, payload: tag.data), default: 0] += 1
            if tag.type == .video, let video = try? VideoTagHeader(payload: tag.data), video.isSequenceHeader {
                videoConfigSizes.append(video.tracks[0].data.count)
            }
            if tag.type == .audio, let audio = try? AudioTagHeader(payload: tag.data), audio.isSequenceHeader {
                audioConfigSizes.append(audio.tracks[0].data.count)
            }
        }

        #expect(kinds[.videoKeyframe] == probe.videoKeyframes)
        #expect((kinds[.videoKeyframe] ?? 0) + (kinds[.videoInterframe] ?? 0) == probe.videoPackets)
        #expect(kinds[.audioFrame] == probe.audioPackets)
        #expect(kinds[.metadata] == 1)
        #expect(kinds[.malformed] == nil)
        #expect(kinds[.videoSequenceHeader([0])] == 1)
        #expect(kinds[.audioSequenceHeader([0])] == 1)
        #expect(kinds[.videoSequenceEnd([0])] == 1)  // ffmpeg closes AVC in FLV with an end of sequence
        #expect(probe.videoKeyframes == 2)  // 60 frames with a key frame every 30
        #expect(videoConfigSizes == [probe.extradataSizes["h264"] ?? -1])
        #expect(audioConfigSizes == [probe.extradataSizes["aac"] ?? -1])

        // every audio and video payload encodes back from its parsed header
        var mismatchedTags: [Int] = []
        for (index, tag) in tags.enumerated() where tag.type == .video || tag.type == .audio {
            if try encodeParsedHeader(of: tag) != tag.data {
                mismatchedTags.append(index)
            }
        }
        #expect(mismatchedTags.isEmpty, "tags that did not encode back: \(mismatchedTags)")
    }

    /// Parses the audio or video header of `tag` and encodes it with the tag's own track data.
    private func encodeParsedHeader(of tag: FLVTag) throws -> [UInt8] {
        if tag.type == .video {
            let header = try VideoTagHeader(payload: tag.data)
            return try header.encoded(trackData: header.tracks.map { tag.data[$0.data] })
        }
        let header = try AudioTagHeader(payload: tag.data)
        return try header.encoded(trackData: header.tracks.map { tag.data[$0.data] })
    }
}

/// Packet and stream facts from ffprobe.
private struct FFprobeReport {
    var videoPackets = 0
    var videoKeyframes = 0
    var audioPackets = 0
    /// Codec configuration size by codec name, which FLV carries in the sequence header.
    var extradataSizes: [String: Int] = [:]

    init(directory: URL) throws {
        let (packetStatus, packets) = try run(
            "/usr/bin/ffprobe",
            ["-v", "error", "-show_entries", "packet=codec_type,flags", "-of", "csv=p=0", "out.flv"],
            in: directory
        )
        try #require(packetStatus == 0, "ffprobe failed with status \(packetStatus)")
        // lines such as "video,K_" and "audio,__"
        for line in packets.split(separator: "\n") {
            let fields = line.split(separator: ",")
            guard fields.count == 2 else { continue }
            if fields[0] == "video" {
                videoPackets += 1
                if fields[1].hasPrefix("K") { videoKeyframes += 1 }
            } else if fields[0] == "audio" {
                audioPackets += 1
            }
        }

        let (streamStatus, streams) = try run(
            "/usr/bin/ffprobe",
            ["-v", "error", "-show_entries", "stream=codec_name,extradata_size", "-of", "csv=p=0", "out.flv"],
            in: directory
        )
        try #require(streamStatus == 0, "ffprobe failed with status \(streamStatus)")
        // lines such as "h264,46"
        for line in streams.split(separator: "\n") {
            let fields = line.split(separator: ",")
            guard fields.count == 2, let size = Int(fields[1]) else { continue }
            extradataSizes[String(fields[0])] = size
        }
    }
}
