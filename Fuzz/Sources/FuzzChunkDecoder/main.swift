// FuzzChunkDecoder: the chunk decoder over arbitrary bytes.
//
// Input: byte 0 picks how the rest is split into pieces (see `pieces(of:seed:)`);
// the remaining bytes are a chunk stream as a peer sends it after the handshake.
//
// Invariant: `ChunkDecoder` returns messages, returns `nil` for "need more data",
// or throws `RTMPProtocolError` (the only error its typed `throws` allows); it
// never traps. In detail:
// - the bytes it consumed plus the bytes left in the buffer equal the input length;
// - fed whole or in pieces it returns the same messages and ends the same way;
// - the messages it returned, re-encoded with `ChunkWriter` (which compresses
//   headers) and with `ChunkEncoder` (type-0 headers only), decode again to the
//   same messages with no bytes left over;
// - an aggregate message that splits into sub-messages rebuilds, with
//   `AggregateMessage.payload`, into a body that splits into the same sub-messages.
import Bytes
import FuzzSupport
import RTMP

let limits = Limits()

/// The result of one feeding.
struct Outcome: Equatable {
    var messages: [Message] = []
    var error: RTMPProtocolError?
    var leftover = 0
}

func decode(_ chunks: [ArraySlice<UInt8>]) -> Outcome {
    var decoder = ChunkDecoder(limits: limits)
    var buffer = ByteBuffer()
    var outcome = Outcome()
    var written = 0
    var consumed = 0
    feeding: for chunk in chunks {
        buffer.writeBytes(chunk)
        written += chunk.count
        while true {
            let before = buffer.readerIndex
            do {
                let message = try decoder.decode(from: &buffer)
                consumed += buffer.readerIndex - before
                guard let message else { break }
                outcome.messages.append(message)
            } catch {
                consumed += buffer.readerIndex - before
                outcome.error = error
                break feeding
            }
        }
    }
    require(consumed + buffer.readableBytes == written, "consumed \(consumed) + left \(buffer.readableBytes) != \(written)")
    outcome.leftover = buffer.readableBytes
    return outcome
}

/// Encodes `messages` as a peer would, following its own Set Chunk Size messages.
func reencode(_ messages: [Message], compressed: Bool) -> [UInt8] {
    var writer = ChunkWriter(chunkSize: 128)
    var buffer = ByteBuffer()
    for message in messages {
        if compressed {
            writer.write(message, into: &buffer)
        } else {
            ChunkEncoder.encode(message, chunkSize: writer.chunkSize, into: &buffer)
        }
        if message.typeID == .setChunkSize, let size = try? SetChunkSize(payload: message.payload).chunkSize {
            writer.chunkSize = Int(size)
        }
    }
    return buffer.readAllBytes()
}

func checkAggregate(_ message: Message) {
    guard message.typeID == .aggregate,
        let parts = try? AggregateMessage.split(message, maximumParts: limits.maximumAggregateParts),
        let first = parts.first
    else { return }
    let rebuilt = Message(
        chunkStreamID: message.chunkStreamID,
        typeID: .aggregate,
        streamID: message.streamID,
        timestamp: first.timestamp,
        payload: AggregateMessage.payload(parts)
    )
    let again = try? AggregateMessage.split(rebuilt, maximumParts: limits.maximumAggregateParts)
    require(again == parts, "aggregate does not survive payload and split")
}

func check(_ input: [UInt8]) {
    guard let seed = input.first else { return }
    let stream = Array(input.dropFirst())

    let whole = decode([stream[...]])
    let split = decode(pieces(of: stream, seed: seed))
    require(whole.messages == split.messages, "whole and split feeding decode different messages")
    require(whole.error == split.error, "whole and split feeding end differently")
    if whole.error == nil {
        require(whole.leftover == split.leftover, "whole and split feeding leave different bytes")
    }

    for compressed in [true, false] {
        let again = decode([reencode(whole.messages, compressed: compressed)[...]])
        require(again.error == nil, "re-encoded messages fail to decode: \(String(describing: again.error))")
        require(again.messages == whole.messages, "re-encoded messages decode differently (compressed: \(compressed))")
        require(again.leftover == 0, "re-encoded messages leave \(again.leftover) bytes")
    }

    for message in whole.messages {
        checkAggregate(message)
    }
}

runFuzzer { data, count in
    check(inputBytes(data, count))
    return 0
}
