import Testing
@testable import Bytes

@Suite struct ByteBufferTests {
    @Test func integersRoundTripInBothByteOrders() {
        var buffer = ByteBuffer()
        buffer.writeInteger(UInt32(0x0102_0304), endianness: .big)
        buffer.writeInteger(UInt32(0x0102_0304), endianness: .little)
        buffer.writeUInt24(0x0A0B0C, endianness: .big)
        buffer.writeUInt24(0x0A0B0C, endianness: .little)
        #expect(Array(buffer.readableBytesView) == [1, 2, 3, 4, 4, 3, 2, 1, 0x0A, 0x0B, 0x0C, 0x0C, 0x0B, 0x0A])
        #expect(buffer.readInteger(endianness: .big, as: UInt32.self) == 0x0102_0304)
        #expect(buffer.readInteger(endianness: .little, as: UInt32.self) == 0x0102_0304)
        #expect(buffer.readUInt24(endianness: .big) == 0x0A0B0C)
        #expect(buffer.readUInt24(endianness: .little) == 0x0A0B0C)
        #expect(buffer.readableBytes == 0)
    }

    @Test func shortReadReturnsNilAndConsumesNothing() {
        var buffer = ByteBuffer(bytes: [0x01, 0x02, 0x03])
        #expect(buffer.readInteger(endianness: .big, as: UInt32.self) == nil)
        #expect(buffer.readBytes(length: 4) == nil)
        #expect(buffer.readerIndex == 0)
        #expect(buffer.readUInt24(endianness: .big) == 0x010203)
        #expect(buffer.readByte() == nil)
    }

    @Test func setOverwritesWithoutGrowing() {
        var buffer = ByteBuffer(bytes: [0, 0, 0, 0, 0])
        buffer.setInteger(UInt16(0xBEEF), at: 1, endianness: .big)
        buffer.setUInt24(0x112233, at: 2, endianness: .little)
        #expect(Array(buffer.readableBytesView) == [0, 0xBE, 0x33, 0x22, 0x11])
    }

    @Test func compactKeepsUnreadBytes() {
        var buffer = ByteBuffer(bytes: Array(repeating: 7, count: 10_000) + [1, 2])
        buffer.moveReaderIndex(forwardBy: 10_000)
        buffer.compact()
        #expect(buffer.readerIndex == 0)
        #expect(buffer.readAllBytes() == [1, 2])
    }
}

@Suite struct SharedBytesTests {
    @Test func copiesTheSourceBytes() {
        let shared = SharedBytes(copying: [1, 2, 3] as [UInt8])
        #expect(Array(shared.bytes) == [1, 2, 3])
        #expect(SharedBytes(copying: [UInt8]()).count == 0)
    }
}
