import Foundation

/// Debian's nginx with its RTMP module (libnginx-mod-rtmp), run by a test on loopback as a
/// reference peer: a private prefix, one worker, `live` application, stopped by its PID.
final class NginxRTMP {
    let port: Int
    let prefix: URL
    private let process: ExternalProcess

    static let binary = "/usr/sbin/nginx"
    static let module = "/usr/lib/nginx/modules/ngx_rtmp_module.so"

    static var isInstalled: Bool {
        FileManager.default.isExecutableFile(atPath: binary) && FileManager.default.fileExists(atPath: module)
    }

    init() throws {
        port = try Self.freePort()
        prefix = Samples.directory.appendingPathComponent("nginx-\(port)")
        try FileManager.default.createDirectory(at: prefix.appendingPathComponent("logs"), withIntermediateDirectories: true)
        let configuration = """
            load_module \(Self.module);
            daemon off;
            master_process off;
            worker_processes 1;
            pid \(prefix.path)/nginx.pid;
            error_log \(prefix.path)/logs/error.log warn;
            events { worker_connections 256; }
            rtmp {
              server {
                listen 127.0.0.1:\(port);
                chunk_size 4096;
                application live { live on; record off; }
              }
            }
            """
        let file = prefix.appendingPathComponent("nginx.conf")
        try configuration.write(to: file, atomically: true, encoding: .utf8)
        process = try ExternalProcess(
            Self.binary, ["-p", prefix.path, "-c", file.path, "-e", prefix.path + "/logs/error.log"],
            directory: Samples.directory, name: "nginx-\(port)"
        )
        try waitUntilListening()
    }

    deinit {
        process.stop()
    }

    var url: String { "rtmp://127.0.0.1:\(port)/live" }

    /// A port the kernel has just handed out and released. Another process could take it
    /// before nginx binds it; the start-up wait then fails with nginx's own message.
    static func freePort() throws -> Int {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(descriptor) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { raw in
                Glibc.bind(descriptor, raw, length) == 0 && getsockname(descriptor, raw, &length) == 0
            }
        }
        guard bound else { throw InteropFailure("cannot find a free port: errno \(errno)") }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    private func waitUntilListening() throws {
        let deadline = Date().addingTimeInterval(5)
        while Date() < deadline {
            let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_port = in_port_t(UInt16(port).bigEndian)
            address.sin_addr.s_addr = inet_addr("127.0.0.1")
            let connected = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    Glibc.connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
                }
            }
            close(descriptor)
            if connected == 0 { return }
            guard process.process.isRunning else { break }
            usleep(50_000)
        }
        throw InteropFailure("nginx did not start: \(process.errorOutput) \(errorLog)")
    }

    var errorLog: String {
        (try? String(contentsOf: prefix.appendingPathComponent("logs/error.log"), encoding: .utf8)) ?? ""
    }
}
