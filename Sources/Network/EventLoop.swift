#if canImport(Glibc)
import Glibc
#endif
import CSystem
import Synchronization

/// Something registered with a loop's epoll instance.
protocol EventLoopSelectable: AnyObject {
    /// Handles the epoll events (`EPOLLIN`, `EPOLLOUT`, ...) reported for this registration.
    func handleEvents(_ events: UInt32)

    /// Closes the registration because its loop is shutting down.
    func closeForShutdown()
}

/// One thread running epoll. Everything that belongs to a loop is touched only on that thread.
///
/// Each turn of the loop:
///
///     epoll_wait (timeout = nearest timer, or none)
///       -> handle the I/O events of the batch
///       -> run the executeAfterEvents tasks (connections flush their write queues here)
///       -> run the timers that are due
///       -> run the tasks queued by execute(_:) from any thread
///
/// The after-events tasks also run after the timers and after the queued tasks, so a write made
/// from a timer or a task goes out in the same turn. Only `execute(_:)` takes a lock; the I/O
/// path, the timers and the after-events tasks are confined to the loop's thread.
public final class EventLoop: @unchecked Sendable {
    private struct TaskQueue {
        var tasks: [@Sendable () -> Void] = []
        var wakeupPending = false
        var stopRequested = false
        var stopped = false
    }

    /// The capacity of the per-loop read buffer.
    static let readBufferSize = 64 * 1024

    /// The maximum number of buffers passed to one `writev`-style call.
    static let maximumVectorCount = 64

    private static let maximumEventsPerWait = 256

    /// The thread-specific slot that stores the loop running on the current thread.
    private static let currentLoopKey: pthread_key_t = {
        var key = pthread_key_t()
        pthread_key_create(&key, nil)
        return key
    }()

    /// The position of this loop in its group.
    let index: Int

    private let epollDescriptor: Int32
    private let wakeupDescriptor: Int32
    private let queue = Mutex(TaskQueue())

    // The state below is touched only on the loop's thread.
    private var timers = TimerQueue()
    private var afterEventTasks: [() -> Void] = []
    /// Connections whose queued bytes wait for the batch timer, and whether it is set.
    private var batchedFlushes: [Connection] = []
    private var batchTimerSet = false
    private var registrations: [UInt64: any EventLoopSelectable] = [:]
    private var nextRegistrationID: UInt64 = 1

    /// The buffer that connections on this loop read into. Handlers see its bytes only during
    /// their call.
    let readBuffer: UnsafeMutableRawBufferPointer

    /// Scratch space for gathering queued buffers into one `writev`-style call.
    let vectorScratch: UnsafeMutableBufferPointer<iovec>

    /// Scratch space for decrypted TLS plaintext, reused by every connection on this loop.
    var plaintextScratch: [UInt8] = []

    /// The largest plaintext passed to one `SSL_write`: one full TLS record.
    static let maximumRecordSize = 16 * 1024

    /// Scratch space for packing several small queued buffers into one TLS record.
    let recordScratch: UnsafeMutableRawBufferPointer

    init(index: Int) throws(TransportError) {
        self.index = index
        epollDescriptor = try blockingSystemCall("epoll_create1") { epoll_create1(Int32(EPOLL_CLOEXEC)) }
        do {
            wakeupDescriptor = try blockingSystemCall("eventfd") {
                eventfd(0, Int32(EFD_NONBLOCK) | Int32(EFD_CLOEXEC))
            }
        } catch {
            closeDescriptor(epollDescriptor)
            throw error
        }
        readBuffer = .allocate(byteCount: Self.readBufferSize, alignment: 16)
        vectorScratch = .allocate(capacity: Self.maximumVectorCount)
        recordScratch = .allocate(byteCount: Self.maximumRecordSize, alignment: 16)

        let wakeupEvent = Epoll.Event(events: Epoll.readable, data: 0)
        _ = try? blockingSystemCall("epoll_ctl(ADD eventfd)") {
            Epoll.control(epollDescriptor, Epoll.controlAdd, wakeupDescriptor, wakeupEvent)
        }
    }

    deinit {
        readBuffer.deallocate()
        vectorScratch.deallocate()
        recordScratch.deallocate()
    }

    /// True on the loop's own thread.
    public var inEventLoop: Bool {
        pthread_getspecific(Self.currentLoopKey) == Unmanaged.passUnretained(self).toOpaque()
    }

    /// Traps unless called on the loop's thread.
    public func preconditionInEventLoop(file: StaticString = #fileID, line: UInt = #line) {
        precondition(inEventLoop, "called off the event loop thread of loop \(index)", file: file, line: line)
    }

    /// Runs `task` on the loop's thread soon; callable from any thread. Tasks run in FIFO order.
    ///
    /// NOTE: tasks submitted after the loop stopped are dropped without running.
    public func execute(_ task: @escaping @Sendable () -> Void) {
        let mustWake = queue.withLock { queue -> Bool in
            guard !queue.stopped else {
                return false
            }
            queue.tasks.append(task)
            if queue.wakeupPending {
                return false
            }
            queue.wakeupPending = true
            return true
        }
        if mustWake {
            wake()
        }
    }

    /// Loop-thread only. Runs `task` at `deadline` unless cancelled first.
    public func scheduleTimer(at deadline: Deadline, _ task: @escaping () -> Void) -> TimerHandle {
        preconditionInEventLoop()
        return timers.schedule(at: deadline, task)
    }

    /// Loop-thread only. Cancels the timer; does nothing if it already fired or was cancelled.
    public func cancelTimer(_ handle: TimerHandle) {
        preconditionInEventLoop()
        timers.cancel(handle)
    }

    /// Loop-thread only. Runs `task` once after the current batch of I/O events, timers or
    /// queued tasks, before the loop waits again. Connections use it to coalesce writes.
    public func executeAfterEvents(_ task: @escaping () -> Void) {
        preconditionInEventLoop()
        afterEventTasks.append(task)
    }

    /// Flushes `connection` when the loop's batch timer fires, at most `delay` from now. One
    /// timer serves every connection of the loop, so a batch costs one timer, not one each.
    func flushLater(_ connection: Connection, within delay: Duration) {
        batchedFlushes.append(connection)
        guard !batchTimerSet else {
            return
        }
        batchTimerSet = true
        _ = timers.schedule(at: .now() + delay) { [self] in
            batchTimerSet = false
            let connections = batchedFlushes
            batchedFlushes.removeAll(keepingCapacity: true)
            for connection in connections {
                connection.batchedFlushPending = false
                connection.flushNow()
            }
        }
    }

    private func wake() {
        var one: UInt64 = 1
        // A full counter (EAGAIN) still wakes the loop, so the result does not matter.
        _ = try? systemCall("write(eventfd)") { write(wakeupDescriptor, &one, 8) }
    }

    // MARK: - Registrations

    /// Adds `descriptor` to epoll with `interest`; returns the id the loop uses for its events.
    func register(
        _ descriptor: Int32,
        interest: UInt32,
        _ selectable: any EventLoopSelectable
    ) throws(TransportError) -> UInt64 {
        preconditionInEventLoop()
        let id = nextRegistrationID
        nextRegistrationID += 1
        let event = Epoll.Event(events: interest, data: id)
        _ = try blockingSystemCall("epoll_ctl(ADD)") {
            Epoll.control(epollDescriptor, Epoll.controlAdd, descriptor, event)
        }
        registrations[id] = selectable
        return id
    }

    /// Changes the events epoll reports for a registered descriptor.
    func modify(_ descriptor: Int32, id: UInt64, interest: UInt32) throws(TransportError) {
        let event = Epoll.Event(events: interest, data: id)
        _ = try blockingSystemCall("epoll_ctl(MOD)") {
            Epoll.control(epollDescriptor, Epoll.controlModify, descriptor, event)
        }
    }

    /// Removes a descriptor from epoll; call before closing it. Events of this batch that are
    /// still pending for `id` are skipped, even if the kernel reuses the descriptor number.
    func deregister(_ descriptor: Int32, id: UInt64) {
        registrations[id] = nil
        _ = Epoll.control(epollDescriptor, Epoll.controlDelete, descriptor, nil)
    }

    /// The number of open registrations (connections, listeners, pending connects).
    var registrationCount: Int { registrations.count }
}

// MARK: - Running

extension EventLoop {
    /// Runs the loop on the current thread until `requestStop()` and the queued tasks are done.
    func run() {
        pthread_setspecific(Self.currentLoopKey, Unmanaged.passUnretained(self).toOpaque())
        let events = UnsafeMutablePointer<epoll_event>.allocate(capacity: Self.maximumEventsPerWait)
        defer { events.deallocate() }

        while true {
            let count = waitForEvents(events)
            for index in 0..<count {
                let event = Epoll.Event(events[index])
                if event.data == 0 {
                    drainWakeup()
                } else {
                    registrations[event.data]?.handleEvents(event.events)
                }
            }
            runAfterEventTasks()
            runDueTimers()
            if runQueuedTasks() {
                break
            }
        }
        closeEverything()
    }

    /// Asks the loop to stop once the tasks queued before this call have run.
    func requestStop() {
        let mustWake = queue.withLock { queue -> Bool in
            queue.stopRequested = true
            let mustWake = !queue.wakeupPending
            queue.wakeupPending = true
            return mustWake
        }
        if mustWake {
            wake()
        }
    }

    private func waitForEvents(_ events: UnsafeMutablePointer<epoll_event>) -> Int {
        let timeout = pollTimeoutMilliseconds()
        let result = try? systemCall("epoll_wait") {
            epoll_wait(epollDescriptor, events, Int32(Self.maximumEventsPerWait), timeout)
        }
        if case .processed(let count) = result {
            return Int(count)
        }
        return 0
    }

    /// Milliseconds until the nearest timer, rounded up so that it is due on wake-up; -1 waits
    /// for I/O only.
    private func pollTimeoutMilliseconds() -> Int32 {
        guard let deadline = timers.nextDeadline() else {
            return -1
        }
        let now = Deadline.now()
        guard deadline > now else {
            return 0
        }
        let milliseconds = (deadline.uptimeNanoseconds - now.uptimeNanoseconds + 999_999) / 1_000_000
        return Int32(clamping: milliseconds)
    }

    private func drainWakeup() {
        var counter: UInt64 = 0
        _ = try? systemCall("read(eventfd)") { read(wakeupDescriptor, &counter, 8) }
    }

    private func runAfterEventTasks() {
        // Tasks may queue more tasks; run until none is left.
        while !afterEventTasks.isEmpty {
            let tasks = afterEventTasks
            afterEventTasks.removeAll(keepingCapacity: true)
            for task in tasks {
                task()
            }
        }
    }

    private func runDueTimers() {
        let now = Deadline.now()
        while let task = timers.popDue(now: now) {
            task()
            runAfterEventTasks()
        }
    }

    /// Runs the tasks queued by `execute(_:)`; returns true when the loop should stop.
    private func runQueuedTasks() -> Bool {
        let (tasks, stopRequested) = queue.withLock { queue in
            let tasks = queue.tasks
            queue.tasks.removeAll(keepingCapacity: true)
            queue.wakeupPending = false
            return (tasks, queue.stopRequested)
        }
        for task in tasks {
            task()
        }
        runAfterEventTasks()
        guard stopRequested else {
            return false
        }
        return queue.withLock { queue in
            guard queue.tasks.isEmpty else {
                return false
            }
            queue.stopped = true
            return true
        }
    }

    /// Closes what is still registered, runs the close notifications, and releases the loop's
    /// descriptors.
    private func closeEverything() {
        while let (_, selectable) = registrations.first {
            let before = registrations.count
            selectable.closeForShutdown()
            if registrations.count == before {
                registrations.removeValue(forKey: registrations.first!.key)
            }
        }
        runAfterEventTasks()
        batchedFlushes.removeAll()
        timers = TimerQueue()
        closeDescriptor(wakeupDescriptor)
        closeDescriptor(epollDescriptor)
        pthread_setspecific(Self.currentLoopKey, nil)
    }
}
