import AMF
import Foundation
import RTMP

@testable import MediaServer

/// An RTMP client on a blocking loopback socket, driven by the sans-I/O `ClientSession`.
///
/// Tests use it to play and publish scripted messages, and to stop reading on
/// purpose. Every read waits at most `readTimeout`; every wait has a deadline.
final class BlockingClient {
    let descriptor: Int32
    let session: ClientSession
    private(set) var events: [ClientEvent] = []
    private var consumed = 0

    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    /// Connects to 127.0.0.1:`port`, sends `prefix` (such as a PROXY header), then starts the handshake.
    init(
        port: Int, readTimeoutMilliseconds: Int = 200, configuration: ClientSession.Configuration = .init(),
        prefix: [UInt8] = []
    ) throws {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        self.descriptor = descriptor
        guard descriptor >= 0 else { throw Failure(description: "socket failed: errno \(errno)") }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                Glibc.connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard connected == 0 else {
            close(descriptor)
            throw Failure(description: "connect to port \(port) failed: errno \(errno)")
        }
        var timeout = timeval(tv_sec: 0, tv_usec: readTimeoutMilliseconds * 1000)
        setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var one: Int32 = 1
        setsockopt(descriptor, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
        session = ClientSession(configuration: configuration, crypto: OpenSSLHandshakeCrypto(), now: Self.now())
        if !prefix.isEmpty {
            let sent = prefix.withUnsafeBytes { Glibc.send(descriptor, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            guard sent == prefix.count else { throw Failure(description: "sending the prefix failed: errno \(errno)") }
        }
        try flush()
    }

    deinit {
        close(descriptor)
    }

    static func now() -> UInt64 { UInt64(Date().timeIntervalSince1970 * 1000) }

    /// Sends everything the session has queued.
    func flush() throws {
        while let bytes = session.pollOutbound() {
            var sent = 0
            while sent < bytes.count {
                let result = bytes[sent...].withUnsafeBytes { Glibc.send(descriptor, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
                guard result > 0 else { throw Failure(description: "send failed: errno \(errno)") }
                sent += result
            }
        }
    }

    /// Reads once (at most the read timeout) and hands the bytes to the session.
    /// - Returns: `false` when the server closed the connection, with a FIN or, when it closed
    ///   before reading what this client sent, with a reset.
    @discardableResult
    func readOnce() throws -> Bool {
        var buffer = [UInt8](repeating: 0, count: 65_536)
        let count = buffer.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress, $0.count, 0) }
        if count == 0 { return false }
        if count < 0 && errno == ECONNRESET { return false }
        if count < 0 {
            guard errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR else {
                throw Failure(description: "recv failed: errno \(errno)")
            }
            return true
        }
        session.receive(Array(buffer[..<count]), now: Self.now())
        while let event = session.nextEvent() { events.append(event) }
        try flush()
        return true
    }

    /// Reads until an event after the last one matched satisfies `predicate`, or `seconds` pass.
    /// - Returns: the matching event.
    @discardableResult
    func waitFor(_ what: String, seconds: Double = 5, _ predicate: (ClientEvent) -> Bool) throws -> ClientEvent {
        let deadline = Date().addingTimeInterval(seconds)
        while true {
            while consumed < events.count {
                let event = events[consumed]
                consumed += 1
                if predicate(event) { return event }
            }
            guard Date() < deadline else { throw Failure(description: "timed out waiting for \(what)") }
            guard try readOnce() else { throw Failure(description: "server closed the connection while waiting for \(what)") }
        }
    }

    /// Reads for `seconds` and returns whether the server closed the connection in that time.
    func serverCloses(within seconds: Double) throws -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            guard try readOnce() else { return true }
        }
        return false
    }

    func status(_ code: String) -> (ClientEvent) -> Bool {
        { event in
            if case .status(_, _, let received, _) = event { return received == code }
            return false
        }
    }

    func connect(app: String = "live") throws {
        session.connect(app: app, tcUrl: "rtmp://127.0.0.1/\(app)")
        try flush()
        try waitFor("connect result") { event in
            if case .connected = event { return true }
            if case .connectRejected = event { return true }
            return false
        }
    }

    func createStream() throws -> MessageStreamID {
        session.createStream()
        try flush()
        let event = try waitFor("createStream result") { event in
            if case .streamCreated = event { return true }
            return false
        }
        guard case .streamCreated(let id) = event else { throw Failure(description: "no stream") }
        return id
    }

    /// Connects, creates a stream and plays `name`, waiting for NetStream.Play.Start.
    func play(_ name: String, app: String = "live") throws -> MessageStreamID {
        try connect(app: app)
        let id = try createStream()
        session.play(name: name, streamID: id)
        try flush()
        try waitFor("Play.Start", status("NetStream.Play.Start"))
        return id
    }

    /// Connects, creates a stream and publishes with `key`.
    /// - Returns: the status code the server answered with.
    func publish(_ key: String, app: String = "live") throws -> (stream: MessageStreamID, code: String) {
        try connect(app: app)
        let id = try createStream()
        session.preparePublish(name: key)
        session.publish(name: key, streamID: id)
        try flush()
        let event = try waitFor("publish status") { event in
            if case .status(_, _, let code, _) = event { return code.hasPrefix("NetStream.Publish.") }
            return false
        }
        guard case .status(_, _, let code, _) = event else { return (id, "") }
        return (id, code)
    }

    /// Sends `_checkbw` and waits for the server's onBWDone: every command sent
    /// before it has then been handled by the server.
    func roundTrip() throws {
        session.sendCommand(Command(name: "_checkbw", transactionID: 0))
        try flush()
        try waitFor("onBWDone") { event in
            if case .command(let command, _) = event { return command.name == "onBWDone" }
            return false
        }
    }

    func send(_ message: Message) throws {
        session.sendMedia(message)
        try flush()
    }

    /// The audio, video and `onMetaData` messages received so far; the data messages that
    /// answer `play` (`|RtmpSampleAccess`, `onStatus NetStream.Data.Start`) are left out.
    var media: [Message] {
        events.compactMap { event in
            guard case .media(let message) = event else { return nil }
            if message.typeID == .dataAMF0 {
                let name = (try? AMF0Decoder.decodeAll(message.payload))?.first?.stringValue
                guard name == "onMetaData" else { return nil }
            }
            return message
        }
    }

    /// Reads and discards what arrives for at most `seconds`, without giving it to the session,
    /// so the client sends no Acknowledgement however much it receives.
    /// - Returns: the bytes read, and whether the server closed the connection.
    func readWithoutAcknowledging(seconds: Double) -> (bytes: Int, closedByServer: Bool) {
        let deadline = Date().addingTimeInterval(seconds)
        var buffer = [UInt8](repeating: 0, count: 65_536)
        var total = 0
        while Date() < deadline {
            let count = buffer.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress, $0.count, 0) }
            if count == 0 || (count < 0 && errno == ECONNRESET) { return (total, true) }
            if count > 0 { total += count }
        }
        return (total, false)
    }

    /// Closes the socket, as a client that goes away does.
    func disconnect() {
        shutdown(descriptor, Int32(SHUT_RDWR))
    }
}

/// Synthetic FLV payloads: enough for the router to classify them, and unique for comparison.
enum Media {
    static func videoSequenceHeader(_ tag: UInt8) -> [UInt8] { [0x17, 0x00, 0, 0, 0, 0x01, 0x64, 0x00, 0x1F, tag] }
    static func keyframe(_ tag: UInt8, size: Int = 32) -> [UInt8] { [0x17, 0x01, 0, 0, 0] + [UInt8](repeating: tag, count: size) }
    static func interframe(_ tag: UInt8, size: Int = 32) -> [UInt8] { [0x27, 0x01, 0, 0, 0] + [UInt8](repeating: tag, count: size) }
    static func audioSequenceHeader(_ tag: UInt8) -> [UInt8] { [0xAF, 0x00, 0x11, 0x90, tag] }
    static func audioFrame(_ tag: UInt8) -> [UInt8] { [0xAF, 0x01, tag, tag, tag] }
    static func metadata(width: Double) -> [UInt8] {
        AMF0Value.encode(["@setDataFrame", "onMetaData", .ecmaArray([AMF0Property("width", .number(width))])])
    }

    static func video(_ payload: [UInt8], at timestamp: UInt32, on stream: MessageStreamID) -> Message {
        Message(chunkStreamID: .video, typeID: .video, streamID: stream, timestamp: timestamp, payload: payload)
    }

    static func audio(_ payload: [UInt8], at timestamp: UInt32, on stream: MessageStreamID) -> Message {
        Message(chunkStreamID: .audio, typeID: .audio, streamID: stream, timestamp: timestamp, payload: payload)
    }

    static func data(_ payload: [UInt8], on stream: MessageStreamID) -> Message {
        Message(chunkStreamID: .stream, typeID: .dataAMF0, streamID: stream, timestamp: 0, payload: payload)
    }
}
