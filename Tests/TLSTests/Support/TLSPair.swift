import TLS

/// A client and a server `TLSSession` joined in memory: ciphertext produced by one side is handed
/// to the other until neither side produces any more.
final class TLSPair {
    let client: TLSSession
    let server: TLSSession

    /// Plaintext each side has read so far.
    var clientReceived: [UInt8] = []
    var serverReceived: [UInt8] = []

    /// The first failure each side reported, kept even if later steps report something else.
    private(set) var clientFailure: TLSError?
    private(set) var serverFailure: TLSError?

    /// The result of each side's latest step.
    private(set) var clientResult: TLSSession.Result = .wantRead
    private(set) var serverResult: TLSSession.Result = .wantRead

    init(client: TLSSession, server: TLSSession) {
        self.client = client
        self.server = server
    }

    convenience init(
        clientContext: TLSContext,
        serverContext: TLSContext,
        serverName: String? = "localhost"
    ) throws {
        try self.init(
            client: TLSSession(context: clientContext, serverName: serverName),
            server: TLSSession(context: serverContext)
        )
    }

    /// Steps both sides and moves ciphertext across until a whole round moves nothing.
    ///
    /// - Parameter maxRounds: Bound on the rounds; a handshake takes two or three.
    /// - Returns: The number of rounds that moved bytes.
    @discardableResult
    func interact(maxRounds: Int = 20) -> Int {
        for round in 0..<maxRounds {
            clientResult = client.readPlaintext(appendingTo: &clientReceived)
            record(clientResult, into: &clientFailure)
            let toServer = drain(client)
            receive(toServer, into: server)

            serverResult = server.readPlaintext(appendingTo: &serverReceived)
            record(serverResult, into: &serverFailure)
            let toClient = drain(server)
            receive(toClient, into: client)

            if toServer.isEmpty && toClient.isEmpty {
                // One more client step consumes what the server's last round sent.
                clientResult = client.readPlaintext(appendingTo: &clientReceived)
                record(clientResult, into: &clientFailure)
                return round
            }
        }
        return maxRounds
    }

    /// Runs the handshake; both sides report `isHandshakeComplete` afterwards when it succeeded.
    func handshake() {
        interact()
    }

    /// Writes `bytes` on `session`, expecting every byte to be consumed.
    func write(_ bytes: [UInt8], on session: TLSSession) throws {
        let written = try bytes.withUnsafeBytes { try session.writePlaintext($0).get() }
        precondition(written == bytes.count, "writePlaintext consumed \(written) of \(bytes.count) bytes")
    }

    func drain(_ session: TLSSession) -> [UInt8] {
        var ciphertext: [UInt8] = []
        session.drainCiphertext(appendingTo: &ciphertext)
        return ciphertext
    }

    func receive(_ ciphertext: [UInt8], into session: TLSSession) {
        ciphertext.withUnsafeBytes { session.receiveCiphertext($0) }
    }

    private func record(_ result: TLSSession.Result, into failure: inout TLSError?) {
        if case .failed(let error) = result, failure == nil {
            failure = error
        }
    }
}
