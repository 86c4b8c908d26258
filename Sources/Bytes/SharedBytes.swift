/// An immutable block of bytes at a fixed address, shared by reference.
///
/// The media fast path encodes each message once and hands the same block to
/// every subscriber's write queue; the stable address lets a transport pass
/// many blocks to one `writev` call without copying or pinning arrays.
///
/// The bytes never change after `init`, so the type is safe to share between
/// threads.
public final class SharedBytes: @unchecked Sendable {
    /// The bytes. Valid for the lifetime of this object.
    public let bytes: UnsafeRawBufferPointer

    private let allocation: UnsafeMutableRawPointer

    /// Copies `source` into a new block.
    public init<Source: Collection>(copying source: Source) where Source.Element == UInt8 {
        let count = source.count
        let memory = UnsafeMutableRawBufferPointer.allocate(byteCount: max(count, 1), alignment: 16)
        _ = memory.initializeMemory(as: UInt8.self, from: source)
        allocation = memory.baseAddress!
        bytes = UnsafeRawBufferPointer(start: memory.baseAddress, count: count)
    }

    /// Copies the readable bytes of `buffer` into a new block.
    public convenience init(buffer: ByteBuffer) {
        self.init(copying: buffer.readableBytesView)
    }

    /// The number of bytes.
    @inlinable public var count: Int { bytes.count }

    deinit {
        allocation.deallocate()
    }
}
