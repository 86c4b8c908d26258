#if canImport(Glibc)
import Glibc
#endif
import CSystem
import Testing
@testable import Network

@Suite("epoll and loop threads")
struct EpollTests {
    @Test("epoll keeps 64-bit registration ids")
    func registrationIDRoundTrip() throws {
        let epoll = epoll_create1(Int32(EPOLL_CLOEXEC))
        try #require(epoll >= 0)
        defer { close(epoll) }
        let first = eventfd(0, Int32(EFD_NONBLOCK) | Int32(EFD_CLOEXEC))
        let second = eventfd(0, Int32(EFD_NONBLOCK) | Int32(EFD_CLOEXEC))
        try #require(first >= 0)
        try #require(second >= 0)
        defer {
            close(first)
            close(second)
        }

        // Ids with a byte set in every position, so a wrong data offset or size in
        // `epoll_event` changes the value that comes back.
        let firstID: UInt64 = 0x0102_0304_0506_0708
        let secondID: UInt64 = 0xF1E2_D3C4_B5A6_9788
        let add = { (descriptor: Int32, id: UInt64) in
            Epoll.control(epoll, Epoll.controlAdd, descriptor, Epoll.Event(events: Epoll.readable, data: id))
        }
        #expect(add(first, firstID) == 0)
        #expect(add(second, secondID) == 0)

        var increment: UInt64 = 1
        #expect(write(first, &increment, 8) == 8)
        #expect(write(second, &increment, 8) == 8)

        var events = [epoll_event](repeating: epoll_event(), count: 4)
        let count = epoll_wait(epoll, &events, Int32(events.count), 1000)
        #expect(count == 2)
        let received = events.prefix(Int(max(count, 0))).map(Epoll.Event.init)
        #expect(Set(received.map(\.data)) == [firstID, secondID])
        #expect(received.allSatisfy { $0.events & Epoll.readable != 0 })

        #expect(Epoll.control(epoll, Epoll.controlDelete, first, nil) == 0)
        #expect(epoll_wait(epoll, &events, Int32(events.count), 1000) == 1)
        #expect(Epoll.Event(events[0]).data == secondID)
    }

    @Test("loop thread names")
    func threadNames() {
        withGroup(threads: 11) { group in
            #expect(onLoop(group.loops[0]) { currentThreadName() } == "sealcast-loop-0")
            #expect(onLoop(group.loops[9]) { currentThreadName() } == "sealcast-loop-9")
            // "sealcast-loop-10" is 16 bytes, one more than Linux allows.
            #expect(onLoop(group.loops[10]) { currentThreadName() } == "sealcast-10")
        }
    }
}

/// Reads the name of the calling thread from /proc and drops the trailing newline.
private func currentThreadName() -> String {
    let descriptor = open("/proc/thread-self/comm", O_RDONLY | O_CLOEXEC)
    guard descriptor >= 0 else {
        return "open failed with errno \(errno)"
    }
    defer { close(descriptor) }
    var buffer = [UInt8](repeating: 0, count: 64)
    let count = read(descriptor, &buffer, buffer.count)
    guard count > 0 else {
        return "read failed with errno \(errno)"
    }
    let name = String(decoding: buffer.prefix(count), as: UTF8.self)
    return name.hasSuffix("\n") ? String(name.dropLast()) : name
}
