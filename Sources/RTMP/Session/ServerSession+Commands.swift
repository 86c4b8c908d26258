import AMF

/// Reading the client's commands and media.
extension ServerSession {
    /// Dispatches one message from the client.
    func handle(_ message: Message) throws(RTMPProtocolError) {
        switch message.typeID {
        case .commandAMF0, .commandAMF3:
            let command = try Command(message: message, limits: configuration.limits.amf)
            try handle(command, on: message.streamID)
        case let type where type.isMedia:
            guard case .connected(let connection) = state,
                case .publishing = connection.streams[message.streamID]
            else {
                // Media on a stream that is not publishing is dropped, as a
                // late packet after FCUnpublish or deleteStream would be.
                return
            }
            guard message.typeID == .aggregate else {
                emit(.media(message))
                return
            }
            let parts = try AggregateMessage.split(message, maximumParts: configuration.limits.maximumAggregateParts)
            for part in parts { emit(.media(part)) }
        default:
            // Protocol control is handled by the channel; shared objects are out of scope.
            break
        }
    }

    private func handle(_ command: Command, on streamID: MessageStreamID) throws(RTMPProtocolError) {
        if command.name == "connect" {
            try handleConnect(command)
            return
        }
        guard case .connected(var connection) = state else {
            // Before connect only connect is meaningful; others are ignored like unknown calls.
            return
        }
        switch command.name {
        case "createStream":
            guard connection.streams.count < configuration.limits.maximumMessageStreams else {
                throw .tooManyMessageStreams(configuration.limits.maximumMessageStreams)
            }
            let id = MessageStreamID(connection.nextStreamID)
            connection.nextStreamID += 1
            connection.streams[id] = .idle
            state = .connected(connection)
            sendResult(command.transactionID, .null, .number(Double(id.rawValue)))
            emit(.createStream(id))
        case "releaseStream":
            if command.transactionID != 0 { sendResult(command.transactionID, .null, .undefined) }
            emit(.releaseStream(streamName: streamNameArgument(command)))
        case "FCPublish":
            let name = streamNameArgument(command)
            sendNotification("onFCPublish", code: "NetStream.Publish.Start", description: name)
            if command.transactionID != 0 { sendResult(command.transactionID, .null, .undefined) }
            emit(.fcPublish(streamName: name))
        case "FCUnpublish":
            let name = streamNameArgument(command)
            sendNotification("onFCUnpublish", code: "NetStream.Unpublish.Success", description: name)
            if command.transactionID != 0 { sendResult(command.transactionID, .null, .undefined) }
            emit(.fcUnpublish(streamName: name))
        case "publish":
            emit(.publish(publishRequest(command, on: streamID)))
        case "play":
            emit(.play(playRequest(command, on: streamID)))
        case "deleteStream":
            handleDeleteStream(command, on: streamID, connection: &connection)
        case "closeStream":
            guard connection.streams[streamID] != nil else { return }
            connection.streams[streamID] = .idle
            state = .connected(connection)
            emit(.deleteStream(streamID))
        case "FCSubscribe":
            let name = streamNameArgument(command)
            sendNotification("onFCSubscribe", code: "NetStream.Play.Start", description: name)
            if command.transactionID != 0 { sendResult(command.transactionID, .null, .undefined) }
            emit(.fcSubscribe(streamName: name))
        case "receiveAudio", "receiveVideo", "pause", "seek":
            handlePlayControl(command, on: streamID, connection: connection)
        case "_checkbw":
            // ffmpeg sends _checkbw when a server sends onBWDone; servers that
            // receive it first answer with onBWDone, which ends the exchange.
            if command.transactionID != 0 { sendResult(command.transactionID, .null, .undefined) }
            send(Command(name: "onBWDone", transactionID: 0).message())
        case "getStreamLength":
            sendResult(command.transactionID, .null, .number(0))
        case "_result", "_error", "onStatus":
            // Replies and notifications from the client need no answer.
            break
        default:
            guard command.transactionID != 0 else { return }
            sendError(
                command.transactionID,
                code: "NetConnection.Call.Failed",
                description: "Method not found (\(command.name))."
            )
        }
    }

    private func handleConnect(_ command: Command) throws(RTMPProtocolError) {
        guard case .awaitingConnect = state else {
            // A second connect on one connection has no meaning; ffmpeg and
            // OBS never send one, so it is rejected as a protocol error.
            throw .invalidCommand("connect received twice")
        }
        let object = command.commandObject
        var app = object["app"]?.stringValue ?? ""
        var query: String?
        (app, query) = splitQuery(app)
        while app.hasSuffix("/") { app.removeLast() }
        let request = ConnectRequest(
            app: app,
            query: query,
            tcUrl: object["tcUrl"]?.stringValue,
            objectEncoding: object["objectEncoding"]?.numberValue ?? 0,
            commandObject: object,
            enhancedCapabilities: EnhancedCapabilities(commandObject: object),
            transactionID: command.transactionID
        )
        state = .connected(ConnectionState(pendingConnect: request, objectEncoding: request.objectEncoding))
        emit(.connect(request))
    }

    /// Handles deleteStream, whose argument is the stream ID as a number; a
    /// string argument (as some clients send) names the stream instead.
    private func handleDeleteStream(
        _ command: Command,
        on streamID: MessageStreamID,
        connection: inout ConnectionState
    ) {
        var target = streamID
        if let number = command.arguments.first?.numberValue, number >= 0, number <= Double(UInt32.max) {
            target = MessageStreamID(UInt32(number))
        } else if let name = command.arguments.first?.stringValue,
            let match = connection.streams.first(where: { $0.value.streamName == splitQuery(name).name })
        {
            target = match.key
        }
        guard connection.streams.removeValue(forKey: target) != nil else { return }
        state = .connected(connection)
        emit(.deleteStream(target))
    }

    private func streamNameArgument(_ command: Command) -> String {
        splitQuery(command.arguments.first?.stringValue ?? "").name
    }

    private func publishRequest(_ command: Command, on streamID: MessageStreamID) -> PublishRequest {
        let (name, query) = splitQuery(command.arguments.first?.stringValue ?? "")
        return PublishRequest(
            streamID: streamID,
            streamName: name,
            query: query,
            publishType: command.arguments.count > 1 ? (command.arguments[1].stringValue ?? "live") : "live",
            transactionID: command.transactionID
        )
    }

    private func playRequest(_ command: Command, on streamID: MessageStreamID) -> PlayRequest {
        let arguments = command.arguments
        let (name, query) = splitQuery(arguments.first?.stringValue ?? "")
        var reset = true
        if arguments.count > 3 {
            // Flash sends a Boolean; some clients send a number.
            reset = arguments[3].booleanValue ?? ((arguments[3].numberValue ?? 1) != 0)
        }
        return PlayRequest(
            streamID: streamID,
            streamName: name,
            query: query,
            start: arguments.count > 1 ? (arguments[1].numberValue ?? -2) : -2,
            duration: arguments.count > 2 ? (arguments[2].numberValue ?? -1) : -1,
            reset: reset,
            transactionID: command.transactionID
        )
    }
}
