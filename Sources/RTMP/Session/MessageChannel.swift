import Bytes

/// The message layer under both sessions: the inbound bytes and chunk
/// decoder, the outbound chunk writer, and the protocol control that needs no
/// decision (Acknowledgement, Window Acknowledgement Size, Ping).
///
/// The channel counts received bytes and sends an Acknowledgement each time
/// the count since the last one reaches the peer's window. The sequence
/// number is the total received after the handshake, modulo 2^32. It also keeps
/// the last sequence number the peer acknowledged, so that the owner can tell
/// how much of what it sent the peer has not confirmed.
struct MessageChannel {
    var inbound = ByteBuffer()
    var decoder: ChunkDecoder
    var writer: ChunkWriter
    private(set) var outbound = ByteBuffer()

    private let limits: Limits
    /// The bytes received after the handshake.
    private(set) var bytesReceived: UInt64 = 0
    /// The value of `bytesReceived` when the last Acknowledgement was sent.
    private var bytesAcknowledged: UInt64 = 0
    /// The peer's Window Acknowledgement Size, clamped to the limits; `nil`
    /// until the peer sends one, and no Acknowledgement is sent before that.
    private(set) var peerWindow: UInt32?
    /// The sequence number of the peer's last Acknowledgement, or `nil` before the first.
    private(set) var peerAcknowledged: UInt32?

    init(limits: Limits, compressedChunkStreams: Set<ChunkStreamID>?) {
        self.limits = limits
        decoder = ChunkDecoder(limits: limits)
        writer = ChunkWriter(compressedChunkStreams: compressedChunkStreams)
    }

    /// Counts `count` bytes of chunk stream input and acknowledges them if the window is full.
    mutating func countReceived(_ count: Int) {
        bytesReceived += UInt64(count)
        acknowledgeIfNeeded()
    }

    /// Decodes the next message and handles the protocol control that needs no
    /// decision. Every message, control included, is returned.
    mutating func nextMessage() throws(RTMPProtocolError) -> Message? {
        inbound.compact()
        guard let message = try decoder.decode(from: &inbound) else { return nil }
        switch message.typeID {
        case .acknowledgement:
            peerAcknowledged = try Acknowledgement(payload: message.payload).sequenceNumber
        case .windowAcknowledgementSize:
            let size = try WindowAcknowledgementSize(payload: message.payload).windowSize
            peerWindow = min(max(size, limits.minimumAcknowledgementWindow), limits.maximumAcknowledgementWindow)
            acknowledgeIfNeeded()
        case .userControl:
            if case .pingRequest(let timestamp) = try UserControl(payload: message.payload) {
                send(UserControl.pingResponse(timestamp: timestamp).message)
            }
        default:
            break
        }
        return message
    }

    /// Encodes `message` with the session's chunk size and header compression.
    mutating func send(_ message: Message) {
        writer.write(message, into: &outbound)
    }

    /// Queues bytes that are not chunks, such as the handshake.
    mutating func sendRaw(_ bytes: [UInt8]) {
        outbound.writeBytes(bytes)
    }

    /// Sends Set Chunk Size and uses the new size from the next message on.
    mutating func announceChunkSize(_ size: Int) {
        send(SetChunkSize(chunkSize: UInt32(size)).message)
        writer.chunkSize = size
    }

    /// Removes and returns the queued outbound bytes, or `nil` when none are queued.
    mutating func takeOutbound() -> [UInt8]? {
        guard outbound.readableBytes > 0 else { return nil }
        let bytes = outbound.readAllBytes()
        outbound.clear()
        return bytes
    }

    private mutating func acknowledgeIfNeeded() {
        guard let peerWindow, bytesReceived - bytesAcknowledged >= UInt64(peerWindow) else { return }
        bytesAcknowledged = bytesReceived
        send(Acknowledgement(sequenceNumber: UInt32(truncatingIfNeeded: bytesReceived)).message)
    }
}
