import AMF

/// The commands a player sends on a playing stream to change what it receives.
extension ServerSession {
    /// Handles receiveAudio, receiveVideo, pause and seek on a playing message stream.
    ///
    /// Each is reported as an event. Pause and seek also send their onStatus reply
    /// at once, because it depends on no decision of the server. The same commands
    /// on a stream that is not playing are ignored.
    func handlePlayControl(_ command: Command, on streamID: MessageStreamID, connection: ConnectionState) {
        guard case .playing(let name) = connection.streams[streamID] else { return }
        let arguments = command.arguments
        switch command.name {
        case "receiveAudio":
            emit(.receiveAudio(streamID: streamID, enabled: flagArgument(arguments.first) ?? true))
        case "receiveVideo":
            emit(.receiveVideo(streamID: streamID, enabled: flagArgument(arguments.first) ?? true))
        case "pause":
            let paused = flagArgument(arguments.first) ?? true
            let milliseconds = arguments.count > 1 ? (arguments[1].numberValue ?? 0) : 0
            sendPauseStatus(paused: paused, streamID: streamID, streamName: name)
            emit(.pause(streamID: streamID, paused: paused, milliseconds: milliseconds))
        default:
            let milliseconds = arguments.first?.numberValue ?? 0
            sendStatus(
                streamID: streamID,
                level: "status",
                code: "NetStream.Seek.Notify",
                description: "\(name) is live, so playback goes on from the live edge."
            )
            emit(.seek(streamID: streamID, milliseconds: milliseconds))
        }
    }

    /// Sends Stream EOF and NetStream.Pause.Notify, or Stream Begin and NetStream.Unpause.Notify.
    private func sendPauseStatus(paused: Bool, streamID: MessageStreamID, streamName: String) {
        if paused {
            send(UserControl.streamEOF(streamID).message)
            sendStatus(
                streamID: streamID,
                level: "status",
                code: "NetStream.Pause.Notify",
                description: "Paused \(streamName)."
            )
        } else {
            send(UserControl.streamBegin(streamID).message)
            sendStatus(
                streamID: streamID,
                level: "status",
                code: "NetStream.Unpause.Notify",
                description: "Unpaused \(streamName)."
            )
        }
    }

    /// Reads a Boolean flag; some clients send a number instead, where 0 is false.
    private func flagArgument(_ value: AMF0Value?) -> Bool? {
        guard let value else { return nil }
        if let flag = value.booleanValue { return flag }
        return value.numberValue.map { $0 != 0 }
    }
}
