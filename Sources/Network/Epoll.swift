import CSystem

/// The epoll event bits and `epoll_ctl` operations this module uses, as Swift integers, plus a
/// typed `epoll_ctl` call.
///
/// The values come from `<sys/epoll.h>` through the `CSystem` target, because the Glibc module
/// of Swift 6.3.1 does not include that header.
enum Epoll {
    static let readable = EPOLLIN.rawValue
    static let writable = EPOLLOUT.rawValue
    static let error = EPOLLERR.rawValue
    static let hangUp = EPOLLHUP.rawValue
    static let readHangUp = EPOLLRDHUP.rawValue

    static let controlAdd = EPOLL_CTL_ADD
    static let controlDelete = EPOLL_CTL_DEL
    static let controlModify = EPOLL_CTL_MOD

    /// One entry of `epoll_wait` output or `epoll_ctl` input, with the registration id kept in
    /// `epoll_data.u64`.
    struct Event {
        var events: UInt32
        var data: UInt64

        init(events: UInt32, data: UInt64) {
            self.events = events
            self.data = data
        }

        init(_ event: epoll_event) {
            self.events = event.events
            self.data = event.data.u64
        }
    }

    /// Calls `epoll_ctl`. Pass nil as `event` for `controlDelete`.
    static func control(_ epoll: Int32, _ operation: Int32, _ descriptor: Int32, _ event: Event?) -> Int32 {
        guard let event else {
            return epoll_ctl(epoll, operation, descriptor, nil)
        }
        var raw = epoll_event()
        raw.events = event.events
        raw.data.u64 = event.data
        return epoll_ctl(epoll, operation, descriptor, &raw)
    }
}
