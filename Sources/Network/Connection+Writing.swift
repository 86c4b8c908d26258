import Bytes

extension Connection {
    /// Queues `bytes`. They go out in one batch after the current event, with `writev` for TCP.
    /// Never blocks and never drops bytes; writes after `close(_:)` are ignored.
    public func write(_ bytes: SharedBytes) {
        eventLoop.preconditionInEventLoop()
        guard state == .idle || state == .active, bytes.count > 0 else {
            return
        }
        outputQueue.append(bytes)
        updateWritability()
        scheduleFlush()
    }

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

    /// Bytes queued and not yet handed to the kernel.
    public var queuedBytes: Int {
        eventLoop.preconditionInEventLoop()
        return outputQueue.byteCount
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
        var writer = SocketVectorWriter(descriptor: descriptor)
        let result: WriteQueue.FlushResult
        do {
            result = try outputQueue.flush(into: &writer, scratch: eventLoop.vectorScratch)
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
        if state == .closing && outputQueue.isEmpty {
            closeNow(error: nil)
        }
    }

    /// Flips `isWritable` when the queue crossed a watermark and calls `handler.connectionWritabilityChanged`.
    func updateWritability() {
        let queued = outputQueue.byteCount
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
