#if canImport(Glibc)
import Glibc
#endif

/// epoll, eventfd and accept4 calls.
///
/// The Glibc module of Swift 6.3.1 leaves out `<sys/epoll.h>` and `<sys/eventfd.h>` and does not
/// declare the GNU `accept4`, and this package has no C target of its own for them. So these
/// functions are looked up once with `dlsym` and called through C function pointers (the C
/// calling convention, unlike `@_silgen_name`), and the constants are the values of the Linux
/// kernel ABI.
///
/// TODO: move these declarations to a small C shim target that includes the headers. The call
/// sites would stay the same.
enum Epoll {
    static let readable: UInt32 = 0x001
    static let writable: UInt32 = 0x004
    static let error: UInt32 = 0x008
    static let hangUp: UInt32 = 0x010
    static let readHangUp: UInt32 = 0x2000

    static let controlAdd: Int32 = 1
    static let controlDelete: Int32 = 2
    static let controlModify: Int32 = 3

    /// `EPOLL_CLOEXEC`, `EFD_CLOEXEC` and `EFD_NONBLOCK` equal the `O_` flags by definition.
    static let closeOnExec = Int32(O_CLOEXEC)
    static let nonBlocking = Int32(O_NONBLOCK)

    /// One entry of `epoll_wait` output or `epoll_ctl` input.
    struct Event {
        var events: UInt32
        var data: UInt64
    }

    // `struct epoll_event` is packed on x86_64 (12 bytes, data at offset 4) and naturally
    // aligned elsewhere (16 bytes, data at offset 8).
    #if arch(x86_64)
    static let eventStride = 12
    private static let dataOffset = 4
    #else
    static let eventStride = 16
    private static let dataOffset = 8
    #endif

    private typealias CreateFunction = @convention(c) (Int32) -> Int32
    private typealias ControlFunction = @convention(c) (Int32, Int32, Int32, UnsafeMutableRawPointer?) -> Int32
    private typealias WaitFunction = @convention(c) (Int32, UnsafeMutableRawPointer?, Int32, Int32) -> Int32
    private typealias EventFDFunction = @convention(c) (UInt32, Int32) -> Int32
    private typealias AcceptFunction = @convention(c) (
        Int32, UnsafeMutablePointer<sockaddr>?, UnsafeMutablePointer<socklen_t>?, Int32
    ) -> Int32

    private struct Functions: @unchecked Sendable {
        let create: CreateFunction
        let control: ControlFunction
        let wait: WaitFunction
        let eventFD: EventFDFunction
        let accept: AcceptFunction
    }

    private static let functions: Functions = {
        let process = dlopen(nil, RTLD_NOW)
        func lookUp<Function>(_ name: String, as type: Function.Type) -> Function {
            guard let symbol = dlsym(process, name) else {
                fatalError("\(name) not found in the C library; this module needs Linux with glibc")
            }
            return unsafeBitCast(symbol, to: type)
        }
        return Functions(
            create: lookUp("epoll_create1", as: CreateFunction.self),
            control: lookUp("epoll_ctl", as: ControlFunction.self),
            wait: lookUp("epoll_wait", as: WaitFunction.self),
            eventFD: lookUp("eventfd", as: EventFDFunction.self),
            accept: lookUp("accept4", as: AcceptFunction.self)
        )
    }()

    static func create(flags: Int32) -> Int32 {
        functions.create(flags)
    }

    /// `epoll_ctl`; `event` may be nil for `controlDelete`.
    static func control(_ epoll: Int32, _ operation: Int32, _ descriptor: Int32, _ event: Event?) -> Int32 {
        guard let event else {
            return functions.control(epoll, operation, descriptor, nil)
        }
        return withUnsafeTemporaryAllocation(byteCount: 16, alignment: 8) { raw in
            store(event, at: 0, in: raw.baseAddress!)
            return functions.control(epoll, operation, descriptor, raw.baseAddress)
        }
    }

    /// `epoll_wait` into `buffer`, which has room for `capacity` events of `eventStride` bytes.
    static func wait(_ epoll: Int32, _ buffer: UnsafeMutableRawPointer, capacity: Int32, timeout: Int32) -> Int32 {
        functions.wait(epoll, buffer, capacity, timeout)
    }

    static func eventFD(initialValue: UInt32, flags: Int32) -> Int32 {
        functions.eventFD(initialValue, flags)
    }

    /// `accept4`: accepts a connection and sets `flags` (`SOCK_NONBLOCK`, `SOCK_CLOEXEC`) on it
    /// in the same call.
    static func accept(
        _ descriptor: Int32,
        _ address: UnsafeMutablePointer<sockaddr>?,
        _ length: UnsafeMutablePointer<socklen_t>?,
        flags: Int32
    ) -> Int32 {
        functions.accept(descriptor, address, length, flags)
    }

    /// Reads the event at `index` of an `epoll_wait` output buffer.
    static func event(at index: Int, in buffer: UnsafeRawPointer) -> Event {
        let start = buffer + index * eventStride
        return Event(
            events: start.loadUnaligned(as: UInt32.self),
            data: start.loadUnaligned(fromByteOffset: dataOffset, as: UInt64.self)
        )
    }

    private static func store(_ event: Event, at index: Int, in buffer: UnsafeMutableRawPointer) {
        let start = buffer + index * eventStride
        start.storeBytes(of: event.events, as: UInt32.self)
        start.storeBytes(of: event.data, toByteOffset: dataOffset, as: UInt64.self)
    }
}
