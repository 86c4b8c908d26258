import FLV
import Foundation
import Network
import RTMPClient

extension Sealcast {
    /// `sealcast probe URL`: plays until the stream can be described, then prints its tracks.
    static func probe(_ options: Options) throws {
        try rejectOptions(options, unusedBy: "probe", allowed: ["--json", "--timeout", "--ca-file", "--pin", "--insecure"])
        guard options.positional.count == 1 else {
            throw UsageError("probe needs one URL, as in: sealcast probe rtmp://host/live/stream")
        }
        let configuration = try clientConfiguration(options, url: options.positional[0])
        let logger = try clientLogger(options, label: "sealcast.probe")
        let timeout = Duration.milliseconds(Int64((options.timeoutSeconds ?? 10) * 1000))
        let json = options.json

        try runAsync {
            let group = EventLoopGroup(numberOfThreads: 1)
            defer { group.shutdown() }
            let info = try await StreamProbe.probe(configuration: configuration, group: group, timeout: timeout, logger: logger)
            if json {
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
                print(String(decoding: try encoder.encode(info), as: UTF8.self))
            } else {
                print(describe(info, url: configuration.url))
            }
        }
    }

    /// Formats stream information as text: a summary, then one line per track and the metadata.
    static func describe(_ info: StreamInfo, url: RTMPURL) -> String {
        let name = url.streamName.prefix { $0 != "?" }
        var lines = ["Stream:  \(url.tcURL)/\(name)", "Summary: \(info.summary)"]
        for track in info.video {
            var fields = [track.codec + (track.fourCC.map { " (\($0))" } ?? "")]
            fields += [track.profile.map { "profile \($0)" }, track.level.map { "level \($0)" }].compactMap { $0 }
            if let width = track.width, let height = track.height { fields.append("\(width)x\(height)") }
            if let rate = track.frameRate { fields.append(String(format: "%.2f fps", rate)) }
            if let bitrate = track.bitrate { fields.append("\(bitrate / 1000) kb/s") }
            lines.append("Video track \(track.trackID): " + fields.joined(separator: ", "))
        }
        for track in info.audio {
            var fields = [track.codec + (track.fourCC.map { " (\($0))" } ?? "")]
            fields += [track.profile.map { "profile \($0)" }].compactMap { $0 }
            if let rate = track.sampleRate { fields.append("\(rate) Hz") }
            if let channels = track.channels { fields.append("\(channels) ch") }
            if let bitrate = track.bitrate { fields.append("\(bitrate / 1000) kb/s") }
            lines.append("Audio track \(track.trackID): " + fields.joined(separator: ", "))
        }
        for key in info.metadata.keys.sorted() {
            lines.append("Metadata: \(key) = \(info.metadata[key] ?? "")")
        }
        return lines.joined(separator: "\n")
    }
}
