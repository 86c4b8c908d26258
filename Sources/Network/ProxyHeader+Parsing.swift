#if canImport(Glibc)
import Glibc
#endif

extension ProxyHeader {
    static func parseVersion1(_ input: [UInt8]) throws(ProxyProtocolError) -> (header: ProxyHeader, length: Int)? {
        let prefix = Array("PROXY ".utf8)
        let checked = min(input.count, prefix.count)
        guard input.prefix(checked) == prefix.prefix(checked) else { throw .missingHeader }
        guard let lineFeed = input.prefix(v1MaximumLength).firstIndex(of: 0x0A) else {
            if input.count >= v1MaximumLength { throw .invalidHeader("version 1 line longer than 107 bytes") }
            return nil
        }
        guard lineFeed > 0, input[lineFeed - 1] == 0x0D else { throw .invalidHeader("version 1 line does not end in CRLF") }
        let line = String(decoding: input[prefix.count..<(lineFeed - 1)], as: UTF8.self)
        let fields = line.split(separator: " ", omittingEmptySubsequences: false).map(String.init)
        let length = lineFeed + 1
        if fields.first == "UNKNOWN" { return (ProxyHeader(source: nil, destination: nil), length) }

        guard fields.count == 5, fields[0] == "TCP4" || fields[0] == "TCP6" else {
            throw .invalidHeader("version 1 line needs TCP4 or TCP6, two addresses and two ports")
        }
        let size = fields[0] == "TCP4" ? 4 : 16
        guard let sourceBytes = AddressRange.bytes(of: fields[1]), sourceBytes.count == size,
            let destinationBytes = AddressRange.bytes(of: fields[2]), destinationBytes.count == size
        else { throw .invalidHeader("version 1 address does not match \(fields[0])") }
        guard let sourcePort = port(fields[3]), let destinationPort = port(fields[4]) else {
            throw .invalidHeader("version 1 port is not a number from 0 to 65535")
        }
        let header = ProxyHeader(
            source: SocketAddress(host: numericHost(sourceBytes), port: sourcePort),
            destination: SocketAddress(host: numericHost(destinationBytes), port: destinationPort)
        )
        return (header, length)
    }

    static func parseVersion2(_ input: [UInt8]) throws(ProxyProtocolError) -> (header: ProxyHeader, length: Int)? {
        let checked = min(input.count, v2Signature.count)
        guard input.prefix(checked) == v2Signature.prefix(checked) else { throw .missingHeader }
        guard input.count >= 16 else { return nil }
        let versionCommand = input[12]
        let family = input[13]
        let payloadLength = Int(input[14]) << 8 | Int(input[15])
        guard versionCommand >> 4 == 2 else { throw .invalidHeader("version \(versionCommand >> 4) is not 2") }
        guard versionCommand & 0x0F <= 1 else { throw .invalidHeader("command \(versionCommand & 0x0F) is not LOCAL or PROXY") }
        guard payloadLength <= v2MaximumPayload else {
            throw .invalidHeader("\(payloadLength) bytes of addresses and TLVs is more than \(v2MaximumPayload)")
        }
        guard input.count >= 16 + payloadLength else { return nil }
        let length = 16 + payloadLength
        let payload = Array(input[16..<length])

        // LOCAL, and families other than TCP over IPv4 or IPv6, mean the proxy's own connection.
        guard versionCommand & 0x0F == 1, family == 0x11 || family == 0x21 else {
            return (ProxyHeader(source: nil, destination: nil), length)
        }
        let size = family == 0x11 ? 4 : 16
        guard payload.count >= 2 * size + 4 else {
            throw .invalidHeader("\(payload.count) bytes is too short for the addresses of family \(family)")
        }
        let ports = 2 * size
        let header = ProxyHeader(
            source: SocketAddress(
                host: numericHost(Array(payload[0..<size])), port: Int(payload[ports]) << 8 | Int(payload[ports + 1])
            ),
            destination: SocketAddress(
                host: numericHost(Array(payload[size..<ports])), port: Int(payload[ports + 2]) << 8 | Int(payload[ports + 3])
            )
        )
        return (header, length)
    }

    /// A port in decimal, without sign or leading zeros beyond "0" itself.
    private static func port(_ text: String) -> Int? {
        guard !text.isEmpty, text.count <= 5, text.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }),
            text == "0" || !text.hasPrefix("0"), let value = Int(text), value <= 65_535
        else { return nil }
        return value
    }

    /// The text form of 4 or 16 address bytes, as the kernel reports peers.
    static func numericHost(_ bytes: [UInt8]) -> String {
        let family = bytes.count == 4 ? AF_INET : AF_INET6
        var text = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN) + 1)
        bytes.withUnsafeBytes { _ = inet_ntop(family, $0.baseAddress, &text, socklen_t(text.count)) }
        let end = text.firstIndex(of: 0) ?? text.endIndex
        return String(decoding: text[..<end].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
