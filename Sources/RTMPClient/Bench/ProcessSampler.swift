#if canImport(Glibc)
import Glibc
#endif

/// The processes that count as "the server" in a benchmark, written as `rtmpbench.py` writes them:
///
///     pid:1234[,5678]   those processes
///     pidfile:PATH      the PID in that file
///     cmd:SHELL         the integers the shell command prints
///     port:P1[,P2]      the processes holding a listening TCP socket on those ports
///     none              nothing is measured
///
/// Each selected process counts with all its descendants and all their threads.
public enum ProcessSpec: Sendable, Equatable {
    case pids([Int32])
    case pidFile(String)
    case command(String)
    case ports([Int])
    case none

    /// Parses a PIDSPEC.
    /// - Throws: `RTMPClientError.invalidOption` naming what is wrong.
    public init(_ text: String) throws(RTMPClientError) {
        let trimmed = text.trimmingBlanks
        if trimmed.isEmpty || trimmed == "none" {
            self = .none
            return
        }
        guard let colon = trimmed.firstIndex(of: ":") else {
            throw .invalidOption("invalid PIDSPEC \(text): use pid:N[,N], pidfile:PATH, cmd:SHELL, port:P[,P] or none")
        }
        let kind = trimmed[..<colon]
        let value = String(trimmed[trimmed.index(after: colon)...])
        switch kind {
        case "pid":
            let parts = value.split { $0 == "," || $0 == " " }
            let pids = parts.compactMap { Int32($0) }
            guard !pids.isEmpty, pids.count == parts.count, pids.allSatisfy({ $0 > 0 }) else {
                throw .invalidOption("invalid PIDSPEC \(text): pid: needs positive numbers separated by commas")
            }
            self = .pids(pids)
        case "pidfile":
            guard !value.isEmpty else { throw .invalidOption("invalid PIDSPEC \(text): pidfile: needs a path") }
            self = .pidFile(value)
        case "cmd":
            guard !value.isEmpty else { throw .invalidOption("invalid PIDSPEC \(text): cmd: needs a command") }
            self = .command(value)
        case "port":
            let parts = value.split(separator: ",")
            let ports = parts.compactMap { Int($0) }
            guard !ports.isEmpty, ports.count == parts.count, ports.allSatisfy({ (1...65_535).contains($0) }) else {
                throw .invalidOption("invalid PIDSPEC \(text): port: needs port numbers separated by commas")
            }
            self = .ports(ports)
        default:
            throw .invalidOption("invalid PIDSPEC \(text): use pid:N[,N], pidfile:PATH, cmd:SHELL, port:P[,P] or none")
        }
    }

    /// Returns the selected processes and their descendants, without `excluded`, in ascending order.
    public func resolve(excluding excluded: Set<Int32> = []) -> [Int32] {
        let base: [Int32]
        switch self {
        case .none: return []
        case .pids(let pids): base = pids
        case .pidFile(let path):
            base = (ProcFiles.read(path) ?? "").split(whereSeparator: \.isWhitespace).prefix(1).compactMap { Int32($0) }
        case .command(let command): base = ProcFiles.runShell(command).split(whereSeparator: \.isWhitespace).compactMap { Int32($0) }
        case .ports(let ports): base = ProcFiles.listeners(onPorts: Set(ports))
        }
        let own = getpid()
        return ProcFiles.withDescendants(base).filter { !excluded.contains($0) && $0 != own }
    }
}

/// CPU and memory of a set of processes, read from `/proc`.
public enum ProcessSampler {
    /// CPU seconds (user + system) of each process, all its threads included.
    public static func cpuSeconds(_ pids: [Int32]) -> Double {
        pids.reduce(0) { $0 + (ProcFiles.cpuTicks("/proc/\($1)/stat").map(ticksToSeconds) ?? 0) }
    }

    /// CPU seconds of every thread, keyed by "PID/TID name", where the name is the thread's `comm`.
    public static func threadCPUSeconds(_ pids: [Int32]) -> [String: Double] {
        var result: [String: Double] = [:]
        for pid in pids {
            for tid in ProcFiles.numericEntries("/proc/\(pid)/task") {
                guard let ticks = ProcFiles.cpuTicks("/proc/\(pid)/task/\(tid)/stat") else { continue }
                let name = (ProcFiles.read("/proc/\(pid)/task/\(tid)/comm") ?? "?").trimmingBlanks
                result["\(pid)/\(tid) \(name)"] = ticksToSeconds(ticks)
            }
        }
        return result
    }

    /// Returns the summed VmRSS and Pss (from `smaps_rollup`), in bytes.
    public static func memory(_ pids: [Int32]) -> (rss: Int, pss: Int) {
        var rss = 0
        var pss = 0
        for pid in pids {
            rss += ProcFiles.kilobytes(field: "VmRSS:", in: "/proc/\(pid)/status") * 1024
            pss += ProcFiles.kilobytes(field: "Pss:", in: "/proc/\(pid)/smaps_rollup") * 1024
        }
        return (rss, pss)
    }

    /// CPU seconds of this process so far, all threads.
    public static func ownCPUSeconds() -> Double {
        cpuSeconds([getpid()])
    }

    private static let ticksPerSecond = Double(sysconf(Int32(_SC_CLK_TCK)))

    private static func ticksToSeconds(_ ticks: Int) -> Double {
        Double(ticks) / ticksPerSecond
    }
}

/// Small readers of `/proc` files, without Foundation.
enum ProcFiles {
    /// Returns the whole text of a file, or nil when it cannot be read.
    static func read(_ path: String) -> String? {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return nil }
        defer { close(descriptor) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = chunk.withUnsafeMutableBytes { Glibc.read(descriptor, $0.baseAddress, $0.count) }
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else { break }
            bytes += chunk[0..<count]
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// utime + stime from a `stat` file (fields 14 and 15), in clock ticks.
    static func cpuTicks(_ path: String) -> Int? {
        guard let fields = statFields(path), fields.count > 12 else { return nil }
        return (Int(fields[11]) ?? 0) + (Int(fields[12]) ?? 0)
    }

    /// Returns the fields of a `stat` file after the command name, from the state (field 3) on.
    static func statFields(_ path: String) -> [Substring]? {
        guard let text = read(path), let close = text.lastIndex(of: ")") else { return nil }
        return text[text.index(after: close)...].split(separator: " ")
    }

    /// Returns a field of a `status`-like file in kB, or 0.
    static func kilobytes(field: String, in path: String) -> Int {
        guard let text = read(path) else { return 0 }
        for line in text.split(separator: "\n") where line.hasPrefix(field) {
            return Int(line.dropFirst(field.count).split(whereSeparator: \.isWhitespace).first ?? "") ?? 0
        }
        return 0
    }

    /// Returns the numeric names in a directory, such as the PIDs in `/proc`.
    static func numericEntries(_ path: String) -> [Int32] {
        guard let directory = opendir(path) else { return [] }
        defer { closedir(directory) }
        var result: [Int32] = []
        while let entry = readdir(directory) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            if let number = Int32(name) { result.append(number) }
        }
        return result
    }

    /// `pids` and every process descending from one of them, in ascending order.
    static func withDescendants(_ pids: [Int32]) -> [Int32] {
        var parents: [Int32: Int32] = [:]
        for pid in numericEntries("/proc") {
            if let fields = statFields("/proc/\(pid)/stat"), fields.count > 1, let parent = Int32(fields[1]) {
                parents[pid] = parent
            }
        }
        var selected = Set(pids.filter { parents[$0] != nil })
        var changed = true
        while changed {
            changed = false
            for (child, parent) in parents where selected.contains(parent) && !selected.contains(child) {
                selected.insert(child)
                changed = true
            }
        }
        return selected.sorted()
    }

    /// Returns the processes with a listening TCP socket (IPv4 or IPv6) on one of `ports`.
    static func listeners(onPorts ports: Set<Int>) -> [Int32] {
        var inodes = Set<Substring>()
        for table in ["/proc/net/tcp", "/proc/net/tcp6"] {
            for line in (read(table) ?? "").split(separator: "\n").dropFirst() {
                let fields = line.split(separator: " ")
                guard fields.count > 9, fields[3] == "0A",
                    let portText = fields[1].split(separator: ":").last, let port = Int(portText, radix: 16),
                    ports.contains(port)
                else { continue }
                inodes.insert(fields[9])
            }
        }
        guard !inodes.isEmpty else { return [] }
        var result: [Int32] = []
        for pid in numericEntries("/proc") {
            for descriptor in numericEntries("/proc/\(pid)/fd") {
                var target = [CChar](repeating: 0, count: 256)
                let count = readlink("/proc/\(pid)/fd/\(descriptor)", &target, target.count - 1)
                guard count > 0 else { continue }
                let link = String(decoding: target[0..<count].map { UInt8(bitPattern: $0) }, as: UTF8.self)
                if link.hasPrefix("socket:["), inodes.contains(Substring(link.dropFirst(8).dropLast())) {
                    result.append(pid)
                    break
                }
            }
        }
        return result
    }

    /// Runs `/bin/sh -c command` and returns what it printed within 10 seconds.
    static func runShell(_ command: String) -> String {
        guard let pipe = popen("timeout 10 /bin/sh -c '\(command.replacingSingleQuotes)'", "r") else { return "" }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = fread(&chunk, 1, chunk.count, pipe)
            guard count > 0 else { break }
            bytes += chunk[0..<count]
        }
        pclose(pipe)
        return String(decoding: bytes, as: UTF8.self)
    }
}

extension StringProtocol {
    /// The text without leading and trailing spaces, tabs and newlines.
    var trimmingBlanks: String {
        let blanks: Set<Character> = [" ", "\t", "\n", "\r"]
        guard let first = firstIndex(where: { !blanks.contains($0) }),
            let last = lastIndex(where: { !blanks.contains($0) })
        else { return "" }
        return String(self[first...last])
    }

    /// The text with each single quote written as `'\''`, for inside single quotes in a shell.
    var replacingSingleQuotes: String {
        var result = ""
        for character in self {
            if character == "'" { result += "'\\''" } else { result.append(character) }
        }
        return result
    }
}
