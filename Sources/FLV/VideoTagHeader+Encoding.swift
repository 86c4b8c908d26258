import Bytes

/// Encoding a video message payload from a header and the codec data of its tracks.
///
/// The header stores the data of each track as a range of the payload it was
/// parsed from, so the caller passes the data itself, one entry per track:
///
///     let header = try VideoTagHeader(payload: payload)
///     let data = header.tracks.map { payload[$0.data] }
///     let again = try header.encoded(trackData: data)  // equal to `payload`
///
/// The encoder writes each field that the parser reads, in the same place. That
/// covers the legacy AVC packet type and composition time, the ModEx prefixes,
/// the FourCC and the composition time of avc1 and hvc1 CodedFrames. For a
/// multitrack message it also writes each track's FourCC, id and 24-bit size.
extension VideoTagHeader {
    /// Encodes the payload: the header fields with each track's data after its own fields.
    ///
    /// A command frame encodes to its header alone, because the parser ignores
    /// any bytes after the command.
    /// - Parameter trackData: the codec data of each track, in the order of `tracks`;
    ///   empty for a command frame.
    /// - Returns: the message payload, which parses back to this header.
    /// - Throws: `FLVError` when a field does not fit on the wire, the fields
    ///   contradict each other, or `trackData` does not match `tracks`.
    public func encoded<Data: Collection>(trackData: [Data]) throws(FLVError) -> [UInt8] where Data.Element == UInt8 {
        try encodeBytes { buffer throws(FLVError) in try write(trackData: trackData, into: &buffer) }
    }

    /// Appends the payload to `buffer`: the header fields with each track's data after its own fields.
    /// - Parameters:
    ///   - trackData: the codec data of each track, in the order of `tracks`; empty for a command frame.
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
        if command != nil {
            guard tracks.isEmpty else { throw .invalidHeader("a command frame carries no tracks") }
        }
        if isExHeader {
            try writeEnhanced(trackData: trackData, into: &buffer)
        } else {
            try writeLegacy(trackData: trackData, into: &buffer)
        }
    }

    private func writeLegacy<Data: Collection>(
        trackData: [Data],
        into buffer: inout ByteBuffer
    ) throws(FLVError) where Data.Element == UInt8 {
        guard case .legacy(let codecID) = codec, codecID.rawValue <= 0x0F, frameType.rawValue <= 0x0F else {
            throw .invalidHeader("a legacy video header needs a 4-bit frame type and a 4-bit codec id")
        }
        buffer.writeByte(frameType.rawValue << 4 | codecID.rawValue)

        // a command frame: one command byte instead of video
        if frameType == .command {
            guard let command else { throw .invalidHeader("a command frame needs a command") }
            buffer.writeByte(command.rawValue)
            return
        }

        // one track, after the AVC packet type and composition time of AVC and HEVC
        guard command == nil, let track = tracks.first, tracks.count == 1 else {
            throw .invalidHeader("a legacy video message has one track and no command")
        }
        if codecID == .avc || codecID == .hevc {
            guard let avcPacketType else { throw .invalidHeader("an AVC or HEVC header needs an AVC packet type") }
            buffer.writeByte(avcPacketType.rawValue)
            try EnhancedHeader.writeCompositionTime(track.compositionTime, into: &buffer)
        } else if track.compositionTime != 0 {
            throw .invalidHeader("a composition time needs codec id 7 (AVC) or 12 (HEVC), got \(codecID.rawValue)")
        }
        buffer.writeBytes(trackData[0])
    }

    private func writeEnhanced<Data: Collection>(
        trackData: [Data],
        into buffer: inout ByteBuffer
    ) throws(FLVError) where Data.Element == UInt8 {
        guard let packetType, frameType.rawValue <= 0x07 else {
            throw .invalidHeader("an Enhanced RTMP video header needs a packet type and a 3-bit frame type")
        }
        let wirePacketType = multitrackType == nil ? packetType : .multitrack
        try EnhancedHeader.writeFirstByteAndModEx(
            upperBits: 0x80 | frameType.rawValue << 4,
            packetType: wirePacketType.rawValue,
            prefixes: modExPrefixes,
            into: &buffer
        )

        // a command frame: one command byte and no FourCC, whatever the packet type bits
        if frameType == .command && packetType != .metadata {
            guard let command, multitrackType == nil else {
                throw .invalidHeader("an Enhanced RTMP command frame needs a command and no multitrack type")
            }
            buffer.writeByte(command.rawValue)
            return
        }
        guard packetType != .multitrack else {
            throw .invalidHeader("packet type Multitrack is invalid here; set multitrackType instead")
        }
        guard command == nil else { throw .invalidHeader("a command needs frame type 5 and no Metadata") }

        // a single track
        guard let multitrackType else {
            guard tracks.count == 1 else {
                throw .invalidHeader("a single-track message needs 1 track, got \(tracks.count); set multitrackType for more")
            }
            let fourCC = try tracks[0].fourCC()
            buffer.writeBytes(fourCC.bytes)
            try tracks[0].writeCodedFields(fourCC: fourCC, packetType: packetType, into: &buffer)
            buffer.writeBytes(trackData[0])
            return
        }

        // a multitrack message
        var fourCCs: [FourCC] = []
        for track in tracks { fourCCs.append(try track.fourCC()) }
        try EnhancedHeader.writeMultitrackPrefix(
            type: multitrackType,
            packetType: packetType.rawValue,
            fourCCs: fourCCs,
            multitrackPacketType: VideoPacketType.multitrack.rawValue,
            into: &buffer
        )
        for (index, track) in tracks.enumerated() {
            let fourCC = fourCCs[index]
            try EnhancedHeader.writeTrack(type: multitrackType, trackID: track.trackID, fourCC: fourCC, into: &buffer) {
                trackBuffer throws(FLVError) in
                try track.writeCodedFields(fourCC: fourCC, packetType: packetType, into: &trackBuffer)
                trackBuffer.writeBytes(trackData[index])
            }
        }
    }
}

extension VideoTrack {
    /// Returns the FourCC of an Enhanced RTMP track, or throws for a legacy codec id.
    fileprivate func fourCC() throws(FLVError) -> FourCC {
        guard case .fourCC(let fourCC) = codec else {
            throw .invalidHeader("track \(trackID) of an Enhanced RTMP message has a legacy codec id")
        }
        return fourCC
    }

    /// Writes the composition time that CodedFrames of avc1 and hvc1 start with,
    /// the same rule the parser follows.
    fileprivate func writeCodedFields(
        fourCC: FourCC,
        packetType: VideoPacketType,
        into buffer: inout ByteBuffer
    ) throws(FLVError) {
        guard packetType == .codedFrames, fourCC == .avc1 || fourCC == .hvc1 else {
            guard compositionTime == 0 else {
                throw .invalidHeader("a composition time needs CodedFrames of avc1 or hvc1, got \(fourCC)")
            }
            return
        }
        try EnhancedHeader.writeCompositionTime(compositionTime, into: &buffer)
    }
}
