// FuzzFLVTags: the FLV parsers over arbitrary bytes.
//
// Input: byte 0 selects what the rest is. When its low bit is 0, the rest is an
// FLV file, read whole and appended in pieces (byte 0 also picks the pieces). When
// it is 1, the rest is one message payload, handed to every payload parser:
// `VideoTagHeader`, `AudioTagHeader`, `MediaClassifier`, `Metadata`, the codec
// configuration records (AVC, HEVC, AV1, VP8/VP9, AAC, Opus, FLAC) with their
// sequence header and key frame parsers, and a `StreamInfoCollector` that also
// receives the payload cut into several messages.
//
// Invariant: no parser traps; each returns a value, `nil` or its own typed error.
// In detail:
// - `FLVReader` returns the same tags fed whole or in pieces, and the tags it
//   returns, written with `FLVWriter`, read back as the same tags;
// - every track range a tag header returns lies inside the payload.
import AMF
import Bytes
import FLV
import FuzzSupport

func readTags(_ chunks: [ArraySlice<UInt8>]) -> (tags: [FLVTag], error: FLVError?) {
    var reader = FLVReader(bytes: [])
    var tags: [FLVTag] = []
    for chunk in chunks {
        reader.append(chunk)
        do {
            while let tag = try reader.nextTag() {
                tags.append(tag)
            }
        } catch {
            return (tags, error)
        }
    }
    return (tags, nil)
}

func checkFile(_ bytes: [UInt8], seed: UInt8) {
    let whole = readTags([bytes[...]])
    let split = readTags(pieces(of: bytes, seed: seed))
    require(whole.tags == split.tags, "whole and split reading return different tags")
    require(whole.error == split.error, "whole and split reading end differently")

    var writer = FLVWriter(header: FLVFileHeader(hasAudio: true, hasVideo: true))
    for tag in whole.tags {
        do {
            try writer.write(tag)
        } catch {
            require(false, "a tag that was read cannot be written: \(error)")
        }
    }
    let again = readTags([writer.takeBytes()[...]])
    require(again.error == nil && again.tags == whole.tags, "written tags read back differently")
}

func checkHeaders(_ payload: [UInt8]) {
    if let video = try? VideoTagHeader(payload: payload) {
        for track in video.tracks {
            require(track.data.lowerBound >= 0 && track.data.upperBound <= payload.count, "video track outside payload")
        }
    }
    if let audio = try? AudioTagHeader(payload: payload) {
        for track in audio.tracks {
            require(track.data.lowerBound >= 0 && track.data.upperBound <= payload.count, "audio track outside payload")
        }
    }
    for typeID: UInt8 in [8, 9, 15, 18, 22] {
        _ = MediaClassifier.classify(typeID: typeID, payload: payload)
    }
    _ = Metadata.strippingSetDataFrame(payload)
    _ = try? Metadata.decodeOnMetaData(payload)
}

func checkVideoRecords(_ payload: [UInt8]) {
    if let avc = try? AVCDecoderConfigurationRecord(bytes: payload) {
        _ = try? avc.parseSequenceParameterSet()
        require((try? AVCDecoderConfigurationRecord(bytes: avc.encoded())) != nil, "encoded AVC record does not parse")
    }
    _ = try? H264SequenceParameterSet(nalUnit: payload)
    if let hevc = try? HEVCDecoderConfigurationRecord(bytes: payload) {
        _ = try? hevc.parseSequenceParameterSet()
        require((try? HEVCDecoderConfigurationRecord(bytes: hevc.encoded())) != nil, "encoded HEVC record does not parse")
    }
    _ = try? HEVCSequenceParameterSet(nalUnit: payload)
    if let av1 = try? AV1CodecConfigurationRecord(bytes: payload) {
        _ = try? av1.parseSequenceHeader()
    }
    _ = try? AV1SequenceHeader(payload: payload)
    if let vp = try? VPCodecConfigurationRecord(bytes: payload) {
        require((try? VPCodecConfigurationRecord(bytes: vp.encoded())) != nil, "encoded VP record does not parse")
    }
    _ = try? VP9KeyFrameHeader(frame: payload)
    _ = try? VP8KeyFrameHeader(frame: payload)
}

func checkAudioRecords(_ payload: [UInt8]) {
    _ = try? AudioSpecificConfig(bytes: payload)
    if let opus = try? OpusHead(bytes: payload) {
        require((try? OpusHead(bytes: opus.encoded())) != nil, "encoded OpusHead does not parse")
    }
    _ = try? FLACStreamInfo(bytes: payload)
}

/// Feeds the payload as one message of each media type, then cut into messages
/// whose type and length come from the payload itself.
func checkCollector(_ payload: [UInt8]) {
    var collector = StreamInfoCollector()
    for typeID: UInt8 in [18, 9, 8] {
        collector.add(typeID: typeID, timestamp: 0, payload: payload)
    }
    var index = 0
    var timestamp: UInt32 = 0
    while index + 2 <= payload.count {
        let typeID: UInt8 = [8, 9, 18][Int(payload[index]) % 3]
        let length = Int(payload[index + 1])
        let end = min(index + 2 + length, payload.count)
        collector.add(typeID: typeID, timestamp: timestamp, payload: payload[(index + 2)..<end])
        timestamp &+= 40
        index = end
    }
    _ = collector.isComplete
    _ = collector.info
}

func check(_ input: [UInt8]) {
    guard let selector = input.first else { return }
    let rest = Array(input.dropFirst())
    if selector & 1 == 0 {
        checkFile(rest, seed: selector >> 1)
    } else {
        checkHeaders(rest)
        checkVideoRecords(rest)
        checkAudioRecords(rest)
        checkCollector(rest)
    }
}

runFuzzer { data, count in
    check(inputBytes(data, count))
    return 0
}
