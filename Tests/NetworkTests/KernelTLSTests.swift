import Testing

@testable import Network

@Suite("Kernel TLS detection")
struct KernelTLSTests {
    @Test("tls in the list is offered")
    func listedTLSIsOffered() {
        #expect(KernelTLS.availability(availableULPs: "mptcp tls\n") == .offered)
    }

    @Test("list without tls names what it has")
    func missingTLSNamesTheList() {
        let expected = KernelTLS.Availability.notOffered(
            reason: "the kernel lists mptcp as TCP upper-layer protocols, without tls"
        )
        #expect(KernelTLS.availability(availableULPs: "mptcp\n") == expected)
    }

    @Test("unreadable file is not offered")
    func unreadableFile() {
        let result = KernelTLS.availability(listFile: "/nonexistent/tcp_available_ulp")
        #expect(result == .notOffered(reason: "/nonexistent/tcp_available_ulp is not readable"))
    }
}
