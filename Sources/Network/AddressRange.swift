#if canImport(Glibc)
import Glibc
#endif

/// An IPv4 or IPv6 network in CIDR notation (`10.0.0.0/8`, `2001:db8::/32`) or a
/// single address (`192.0.2.7`, `::1`), for allow and deny lists and trusted proxies.
///
/// IPv4-mapped IPv6 addresses (`::ffff:192.0.2.7`), which a dual-stack listener
/// reports for IPv4 clients, match IPv4 ranges.
public struct AddressRange: Sendable, Hashable, CustomStringConvertible {
    /// The network address, 4 or 16 bytes, with the bits past the prefix cleared.
    public let network: [UInt8]
    /// The number of leading bits that must match.
    public let prefixLength: Int

    /// Parses `ADDRESS` or `ADDRESS/PREFIX`.
    /// - Returns: `nil` when the address is not numeric or the prefix is out of range.
    public init?(parsing text: String) {
        let parts = text.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)
        guard let address = Self.bytes(of: String(parts[0])) else { return nil }
        let bits = address.count * 8
        var prefix = bits
        if parts.count == 2 {
            guard let value = Int(parts[1]), (0...bits).contains(value), parts[1].allSatisfy(\.isNumber) else { return nil }
            prefix = value
        }
        network = Self.masked(address, prefixLength: prefix)
        prefixLength = prefix
    }

    /// Whether `host` (a numeric address, as in `SocketAddress.host`) is inside the range.
    public func contains(_ host: String) -> Bool {
        guard var address = Self.bytes(of: host) else { return false }
        if network.count == 4, address.count == 16, address.prefix(12) == Self.mappedPrefix[...] {
            address = Array(address.suffix(4))
        }
        guard address.count == network.count else { return false }
        return Self.masked(address, prefixLength: prefixLength) == network
    }

    public var description: String {
        let family = network.count == 4 ? AF_INET : AF_INET6
        var text = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN) + 1)
        network.withUnsafeBytes { _ = inet_ntop(family, $0.baseAddress, &text, socklen_t(text.count)) }
        let end = text.firstIndex(of: 0) ?? text.endIndex
        return String(decoding: text[..<end].map { UInt8(bitPattern: $0) }, as: UTF8.self) + "/\(prefixLength)"
    }

    /// Whether any range in `ranges` contains `host`.
    public static func any(_ ranges: [AddressRange], contains host: String) -> Bool {
        ranges.contains { $0.contains(host) }
    }

    private static let mappedPrefix: [UInt8] = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF]

    /// The 4 or 16 bytes of a numeric IPv4 or IPv6 address.
    static func bytes(of host: String) -> [UInt8]? {
        var address4 = in_addr()
        if inet_pton(AF_INET, host, &address4) == 1 {
            return withUnsafeBytes(of: address4) { Array($0) }
        }
        var address6 = in6_addr()
        if inet_pton(AF_INET6, host, &address6) == 1 {
            return withUnsafeBytes(of: address6) { Array($0) }
        }
        return nil
    }

    private static func masked(_ address: [UInt8], prefixLength: Int) -> [UInt8] {
        var result = address
        for index in result.indices {
            let bitsHere = min(max(prefixLength - index * 8, 0), 8)
            let mask: UInt8 = bitsHere == 0 ? 0 : UInt8(truncatingIfNeeded: 0xFF << (8 - bitsHere))
            result[index] &= mask
        }
        return result
    }
}
