import Foundation
import MediaServer
import TLS

extension Sealcast {
    /// Prints a `users` entry that stores the Adobe login verifier of a password in place of the
    /// password, for `sealcast credentials --user NAME --password-file FILE [--salt SALT]`.
    ///
    /// The password is read from a file or standard input, never from the command line, so that
    /// it does not show up in the process list or the shell history.
    static func printUserEntry(_ options: Options) throws {
        guard let user = options.loginUser, StreamNames.isValidSegment(user) else {
            throw UsageError("sealcast credentials --user needs a NAME of letters, digits, '-', '_' or '.'")
        }
        guard let path = options.passwordFile else {
            throw UsageError("sealcast credentials --user needs --password-file FILE (or - for standard input)")
        }
        let data: Data?
        if path == "-" {
            data = FileHandle.standardInput.readDataToEndOfFile()
        } else {
            data = FileManager.default.contents(atPath: path)
        }
        guard let data else {
            throw ConfigurationError("cannot read password file \(path): check the path and its permissions")
        }
        var password = String(decoding: data, as: UTF8.self)
        while password.hasSuffix("\n") || password.hasSuffix("\r") { password.removeLast() }

        // The same checks as the server's, so that the printed entry loads.
        guard password.utf8.count >= 8 else {
            throw ConfigurationError("the password in \(path) is too short: use at least 8 characters")
        }
        let salt = options.salt ?? Crypto.randomBytes(count: 16).map { String(format: "%02x", $0) }.joined()
        guard UserConfiguration.isValidSalt(salt) else {
            throw ConfigurationError("invalid --salt: use 8 to 64 letters and digits")
        }
        let entry = UserConfiguration.hashed(user: user, password: password, salt: salt)
        print("{ user: \"\(user)\", salt: \"\(salt)\", passwordHash: \"\(entry.passwordHash ?? "")\" }")
        printError("Put this entry in the application's users in place of the password entry.")
        printError("Anyone who has the hash can log in as \(user): keep the configuration file private (mode 0600).")
    }
}
