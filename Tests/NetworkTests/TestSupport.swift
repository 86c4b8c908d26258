#if canImport(Glibc)
import Glibc
#endif
import Synchronization
import Bytes
import TLS
@testable import Network

/// A value shared between loop threads and the test thread.
final class Locked<Value: Sendable>: Sendable {
    private let mutex: Mutex<Value>

    init(_ value: Value) {
        mutex = Mutex(value)
    }

    var value: Value {
        mutex.withLock { $0 }
    }

    func update<Result: Sendable>(_ body: (inout Value) -> Result) -> Result {
        mutex.withLock { body(&$0) }
    }
}

/// Polls `condition` every millisecond until it is true or `timeout` passes; returns the last result.
func waitUntil(timeout: Duration = .seconds(10), _ condition: () -> Bool) -> Bool {
    let deadline = Deadline.now() + timeout
    while !condition() {
        if Deadline.now() >= deadline {
            return false
        }
        usleep(1000)
    }
    return true
}

/// Runs `body` with a new group and shuts the group down afterwards, even when `body` throws.
@discardableResult
func withGroup<Result>(threads: Int = 2, _ body: (EventLoopGroup) throws -> Result) rethrows -> Result {
    let group = EventLoopGroup(numberOfThreads: threads)
    defer { group.shutdown() }
    return try body(group)
}

/// Runs `body` on `loop` and waits for its result.
func onLoop<Result: Sendable>(_ loop: EventLoop, _ body: @escaping @Sendable () -> Result) -> Result? {
    let result = Locked<Result?>(nil)
    loop.execute { result.update { $0 = body() } }
    _ = waitUntil { result.value != nil }
    return result.value
}

/// Bytes whose value depends on their position (a little-endian counter of 32-bit words), so a
/// lost, repeated or reordered byte shows up at the first wrong offset.
enum Pattern {
    static func bytes(at offset: Int, count: Int) -> [UInt8] {
        // Fill whole words from the word that contains `offset`, then cut to the requested range.
        let firstWord = offset / 4
        let wordCount = (offset + count + 3) / 4 - firstWord
        let words = [UInt32](unsafeUninitializedCapacity: wordCount) { buffer, initialized in
            for index in 0..<wordCount {
                buffer[index] = UInt32(truncatingIfNeeded: firstWord + index).littleEndian
            }
            initialized = wordCount
        }
        let skip = offset - firstWord * 4
        return words.withUnsafeBytes { Array($0[skip..<skip + count]) }
    }

    /// Returns the first offset in `received` (starting at stream offset `start`) that does not match.
    static func firstMismatch(in received: ArraySlice<UInt8>, start: Int) -> Int? {
        let expected = bytes(at: start, count: received.count)
        let equal = received.withUnsafeBytes { actual in
            expected.withUnsafeBytes { $0.isEmpty || memcmp(actual.baseAddress!, $0.baseAddress!, $0.count) == 0 }
        }
        guard !equal else {
            return nil
        }
        let index = zip(received, expected).enumerated().first { $0.element.0 != $0.element.1 }?.offset ?? 0
        return start + index
    }
}

/// A blocking loopback client for the test thread, with every call bounded by a timeout.
final class BlockingClient {
    let descriptor: Int32

    /// Connects to `address`; `receiveBuffer` sets `SO_RCVBUF` before connecting when given.
    init(to address: SocketAddress, receiveBuffer: Int32? = nil, timeoutSeconds: Int = 10) throws {
        guard let raw = RawSocketAddress(numericHost: address.host, port: address.port) else {
            throw TransportError.invalidAddress(address.description)
        }
        descriptor = socket(raw.family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard descriptor >= 0 else {
            throw TransportError.systemCall("socket", errno: errno)
        }
        var timeout = timeval(tv_sec: timeoutSeconds, tv_usec: 0)
        setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(descriptor, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        if var size = receiveBuffer {
            setsockopt(descriptor, SOL_SOCKET, SO_RCVBUF, &size, socklen_t(MemoryLayout<Int32>.size))
        }
        let result = raw.withSockAddr { connect(descriptor, $0, $1) }
        guard result == 0 else {
            let code = errno
            Glibc.close(descriptor)
            throw TransportError.systemCall("connect", errno: code)
        }
    }

    deinit {
        Glibc.close(descriptor)
    }

    func write(_ bytes: [UInt8]) throws {
        var sent = 0
        while sent < bytes.count {
            let result = bytes.withUnsafeBytes { buffer in
                send(descriptor, buffer.baseAddress! + sent, buffer.count - sent, Int32(MSG_NOSIGNAL))
            }
            guard result > 0 else {
                throw TransportError.systemCall("send", errno: errno)
            }
            sent += result
        }
    }

    /// Reads up to `maximum` bytes; an empty array means end of stream.
    func read(maximum: Int = 65536) throws -> [UInt8] {
        var buffer = [UInt8](repeating: 0, count: maximum)
        let count = buffer.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress, maximum, 0) }
        guard count >= 0 else {
            throw TransportError.systemCall("recv", errno: errno)
        }
        return Array(buffer[..<count])
    }

    /// Reads exactly `count` bytes, or fewer if the stream ends first.
    func read(exactly count: Int) throws -> [UInt8] {
        var received: [UInt8] = []
        while received.count < count {
            let chunk = try read(maximum: count - received.count)
            if chunk.isEmpty {
                break
            }
            received += chunk
        }
        return received
    }

    /// Reads until end of stream.
    func readToEnd() throws -> [UInt8] {
        var received: [UInt8] = []
        while true {
            let chunk = try read()
            if chunk.isEmpty {
                return received
            }
            received += chunk
        }
    }

    /// Sends a reset instead of a FIN when closed (`SO_LINGER` with a zero timeout).
    func setResetOnClose() {
        var linger = Glibc.linger(l_onoff: 1, l_linger: 0)
        setsockopt(descriptor, SOL_SOCKET, SO_LINGER, &linger, socklen_t(MemoryLayout<Glibc.linger>.size))
    }

    func shutdownWrite() {
        Glibc.shutdown(descriptor, Int32(SHUT_WR))
    }
}

/// What a `RecordingHandler` saw, readable from the test thread.
struct Recording: Sendable {
    var received: [UInt8] = []
    var closeCount = 0
    var closeError: String?
    var writabilityChanges: [Bool] = []
    var loopIndex: Int?
}

/// A handler that records reads and events and, optionally, echoes or reacts to reads.
final class RecordingHandler: ConnectionHandler {
    let recording = Locked(Recording())
    var onRead: ((Connection, UnsafeRawBufferPointer) -> Void)?
    var onWritabilityChange: ((Connection) -> Void)?

    init(onRead: ((Connection, UnsafeRawBufferPointer) -> Void)? = nil) {
        self.onRead = onRead
    }

    /// The number of bytes received, read without copying the bytes (a copy held by the test
    /// thread would make the next append copy the whole array).
    var receivedCount: Int {
        recording.update { $0.received.count }
    }

    func connection(_ connection: Connection, didRead bytes: UnsafeRawBufferPointer) {
        recording.update { $0.received += bytes }
        onRead?(connection, bytes)
    }

    func connectionWritabilityChanged(_ connection: Connection) {
        let writable = connection.isWritable
        recording.update { $0.writabilityChanges.append(writable) }
        onWritabilityChange?(connection)
    }

    func connectionDidClose(_ connection: Connection, error: (any Error)?) {
        recording.update {
            $0.closeCount += 1
            $0.closeError = error.map { "\($0)" }
        }
    }

    /// A handler that writes back every read.
    static func echo() -> RecordingHandler {
        RecordingHandler { connection, bytes in
            connection.write(Array(bytes))
        }
    }
}

/// Every connection a listener accepted, each with its handler, in accept order.
final class AcceptedConnections: Sendable {
    let handlers = Locked<[RecordingHandler]>([])
    let connections = Locked<[Connection]>([])
}

extension RecordingHandler: @unchecked Sendable {}

/// Binds a listener whose connections get a handler from `makeHandler` and start at once.
func startServer(
    host: String = "127.0.0.1",
    group: EventLoopGroup,
    tls: TLSContext? = nil,
    makeHandler: @escaping @Sendable () -> RecordingHandler = { .echo() },
    configure: @escaping @Sendable (Connection) -> Void = { _ in }
) throws -> (TCPListener, AcceptedConnections) {
    let accepted = AcceptedConnections()
    let listener = try TCPListener.bind(host: host, port: 0, group: group, tls: tls) { connection in
        let handler = makeHandler()
        handler.recording.update { $0.loopIndex = connection.eventLoop.index }
        connection.handler = handler
        configure(connection)
        accepted.handlers.update { $0.append(handler) }
        accepted.connections.update { $0.append(connection) }
        connection.start()
    }
    return (listener, accepted)
}
