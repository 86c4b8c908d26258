#if canImport(Glibc)
import Glibc
#endif
import Bytes

/// Hands gathered buffers to the kernel. A protocol so that tests can script partial writes,
/// `EAGAIN` and errors.
protocol VectorWriter {
    /// Writes as much of `vectors` as the socket takes; returns the byte count or `.wouldBlock`.
    mutating func write(_ vectors: UnsafeBufferPointer<iovec>) throws(TransportError) -> IOResult<Int>
}

/// Writes with `sendmsg`, which is `writev` plus `MSG_NOSIGNAL`: a closed peer returns `EPIPE`
/// instead of raising `SIGPIPE`.
struct SocketVectorWriter: VectorWriter {
    let descriptor: Int32

    func write(_ vectors: UnsafeBufferPointer<iovec>) throws(TransportError) -> IOResult<Int> {
        var message = msghdr()
        message.msg_iov = UnsafeMutablePointer(mutating: vectors.baseAddress)
        message.msg_iovlen = vectors.count
        return try systemCall("writev") { sendmsg(descriptor, &message, Int32(MSG_NOSIGNAL)) }
    }
}

/// A FIFO of buffers waiting for the socket, each with the offset of its first unsent byte.
///
/// Bytes leave in the order they were appended; a partial write only moves offsets forward, so
/// nothing is lost or reordered.
struct WriteQueue {
    private struct Entry {
        let buffer: SharedBytes
        var offset: Int

        var remaining: Int { buffer.count - offset }
    }

    /// The outcome of `flush`.
    enum FlushResult: Equatable {
        /// Everything was written.
        case drained
        /// The socket took less than everything and reported `EAGAIN`.
        case wouldBlock
    }

    // A deque kept as an array and the index of its first live entry.
    private var entries: [Entry] = []
    private var head = 0

    /// Bytes queued and not yet written.
    private(set) var byteCount = 0

    /// Bytes taken from the front since the queue was created; it only grows, so a caller
    /// that samples it twice learns whether anything left in between.
    private(set) var totalTaken = 0

    var isEmpty: Bool { byteCount == 0 }

    /// Appends `buffer` to the end; an empty buffer is ignored.
    mutating func append(_ buffer: SharedBytes) {
        guard buffer.count > 0 else {
            return
        }
        entries.append(Entry(buffer: buffer, offset: 0))
        byteCount += buffer.count
    }

    /// Drops every queued buffer.
    mutating func removeAll() {
        entries.removeAll()
        head = 0
        byteCount = 0
    }

    /// Writes queued buffers through `writer`, up to `scratch.count` buffers per call, until the
    /// queue is empty or the writer returns `.wouldBlock`.
    mutating func flush<Writer: VectorWriter>(
        into writer: inout Writer,
        scratch: UnsafeMutableBufferPointer<iovec>
    ) throws(TransportError) -> FlushResult {
        while !isEmpty {
            let vectorCount = gather(into: scratch)
            let result = try writer.write(UnsafeBufferPointer(rebasing: scratch[..<vectorCount]))
            switch result {
            case .wouldBlock:
                return .wouldBlock
            case .processed(let written):
                advance(by: written)
            }
        }
        return .drained
    }

    /// Fills `scratch` with the unsent parts of the first buffers; returns how many it filled.
    private func gather(into scratch: UnsafeMutableBufferPointer<iovec>) -> Int {
        var count = 0
        var index = head
        while index < entries.count && count < scratch.count {
            let entry = entries[index]
            let start = entry.buffer.bytes.baseAddress! + entry.offset
            scratch[count] = iovec(iov_base: UnsafeMutableRawPointer(mutating: start), iov_len: entry.remaining)
            count += 1
            index += 1
        }
        return count
    }

    /// Calls `body` with up to `limit` bytes from the front of the queue in one contiguous block,
    /// then removes the number of bytes `body` returns.
    ///
    /// The block points into the first buffer when that buffer alone has `limit` bytes left or
    /// is the last one. Otherwise the bytes of several buffers are copied into `scratch`, which
    /// must hold at least `limit` bytes.
    mutating func consumeFront(
        upTo limit: Int,
        scratch: UnsafeMutableRawBufferPointer,
        _ body: (UnsafeRawBufferPointer) -> Int
    ) {
        guard !isEmpty else {
            return
        }
        let first = entries[head]
        let consumed: Int
        if first.remaining >= limit || head == entries.count - 1 {
            let start = first.buffer.bytes.baseAddress! + first.offset
            consumed = body(UnsafeRawBufferPointer(start: start, count: min(limit, first.remaining)))
        } else {
            var filled = 0
            var index = head
            var offset = first.offset
            while filled < limit && index < entries.count {
                let entry = entries[index]
                let count = min(limit - filled, entry.buffer.count - offset)
                let source = UnsafeRawBufferPointer(rebasing: entry.buffer.bytes[offset..<offset + count])
                UnsafeMutableRawBufferPointer(rebasing: scratch[filled...]).copyMemory(from: source)
                filled += count
                index += 1
                offset = 0
            }
            consumed = body(UnsafeRawBufferPointer(rebasing: scratch[..<filled]))
        }
        advance(by: consumed)
    }

    /// Marks `written` bytes from the front as sent.
    private mutating func advance(by written: Int) {
        precondition(written <= byteCount, "the kernel reported more bytes written than were queued")
        byteCount -= written
        totalTaken += written
        var left = written
        while left > 0 {
            let remaining = entries[head].remaining
            if left < remaining {
                entries[head].offset += left
                break
            }
            left -= remaining
            head += 1
        }
        if head == entries.count {
            entries.removeAll(keepingCapacity: entries.count <= 1024)
            head = 0
        } else if head >= 64 && head * 2 >= entries.count {
            entries.removeFirst(head)
            head = 0
        }
    }
}
