#if canImport(Glibc)
import Glibc
#endif
import Bytes
import TLS

/// A non-blocking TCP connection, plain or TLS, confined to `eventLoop`.
///
/// `TCPListener` creates connections for accepted sockets and `TCPConnector` for outgoing ones.
/// The owner sets `handler` on the connection's loop and then calls `start()`. From then on:
///
/// - reads go into the loop's shared 64 KiB buffer and straight to `handler`;
/// - `write(_:)` queues buffers, which leave in one `writev` after the current batch of events;
///   when the socket is full, the rest waits for `EPOLLOUT`;
/// - with TLS, reads feed the session and every read is followed by `readPlaintext`. So the
///   handshake runs from reads, and plaintext that OpenSSL buffered is delivered at once.
///   Queued plaintext is packed into records of up to 16 KiB, and the ciphertext takes the
///   same `writev` path;
/// - the connection closes once, on `close(_:)`, end of stream, `EPOLLHUP`/`EPOLLERR` or an I/O
///   error, and then calls `connectionDidClose` once and releases the handler.
///
/// Every member except the `let` properties must be used on `eventLoop`.
public final class Connection: @unchecked Sendable {
    /// The handling of queued bytes by `close(_:)`.
    public enum CloseMode: Sendable {
        /// Writes the queue (and, for TLS, a close_notify alert) first, then closes.
        case afterWrites
        /// Closes at once and drops the queue.
        case now
    }

    enum State {
        /// Created, not yet started: writes are queued but not sent.
        case idle
        case active
        /// `close(.afterWrites)` was called and the queue is draining.
        case closing
        case closed
    }

    /// The loop that owns this connection.
    public let eventLoop: EventLoop

    /// The peer's address.
    public let remoteAddress: SocketAddress

    /// This side's address.
    public let localAddress: SocketAddress

    /// True when bytes are encrypted with TLS.
    public let isTLS: Bool

    /// The receiver of reads and events. Held strongly until the connection closes.
    public var handler: (any ConnectionHandler)?

    /// Runs, on the connection's loop and before the connection closes, when the first byte shows
    /// that the client speaks TLS on a plain port or plain RTMP on a TLS port. Only connections
    /// accepted by a `TCPListener` check their first byte.
    public var protocolMismatchObserver: ((Connection, ProtocolMismatch) -> Void)?

    /// True until the first byte arrives on a connection accepted by a `TCPListener`.
    var checksFirstByte = false

    /// The socket; closed exactly once, by `closeNow(error:)` or `deinit`.
    let descriptor: Int32

    var state = State.idle
    var registrationID: UInt64?

    /// Bytes ready for the socket: the caller's bytes for TCP, ciphertext for TLS.
    var outputQueue = WriteQueue()

    /// TLS only: plaintext waiting to be encrypted.
    var plaintextQueue = WriteQueue()

    /// The TLS state, or nil for plain TCP.
    let session: TLSSession?

    /// TLS only: true once close_notify is queued.
    var closeNotifyQueued = false

    /// TLS only: true once the handler heard that the handshake completed.
    var handshakeReported = false

    /// True while `EPOLLOUT` is registered because the socket was full.
    var waitingForWritable = false

    /// True while a flush is queued with `executeAfterEvents`.
    var flushScheduled = false

    /// True while the connection waits in its loop's list of batched flushes.
    var batchedFlushPending = false

    var writable = true

    /// The low and high marks, in queued bytes, for `isWritable`. Checked `1 <= low <= high`.
    public var writeWatermarks: (low: Int, high: Int) = (low: 64 * 1024, high: 256 * 1024) {
        didSet {
            precondition(
                writeWatermarks.low >= 1 && writeWatermarks.low <= writeWatermarks.high,
                "write watermarks need 1 <= low <= high, got \(writeWatermarks)"
            )
        }
    }

    /// Reads handled per readiness event before the loop moves on to other connections; epoll
    /// is level-triggered, so the rest is read on the next turn.
    private static let maximumReadsPerEvent = 16

    init(
        descriptor: Int32,
        eventLoop: EventLoop,
        localAddress: SocketAddress,
        remoteAddress: SocketAddress,
        session: TLSSession?
    ) {
        self.descriptor = descriptor
        self.eventLoop = eventLoop
        self.localAddress = localAddress
        self.remoteAddress = remoteAddress
        self.session = session
        self.isTLS = session != nil
    }

    /// The TLS session, for the negotiated version and SNI in logs; nil for plain TCP.
    public var tlsSession: TLSSession? {
        eventLoop.preconditionInEventLoop()
        return session
    }

    deinit {
        // A connection dropped before `start()` still owns its socket.
        if state != .closed {
            closeDescriptor(descriptor)
        }
    }

    /// Registers with epoll and starts reading. Call once, on `eventLoop`, after setting `handler`.
    public func start() {
        eventLoop.preconditionInEventLoop()
        guard state == .idle else {
            return
        }
        state = .active
        do {
            registrationID = try eventLoop.register(descriptor, interest: interest, self)
        } catch {
            closeNow(error: error)
            return
        }
        if let session {
            // A client produces its ClientHello here; a server waits for the peer's.
            advanceTLS(session, after: session.handshake())
        }
        if state == .active && !(outputQueue.isEmpty && plaintextQueue.isEmpty) {
            scheduleFlush()
        }
    }

    /// Closes the connection. `.afterWrites` sends what is queued first; `.now` drops it.
    /// Closing twice does nothing, and so do writes after the first close.
    public func close(_ mode: CloseMode = .afterWrites) {
        eventLoop.preconditionInEventLoop()
        switch (state, mode) {
        case (.closed, _), (.closing, .afterWrites):
            return
        case (.active, .afterWrites) where !(outputQueue.isEmpty && plaintextQueue.isEmpty) || session != nil:
            state = .closing
            flushNow()
        default:
            closeNow(error: nil)
        }
    }

    /// Closes the socket once, drops the queue and reports `connectionDidClose` after the
    /// current callback returns, so a handler that closes from inside a callback is not re-entered.
    func closeNow(error: (any Error)?) {
        guard state != .closed else {
            return
        }
        state = .closed
        if let registrationID {
            eventLoop.deregister(descriptor, id: registrationID)
        }
        closeDescriptor(descriptor)
        outputQueue.removeAll()
        plaintextQueue.removeAll()

        let handler = self.handler
        self.handler = nil
        eventLoop.executeAfterEvents {
            handler?.connectionDidClose(self, error: error)
        }
    }

    /// The epoll events this connection waits for now.
    var interest: UInt32 {
        Epoll.readable | Epoll.readHangUp | (waitingForWritable ? Epoll.writable : 0)
    }

    func updateInterest() {
        guard let registrationID, state != .closed else {
            return
        }
        do {
            try eventLoop.modify(descriptor, id: registrationID, interest: interest)
        } catch {
            closeNow(error: error)
        }
    }
}

// MARK: - Reading

extension Connection: EventLoopSelectable {
    func handleEvents(_ events: UInt32) {
        let closingEvents = Epoll.hangUp | Epoll.error
        if events & (Epoll.readable | Epoll.readHangUp | closingEvents) != 0 {
            // Read first even on EPOLLHUP: the peer's last bytes may still be in the buffer.
            let outcome = readAvailable()
            guard state != .closed else {
                return
            }
            if outcome == .drained && events & closingEvents != 0 {
                let code = Socket.pendingError(descriptor)
                closeNow(error: code == 0 ? nil : TransportError.systemCall("socket", errno: code))
                return
            }
        }
        if events & Epoll.writable != 0 {
            flushNow()
        }
    }

    func closeForShutdown() {
        closeNow(error: TransportError.eventLoopShutDown())
    }

    private enum ReadOutcome {
        /// The socket returned `EAGAIN`.
        case drained
        /// The per-event read limit was reached with bytes possibly left.
        case budgetUsed
        /// The connection closed during the reads.
        case closed
    }

    private func readAvailable() -> ReadOutcome {
        let buffer = eventLoop.readBuffer
        for _ in 0..<Self.maximumReadsPerEvent {
            let result: IOResult<Int>
            do {
                result = try systemCall("read") { read(descriptor, buffer.baseAddress, buffer.count) }
            } catch {
                closeNow(error: error)
                return .closed
            }

            switch result {
            case .wouldBlock:
                return .drained
            case .processed(0):
                endOfStream()
                return .closed
            case .processed(let count):
                didReceive(UnsafeRawBufferPointer(rebasing: buffer[..<count]))
                if state == .closed {
                    return .closed
                }
                // A short read emptied the socket. Epoll is level-triggered, so bytes that arrive
                // later wake the loop again, and another read now would only return EAGAIN.
                if count < buffer.count {
                    return .drained
                }
            }
        }
        return .budgetUsed
    }

    /// Hands received bytes to the handler, through the TLS session when there is one.
    private func didReceive(_ bytes: UnsafeRawBufferPointer) {
        if checksFirstByte, let firstByte = bytes.first {
            checksFirstByte = false
            if let mismatch = ProtocolMismatch.detect(firstByte: firstByte, onTLSPort: session != nil) {
                protocolMismatchObserver?(self, mismatch)
                closeNow(error: mismatch)
                return
            }
        }
        guard let session else {
            handler?.connection(self, didRead: bytes)
            return
        }
        session.receiveCiphertext(bytes)
        readPlaintext(from: session)
    }

    /// Sends what the socket takes at once after the peer closed its side, then closes.
    private func endOfStream() {
        _ = try? writeQueuedBytes()
        closeNow(error: nil)
    }
}

// MARK: - Creating

extension Connection {
    /// Creates a connection that owns `descriptor`, an accepted or connected socket.
    ///
    /// - Throws: `TLSError` when `tls` is set and OpenSSL cannot create a session.
    static func make(
        descriptor: Int32,
        eventLoop: EventLoop,
        localAddress: SocketAddress,
        remoteAddress: SocketAddress,
        tls: TLSContext?,
        serverName: String?
    ) throws -> Connection {
        let session = try tls.map { context throws(TLSError) in
            try TLSSession(context: context, serverName: serverName)
        }
        return Connection(
            descriptor: descriptor,
            eventLoop: eventLoop,
            localAddress: localAddress,
            remoteAddress: remoteAddress,
            session: session
        )
    }
}
