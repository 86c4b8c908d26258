import Foundation
import Bytes
import RTMP

extension RTMPConnectionHandler: PlayerSink {
    func handlePlay(_ request: PlayRequest) {
        guard let app = application else { return }
        guard playing == nil else {
            session.rejectPlay(request, code: "NetStream.Play.Failed", description: "already playing")
            flushSession()
            return
        }
        guard context.policy.addressIsAllowed(app: app, action: .play, host: connection.remoteAddress.host) else {
            logger.info("play rejected: address not allowed", metadata: ["rtmp.stream": "\(app)/\(request.streamName)"])
            session.rejectPlay(request, code: "NetStream.Play.Failed", description: "playing from this address is not allowed")
            flushSession()
            close(reason: "play_denied")
            return
        }
        let decision = context.policy.authorizePlay(
            app: app, name: request.streamName, query: request.query, now: Int64(Date().timeIntervalSince1970)
        )
        switch decision {
        case .allow:
            break
        case .unknownApplication, .invalidName, .nameIsAKey:
            // The name is not logged: it may be a key.
            logger.debug("play rejected: invalid stream name")
            session.rejectPlay(request, code: "NetStream.Play.StreamNotFound", description: "invalid stream name")
            flushSession()
            return
        case .invalidToken(let verification):
            logger.info("play rejected: \(verification)", metadata: ["rtmp.stream": "\(app)/\(request.streamName)"])
            session.rejectPlay(request, code: "NetStream.Play.Failed", description: "invalid or expired token")
            flushSession()
            close(reason: "play_denied")
            return
        case .keyRequired:
            logger.info("play rejected: missing or wrong play key or token", metadata: ["rtmp.stream": "\(app)/\(request.streamName)"])
            session.rejectPlay(request, code: "NetStream.Play.Failed", description: "a valid play key or token is required")
            flushSession()
            close(reason: "play_denied")
            return
        }

        if context.policy.webhook(of: app) != nil {
            pendingDecision = .play(request)
            askWebhook(action: "play", app: app, stream: request.streamName)
            return
        }
        startPlaying(request, app: app)
    }

    /// Joins the stream's players for the play that every check allowed.
    func startPlaying(_ request: PlayRequest, app: String) {
        let path = "\(app)/\(request.streamName)"
        guard let stream = context.registry.addPlayer(path: path) else {
            logger.debug("closing: play would pass maximumStreams \(context.limits.maximumStreams)")
            session.rejectPlay(request, code: "NetStream.Play.Failed", description: "too many streams")
            flushSession()
            close(reason: "stream_limit")
            return
        }
        let fanout = stream.fanout(on: connection.eventLoop)
        let shared = request.streamID == MediaPacket.sharedStreamID
            && session.outgoingChunkSize == context.limits.outgoingChunkSize
        let state = PlayState(stream: stream, fanout: fanout, request: request, usesSharedChunks: shared)
        logger = logger.with(["rtmp.stream": path])
        if let capabilities = clientCapabilities, capabilities.declaresVideoCodecs || capabilities.declaresAudioCodecs {
            state.codecFilter = capabilities
            logger.debug("codec filter on: the player gets only the Enhanced RTMP codecs it declared")
        } else {
            logger.debug("codec filter off: the player declared no codecs and gets every track")
        }
        playing = state
        watchdog.playStarted(now: Self.nowMilliseconds(), bytesWritten: connection.bytesWritten)
        session.acceptPlay(request)
        flushSession()
        context.metrics.playersActive.add(1)
        logger.info("play started", metadata: ["rtmp.waiting": String(!fanout.isPublishing)])
        fanout.add(self)
        // The cached start of the stream goes out now, not after the write batch delay.
        connection.flush()
    }

    func stopPlaying() {
        guard let state = playing else { return }
        playing = nil
        state.fanout.remove(self)
        context.registry.removePlayer(path: state.stream.path)
        context.metrics.playersActive.add(-1)
        watchdog.restartWait(now: Self.nowMilliseconds())
        logger.info("play stopped")
        notifyWebhook(action: "play_done", path: state.stream.path)
    }

    // MARK: - PlayerSink

    func publishStarted() {
        guard let state = playing else { return }
        state.awaitingKeyframe = true
        session.sendPublishNotify(streamID: state.request.streamID, streamName: state.request.streamName)
        flushSession()
    }

    func publishStopped() {
        guard let state = playing else { return }
        session.sendUnpublishNotify(streamID: state.request.streamID, streamName: state.request.streamName)
        flushSession()
    }

    /// Writes one packet unless the player is too far behind.
    ///
    /// A player whose queue passed its bound drops media until the next video
    /// keyframe (or, for audio-only streams, until the queue is below the bound
    /// again). Metadata and sequence headers are never dropped, because without
    /// them nothing after can be decoded.
    func deliver(_ packet: MediaPacket) {
        guard let state = playing, !closedForWrites else { return }
        guard wants(packet, state: state) else { return }

        switch packet.kind {
        case .metadata, .configuration:
            break
        case .videoKeyframe:
            if connection.queuedBytes > context.limits.playerQueueBytes {
                countDrop(state)
                state.awaitingKeyframe = true
                return
            }
            state.awaitingKeyframe = false
        case .videoFrame, .audioFrame, .data:
            let behind = connection.queuedBytes > context.limits.playerQueueBytes
            if behind { state.awaitingKeyframe = true }
            // A player that turned video off (receiveVideo false) lets audio start without a keyframe.
            let videoGate = state.fanout.hasVideo && state.awaitingKeyframe && state.receivesVideo
            if behind || videoGate {
                // An audio-only stream resumes as soon as the queue drains.
                if behind || packet.kind.isVideo || packet.kind == .data {
                    if behind { countDrop(state) }
                    return
                }
                if !state.fanout.hasVideo { state.awaitingKeyframe = false }
            }
        }

        // Players that declared codecs get only the tracks they take (slow path for partial multitrack).
        if let filter = state.codecFilter, let layout = packet.trackLayout {
            let selection = layout.select(packet.message.payload) { filter.accepts($0, isVideo: layout.isVideo) }
            switch selection {
            case .all:
                break
            case .none:
                return
            case .some(let payload):
                var message = packet.message(onStream: state.request.streamID)
                message.payload = payload
                session.send(message)
                flushSession()
                return
            }
        }

        if state.usesSharedChunks {
            connection.write(packet.chunks, within: .milliseconds(context.limits.playerWriteBatchMilliseconds))
        } else {
            session.send(packet.message(onStream: state.request.streamID))
            flushSession()
        }
    }

    /// Applies pause and receiveAudio/receiveVideo. Metadata and sequence headers
    /// always pass, so a player that resumes has the current ones.
    private func wants(_ packet: MediaPacket, state: PlayState) -> Bool {
        switch packet.kind {
        case .metadata, .configuration:
            return true
        case .data:
            return !state.isPaused
        case .audioFrame:
            return !state.isPaused && state.receivesAudio
        case .videoKeyframe:
            guard !state.isPaused && state.receivesVideo else { return false }
            state.awaitingVideoKeyframe = false
            return true
        case .videoFrame:
            return !state.isPaused && state.receivesVideo && !state.awaitingVideoKeyframe
        }
    }

    /// Joins the batch when the player would take every packet as it is: shared encoding, every
    /// track, not paused, past its first keyframe, not behind. A change to those (a pause, say)
    /// during a batch the player joined takes effect with the next batch.
    func joinsBatch() -> Bool {
        guard let state = playing, !closedForWrites, state.usesSharedChunks, state.codecFilter == nil else {
            return false
        }
        guard !state.isPaused, state.receivesAudio, state.receivesVideo, !state.awaitingVideoKeyframe,
            !state.awaitingKeyframe
        else {
            return false
        }
        return connection.queuedBytes <= context.limits.playerQueueBytes
    }

    /// Writes a joined batch as one block, or drops it when the player fell behind meanwhile.
    /// A dropped batch keeps its metadata and sequence headers, like single packets do.
    func deliverBatch(_ block: SharedBytes, packets: [MediaPacket]) {
        guard let state = playing, !closedForWrites else { return }
        guard connection.queuedBytes <= context.limits.playerQueueBytes else {
            countDrop(state)
            state.awaitingKeyframe = true
            for packet in packets {
                switch packet.kind {
                case .metadata, .configuration: deliver(packet)
                default: break
                }
            }
            return
        }
        connection.write(block)
    }

    /// Pauses or resumes delivery. A resumed player starts again at the next video
    /// keyframe, as a new player of a stream without GOP cache would, so its
    /// timestamps never go back to frames it was sent before the pause.
    func setPaused(_ paused: Bool, streamID: MessageStreamID) {
        guard let state = playing, state.request.streamID == streamID else { return }
        state.isPaused = paused
        if !paused { state.awaitingKeyframe = true }
        logger.debug(paused ? "play paused" : "play resumed at the next keyframe")
    }

    /// Turns audio frames on or off for the player.
    func setReceivesAudio(_ enabled: Bool, streamID: MessageStreamID) {
        guard let state = playing, state.request.streamID == streamID else { return }
        state.receivesAudio = enabled
        logger.debug("receiveAudio \(enabled)")
    }

    /// Turns video frames on or off for the player; turned back on, video starts at the next keyframe.
    func setReceivesVideo(_ enabled: Bool, streamID: MessageStreamID) {
        guard let state = playing, state.request.streamID == streamID else { return }
        if enabled && !state.receivesVideo { state.awaitingVideoKeyframe = true }
        state.receivesVideo = enabled
        logger.debug("receiveVideo \(enabled)")
    }

    private func countDrop(_ state: PlayState) {
        context.metrics.mediaDropped.increment()
        if let total = state.dropReporter.record(now: Self.nowMilliseconds()) {
            logger.info("slow player: dropped \(total) messages to catch up at the next keyframe")
        }
    }

    /// Whether writes are pointless because the connection is closing.
    var closedForWrites: Bool { session.isClosed }
}
