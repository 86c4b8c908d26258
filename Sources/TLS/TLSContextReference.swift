import Synchronization

/// A `TLSContext` that can be replaced while connections use it, for certificate reloads.
///
/// A listener reads `current` once per accepted connection, so new connections use the newest
/// context while sessions made earlier keep the context they were made from.
public final class TLSContextReference: Sendable {
    private let context: Mutex<TLSContext>

    /// Creates a reference to `context`.
    public init(_ context: TLSContext) {
        self.context = Mutex(context)
    }

    /// The context for new sessions.
    public var current: TLSContext {
        context.withLock { $0 }
    }

    /// Makes `newContext` the context for new sessions.
    public func replace(with newContext: TLSContext) {
        context.withLock { $0 = newContext }
    }
}
