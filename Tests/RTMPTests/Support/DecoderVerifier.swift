import Bytes
import RTMP
import Testing

/// Feeds one chunk decoder fixture in the ways that reveal buffering bugs:
/// whole, byte by byte (no message before the last byte), and with trailing
/// bytes that must stay unread.
enum DecoderVerifier {
    /// Decodes `bytes` whole, byte by byte and with trailing junk, and expects
    /// `expected` each time.
    static func verify(
        _ bytes: [UInt8],
        decodesTo expected: [Message],
        prepare: (inout ChunkDecoder) throws -> Void = { _ in },
        sourceLocation: SourceLocation = #_sourceLocation
    ) throws {
        // whole
        var decoder = ChunkDecoder()
        try prepare(&decoder)
        var buffer = ByteBuffer(bytes: bytes)
        #expect(try decodeAll(&decoder, &buffer) == expected, "whole", sourceLocation: sourceLocation)
        #expect(buffer.readableBytes == 0, "whole: bytes left over", sourceLocation: sourceLocation)

        // byte by byte: a message appears only once its last byte is in
        decoder = ChunkDecoder()
        try prepare(&decoder)
        buffer = ByteBuffer()
        var messages: [Message] = []
        for byte in bytes {
            buffer.writeByte(byte)
            messages += try decodeAll(&decoder, &buffer)
        }
        #expect(messages == expected, "byte by byte", sourceLocation: sourceLocation)
        #expect(buffer.readableBytes == 0, "byte by byte: bytes left over", sourceLocation: sourceLocation)

        // trailing bytes: a partial basic header and message header stay unread
        let trailing: [UInt8] = [0x03, 0x00, 0x00]
        decoder = ChunkDecoder()
        try prepare(&decoder)
        buffer = ByteBuffer(bytes: bytes + trailing)
        #expect(try decodeAll(&decoder, &buffer) == expected, "trailing", sourceLocation: sourceLocation)
        #expect(Array(buffer.readableBytesView) == trailing, "trailing bytes consumed", sourceLocation: sourceLocation)
    }

    static func decodeAll(_ decoder: inout ChunkDecoder, _ buffer: inout ByteBuffer) throws -> [Message] {
        var messages: [Message] = []
        while let message = try decoder.decode(from: &buffer) {
            messages.append(message)
        }
        return messages
    }
}
