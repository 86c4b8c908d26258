/// Receives what happens on a `Connection`. All calls come on the connection's event loop.
public protocol ConnectionHandler: AnyObject {
    /// Delivers plaintext bytes (TLS already decrypted). The pointer is valid only during the call.
    func connection(_ connection: Connection, didRead bytes: UnsafeRawBufferPointer)

    /// Reports that `connection.isWritable` flipped.
    func connectionWritabilityChanged(_ connection: Connection)

    /// Reports the end of the connection, once. `error` is nil for an orderly close by either side.
    func connectionDidClose(_ connection: Connection, error: (any Error)?)

    /// Reports, once, that the TLS handshake of a TLS connection completed.
    func connectionDidCompleteTLSHandshake(_ connection: Connection)
}

extension ConnectionHandler {
    /// Does nothing; handlers that do not watch writability can leave it out.
    public func connectionWritabilityChanged(_ connection: Connection) {}

    /// Does nothing; only handlers that time the TLS handshake need it.
    public func connectionDidCompleteTLSHandshake(_ connection: Connection) {}
}
