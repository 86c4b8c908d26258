import FLV
import RTMP

extension RTMPConnectionHandler {
    func handlePublish(_ request: PublishRequest) {
        guard let app = application else { return }
        guard publishing == nil else {
            session.rejectPublish(request, code: "NetStream.Publish.BadName", description: "already publishing")
            return
        }

        let streamName: String
        switch context.policy.authorizePublish(app: app, name: request.streamName) {
        case .allow(let name):
            streamName = name
        case .unknownApplication, .invalidKey:
            // The name may be a mistyped key, so only its redacted form is logged.
            logger.info(
                "publish rejected: invalid stream key",
                metadata: ["rtmp.key": AccessPolicy.redact(request.streamName)]
            )
            session.rejectPublish(request, code: "NetStream.Publish.Denied", description: "invalid stream key")
            flushSession()
            close(reason: "publish_denied")
            return
        }

        let path = "\(app)/\(streamName)"
        let stream: LiveStream
        switch context.registry.claimPublisher(path: path, owner: ObjectIdentifier(self)) {
        case .claimed(let claimed):
            stream = claimed
        case .taken:
            logger.info("publish rejected: stream already has a publisher", metadata: ["rtmp.stream": path])
            session.rejectPublish(request, code: "NetStream.Publish.BadName", description: "stream is already being published")
            flushSession()
            close(reason: "publish_duplicate")
            return
        case .full:
            logger.debug("closing: publish would pass maximumStreams \(context.limits.maximumStreams)")
            session.rejectPublish(request, code: "NetStream.Publish.Failed", description: "too many streams")
            flushSession()
            close(reason: "stream_limit")
            return
        }

        publishing = PublishState(stream: stream, streamID: request.streamID)
        watchdog.mediaReceived(now: Self.nowMilliseconds())
        logger = logger.with(["rtmp.stream": path])
        session.acceptPublish(request)
        flushSession()
        context.metrics.publishersActive.add(1)
        stream.broadcast(.publishStarted, from: connection.eventLoop)
        logger.info("publish started")
    }

    func stopPublishing() {
        guard let state = publishing else { return }
        publishing = nil
        state.stream.setInformation(nil)
        state.stream.broadcast(.publishStopped, from: connection.eventLoop)
        context.registry.releasePublisher(path: state.stream.path, owner: ObjectIdentifier(self))
        context.metrics.publishersActive.add(-1)
        watchdog.restartWait(now: Self.nowMilliseconds())
        logger.info("publish stopped")
    }

    /// Routes one audio, video or data message of the published stream to its players.
    func handlePublishedMessage(_ message: Message) {
        guard var state = publishing, message.streamID == state.streamID else { return }
        defer { publishing = state }
        watchdog.mediaReceived(now: Self.nowMilliseconds())

        var payload = message.payload
        let kind: PacketKind
        switch message.typeID {
        case .audio, .video:
            kind = PacketKind(typeID: message.typeID, payload: payload)
        case .dataAMF0:
            // `@setDataFrame onMetaData {...}` is stored and sent to players as `onMetaData {...}`.
            if let body = Metadata.strippingSetDataFrame(payload) { payload = body }
            kind = Metadata.startsWithString(Metadata.onMetaData, in: payload) ? .metadata : .data
        default:
            return
        }

        let packet = MediaPacket(
            kind: kind, typeID: message.typeID, timestamp: message.timestamp, payload: payload,
            chunkSize: context.limits.outgoingChunkSize
        )
        state.stream.broadcast(.packet(packet), from: connection.eventLoop)
        updateInformation(&state, message: message, payload: payload, kind: kind)
    }

    /// Feeds the stream information collector, logs the information once it is complete, and
    /// stores a fresh copy on the stream at every video keyframe for later readers.
    private func updateInformation(_ state: inout PublishState, message: Message, payload: [UInt8], kind: PacketKind) {
        state.information.add(typeID: message.typeID.rawValue, timestamp: message.timestamp, payload: payload)
        guard state.information.isComplete else { return }
        if !state.informationLogged {
            state.informationLogged = true
            state.stream.setInformation(state.information.info)
            logger.info("stream information: \(state.information.info.summary)")
        } else if kind == .videoKeyframe {
            state.stream.setInformation(state.information.info)
        }
    }
}
