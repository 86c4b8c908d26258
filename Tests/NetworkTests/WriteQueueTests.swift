#if canImport(Glibc)
import Glibc
#endif
import Testing
import Bytes
@testable import Network

/// A writer that follows a script: each step takes a number of bytes, reports EAGAIN or fails.
private struct ScriptedWriter: VectorWriter {
    enum Step {
        case accept(Int)
        case wouldBlock
        case fail(Int32)
    }

    var steps: [Step]
    var written: [UInt8] = []
    var vectorCounts: [Int] = []

    mutating func write(_ vectors: UnsafeBufferPointer<iovec>) throws(TransportError) -> IOResult<Int> {
        vectorCounts.append(vectors.count)
        let step = steps.isEmpty ? .wouldBlock : steps.removeFirst()
        switch step {
        case .wouldBlock:
            return .wouldBlock
        case .fail(let code):
            throw TransportError.systemCall("writev", errno: code)
        case .accept(let limit):
            var taken = 0
            for vector in vectors where taken < limit {
                let count = min(vector.iov_len, limit - taken)
                written += UnsafeRawBufferPointer(start: vector.iov_base, count: count)
                taken += count
            }
            return .processed(taken)
        }
    }
}

@Suite("Write queue")
struct WriteQueueTests {
    private let scratch = UnsafeMutableBufferPointer<iovec>.allocate(capacity: EventLoop.maximumVectorCount)

    private func queue(of sizes: [Int]) -> (WriteQueue, [UInt8]) {
        var queue = WriteQueue()
        var all: [UInt8] = []
        var offset = 0
        for size in sizes {
            let bytes = Pattern.bytes(at: offset, count: size)
            queue.append(SharedBytes(copying: bytes))
            all += bytes
            offset += size
        }
        return (queue, all)
    }

    @Test("partial writes and EAGAIN keep every byte in order")
    func partialWritesKeepOrder() throws {
        var (queue, expected) = queue(of: [10, 3, 7, 100])
        var writer = ScriptedWriter(steps: [.accept(5), .accept(9), .wouldBlock])

        #expect(try queue.flush(into: &writer, scratch: scratch) == .wouldBlock)
        #expect(queue.byteCount == 120 - 14)
        #expect(writer.written == Array(expected[..<14]))

        writer.steps = [.accept(1), .accept(50), .accept(1000)]
        #expect(try queue.flush(into: &writer, scratch: scratch) == .drained)
        #expect(queue.isEmpty)
        #expect(writer.written == expected)
        expected.removeAll()
    }

    @Test("one call gathers at most 64 buffers")
    func gathersAtMost64Buffers() throws {
        var (queue, expected) = queue(of: Array(repeating: 3, count: 150))
        var writer = ScriptedWriter(steps: Array(repeating: .accept(Int.max), count: 10))

        #expect(try queue.flush(into: &writer, scratch: scratch) == .drained)
        #expect(writer.vectorCounts == [64, 64, 22])
        #expect(writer.written == expected)
        expected.removeAll()
    }

    @Test("a write error leaves the unsent bytes queued")
    func errorLeavesBytesQueued() {
        var (queue, _) = queue(of: [8, 8])
        var writer = ScriptedWriter(steps: [.accept(4), .fail(ECONNRESET)])

        #expect(throws: TransportError.connectionReset) {
            try queue.flush(into: &writer, scratch: scratch)
        }
        #expect(queue.byteCount == 12)
    }

    @Test("consumeFront packs small buffers into one record")
    func consumeFrontPacks() {
        var (queue, expected) = queue(of: [3, 5, 20_000])
        let record = UnsafeMutableRawBufferPointer.allocate(byteCount: 16_384, alignment: 16)
        defer { record.deallocate() }
        var blocks: [[UInt8]] = []

        // The first block spans three buffers, so it is copied; the body takes only 10,000 bytes.
        queue.consumeFront(upTo: 16_384, scratch: record) { bytes in
            blocks.append(Array(bytes))
            return 10_000
        }
        // The rest lies in the last buffer and is passed without copying.
        queue.consumeFront(upTo: 16_384, scratch: record) { bytes in
            let scratchRange = UnsafeRawPointer(record.baseAddress!)..<UnsafeRawPointer(record.baseAddress! + record.count)
            #expect(!scratchRange.contains(bytes.baseAddress!))
            blocks.append(Array(bytes))
            return bytes.count
        }

        #expect(blocks.map(\.count) == [16_384, 10_008])
        #expect(Array(blocks[0][..<10_000] + blocks[1]) == expected)
        #expect(queue.isEmpty)
        expected.removeAll()
    }

    @Test("empty buffers are not queued")
    func emptyBuffersIgnored() throws {
        var queue = WriteQueue()
        queue.append(SharedBytes(copying: []))
        #expect(queue.isEmpty)
        var writer = ScriptedWriter(steps: [])
        #expect(try queue.flush(into: &writer, scratch: scratch) == .drained)
        #expect(writer.vectorCounts.isEmpty)
    }
}

@Suite("Timer queue")
struct TimerQueueTests {
    @Test("due timers pop in deadline order, then scheduling order")
    func popOrder() {
        var timers = TimerQueue()
        var fired: [Int] = []
        for (tag, nanoseconds) in [(1, 30), (2, 10), (3, 20), (4, 10), (5, 40)] {
            _ = timers.schedule(at: Deadline(uptimeNanoseconds: UInt64(nanoseconds))) { fired.append(tag) }
        }
        #expect(timers.nextDeadline() == Deadline(uptimeNanoseconds: 10))
        while let task = timers.popDue(now: Deadline(uptimeNanoseconds: 30)) {
            task()
        }
        #expect(fired == [2, 4, 3, 1])
        #expect(timers.count == 1)
    }

    @Test("cancelled timers are skipped and pruned")
    func cancel() {
        var timers = TimerQueue()
        let handles = (0..<200).map { index in
            timers.schedule(at: Deadline(uptimeNanoseconds: UInt64(index))) {}
        }
        for handle in handles.dropLast() {
            timers.cancel(handle)
        }
        timers.cancel(handles[0])
        #expect(timers.count == 1)
        #expect(timers.nextDeadline() == Deadline(uptimeNanoseconds: 199))
        #expect(timers.popDue(now: Deadline(uptimeNanoseconds: 198)) == nil)
        #expect(timers.popDue(now: Deadline(uptimeNanoseconds: 199)) != nil)
        #expect(timers.nextDeadline() == nil)
    }
}
