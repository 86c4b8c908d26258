import Glibc
import Testing

@testable import Network

@Suite struct ListenerPortTests {
    @Test func secondListenerOnAPortInUseFails() throws {
        try withGroup { group in
            let first = try TCPListener.bind(host: "127.0.0.1", port: 0, group: group, tls: nil) { _ in }
            defer { first.close() }
            // Both listeners set SO_REUSEPORT; without the port check the second would join the first.
            #expect(throws: TransportError.self) {
                _ = try TCPListener.bind(host: "127.0.0.1", port: first.localAddress.port, group: group, tls: nil) { _ in }
            }
            do {
                _ = try TCPListener.bind(host: "127.0.0.1", port: first.localAddress.port, group: group, tls: nil) { _ in }
            } catch let error as TransportError {
                #expect(error.errno == EADDRINUSE)
            }
        }
    }
}
