#if canImport(Glibc)
import Glibc
#endif
import Testing
import Bytes
@testable import Network

@Suite("TCP connections", .serialized)
struct ConnectionTests {
    @Test("echo over many connections spread over two loops")
    func echoManyConnections() throws {
        try withGroup(threads: 2) { group in
            let (listener, accepted) = try startServer(group: group)
            defer { listener.close() }
            #expect(listener.localAddress.port != 0)

            let clients = try (0..<40).map { _ in try BlockingClient(to: listener.localAddress) }
            for (index, client) in clients.enumerated() {
                try client.write(Array("message \(index)".utf8))
            }
            for (index, client) in clients.enumerated() {
                let expected = Array("message \(index)".utf8)
                #expect(try client.read(exactly: expected.count) == expected)
            }

            #expect(waitUntil { accepted.handlers.value.count == clients.count })
            let loopIndexes = Set(accepted.handlers.value.compactMap { $0.recording.value.loopIndex })
            #expect(loopIndexes == [0, 1], "SO_REUSEPORT should spread 40 connections over both loops")
        }
    }

    @Test("listener binds IPv4 and IPv6 hosts", arguments: ["127.0.0.1", "::1", "0.0.0.0", "::"])
    func bindHosts(host: String) throws {
        try withGroup(threads: 2) { group in
            let (listener, _) = try startServer(host: host, group: group)
            defer { listener.close() }
            #expect(listener.localAddress.port != 0)
            #expect(listener.localAddress.host == host)

            let loopbackHost = host.contains(":") ? "::1" : "127.0.0.1"
            let target = SocketAddress(host: loopbackHost, port: listener.localAddress.port)
            let client = try BlockingClient(to: target)
            try client.write([1, 2, 3])
            #expect(try client.read(exactly: 3) == [1, 2, 3])
        }
    }

    @Test("socket address prints IPv6 hosts in brackets")
    func addressDescription() {
        #expect(SocketAddress(host: "127.0.0.1", port: 1935).description == "127.0.0.1:1935")
        #expect(SocketAddress(host: "::1", port: 1935).description == "[::1]:1935")
    }

    @Test("bind rejects a host that is not a numeric address")
    func bindRejectsName() {
        withGroup(threads: 1) { group in
            #expect(throws: TransportError.invalidAddress("")) {
                _ = try TCPListener.bind(host: "localhost", port: 0, group: group, tls: nil) { _ in }
            }
        }
    }

    @Test("64 MiB to a slow reader, in order")
    func largeTransferSlowReader() throws {
        let total = 64 * 1024 * 1024
        let chunkSize = 256 * 1024
        try withGroup(threads: 2) { group in
            let (listener, accepted) = try startServer(
                group: group,
                makeHandler: { RecordingHandler() },
                configure: { connection in
                    let sender = PatternSender(total: total, chunkSize: chunkSize)
                    connection.handler.map { ($0 as! RecordingHandler).onWritabilityChange = sender.send }
                    connection.eventLoop.execute { sender.send(connection) }
                }
            )
            defer { listener.close() }

            let client = try BlockingClient(to: listener.localAddress, receiveBuffer: 64 * 1024)
            var offset = 0
            var mismatch: Int?
            while offset < total {
                // Read slowly at first so the server's queue passes the high watermark.
                if offset < 8 * 1024 * 1024 {
                    usleep(2_000)
                }
                let chunk = try client.read()
                if chunk.isEmpty {
                    break
                }
                mismatch = mismatch ?? Pattern.firstMismatch(in: chunk[...], start: offset)
                offset += chunk.count
            }

            #expect(offset == total)
            #expect(mismatch == nil)
            #expect(waitUntil { accepted.handlers.value.first?.recording.value.writabilityChanges.count ?? 0 >= 2 })
            let changes = accepted.handlers.value.first?.recording.value.writabilityChanges ?? []
            #expect(changes.first == false)
            #expect(changes.contains(true))
        }
    }

    @Test("close(.now) inside a read callback")
    func closeInsideHandler() throws {
        try withGroup(threads: 1) { group in
            let (listener, accepted) = try startServer(group: group, makeHandler: {
                RecordingHandler { connection, _ in
                    connection.close(.now)
                    connection.write([9, 9, 9])
                    connection.close()
                    #expect(connection.queuedBytes == 0)
                }
            })
            defer { listener.close() }

            let client = try BlockingClient(to: listener.localAddress)
            try client.write([1])
            #expect(try client.readToEnd() == [])
            #expect(waitUntil { accepted.handlers.value.first?.recording.value.closeCount == 1 })
            usleep(20_000)
            #expect(accepted.handlers.value.first?.recording.value.closeCount == 1)
            #expect(accepted.handlers.value.first?.recording.value.closeError == nil)
        }
    }

    @Test("close(.afterWrites) inside a read callback")
    func closeAfterWritesInsideHandler() throws {
        let reply = Pattern.bytes(at: 0, count: 3 * 1024 * 1024)
        try withGroup(threads: 1) { group in
            let (listener, accepted) = try startServer(group: group, makeHandler: {
                RecordingHandler { connection, _ in
                    connection.write(reply)
                    connection.close()
                }
            })
            defer { listener.close() }

            let client = try BlockingClient(to: listener.localAddress)
            try client.write([1])
            #expect(try client.readToEnd() == reply)
            #expect(waitUntil { accepted.handlers.value.first?.recording.value.closeCount == 1 })
            #expect(accepted.handlers.value.first?.recording.value.closeError == nil)
        }
    }

    @Test("peer reset during writes")
    func peerResetMidWrite() throws {
        try withGroup(threads: 1) { group in
            let (listener, accepted) = try startServer(
                group: group,
                makeHandler: { RecordingHandler() },
                configure: { connection in
                    let block = SharedBytes(copying: Pattern.bytes(at: 0, count: 1024 * 1024))
                    for _ in 0..<32 {
                        connection.write(block)
                    }
                }
            )
            defer { listener.close() }

            do {
                let client = try BlockingClient(to: listener.localAddress, receiveBuffer: 16 * 1024)
                #expect(try client.read(maximum: 1000).count > 0)
                #expect(waitUntil { accepted.handlers.value.first != nil })
                // Closing with unread bytes and a zero linger time sends a reset.
                client.setResetOnClose()
            }

            #expect(waitUntil { accepted.handlers.value.first?.recording.value.closeCount == 1 })
            usleep(20_000)
            let recording = accepted.handlers.value.first?.recording.value
            #expect(recording?.closeCount == 1)
            #expect(recording?.closeError != nil)
            let connection = accepted.connections.value.first!
            #expect(onLoop(connection.eventLoop) { connection.queuedBytes } == 0)
        }
    }

    @Test("last bytes read before peer close")
    func hangUpAfterData() throws {
        let payload = Pattern.bytes(at: 0, count: 200_000)
        try withGroup(threads: 1) { group in
            let (listener, accepted) = try startServer(group: group, makeHandler: { RecordingHandler() })
            defer { listener.close() }

            do {
                let client = try BlockingClient(to: listener.localAddress)
                try client.write(payload)
                client.shutdownWrite()
            }
            #expect(waitUntil { accepted.handlers.value.first?.recording.value.closeCount == 1 })
            let recording = accepted.handlers.value.first!.recording.value
            #expect(recording.received.count == payload.count)
            #expect(recording.received == payload)
            #expect(recording.closeError == nil)
        }
    }

    @Test("connector reaches a listener and the two echo")
    func connectorEcho() throws {
        try withGroup(threads: 2) { group in
            let (listener, _) = try startServer(group: group)
            defer { listener.close() }

            let loop = group.loops[1]
            let client = RecordingHandler()
            let outcome = Locked<String?>(nil)
            loop.execute {
                TCPConnector.connect(host: "127.0.0.1", port: listener.localAddress.port, on: loop, tls: nil, serverName: nil) { result in
                    switch result {
                    case .success(let connection):
                        connection.handler = client
                        connection.start()
                        connection.write(Array("ping".utf8))
                        outcome.update { $0 = "connected \(connection.remoteAddress)" }
                    case .failure(let error):
                        outcome.update { $0 = "failed \(error)" }
                    }
                }
            }
            #expect(waitUntil { outcome.value != nil })
            #expect(outcome.value == "connected \(listener.localAddress)")
            #expect(waitUntil { client.recording.value.received == Array("ping".utf8) })
        }
    }

    @Test("connector reports a refused connection")
    func connectorRefused() throws {
        try withGroup(threads: 1) { group in
            // Bind and close a listener so that its port is very likely unused.
            let (listener, _) = try startServer(group: group)
            let port = listener.localAddress.port
            listener.close()
            usleep(20_000)

            let loop = group.loops[0]
            let failure = Locked<TransportError?>(nil)
            loop.execute {
                TCPConnector.connect(host: "127.0.0.1", port: port, on: loop, tls: nil, serverName: nil) { result in
                    if case .failure(let error as TransportError) = result {
                        failure.update { $0 = error }
                    }
                }
            }
            #expect(waitUntil { failure.value != nil })
            #expect(failure.value == .systemCall("connect", errno: ECONNREFUSED))
        }
    }

    @Test("bytes written before start() go out after it")
    func writeBeforeStart() throws {
        try withGroup(threads: 1) { group in
            let (listener, _) = try startServer(
                group: group,
                makeHandler: { RecordingHandler() },
                configure: { connection in
                    connection.write(Array("early".utf8))
                    #expect(connection.queuedBytes == 5)
                }
            )
            defer { listener.close() }

            let client = try BlockingClient(to: listener.localAddress)
            #expect(try client.read(exactly: 5) == Array("early".utf8))
        }
    }

    @Test("batched write waits for its delay")
    func batchedWriteWaits() throws {
        try withGroup(threads: 1) { group in
            let (listener, _) = try startServer(
                group: group,
                makeHandler: { RecordingHandler() },
                configure: { connection in
                    // After start(), which would flush what is queued before it.
                    connection.eventLoop.execute {
                        connection.write(SharedBytes(copying: Array("late".utf8)), within: .milliseconds(300))
                    }
                }
            )
            defer { listener.close() }

            let start = Deadline.now()
            let client = try BlockingClient(to: listener.localAddress)
            #expect(try client.read(exactly: 4) == Array("late".utf8))
            #expect(Deadline.now() - start >= .milliseconds(250))
        }
    }

    @Test("batched write past the threshold goes out at once")
    func batchedWritePastThreshold() throws {
        let payload = (0..<(Connection.batchFlushThreshold + 1)).map { UInt8(truncatingIfNeeded: $0) }
        try withGroup(threads: 1) { group in
            let (listener, _) = try startServer(
                group: group,
                makeHandler: { RecordingHandler() },
                configure: { connection in
                    connection.eventLoop.execute {
                        connection.write(SharedBytes(copying: payload), within: .seconds(60))
                    }
                }
            )
            defer { listener.close() }

            // The read times out after 10 seconds, long before the 60-second delay.
            let client = try BlockingClient(to: listener.localAddress)
            #expect(try client.read(exactly: payload.count) == payload)
        }
    }

    @Test("plain write takes batched bytes along, in order")
    func plainWriteFlushesBatch() throws {
        try withGroup(threads: 1) { group in
            let (listener, _) = try startServer(
                group: group,
                makeHandler: { RecordingHandler() },
                configure: { connection in
                    connection.eventLoop.execute {
                        connection.write(SharedBytes(copying: Array("first ".utf8)), within: .seconds(60))
                        connection.write(Array("second".utf8))
                    }
                }
            )
            defer { listener.close() }

            let client = try BlockingClient(to: listener.localAddress)
            #expect(try client.read(exactly: 12) == Array("first second".utf8))
        }
    }

    @Test("connect timeout")
    func connectorTimeout() throws {
        // A listener that never accepts, with a backlog of 0, drops SYNs once its
        // accept queue holds a connection, so the next connect waits until its timeout.
        let listening = try Socket.makeTCP(family: AF_INET)
        defer { closeDescriptor(listening) }
        let any = RawSocketAddress(numericHost: "127.0.0.1", port: 0)!
        _ = any.withSockAddr { bind(listening, $0, $1) }
        #expect(listen(listening, 0) == 0)
        let address = try Socket.localAddress(listening)
        // With a backlog of 0, Linux queues one connection.
        let queued = try BlockingClient(to: address)

        withGroup(threads: 1) { group in
            let loop = group.loops[0]
            let failure = Locked<TransportError?>(nil)
            let start = Deadline.now()
            loop.execute {
                TCPConnector.connect(
                    host: "127.0.0.1", port: address.port, on: loop, tls: nil, serverName: nil,
                    timeout: .milliseconds(300)
                ) { result in
                    if case .failure(let error as TransportError) = result {
                        failure.update { $0 = error }
                    }
                }
            }
            #expect(waitUntil { failure.value != nil })
            #expect(failure.value == .timedOut("connect"))
            #expect(Deadline.now() - start >= .milliseconds(300))
        }
        withExtendedLifetime(queued) {}
    }

    @Test("write watermarks reject low above high")
    func watermarksChecked() async {
        await #expect(processExitsWith: .failure) {
            let group = EventLoopGroup(numberOfThreads: 1)
            let (listener, _) = try startServer(group: group, configure: { connection in
                connection.writeWatermarks = (low: 10, high: 5)
            })
            _ = try BlockingClient(to: listener.localAddress)
            usleep(2_000_000)
        }
    }

    @Test("shutdown closes open connections")
    func shutdownClosesConnections() throws {
        let group = EventLoopGroup(numberOfThreads: 1)
        let (listener, accepted) = try startServer(group: group)
        let client = try BlockingClient(to: listener.localAddress)
        try client.write([1])
        #expect(try client.read(exactly: 1) == [1])

        group.shutdown()
        let recording = accepted.handlers.value.first?.recording.value
        #expect(recording?.closeCount == 1)
        #expect(recording?.closeError?.contains("shut down") == true)
        #expect(try client.readToEnd() == [])
    }
}

/// Writes `total` pattern bytes in chunks while the connection is writable.
private final class PatternSender: @unchecked Sendable {
    let total: Int
    let chunkSize: Int
    var offset = 0

    init(total: Int, chunkSize: Int) {
        self.total = total
        self.chunkSize = chunkSize
    }

    func send(_ connection: Connection) {
        while offset < total && connection.isWritable {
            let count = min(chunkSize, total - offset)
            connection.write(SharedBytes(copying: Pattern.bytes(at: offset, count: count)))
            offset += count
        }
    }
}
