#if canImport(Glibc)
import Glibc
#endif

/// Whether the running kernel offers TLS offload (kTLS), read at start for the log.
///
/// Linux lists the TCP upper-layer protocols it can attach to a socket in
/// `/proc/sys/net/ipv4/tcp_available_ulp`. Kernel TLS appears there as `tls` once the `tls`
/// module is built in or loaded.
///
/// NOTE: Sealcast encrypts in user space even where the kernel offers TLS, because its TLS
/// sessions run over in-memory BIOs and the offload path has no machine here to be tested on.
/// The check only reports what a kernel-TLS path could use.
public enum KernelTLS {
    /// The result of the check.
    public enum Availability: Equatable, Sendable {
        case offered
        case notOffered(reason: String)
    }

    /// The file that lists the available TCP upper-layer protocols.
    public static let availableULPFile = "/proc/sys/net/ipv4/tcp_available_ulp"

    /// Reads `availableULPFile` and reports whether `tls` is among the protocols.
    public static func availability(listFile: String = availableULPFile) -> Availability {
        guard let file = fopen(listFile, "r") else {
            return .notOffered(reason: "\(listFile) is not readable")
        }
        defer { fclose(file) }
        var bytes = [UInt8](repeating: 0, count: 512)
        let count = fread(&bytes, 1, bytes.count, file)
        return availability(availableULPs: String(decoding: bytes.prefix(count), as: UTF8.self))
    }

    /// Reports whether the space-separated protocol list `text` names `tls`.
    public static func availability(availableULPs text: String) -> Availability {
        let names = text.split(whereSeparator: { $0 == " " || $0 == "\n" || $0 == "\t" })
        if names.contains("tls") {
            return .offered
        }
        let listed = names.isEmpty ? "nothing" : names.joined(separator: " ")
        return .notOffered(reason: "the kernel lists \(listed) as TCP upper-layer protocols, without tls")
    }
}
