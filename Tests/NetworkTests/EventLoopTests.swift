#if canImport(Glibc)
import Glibc
#endif
import Testing
@testable import Network

@Suite("Event loop", .serialized)
struct EventLoopTests {
    @Test("execute keeps FIFO order per submitting thread")
    func executeOrderAcrossThreads() {
        withGroup(threads: 1) { group in
            let loop = group.loops[0]
            let seen = Locked<[(thread: Int, index: Int)]>([])
            let threadCount = 4
            let tasksPerThread = 2000

            let workers = (0..<threadCount).map { thread in
                Thread {
                    for index in 0..<tasksPerThread {
                        loop.execute { seen.update { $0.append((thread, index)) } }
                    }
                }
            }
            workers.forEach { $0.start() }
            workers.forEach { $0.join() }
            #expect(waitUntil { seen.value.count == threadCount * tasksPerThread })

            for thread in 0..<threadCount {
                let order = seen.value.filter { $0.thread == thread }.map(\.index)
                #expect(order == Array(0..<tasksPerThread), "thread \(thread) tasks ran out of order")
            }
        }
    }

    @Test("inEventLoop is true only on the loop thread")
    func inEventLoop() {
        withGroup(threads: 2) { group in
            #expect(!group.loops[0].inEventLoop)
            #expect(onLoop(group.loops[0]) { group.loops[0].inEventLoop } == true)
            #expect(onLoop(group.loops[0]) { group.loops[1].inEventLoop } == false)
        }
    }

    @Test("timers fire in deadline order and cancelled ones never fire")
    func timerOrderAndCancel() {
        withGroup(threads: 1) { group in
            let loop = group.loops[0]
            let fired = Locked<[Int]>([])
            loop.execute {
                let start = Deadline.now()
                let offsets = [40, 10, 30, 50, 20]
                var handles: [Int: TimerHandle] = [:]
                for offset in offsets {
                    handles[offset] = loop.scheduleTimer(at: start + .milliseconds(offset)) {
                        fired.update { $0.append(offset) }
                    }
                }
                loop.cancelTimer(handles[30]!)
                // Two timers at one deadline fire in the order they were scheduled.
                for tag in [51, 52] {
                    _ = loop.scheduleTimer(at: start + .milliseconds(50)) { fired.update { $0.append(tag) } }
                }
            }
            #expect(waitUntil { fired.value.count == 6 })
            usleep(60_000)
            #expect(fired.value == [10, 20, 40, 50, 51, 52])
        }
    }

    @Test("a timer does not fire before its deadline")
    func timerNotEarly() {
        withGroup(threads: 1) { group in
            let loop = group.loops[0]
            let lateness = Locked<Duration?>(nil)
            loop.execute {
                let deadline = Deadline.now() + .milliseconds(25)
                _ = loop.scheduleTimer(at: deadline) { lateness.update { $0 = Deadline.now() - deadline } }
            }
            #expect(waitUntil { lateness.value != nil })
            #expect(lateness.value! >= .zero)
        }
    }

    @Test("executeAfterEvents runs after the current task")
    func afterEventsOrder() {
        withGroup(threads: 1) { group in
            let loop = group.loops[0]
            let order = Locked<[String]>([])
            loop.execute {
                loop.executeAfterEvents { order.update { $0.append("after") } }
                order.update { $0.append("task") }
            }
            #expect(waitUntil { order.value.count == 2 })
            #expect(order.value == ["task", "after"])
        }
    }

    @Test("shutdown runs the tasks queued before it")
    func shutdownRunsQueuedTasks() {
        let group = EventLoopGroup(numberOfThreads: 2)
        let count = Locked(0)
        for index in 0..<1000 {
            group.loops[index % 2].execute { count.update { $0 += 1 } }
        }
        group.shutdown()
        group.shutdown()
        #expect(count.value == 1000)
    }

    @Test("next() goes round robin and 0 threads means one per processor")
    func groupShape() {
        withGroup(threads: 3) { group in
            let picked = (0..<6).map { _ in ObjectIdentifier(group.next()) }
            #expect(picked[0..<3] == picked[3..<6])
            #expect(Set(picked).count == 3)
        }
        withGroup(threads: 0) { group in
            #expect(group.loops.count == onlineProcessorCount())
        }
    }

    @Test("deadline arithmetic clamps instead of overflowing")
    func deadlineArithmetic() {
        let start = Deadline(uptimeNanoseconds: 1_000)
        #expect((start + .nanoseconds(500)).uptimeNanoseconds == 1_500)
        #expect((start + .nanoseconds(-5_000)).uptimeNanoseconds == 0)
        #expect((start + .seconds(Int64.max)).uptimeNanoseconds == 1_000 + UInt64(Int64.max))
        #expect((Deadline(uptimeNanoseconds: .max - 10) + .seconds(1)).uptimeNanoseconds == .max)
        #expect(Deadline(uptimeNanoseconds: 3_000) - start == .nanoseconds(2_000))
        #expect(start - Deadline(uptimeNanoseconds: 3_000) == .nanoseconds(-2_000))
    }
}

/// A joinable thread for tests that need real concurrency outside Swift's task pool.
final class Thread: @unchecked Sendable {
    private let body: @Sendable () -> Void
    private var thread = pthread_t()

    init(_ body: @escaping @Sendable () -> Void) {
        self.body = body
    }

    func start() {
        let retained = Unmanaged.passRetained(self).toOpaque()
        pthread_create(&thread, nil, { argument in
            let owner = Unmanaged<Thread>.fromOpaque(argument!).takeRetainedValue()
            owner.body()
            return nil
        }, retained)
    }

    func join() {
        pthread_join(thread, nil)
    }
}
