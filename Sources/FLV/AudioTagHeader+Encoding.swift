import Bytes

/// Encoding an audio message payload from a header and the codec data of its tracks.
///
/// The header stores the data of each track as a range of the payload it was
/// parsed from, so the caller passes the data itself, one entry per track:
///
///     let header = try AudioTagHeader(payload: payload)
///     let data = header.tracks.map { payload[$0.data] }
///     let again = try header.encoded(trackData: data)  // equal to `payload`
extension AudioTagHeader {
    /// Encodes the payload: the header fields with each track's data after its own fields.
    /// - Parameter trackData: the codec data of each track, in the order of `tracks`.
    /// - Returns: the message payload, which parses back to this header.
    /// - Throws: `FLVError` when a field does not fit on the wire, the fields
    ///   contradict each other, or `trackData` does not match `tracks`.
    public func encoded<Data: Collection>(trackData: [Data]) throws(FLVError) -> [UInt8] where Data.Element == UInt8 {
        try encodeBytes { buffer throws(FLVError) in try write(trackData: trackData, into: &buffer) }
    }

    /// Appends the payload to `buffer`: the header fields with each track's data after its own fields.
    /// - Parameters:
    ///   - trackData: the codec data of each track, in the order of `tracks`.
    ///   - buffer: the buffer to append to; on a throw it may hold part of the payload.
    /// - Throws: `FLVError` when a field does not fit on the wire, the fields
    ///   contradict each other, or `trackData` does not match `tracks`.
    public func write<Data: Collection>(
        trackData: [Data],
        into buffer: inout ByteBuffer
    ) throws(FLVError) where Data.Element == UInt8 {
        guard trackData.count == tracks.count else {
            throw .invalidHeader("\(trackData.count) track data entries for \(tracks.count) tracks")
        }
        if soundFormat == .exHeader {
            try writeEnhanced(trackData: trackData, into: &buffer)
        } else {
            try writeLegacy(trackData: trackData, into: &buffer)
        }
    }

    private func writeLegacy<Data: Collection>(
        trackData: [Data],
        into buffer: inout ByteBuffer
    ) throws(FLVError) where Data.Element == UInt8 {
        guard let soundRate, let soundSize, let soundType, soundFormat.rawValue <= 0x0F,
            soundRate <= 0x03, soundSize <= 0x01, soundType <= 0x01
        else {
            throw .invalidHeader("a legacy audio header needs a 4-bit format, a 2-bit rate, and 1-bit size and type")
        }
        guard tracks.count == 1 else { throw .invalidHeader("a legacy audio message with \(tracks.count) tracks") }
        buffer.writeByte(soundFormat.rawValue << 4 | soundRate << 2 | soundSize << 1 | soundType)

        if soundFormat == .aac {
            guard let aacPacketType else { throw .invalidHeader("an AAC header needs an AAC packet type") }
            buffer.writeByte(aacPacketType.rawValue)
        }
        buffer.writeBytes(trackData[0])
    }

    private func writeEnhanced<Data: Collection>(
        trackData: [Data],
        into buffer: inout ByteBuffer
    ) throws(FLVError) where Data.Element == UInt8 {
        guard let packetType else { throw .invalidHeader("an Enhanced RTMP audio header needs a packet type") }
        guard packetType != .multitrack else {
            throw .invalidHeader("packet type Multitrack is invalid here; set multitrackType instead")
        }
        var fourCCs: [FourCC] = []
        for track in tracks {
            guard case .fourCC(let fourCC) = track.codec else {
                throw .invalidHeader("track \(track.trackID) of an Enhanced RTMP message has a legacy sound format")
            }
            fourCCs.append(fourCC)
        }
        try EnhancedHeader.writeFirstByteAndModEx(
            upperBits: SoundFormat.exHeader.rawValue << 4,
            packetType: multitrackType == nil ? packetType.rawValue : AudioPacketType.multitrack.rawValue,
            prefixes: modExPrefixes,
            into: &buffer
        )

        // a single track
        guard let multitrackType else {
            guard tracks.count == 1 else {
                throw .invalidHeader("a single-track message needs 1 track, got \(tracks.count); set multitrackType for more")
            }
            buffer.writeBytes(fourCCs[0].bytes)
            buffer.writeBytes(trackData[0])
            return
        }

        // a multitrack message
        try EnhancedHeader.writeMultitrackPrefix(
            type: multitrackType,
            packetType: packetType.rawValue,
            fourCCs: fourCCs,
            multitrackPacketType: AudioPacketType.multitrack.rawValue,
            into: &buffer
        )
        for (index, track) in tracks.enumerated() {
            try EnhancedHeader.writeTrack(
                type: multitrackType,
                trackID: track.trackID,
                fourCC: fourCCs[index],
                into: &buffer
            ) { trackBuffer throws(FLVError) in
                trackBuffer.writeBytes(trackData[index])
            }
        }
    }
}
