import Foundation
import TLS

/// A TLS client on a blocking loopback socket, for checking which certificate the server
/// presents and that a connection still carries bytes. Every read waits at most 2 seconds.
final class TLSLoopbackClient {
    let descriptor: Int32
    let session: TLSSession

    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    /// Connects to 127.0.0.1:`port`, sends `prefix` (such as a PROXY header) in the clear, and runs
    /// the handshake, sending `serverName` as SNI and, when given, the client certificate in
    /// `certificateFile` with its key in `keyFile`.
    init(
        port: Int, serverName: String? = nil, certificateFile: String? = nil, keyFile: String? = nil,
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
        var timeout = timeval(tv_sec: 2, tv_usec: 0)
        setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var configuration = TLSConfiguration.client(trustRoots: .none)
        configuration.certificateChainFile = certificateFile
        configuration.privateKeyFile = keyFile
        session = try TLSSession(context: TLSContext(configuration: configuration), serverName: serverName)
        // Every member is set, so deinit closes the socket when init throws from here on.
        guard connected == 0 else {
            throw Failure(description: "connect to port \(port) failed: errno \(errno)")
        }
        if !prefix.isEmpty {
            let sent = prefix.withUnsafeBytes { send(descriptor, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            guard sent == prefix.count else { throw Failure(description: "sending the prefix failed: errno \(errno)") }
        }

        // Two or three round trips finish a handshake; 10 bounds a server that stalls.
        var result = session.handshake()
        for _ in 0..<10 where !session.isHandshakeComplete {
            if case .failed(let error) = result {
                throw Failure(description: "handshake failed: \(error)")
            }
            try sendPending()
            try receiveOnce()
            result = session.handshake()
        }
        try sendPending()
        guard session.isHandshakeComplete else {
            throw Failure(description: "handshake did not complete")
        }
    }

    deinit {
        close(descriptor)
    }

    /// The SHA-256 of the certificate the server presented.
    var serverCertificate: [UInt8]? { session.peerCertificateSHA256 }

    /// Encrypts and sends `bytes`.
    func write(_ bytes: [UInt8]) throws {
        _ = try bytes.withUnsafeBytes { try session.writePlaintext($0).get() }
        try sendPending()
    }

    /// Reads until at least `count` plaintext bytes arrived, the peer closed, or 2 seconds passed.
    func read(atLeast count: Int) throws -> [UInt8] {
        var plaintext: [UInt8] = []
        for _ in 0..<100 where plaintext.count < count {
            let result = session.readPlaintext(appendingTo: &plaintext)
            try sendPending()
            if plaintext.count >= count { break }
            if case .closed = result { break }
            if case .failed = result { break }
            guard try receiveOnce() else { break }
        }
        return plaintext
    }

    private func sendPending() throws {
        var ciphertext: [UInt8] = []
        session.drainCiphertext(appendingTo: &ciphertext)
        var sent = 0
        while sent < ciphertext.count {
            let result = ciphertext.withUnsafeBytes {
                send(descriptor, $0.baseAddress! + sent, $0.count - sent, Int32(MSG_NOSIGNAL))
            }
            guard result > 0 else { throw Failure(description: "send failed: errno \(errno)") }
            sent += result
        }
    }

    /// Reads once from the socket into the session; `false` at end of stream.
    @discardableResult
    private func receiveOnce() throws -> Bool {
        var buffer = [UInt8](repeating: 0, count: 16384)
        let count = recv(descriptor, &buffer, buffer.count, 0)
        guard count >= 0 else { throw Failure(description: "recv failed: errno \(errno)") }
        guard count > 0 else { return false }
        buffer.prefix(count).withUnsafeBytes { session.receiveCiphertext($0) }
        return true
    }
}
