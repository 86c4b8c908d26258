import Testing

@testable import Network

struct AddressRangeTests {
    @Test func parsesNetworksAndSingleAddresses() throws {
        let cases: [(text: String, network: [UInt8], prefix: Int, description: String)] = [
            ("10.1.2.3/8", [10, 0, 0, 0], 8, "10.0.0.0/8"),
            ("192.0.2.7", [192, 0, 2, 7], 32, "192.0.2.7/32"),
            ("192.0.2.255/25", [192, 0, 2, 128], 25, "192.0.2.128/25"),
            ("0.0.0.0/0", [0, 0, 0, 0], 0, "0.0.0.0/0"),
            ("2001:db8:ffff::1/32", [0x20, 0x01, 0x0D, 0xB8] + [UInt8](repeating: 0, count: 12), 32, "2001:db8::/32"),
            ("::1", [UInt8](repeating: 0, count: 15) + [1], 128, "::1/128"),
        ]
        for entry in cases {
            let range = try #require(AddressRange(parsing: entry.text), "\(entry.text)")
            #expect(range.network == entry.network, "\(entry.text)")
            #expect(range.prefixLength == entry.prefix, "\(entry.text)")
            #expect(range.description == entry.description, "\(entry.text)")
        }
    }

    @Test func rejectsInvalidText() {
        for text in ["", "10.0.0.0/33", "::/129", "10.0.0.0/", "10.0.0.0/-1", "10.0.0.0/+8", "host.example", "10.0.0/8",
                     "10.0.0.0/8/8"] {
            #expect(AddressRange(parsing: text) == nil, "\(text)")
        }
    }

    @Test func matchesAddressesInsideOnly() throws {
        let network = try #require(AddressRange(parsing: "192.0.2.128/25"))
        #expect(network.contains("192.0.2.128"))
        #expect(network.contains("192.0.2.255"))
        #expect(!network.contains("192.0.2.127"))
        #expect(!network.contains("::1"))
        #expect(!network.contains("not an address"))
        // A dual-stack listener reports IPv4 clients as IPv4-mapped IPv6 addresses.
        #expect(network.contains("::ffff:192.0.2.200"))

        let six = try #require(AddressRange(parsing: "2001:db8::/32"))
        #expect(six.contains("2001:db8:1::5"))
        #expect(!six.contains("2001:db9::5"))
        #expect(!six.contains("192.0.2.200"))
        #expect(AddressRange.any([network, six], contains: "2001:db8::1"))
        #expect(!AddressRange.any([], contains: "2001:db8::1"))
    }
}
