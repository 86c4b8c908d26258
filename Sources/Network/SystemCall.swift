#if canImport(Glibc)
import Glibc
#endif

/// The outcome of a non-blocking system call: finished with a value, or `EAGAIN`.
enum IOResult<Value> {
    case processed(Value)
    case wouldBlock
}

/// Runs `body`, a system call that returns a negative value and sets `errno` on failure.
///
/// `EINTR` is retried, `EAGAIN` (`EWOULDBLOCK`) is returned as `.wouldBlock`, and every other
/// failure throws a `TransportError` naming `operation`. `EBADF` and `EFAULT` trap, because they
/// only happen when this module passes a closed descriptor or a bad pointer.
@inline(__always)
func systemCall<Value: FixedWidthInteger>(
    _ operation: String,
    _ body: () -> Value
) throws(TransportError) -> IOResult<Value> {
    while true {
        let result = body()
        if result >= 0 {
            return .processed(result)
        }
        let code = errno
        switch code {
        case EINTR:
            continue
        case EAGAIN, EWOULDBLOCK:
            return .wouldBlock
        case EBADF, EFAULT:
            preconditionFailure("\(operation) failed with errno \(code): a descriptor or pointer is invalid")
        default:
            throw TransportError.systemCall(operation, errno: code)
        }
    }
}

/// Runs a system call for which `EAGAIN` is a failure like any other (`bind`, `setsockopt`, ...).
@inline(__always)
func blockingSystemCall<Value: FixedWidthInteger>(
    _ operation: String,
    _ body: () -> Value
) throws(TransportError) -> Value {
    switch try systemCall(operation, body) {
    case .processed(let value):
        return value
    case .wouldBlock:
        throw TransportError.systemCall(operation, errno: EAGAIN)
    }
}

/// Closes `descriptor` once. Linux releases the descriptor even when `close` reports `EINTR`,
/// so a retry could close a descriptor that another thread has just opened.
func closeDescriptor(_ descriptor: Int32) {
    let result = Glibc.close(descriptor)
    if result < 0 && errno == EBADF {
        preconditionFailure("close(\(descriptor)) failed with EBADF: the descriptor was closed twice")
    }
}

/// The number of processors online, at least 1.
func onlineProcessorCount() -> Int {
    max(1, sysconf(Int32(_SC_NPROCESSORS_ONLN)))
}
