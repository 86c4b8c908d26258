import Foundation
import MediaServer
import Network
import Observability
import RTMPClient
import TLS

/// The `sealcast` command: parses, loads and validates the configuration, sets up
/// logging and runs the server. No protocol logic lives here.
@main
enum Sealcast {
    static let version = "0.1.0"

    /// Exit statuses, so scripts can tell a typo from a broken file from a failure at run time.
    enum ExitCode: Int32 {
        case success = 0
        case failure = 1
        case usage = 64
        case configuration = 78
    }

    static func main() {
        var arguments = Array(CommandLine.arguments.dropFirst())
        if arguments.first != "bench" && (arguments.contains("--help") || arguments.contains("-h")) {
            print(Options.help)
            exit(ExitCode.success.rawValue)
        }
        if arguments.contains("--version") {
            print("sealcast \(version)")
            exit(ExitCode.success.rawValue)
        }
        var subcommand = "serve"
        if let first = arguments.first, !first.hasPrefix("-") {
            subcommand = first
            arguments.removeFirst()
        }

        do {
            if subcommand == "bench" {
                try bench(arguments)
                exit(ExitCode.success.rawValue)
            }
            let options = try Options.parse(arguments)
            switch subcommand {
            case "serve":
                try rejectServerArguments(options, subcommand)
                try serve(options)
            case "credentials":
                try rejectServerArguments(options, subcommand, allowed: ["--user", "--password-file", "--salt"])
                if options.loginUser != nil || options.passwordFile != nil || options.salt != nil {
                    try printUserEntry(options)
                } else {
                    try printCredentials(options)
                }
            case "publish": try publish(options)
            case "play": try play(options)
            case "probe": try probe(options)
            case "token": try printToken(options)
            default: throw UsageError("unknown subcommand \(subcommand); see sealcast --help")
            }
        } catch let error as UsageError {
            fail("\(error)", .usage)
        } catch let error as ConfigurationError {
            fail("\(error)", .configuration)
        } catch let error as TLSError {
            fail("\(error)", .configuration)
        } catch let error as RTMPClientError where error == .invalidURL || error == .invalidOption {
            fail("\(error)", .usage)
        } catch {
            fail("\(error)", .failure)
        }
    }

    /// Rejects file names, URLs and client options given to `serve` or `credentials`.
    static func rejectServerArguments(_ options: Options, _ subcommand: String, allowed: Set<String> = []) throws {
        if let first = options.positional.first {
            throw UsageError("unexpected argument \(first) for sealcast \(subcommand); see sealcast --help")
        }
        try rejectOptions(options, unusedBy: subcommand, allowed: allowed)
    }

    static func fail(_ message: String, _ code: ExitCode) -> Never {
        FileHandle.standardError.write(Data("sealcast: \(message)\n".utf8))
        exit(code.rawValue)
    }

    /// The machine's host name, for the certificate and the printed URLs.
    static func hostName() -> String {
        var buffer = [CChar](repeating: 0, count: 256)
        guard gethostname(&buffer, buffer.count) == 0 else { return "localhost" }
        let bytes = buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }
        return String(decoding: bytes, as: UTF8.self)
    }
}
