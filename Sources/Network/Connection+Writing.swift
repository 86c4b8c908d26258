import Bytes

extension Connection {
    /// Queues `bytes`. They go out in one batch after the current event, with `writev` for TCP;
    /// for TLS, queued buffers are packed into `SSL_write` calls of up to 16 KiB each.
    /// Never blocks. Bytes written before `close(_:)` are all sent unless the connection closes
    /// with `.now` or an error first; writes after `close(_:)` are ignored.
    public func write(_ bytes: SharedBytes) {
        guard enqueue(bytes) else {
            return
        }
        scheduleFlush()
    }

    /// Queues `bytes` to go out within `delay`, in one write with whatever else is queued by
    /// then. Media fan-out uses it: a few messages per `writev` and per TLS record cost far less
    /// than one each. The bytes go out after the current event instead once the queue contains
    /// `batchFlushThreshold` bytes, or when `delay` is zero.
    public func write(_ bytes: SharedBytes, within delay: Duration) {
        guard delay > .zero else {
            write(bytes)
            return
        }
        guard enqueue(bytes) else {
            return
        }
        if totalQueuedBytes >= Self.batchFlushThreshold {
            scheduleFlush()
        } else if !(flushScheduled || waitingForWritable || batchedFlushPending) {
            batchedFlushPending = true
            eventLoop.flushLater(self, within: delay)
        }
    }

    /// Appends `bytes` to the queue that the connection writes from and updates the
    /// writability. Returns false, queuing nothing, when `bytes` is empty or the connection
    /// no longer takes writes.
    private func enqueue(_ bytes: SharedBytes) -> Bool {
        eventLoop.preconditionInEventLoop()
        guard state == .idle || state == .active, bytes.count > 0 else {
            return false
        }
        if session == nil {
            outputQueue.append(bytes)
        } else {
            plaintextQueue.append(bytes)
        }
        updateWritability()
        return true
    }

    /// Queued bytes that end the wait of `write(_:within:)`: four full TLS records.
    static let batchFlushThreshold = 4 * EventLoop.maximumRecordSize

    /// Copies `bytes` into a new buffer and queues it.
    public func write(_ bytes: [UInt8]) {
        guard !bytes.isEmpty else {
            return
        }
        write(SharedBytes(copying: bytes))
    }

    /// Writes now as much of the queue as the socket takes.
    public func flush() {
        eventLoop.preconditionInEventLoop()
        flushNow()
    }

    /// Bytes queued and not yet handed to the kernel. For TLS, the plaintext not yet encrypted
    /// plus the ciphertext not yet written.
    public var queuedBytes: Int {
        eventLoop.preconditionInEventLoop()
        return totalQueuedBytes
    }

    /// Bytes handed to the kernel since the connection opened (ciphertext for TLS). A caller
    /// that samples it twice learns whether the peer took anything in between.
    public var bytesWritten: Int {
        eventLoop.preconditionInEventLoop()
        return outputQueue.totalTaken
    }

    var totalQueuedBytes: Int {
        outputQueue.byteCount + plaintextQueue.byteCount
    }

    /// False once `queuedBytes` rose above the high watermark, true again once it fell below the
    /// low watermark. Each flip calls `handler.connectionWritabilityChanged`.
    public var isWritable: Bool {
        eventLoop.preconditionInEventLoop()
        return writable
    }

    /// Queues one flush after the current batch of events, unless one is queued already or the
    /// socket is full (then `EPOLLOUT` triggers the flush).
    func scheduleFlush() {
        guard !flushScheduled && !waitingForWritable else {
            return
        }
        flushScheduled = true
        eventLoop.executeAfterEvents { [self] in
            flushScheduled = false
            flushNow()
        }
    }

    /// Writes the queue until it is empty or the socket is full, then updates the epoll interest,
    /// the writability and, when a close was requested, closes.
    func flushNow() {
        guard state == .active || state == .closing else {
            return
        }
        let result: WriteQueue.FlushResult
        do {
            result = try writeQueuedBytes()
        } catch {
            closeNow(error: error)
            return
        }

        let mustWait = result == .wouldBlock
        if mustWait != waitingForWritable {
            waitingForWritable = mustWait
            updateInterest()
        }
        updateWritability()
        if state == .closing && outputQueue.isEmpty && plaintextQueue.isEmpty {
            closeNow(error: nil)
        }
    }

    /// Writes until the queues are empty or the socket is full. For TLS, encrypts queued
    /// plaintext a batch at a time and, when closing, queues close_notify after the last byte.
    ///
    /// - Throws: `TransportError` from the socket or `TLSError` from encryption.
    func writeQueuedBytes() throws -> WriteQueue.FlushResult {
        var writer = SocketVectorWriter(descriptor: descriptor)
        while true {
            if let session {
                try encryptQueuedPlaintext(session)
                if state == .closing && plaintextQueue.isEmpty && !closeNotifyQueued {
                    closeNotifyQueued = true
                    session.shutdown()
                    queueCiphertext(from: session)
                }
            }
            if try outputQueue.flush(into: &writer, scratch: eventLoop.vectorScratch) == .wouldBlock {
                return .wouldBlock
            }
            let canEncryptMore = session?.isHandshakeComplete ?? false
            if plaintextQueue.isEmpty || !canEncryptMore {
                return .drained
            }
        }
    }

    /// Flips `isWritable` when the queue crossed a watermark and calls `handler.connectionWritabilityChanged`.
    func updateWritability() {
        let queued = totalQueuedBytes
        if writable && queued > writeWatermarks.high {
            writable = false
        } else if !writable && queued < writeWatermarks.low {
            writable = true
        } else {
            return
        }
        handler?.connectionWritabilityChanged(self)
    }
}
