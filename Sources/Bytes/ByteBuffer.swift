/// A growable byte buffer with a reader index, for building and parsing wire formats.
///
/// Verbs follow swift-nio: `read*` consumes bytes from the reader index, `get*`
/// peeks at an absolute index without moving it, `write*` appends, and `set*`
/// overwrites bytes that are already there. Every multi-byte integer call names
/// its byte order, because RTMP mixes big-endian fields with a little-endian
/// message stream ID.
///
/// A read or get that would run past the readable bytes returns `nil` and
/// consumes nothing: a short buffer is "need more data", never an error.
///
///     storage: [ consumed | readable bytes            ]
///                         ^ readerIndex               ^ writerIndex
public struct ByteBuffer: Sendable, Hashable {
    /// The bytes, including those already consumed before `readerIndex`.
    @usableFromInline var storage: [UInt8]

    /// The index of the next byte a `read*` call consumes.
    @inlinable public var readerIndex: Int { readerPosition }

    @usableFromInline var readerPosition: Int

    /// Creates an empty buffer with room for `capacity` bytes before it grows.
    public init(capacity: Int = 0) {
        storage = []
        storage.reserveCapacity(capacity)
        readerPosition = 0
    }

    /// Creates a buffer whose readable bytes are `bytes`.
    public init<Bytes: Sequence>(bytes: Bytes) where Bytes.Element == UInt8 {
        storage = Array(bytes)
        readerPosition = 0
    }

    /// The index one past the last written byte.
    @inlinable public var writerIndex: Int { storage.count }

    /// The number of bytes between the reader index and the writer index.
    @inlinable public var readableBytes: Int { storage.count - readerIndex }

    /// The readable bytes as a new array.
    public var readableBytesView: ArraySlice<UInt8> { storage[readerIndex...] }

    /// Drops the consumed bytes so that the storage does not grow without bound.
    public mutating func discardReadBytes() {
        guard readerIndex > 0 else { return }
        storage.removeFirst(readerIndex)
        readerPosition = 0
    }

    /// Drops the consumed bytes once they are at least `threshold` bytes and at
    /// least half the storage, which keeps the cost of a decoder loop linear.
    public mutating func compact(threshold: Int = 4096) {
        if readerIndex >= threshold && readerIndex * 2 >= storage.count {
            discardReadBytes()
        } else if readerIndex == storage.count && readerIndex > 0 {
            storage.removeAll(keepingCapacity: true)
            readerPosition = 0
        }
    }

    /// Removes every byte and resets the reader index, keeping the capacity.
    public mutating func clear() {
        storage.removeAll(keepingCapacity: true)
        readerPosition = 0
    }

    /// Moves the reader index forward by `count` bytes.
    /// - Returns: `false`, with nothing moved, when fewer than `count` bytes are readable.
    @discardableResult
    public mutating func moveReaderIndex(forwardBy count: Int) -> Bool {
        guard count >= 0, count <= readableBytes else { return false }
        readerPosition += count
        return true
    }

    /// Sets the reader index; `index` must lie between 0 and the writer index.
    public mutating func moveReaderIndex(to index: Int) {
        precondition(index >= 0 && index <= storage.count, "reader index \(index) out of 0...\(storage.count)")
        readerPosition = index
    }

    /// Calls `body` with the readable bytes without copying them.
    public func withUnsafeReadableBytes<Result>(
        _ body: (UnsafeRawBufferPointer) throws -> Result
    ) rethrows -> Result {
        try storage.withUnsafeBytes { raw in
            try body(UnsafeRawBufferPointer(rebasing: raw[readerIndex...]))
        }
    }
}

// MARK: - Integers

extension ByteBuffer {
    /// Reads a fixed-width integer in the given byte order and consumes it.
    @inlinable
    public mutating func readInteger<T: FixedWidthInteger>(endianness: Endianness, as: T.Type = T.self) -> T? {
        guard let value = getInteger(at: readerIndex, endianness: endianness, as: T.self) else { return nil }
        readerPosition += MemoryLayout<T>.size
        return value
    }

    /// Returns the integer at `index` in the given byte order without consuming it.
    @inlinable
    public func getInteger<T: FixedWidthInteger>(at index: Int, endianness: Endianness, as: T.Type = T.self) -> T? {
        let size = MemoryLayout<T>.size
        guard index >= 0, index <= storage.count - size else { return nil }
        var value: T = 0
        for offset in 0..<size {
            let byte = T(truncatingIfNeeded: storage[index + offset])
            switch endianness {
            case .big: value = (value << 8) | byte
            case .little: value |= byte << (8 * offset)
            }
        }
        return value
    }

    /// Appends a fixed-width integer in the given byte order.
    @inlinable
    public mutating func writeInteger<T: FixedWidthInteger>(_ value: T, endianness: Endianness) {
        let size = MemoryLayout<T>.size
        for offset in 0..<size {
            let shift = endianness == .big ? 8 * (size - 1 - offset) : 8 * offset
            storage.append(UInt8(truncatingIfNeeded: value >> shift))
        }
    }

    /// Overwrites the bytes at `index` with an integer in the given byte order.
    @inlinable
    public mutating func setInteger<T: FixedWidthInteger>(_ value: T, at index: Int, endianness: Endianness) {
        let size = MemoryLayout<T>.size
        precondition(index >= 0 && index + size <= storage.count, "setInteger past the written bytes")
        for offset in 0..<size {
            let shift = endianness == .big ? 8 * (size - 1 - offset) : 8 * offset
            storage[index + offset] = UInt8(truncatingIfNeeded: value >> shift)
        }
    }

    /// Reads a 24-bit unsigned integer, the width RTMP uses for timestamps and lengths.
    @inlinable
    public mutating func readUInt24(endianness: Endianness) -> UInt32? {
        guard let value = getUInt24(at: readerIndex, endianness: endianness) else { return nil }
        readerPosition += 3
        return value
    }

    /// Returns the 24-bit unsigned integer at `index` without consuming it.
    @inlinable
    public func getUInt24(at index: Int, endianness: Endianness) -> UInt32? {
        guard index >= 0, index <= storage.count - 3 else { return nil }
        let b0 = UInt32(storage[index]), b1 = UInt32(storage[index + 1]), b2 = UInt32(storage[index + 2])
        switch endianness {
        case .big: return b0 << 16 | b1 << 8 | b2
        case .little: return b2 << 16 | b1 << 8 | b0
        }
    }

    /// Appends the low 24 bits of `value`.
    @inlinable
    public mutating func writeUInt24(_ value: UInt32, endianness: Endianness) {
        let bytes = [UInt8(truncatingIfNeeded: value >> 16), UInt8(truncatingIfNeeded: value >> 8), UInt8(truncatingIfNeeded: value)]
        switch endianness {
        case .big: storage.append(contentsOf: bytes)
        case .little: storage.append(contentsOf: bytes.reversed())
        }
    }

    /// Overwrites three bytes at `index` with the low 24 bits of `value`.
    @inlinable
    public mutating func setUInt24(_ value: UInt32, at index: Int, endianness: Endianness) {
        precondition(index >= 0 && index + 3 <= storage.count, "setUInt24 past the written bytes")
        let high = UInt8(truncatingIfNeeded: value >> 16), low = UInt8(truncatingIfNeeded: value)
        storage[index] = endianness == .big ? high : low
        storage[index + 1] = UInt8(truncatingIfNeeded: value >> 8)
        storage[index + 2] = endianness == .big ? low : high
    }
}

// MARK: - Bytes and strings

extension ByteBuffer {
    /// Reads `length` bytes as an array and consumes them.
    public mutating func readBytes(length: Int) -> [UInt8]? {
        guard length >= 0, length <= readableBytes else { return nil }
        let bytes = Array(storage[readerIndex..<readerIndex + length])
        readerPosition += length
        return bytes
    }

    /// Reads `length` bytes as a slice of the storage, without copying, and consumes them.
    public mutating func readSlice(length: Int) -> ArraySlice<UInt8>? {
        guard length >= 0, length <= readableBytes else { return nil }
        let slice = storage[readerIndex..<readerIndex + length]
        readerPosition += length
        return slice
    }

    /// Returns `length` bytes at `index` without consuming them.
    public func getBytes(at index: Int, length: Int) -> [UInt8]? {
        guard index >= 0, length >= 0, index <= storage.count - length else { return nil }
        return Array(storage[index..<index + length])
    }

    /// Reads `length` bytes as UTF-8 text and consumes them. Invalid UTF-8 is
    /// repaired with replacement characters, as AMF peers send arbitrary bytes.
    public mutating func readString(length: Int) -> String? {
        guard let slice = readSlice(length: length) else { return nil }
        return String(decoding: slice, as: UTF8.self)
    }

    /// Appends bytes.
    @inlinable
    public mutating func writeBytes<Bytes: Sequence>(_ bytes: Bytes) where Bytes.Element == UInt8 {
        storage.append(contentsOf: bytes)
    }

    /// Appends the readable bytes of another buffer.
    public mutating func writeBuffer(_ other: ByteBuffer) {
        storage.append(contentsOf: other.storage[other.readerIndex...])
    }

    /// Appends the UTF-8 bytes of `string` with no length prefix.
    /// - Returns: the number of bytes written.
    @discardableResult
    public mutating func writeString(_ string: String) -> Int {
        let before = storage.count
        storage.append(contentsOf: string.utf8)
        return storage.count - before
    }

    /// Overwrites bytes starting at `index`.
    public mutating func setBytes<Bytes: Collection>(_ bytes: Bytes, at index: Int) where Bytes.Element == UInt8 {
        precondition(index >= 0 && index + bytes.count <= storage.count, "setBytes past the written bytes")
        storage.replaceSubrange(index..<index + bytes.count, with: bytes)
    }

    /// Returns the byte at `index`, or `nil` past the written bytes.
    @inlinable
    public func getByte(at index: Int) -> UInt8? {
        guard index >= 0, index < storage.count else { return nil }
        return storage[index]
    }

    /// Reads one byte and consumes it.
    @inlinable
    public mutating func readByte() -> UInt8? {
        guard readerIndex < storage.count else { return nil }
        defer { readerPosition += 1 }
        return storage[readerIndex]
    }

    /// Appends one byte.
    @inlinable
    public mutating func writeByte(_ byte: UInt8) {
        storage.append(byte)
    }

    /// Appends `count` copies of `byte`.
    public mutating func writeRepeating(_ byte: UInt8, count: Int) {
        storage.append(contentsOf: repeatElement(byte, count: count))
    }

    /// Removes and returns all readable bytes as an array.
    public mutating func readAllBytes() -> [UInt8] {
        readBytes(length: readableBytes) ?? []
    }

    /// Appends raw bytes from a pointer.
    public mutating func writeBytes(_ pointer: UnsafeRawBufferPointer) {
        storage.append(contentsOf: pointer)
    }

    /// Reserves room for `count` more bytes.
    public mutating func reserveCapacity(appending count: Int) {
        storage.reserveCapacity(storage.count + count)
    }
}

/// The byte order of a multi-byte integer on the wire.
public enum Endianness: Sendable {
    /// Most significant byte first (network order); most RTMP and FLV fields.
    case big
    /// Least significant byte first; the RTMP message stream ID.
    case little
}
