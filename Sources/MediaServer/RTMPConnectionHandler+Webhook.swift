import RTMP

extension RTMPConnectionHandler {
    /// Posts the publish or play in `pendingDecision` to the application's webhook. The reply
    /// arrives on a URLSession thread and is handled on this connection's loop, which keeps
    /// serving other connections meanwhile.
    func askWebhook(action: String, app: String, stream: String) {
        guard let webhook = context.policy.webhook(of: app) else { return }
        let event = WebhookEvent(action: action, app: app, stream: stream, client: connection.remoteAddress.description)
        let loop = connection.eventLoop
        logger.debug("asking the webhook", metadata: ["webhook.action": action])
        context.webhooks.send(event, to: webhook) { [self] allowed in
            loop.execute { [self] in resumeAfterWebhook(allowed: allowed) }
        }
    }

    /// Finishes the pending publish or play with the webhook's decision, then takes the
    /// session events that waited for it.
    private func resumeAfterWebhook(allowed: Bool) {
        guard let decision = pendingDecision else { return }
        pendingDecision = nil
        guard !closed, let app = application else { return }

        switch decision {
        case .publish(let request, let streamName, let credentialed):
            if allowed {
                startPublishing(request, app: app, streamName: streamName, credentialed: credentialed)
            } else {
                logger.info("publish rejected by the webhook", metadata: ["rtmp.stream": "\(app)/\(streamName)"])
                rejectPublish(request, description: "rejected by the webhook")
            }
        case .play(let request):
            if allowed {
                startPlaying(request, app: app)
            } else {
                logger.info("play rejected by the webhook", metadata: ["rtmp.stream": "\(app)/\(request.streamName)"])
                session.rejectPlay(request, code: "NetStream.Play.Failed", description: "rejected by the webhook")
                flushSession()
                close(reason: "play_denied")
            }
        }
        processEvents()
        flushSession()
    }

    /// Tells the application's webhook that a publish or play of `path` (`app/stream`) ended.
    /// The reply is not used.
    func notifyWebhook(action: String, path: String) {
        guard let app = application, let webhook = context.policy.webhook(of: app) else { return }
        let stream = String(path.dropFirst(app.count + 1))
        let event = WebhookEvent(action: action, app: app, stream: stream, client: connection.remoteAddress.description)
        context.webhooks.send(event, to: webhook) { _ in }
    }
}
