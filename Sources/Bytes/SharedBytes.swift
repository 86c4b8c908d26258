#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

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

    /// True when `allocation` came from C's `malloc` and goes back with `free`.
    private let isMallocBlock: Bool

    /// Allocates `count` bytes and lets `fill` write every one of them.
    private init(count: Int, fill: (UnsafeMutableRawBufferPointer) -> Void) {
        let memory = UnsafeMutableRawBufferPointer.allocate(byteCount: max(count, 1), alignment: 16)
        fill(UnsafeMutableRawBufferPointer(rebasing: memory[0..<count]))
        allocation = memory.baseAddress!
        isMallocBlock = false
        bytes = UnsafeRawBufferPointer(start: memory.baseAddress, count: count)
    }

    /// Takes over `block`, which `malloc` or `realloc` returned, without copying it; its first
    /// `count` bytes are the contents. The block is freed with `free` when this object goes.
    /// Lets a C library hand over the buffer it filled, such as TLS ciphertext.
    public init(adoptingMallocBlock block: UnsafeMutableRawPointer, count: Int) {
        allocation = block
        isMallocBlock = true
        bytes = UnsafeRawBufferPointer(start: block, count: count)
    }

    /// Copies `source` into a new block.
    ///
    /// Contiguous sources (arrays, slices) are copied with one `memcpy`. The
    /// element-by-element path of a generic collection costs far more per byte, which
    /// matters here because every player's ciphertext passes through this initializer.
    public convenience init<Source: Collection>(copying source: Source) where Source.Element == UInt8 {
        self.init(count: source.count) { memory in
            let copied: Void? = source.withContiguousStorageIfAvailable { contiguous in
                memory.copyMemory(from: UnsafeRawBufferPointer(contiguous))
            }
            if copied == nil {
                _ = memory.initializeMemory(as: UInt8.self, from: source)
            }
        }
    }

    /// Copies the bytes at `source` into a new block.
    public convenience init(copying source: UnsafeRawBufferPointer) {
        self.init(count: source.count) { memory in
            memory.copyMemory(from: source)
        }
    }

    /// Copies `parts` back to back into a new block.
    public convenience init(concatenating parts: [SharedBytes]) {
        self.init(count: parts.reduce(0) { $0 + $1.count }) { memory in
            var offset = 0
            for part in parts {
                UnsafeMutableRawBufferPointer(rebasing: memory[offset..<offset + part.count]).copyMemory(from: part.bytes)
                offset += part.count
            }
        }
    }

    /// Copies the readable bytes of `buffer` into a new block.
    public convenience init(buffer: ByteBuffer) {
        self.init(copying: buffer.readableBytesView)
    }

    /// The number of bytes.
    @inlinable public var count: Int { bytes.count }

    deinit {
        if isMallocBlock {
            free(allocation)
        } else {
            allocation.deallocate()
        }
    }
}
