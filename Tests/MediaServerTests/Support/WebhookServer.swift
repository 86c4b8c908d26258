import Foundation

/// A tiny HTTP/1.1 server on 127.0.0.1 for webhook tests. It reads one request per
/// connection and replies with the status that `status` picks for the request's JSON body.
///
/// It runs on its own thread and polls with a 100 ms timeout, so `stop()` ends it promptly.
final class WebhookServer: @unchecked Sendable {
    let port: Int
    private let listener: Int32
    private let lock = NSLock()
    private var received: [[String: String]] = []
    private var running = true
    private let status: @Sendable ([String: String]) -> Int
    private let replyDelay: Double
    private var thread: Thread?

    /// - Parameters:
    ///   - replyDelay: seconds to wait before replying, to make the server's request time out.
    ///   - status: the HTTP status for a request body.
    init(replyDelay: Double = 0, status: @escaping @Sendable ([String: String]) -> Int) throws {
        let listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        self.listener = listener
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(listener, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, listen(listener, 16) == 0 else {
            close(listener)
            throw BlockingClient.Failure(description: "webhook server bind failed")
        }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(listener, $0, &length) }
        }
        port = Int(UInt16(bigEndian: address.sin_port))
        self.status = status
        self.replyDelay = replyDelay
        let box = ThreadBox()
        box.server = self
        let thread = Thread { box.server?.serve() }
        self.thread = thread
        thread.start()
    }

    private final class ThreadBox: @unchecked Sendable {
        weak var server: WebhookServer?
    }

    var url: String { "http://127.0.0.1:\(port)/hook" }

    /// The JSON bodies received so far.
    var requests: [[String: String]] { lock.withLock { received } }

    /// Waits up to `seconds` for `count` requests.
    func waitForRequests(_ count: Int, seconds: Double = 5) -> [[String: String]] {
        let deadline = Date().addingTimeInterval(seconds)
        while requests.count < count && Date() < deadline { usleep(20_000) }
        return requests
    }

    func stop() {
        lock.withLock { running = false }
        shutdown(listener, Int32(SHUT_RDWR))
    }

    deinit { close(listener) }

    private func serve() {
        while lock.withLock({ running }) {
            var descriptor = pollfd(fd: listener, events: Int16(POLLIN), revents: 0)
            guard poll(&descriptor, 1, 100) > 0 else { continue }
            let client = accept(listener, nil, nil)
            guard client >= 0 else { continue }
            handle(client)
            close(client)
        }
    }

    private func handle(_ client: Int32) {
        var timeout = timeval(tv_sec: 2, tv_usec: 0)
        setsockopt(client, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var data: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while data.count < 65_536 {
            let count = buffer.withUnsafeMutableBytes { recv(client, $0.baseAddress, $0.count, 0) }
            guard count > 0 else { return }
            data += buffer[..<count]
            let text = String(decoding: data, as: UTF8.self)
            guard let end = text.range(of: "\r\n\r\n") else { continue }
            let head = text[..<end.lowerBound].lowercased()
            let lengthLine = head.split(separator: "\r\n").first { $0.hasPrefix("content-length:") }
            let length = Int(lengthLine?.dropFirst("content-length:".count).trimmingCharacters(in: .whitespaces) ?? "0") ?? 0
            let body = Array(text[end.upperBound...].utf8)
            guard body.count >= length else { continue }
            let json = (try? JSONSerialization.jsonObject(with: Data(body.prefix(length)))) as? [String: String] ?? [:]
            lock.withLock { received.append(json) }
            if replyDelay > 0 { usleep(UInt32(replyDelay * 1_000_000)) }
            let reply = "HTTP/1.1 \(status(json)) Status\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
            _ = Array(reply.utf8).withUnsafeBytes { send(client, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            return
        }
    }
}
