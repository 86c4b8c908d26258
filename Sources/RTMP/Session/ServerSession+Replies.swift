import AMF

/// The server's decisions and the messages they send.
extension ServerSession {
    /// Accepts the pending connect: sends Window Acknowledgement Size, Set Peer
    /// Bandwidth (dynamic), Set Chunk Size, and the `_result` with
    /// NetConnection.Connect.Success, fmsVer, capabilities and the client's
    /// objectEncoding. When the client sent Enhanced RTMP properties, the
    /// `_result` properties also carry `Configuration.advertisedCapabilities`.
    public func acceptConnect() {
        guard case .connected(var connection) = state, let request = connection.pendingConnect else {
            assertionFailure("acceptConnect without a pending connect")
            return
        }
        connection.pendingConnect = nil
        state = .connected(connection)

        channel.send(WindowAcknowledgementSize(windowSize: configuration.windowAcknowledgementSize).message)
        channel.send(SetPeerBandwidth(windowSize: configuration.peerBandwidth, limitType: .dynamic).message)
        channel.announceChunkSize(configuration.outgoingChunkSize)
        var serverProperties = [
            AMF0Property("fmsVer", .string(configuration.serverVersion)),
            AMF0Property("capabilities", 31),
            AMF0Property("mode", 1),
        ]
        if request.enhancedCapabilities != nil {
            serverProperties += configuration.advertisedCapabilities.properties
        }
        let properties: AMF0Value = .object(serverProperties)
        let information: AMF0Value = .object([
            AMF0Property("level", "status"),
            AMF0Property("code", "NetConnection.Connect.Success"),
            AMF0Property("description", "Connection succeeded."),
            AMF0Property("objectEncoding", .number(request.objectEncoding)),
        ])
        sendResult(request.transactionID, properties, information)
    }

    /// Rejects the pending connect with `_error` NetConnection.Connect.Rejected
    /// and closes the session; the `_error` remains to be polled.
    public func rejectConnect(description: String) {
        guard case .connected(let connection) = state, let request = connection.pendingConnect else {
            assertionFailure("rejectConnect without a pending connect")
            return
        }
        sendError(request.transactionID, code: "NetConnection.Connect.Rejected", description: description)
        close(.connectRejected(description))
    }

    /// Accepts a publish: sends onStatus NetStream.Publish.Start on the request's
    /// stream, after which its media is reported as `.media` events.
    public func acceptPublish(_ request: PublishRequest) {
        setRole(.publishing(request.streamName), for: request.streamID)
        sendStatus(
            streamID: request.streamID,
            level: "status",
            code: "NetStream.Publish.Start",
            description: "\(request.streamName) is now published."
        )
    }

    /// Rejects a publish with an error onStatus, such as NetStream.Publish.BadName.
    public func rejectPublish(_ request: PublishRequest, code: String, description: String) {
        sendStatus(streamID: request.streamID, level: "error", code: code, description: description)
    }

    /// Accepts a play: sends Stream Begin, NetStream.Play.Reset (when the
    /// request asks for a reset), NetStream.Play.Start, `|RtmpSampleAccess` and
    /// NetStream.Data.Start.
    public func acceptPlay(_ request: PlayRequest) {
        setRole(.playing(request.streamName), for: request.streamID)
        send(UserControl.streamBegin(request.streamID).message)
        if request.reset {
            sendStatus(
                streamID: request.streamID,
                level: "status",
                code: "NetStream.Play.Reset",
                description: "Playing and resetting \(request.streamName)."
            )
        }
        sendStatus(
            streamID: request.streamID,
            level: "status",
            code: "NetStream.Play.Start",
            description: "Started playing \(request.streamName)."
        )
        send(DataMessage(name: "|RtmpSampleAccess", values: [true, true]).message(streamID: request.streamID))
        let dataStart: AMF0Value = .object([AMF0Property("code", "NetStream.Data.Start")])
        send(DataMessage(name: "onStatus", values: [dataStart]).message(streamID: request.streamID))
    }

    /// Rejects a play with an error onStatus, such as NetStream.Play.StreamNotFound.
    public func rejectPlay(_ request: PlayRequest, code: String, description: String) {
        sendStatus(streamID: request.streamID, level: "error", code: code, description: description)
    }

    /// Tells a player that the publisher left: Stream EOF and onStatus
    /// NetStream.Play.UnpublishNotify.
    public func sendUnpublishNotify(streamID: MessageStreamID, streamName: String) {
        send(UserControl.streamEOF(streamID).message)
        sendStatus(
            streamID: streamID,
            level: "status",
            code: "NetStream.Play.UnpublishNotify",
            description: "\(streamName) is now unpublished."
        )
    }

    /// Tells a player that a publisher started: Stream Begin and onStatus
    /// NetStream.Play.PublishNotify.
    public func sendPublishNotify(streamID: MessageStreamID, streamName: String) {
        send(UserControl.streamBegin(streamID).message)
        sendStatus(
            streamID: streamID,
            level: "status",
            code: "NetStream.Play.PublishNotify",
            description: "\(streamName) is now published."
        )
    }

    /// Asks the client to reconnect (Enhanced RTMP): onStatus
    /// NetConnection.Connect.ReconnectRequest, level status, on message stream 0.
    ///
    /// Send it only to a client whose connect `capsEx` included Reconnect. Such a
    /// client opens a new connection, to `tcUrl` when given or else to the same
    /// URL, and then leaves this one. The server may also close it after a grace period.
    /// - Parameters:
    ///   - tcUrl: where to reconnect, such as "rtmp://host2/live", or `nil` for the same server.
    ///   - description: the reason, for the client's log.
    public func sendReconnectRequest(tcUrl: String?, description: String) {
        var information = [
            AMF0Property("level", "status"),
            AMF0Property("code", "NetConnection.Connect.ReconnectRequest"),
            AMF0Property("description", .string(description)),
        ]
        if let tcUrl { information.append(AMF0Property("tcUrl", .string(tcUrl))) }
        let command = Command(name: "onStatus", transactionID: 0, commandObject: .null, arguments: [.object(information)])
        send(command.message())
    }

    /// Sends onStatus with transaction ID 0 on chunk stream 5 and the given message stream.
    public func sendStatus(streamID: MessageStreamID, level: String, code: String, description: String) {
        let information: AMF0Value = .object([
            AMF0Property("level", .string(level)),
            AMF0Property("code", .string(code)),
            AMF0Property("description", .string(description)),
        ])
        let command = Command(name: "onStatus", transactionID: 0, commandObject: .null, arguments: [information])
        send(command.message(chunkStreamID: .stream, streamID: streamID))
    }

    func sendResult(_ transactionID: Double, _ commandObject: AMF0Value, _ information: AMF0Value) {
        let command = Command(
            name: "_result",
            transactionID: transactionID,
            commandObject: commandObject,
            arguments: [information]
        )
        send(command.message())
    }

    func sendError(_ transactionID: Double, code: String, description: String) {
        let information: AMF0Value = .object([
            AMF0Property("level", "error"),
            AMF0Property("code", .string(code)),
            AMF0Property("description", .string(description)),
        ])
        let command = Command(
            name: "_error",
            transactionID: transactionID,
            commandObject: .null,
            arguments: [information]
        )
        send(command.message())
    }

    /// Sends a notification such as onFCPublish, which carries a code and the stream name.
    func sendNotification(_ name: String, code: String, description: String) {
        let information: AMF0Value = .object([
            AMF0Property("code", .string(code)),
            AMF0Property("description", .string(description)),
        ])
        send(Command(name: name, transactionID: 0, commandObject: .null, arguments: [information]).message())
    }

    private func setRole(_ role: StreamRole, for streamID: MessageStreamID) {
        guard case .connected(var connection) = state else { return }
        connection.streams[streamID] = role
        state = .connected(connection)
    }
}
