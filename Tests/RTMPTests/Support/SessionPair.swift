import Testing

@testable import RTMP

/// A `ClientSession` and a `ServerSession` joined in memory, with a fixed
/// clock and fixed random bytes. `drive()` passes bytes both ways until
/// neither side has anything to send, applying `policy` to server events.
final class SessionPair {
    let client: ClientSession
    let server: ServerSession
    var policy: (ServerEvent, ServerSession) -> Void = ServerDriver.acceptEverything
    private(set) var serverEvents: [ServerEvent] = []
    private(set) var clientEvents: [ClientEvent] = []
    var now: UInt64 = 1_000

    init(
        clientConfiguration: ClientSession.Configuration = .init(),
        serverConfiguration: ServerSession.Configuration = .init()
    ) {
        client = ClientSession(configuration: clientConfiguration, crypto: FixedCrypto(seed: 5), now: 0)
        server = ServerSession(configuration: serverConfiguration, crypto: FixedCrypto(seed: 11), now: 0)
    }

    /// Passes bytes until both sides are idle, for at most `maximumRounds` rounds.
    func drive(maximumRounds: Int = 50, sourceLocation: SourceLocation = #_sourceLocation) {
        for _ in 0..<maximumRounds {
            now += 1
            var moved = false
            while let bytes = client.pollOutbound() {
                server.receive(bytes, now: now)
                moved = true
            }
            while let event = server.nextEvent() {
                serverEvents.append(event)
                policy(event, server)
            }
            while let bytes = server.pollOutbound() {
                client.receive(bytes, now: now)
                moved = true
            }
            while let event = client.nextEvent() {
                clientEvents.append(event)
            }
            if !moved { return }
        }
        Issue.record("sessions still busy after \(maximumRounds) rounds", sourceLocation: sourceLocation)
    }

    /// Removes and returns the events each side reported so far.
    func takeEvents() -> (client: [ClientEvent], server: [ServerEvent]) {
        defer {
            clientEvents = []
            serverEvents = []
        }
        return (clientEvents, serverEvents)
    }
}
