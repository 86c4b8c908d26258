#if canImport(Glibc)
import Glibc
#endif
import CSystem
import Synchronization

/// A fixed set of event loops, each on its own thread.
public final class EventLoopGroup: Sendable {
    /// The loops, one per thread.
    public let loops: [EventLoop]

    private let threads: [pthread_t]
    private let nextIndex = Atomic<Int>(0)
    private let isShutDown = Mutex(false)

    /// Starts `numberOfThreads` loops, or one per online processor when it is 0.
    ///
    /// Also ignores `SIGPIPE` for the process, so that a write to a closed socket returns
    /// `EPIPE` instead of killing the process.
    public init(numberOfThreads: Int) {
        precondition(numberOfThreads >= 0, "numberOfThreads must be 0 (one per processor) or more")
        signal(SIGPIPE, SIG_IGN)

        let count = numberOfThreads == 0 ? onlineProcessorCount() : numberOfThreads
        var loops: [EventLoop] = []
        for index in 0..<count {
            do {
                loops.append(try EventLoop(index: index))
            } catch {
                fatalError("Could not create event loop \(index): \(error)")
            }
        }
        self.loops = loops
        self.threads = loops.map(Self.startThread)
    }

    /// The next loop in round-robin order.
    public func next() -> EventLoop {
        let index = nextIndex.wrappingAdd(1, ordering: .relaxed).oldValue
        return loops[index % loops.count]
    }

    /// Stops every loop after running the tasks already queued, closes what is still open on
    /// them (handlers see `connectionDidClose`), and joins the threads. Calling it again does
    /// nothing. Must not be called from one of the group's loops.
    public func shutdown() {
        precondition(!loops.contains { $0.inEventLoop }, "shutdown() would wait for its own thread")
        let alreadyShutDown = isShutDown.withLock { isShutDown in
            defer { isShutDown = true }
            return isShutDown
        }
        guard !alreadyShutDown else {
            return
        }
        for loop in loops {
            loop.requestStop()
        }
        for thread in threads {
            pthread_join(thread, nil)
        }
    }

    private final class ThreadBody {
        let loop: EventLoop
        init(loop: EventLoop) { self.loop = loop }
    }

    private static func startThread(for loop: EventLoop) -> pthread_t {
        var thread = pthread_t()
        let body = Unmanaged.passRetained(ThreadBody(loop: loop)).toOpaque()
        let result = pthread_create(&thread, nil, { argument in
            let body = Unmanaged<ThreadBody>.fromOpaque(argument!).takeRetainedValue()
            nameCurrentThread(forLoop: body.loop.index)
            body.loop.run()
            return nil
        }, body)
        precondition(result == 0, "pthread_create failed with \(result)")
        return thread
    }
}

/// Names the current thread "sealcast-loop-N" so that `top -H`, `ps -L` and debuggers show
/// which threads are event loops.
///
/// Linux allows at most 15 bytes, so from loop 10 on the name is "sealcast-N". A failure is
/// ignored because the name only helps with diagnosis.
private func nameCurrentThread(forLoop index: Int) {
    let maximumLength = 15
    var name = "sealcast-loop-\(index)"
    if name.utf8.count > maximumLength {
        name = "sealcast-\(index)"
    }
    _ = sealcast_pthread_setname_np(pthread_self(), name)
}
