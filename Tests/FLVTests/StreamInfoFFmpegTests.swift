import Foundation
import Testing

@testable import FLV

/// Runs Debian's ffmpeg with a time limit and returns the FLV file it wrote.
private func makeFLV(_ arguments: [String], seconds: Double = 90) throws -> [UInt8] {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("streaminfo-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: directory) }
    let output = directory.appendingPathComponent("out.flv")

    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/ffmpeg")
    process.arguments = ["-hide_banner", "-loglevel", "error", "-nostdin", "-y"] + arguments + ["-f", "flv", output.path]
    process.standardOutput = FileHandle.nullDevice
    process.standardError = FileHandle.nullDevice
    try process.run()

    // Stop ffmpeg (by its own PID) if it runs past the limit.
    let deadline = Date().addingTimeInterval(seconds)
    while process.isRunning && Date() < deadline {
        Thread.sleep(forTimeInterval: 0.05)
    }
    if process.isRunning {
        process.terminate()
        process.waitUntilExit()
        Issue.record("ffmpeg ran longer than \(seconds) s and was stopped")
    }
    try #require(process.terminationStatus == 0, "ffmpeg failed with status \(process.terminationStatus)")
    return try [UInt8](Data(contentsOf: output))
}

/// Feeds every tag of an FLV file to a collector, as a server would feed the messages of a stream.
private func collect(_ file: [UInt8]) throws -> StreamInfoCollector {
    var collector = StreamInfoCollector()
    for tag in try FLVReader.readAll(file).tags {
        collector.add(typeID: tag.type.rawValue, timestamp: tag.timestamp, payload: tag.data)
    }
    return collector
}

/// Streams that Debian's ffmpeg makes at test time, read through `FLVReader`.
@Suite(.serialized) struct StreamInfoFFmpegTests {
    @Test func h264AndAAC640x360() throws {
        let file = try makeFLV([
            "-f", "lavfi", "-i", "testsrc2=size=640x360:rate=30",
            "-f", "lavfi", "-i", "sine=frequency=1000:sample_rate=48000",
            "-t", "2", "-c:v", "libx264", "-g", "30", "-b:v", "500k",
            "-c:a", "aac", "-b:a", "96k", "-ac", "2",
        ])
        let collector = try collect(file)
        #expect(collector.isComplete)
        let info = collector.info

        let video = try #require(info.video.first)
        #expect(info.video.count == 1)
        #expect(video.codec == "H.264")
        #expect(video.fourCC == "avc1")
        #expect(video.profile == "High")
        #expect(video.level == "3.0")
        #expect(video.width == 640)
        #expect(video.height == 360)
        #expect(abs((video.frameRate ?? 0) - 30) <= 0.5)
        // libx264 in 2 s from a still-looking test source: far below or near the 500 kb/s target
        #expect((50_000...1_500_000).contains(video.bitrate ?? 0))

        let audio = try #require(info.audio.first)
        #expect(info.audio.count == 1)
        #expect(audio.codec == "AAC")
        #expect(audio.profile == "LC")
        #expect(audio.sampleRate == 48000)
        #expect(audio.channels == 2)
        #expect((60_000...140_000).contains(audio.bitrate ?? 0))

        #expect(info.metadata["width"] == "640")
        #expect(info.metadata["height"] == "360")
        #expect(info.metadata["encoder"]?.hasPrefix("Lavf") == true)
        #expect(info.summary.hasPrefix("H.264 High 640x360 30 fps "))
    }

    @Test func h264Main720p() throws {
        let file = try makeFLV([
            "-f", "lavfi", "-i", "testsrc2=size=1280x720:rate=30",
            "-t", "1", "-c:v", "libx264", "-profile:v", "main", "-preset", "veryfast",
        ])
        let collector = try collect(file)
        #expect(collector.isComplete)
        let video = try #require(collector.info.video.first)
        #expect(video.codec == "H.264")
        #expect(video.profile == "Main")
        #expect(video.level == "3.1")
        #expect(video.width == 1280)
        #expect(video.height == 720)
        #expect(abs((video.frameRate ?? 0) - 30) <= 0.5)
        #expect((50_000...20_000_000).contains(video.bitrate ?? 0))
        #expect(collector.info.audio.isEmpty)
    }

    @Test func incompleteBeforeFirstKeyframe() throws {
        let file = try makeFLV([
            "-f", "lavfi", "-i", "testsrc2=size=320x240:rate=25",
            "-t", "0.2", "-c:v", "libx264",
        ])
        var collector = StreamInfoCollector()
        var completeAt: Int?
        for (index, tag) in try FLVReader.readAll(file).tags.enumerated() {
            collector.add(typeID: tag.type.rawValue, timestamp: tag.timestamp, payload: tag.data)
            if completeAt == nil && collector.isComplete { completeAt = index }
        }
        // tags: onMetaData, the AVC sequence header, then the key frame
        #expect(completeAt == 2)
        #expect(collector.info.video.first?.width == 320)
        #expect(abs((collector.info.video.first?.frameRate ?? 0) - 25) <= 0.5)
    }

    @Test func measuredRateKeepsUncommonRates() {
        var meter = RateMeter()
        // 10 s at 17 fps, timestamps rounded down to milliseconds
        for index in 0..<171 {
            meter.add(byteCount: 100, timestamp: UInt32(index * 1000 / 17))
        }
        #expect(abs((meter.frameRate ?? 0) - 17) < 0.01)

        var ntsc = RateMeter()
        for index in 0..<300 {
            ntsc.add(byteCount: 100, timestamp: UInt32(index * 1001 / 30))
        }
        #expect(ntsc.frameRate == 30000.0 / 1001)
    }
}
