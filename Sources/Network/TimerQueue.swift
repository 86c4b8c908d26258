/// Identifies a timer scheduled with `EventLoop.scheduleTimer(at:_:)`, for `cancelTimer(_:)`.
public struct TimerHandle: Hashable, Sendable {
    let id: UInt64
}

/// The pending timers of one loop: a binary min-heap ordered by deadline, then by the order of
/// scheduling, so timers with the same deadline fire in the order they were scheduled.
///
/// Cancelling removes the task at once but leaves its heap entry, which is skipped when it
/// reaches the top; the heap is rebuilt when such stale entries outnumber the live timers.
struct TimerQueue {
    private struct Entry {
        let deadline: Deadline
        let id: UInt64

        func precedes(_ other: Entry) -> Bool {
            deadline != other.deadline ? deadline < other.deadline : id < other.id
        }
    }

    private var heap: [Entry] = []
    private var tasks: [UInt64: () -> Void] = [:]
    private var nextID: UInt64 = 1

    /// The number of timers that are scheduled and not cancelled.
    var count: Int { tasks.count }

    /// Adds `task` to run at `deadline`.
    mutating func schedule(at deadline: Deadline, _ task: @escaping () -> Void) -> TimerHandle {
        let id = nextID
        nextID += 1
        tasks[id] = task
        push(Entry(deadline: deadline, id: id))
        return TimerHandle(id: id)
    }

    /// Removes the timer; does nothing when it already fired or was cancelled.
    mutating func cancel(_ handle: TimerHandle) {
        guard tasks.removeValue(forKey: handle.id) != nil else {
            return
        }
        if heap.count > 64 && heap.count > 2 * tasks.count {
            let live = tasks
            heap.removeAll { live[$0.id] == nil }
            heap.sort { $0.precedes($1) }
        }
    }

    /// The deadline of the earliest live timer, or nil when there is none.
    mutating func nextDeadline() -> Deadline? {
        dropCancelledTop()
        return heap.first?.deadline
    }

    /// Removes and returns the earliest task due at `now`, or nil when none is due.
    mutating func popDue(now: Deadline) -> (() -> Void)? {
        dropCancelledTop()
        guard let top = heap.first, top.deadline <= now else {
            return nil
        }
        popTop()
        return tasks.removeValue(forKey: top.id)
    }

    private mutating func dropCancelledTop() {
        while let top = heap.first, tasks[top.id] == nil {
            popTop()
        }
    }

    private mutating func push(_ entry: Entry) {
        heap.append(entry)
        var child = heap.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            guard heap[child].precedes(heap[parent]) else {
                break
            }
            heap.swapAt(child, parent)
            child = parent
        }
    }

    private mutating func popTop() {
        let last = heap.removeLast()
        guard !heap.isEmpty else {
            return
        }
        heap[0] = last
        var parent = 0
        while true {
            let left = 2 * parent + 1
            let right = left + 1
            var first = parent
            if left < heap.count && heap[left].precedes(heap[first]) {
                first = left
            }
            if right < heap.count && heap[right].precedes(heap[first]) {
                first = right
            }
            if first == parent {
                return
            }
            heap.swapAt(parent, first)
            parent = first
        }
    }
}
