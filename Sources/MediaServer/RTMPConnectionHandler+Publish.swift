import Foundation
import FLV
import RTMP

extension RTMPConnectionHandler {
    func handlePublish(_ request: PublishRequest) {
        guard let app = application else { return }
        guard publishing == nil else {
            session.rejectPublish(request, code: "NetStream.Publish.BadName", description: "already publishing")
            return
        }

        guard context.policy.addressIsAllowed(app: app, action: .publish, host: connection.remoteAddress.host) else {
            // The name is not logged: it may be a key.
            logger.info("publish rejected: address not allowed")
            rejectPublish(request, description: "publishing from this address is not allowed")
            return
        }
        let decision = context.policy.authorizePublish(
            app: app, name: request.streamName, query: request.query, user: authenticatedUser,
            now: Int64(Date().timeIntervalSince1970)
        )
        let streamName: String
        let credentialed: Bool
        switch decision {
        case .allow(let name, let withCredentials):
            streamName = name
            credentialed = withCredentials
        case .invalidToken(let verification):
            logger.info("publish rejected: \(verification)", metadata: ["rtmp.stream": "\(app)/\(request.streamName)"])
            rejectPublish(request, description: "invalid or expired token")
            return
        case .unknownApplication, .invalidKey:
            // The name may be a mistyped key, so only its redacted form is logged.
            logger.info(
                "publish rejected: invalid stream key",
                metadata: ["rtmp.key": AccessPolicy.redact(request.streamName)]
            )
            rejectPublish(request, description: "invalid stream key")
            return
        }

        if context.policy.webhook(of: app) != nil {
            pendingDecision = .publish(request, streamName: streamName, credentialed: credentialed)
            askWebhook(action: "publish", app: app, stream: streamName)
            return
        }
        startPublishing(request, app: app, streamName: streamName, credentialed: credentialed)
    }

    /// Claims the stream and starts the publish that every check allowed.
    func startPublishing(_ request: PublishRequest, app: String, streamName: String, credentialed: Bool) {
        let path = "\(app)/\(streamName)"
        let stream: LiveStream
        switch claimStream(path: path, app: app, credentialed: credentialed) {
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

    func rejectPublish(_ request: PublishRequest, description: String) {
        session.rejectPublish(request, code: "NetStream.Publish.Denied", description: description)
        flushSession()
        close(reason: "publish_denied")
    }

    /// Claims the stream for this connection. With the `replace` policy and credentials, a
    /// current publisher is closed and its players carry on with this one.
    private func claimStream(path: String, app: String, credentialed: Bool) -> StreamRegistry.Claim {
        guard credentialed, context.policy.duplicatePublisherPolicy(of: app) == .replace else {
            return context.registry.claimPublisher(path: path, owner: ObjectIdentifier(self))
        }
        let (claim, replaced) = context.registry.replacePublisher(path: path, owner: ObjectIdentifier(self))
        if let replaced {
            // NOTE: until the replaced publisher's loop runs closeReplacedPublisher, media it
            // already received still reaches the players, interleaved with the new publisher's.
            logger.info("publish replaces the current publisher", metadata: ["rtmp.stream": path])
            for table in context.connections.all {
                table.loop.execute { table.handlers[replaced]?.closeReplacedPublisher() }
            }
        }
        return claim
    }

    /// Closes this publisher because another one took its stream over. Its players get no
    /// UnpublishNotify, because the new publisher already sent them PublishNotify.
    func closeReplacedPublisher() {
        guard let state = publishing else { return }
        publishing = nil
        context.metrics.publishersActive.add(-1)
        session.sendStatus(
            streamID: state.streamID, level: "status", code: "NetStream.Unpublish.Success",
            description: "another publisher took over the stream"
        )
        logger.info("publish stopped: replaced by another publisher")
        notifyWebhook(action: "publish_done", path: state.stream.path)
        close(reason: "publish_replaced")
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
        notifyWebhook(action: "publish_done", path: state.stream.path)
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
