import Bytes
import TLS

extension Connection {
    /// The ciphertext queued per pass before it is written. Encryption pauses at this size, so
    /// a full socket leaves the rest queued as plaintext.
    static let ciphertextBatchSize = 64 * 1024

    /// Decrypts what the session can produce now and hands it to the handler, then acts on the
    /// session's state: sends handshake replies, closes on close_notify or failure.
    func readPlaintext(from session: TLSSession) {
        var plaintext = eventLoop.plaintextScratch
        eventLoop.plaintextScratch = []
        let result = session.readPlaintext(appendingTo: &plaintext)
        if !plaintext.isEmpty {
            plaintext.withUnsafeBytes { bytes in
                handler?.connection(self, didRead: bytes)
            }
        }
        plaintext.removeAll(keepingCapacity: true)
        eventLoop.plaintextScratch = plaintext

        guard state != .closed else {
            return
        }
        advanceTLS(session, after: result)
    }

    /// Queues the ciphertext the last step produced and reacts to its result.
    func advanceTLS(_ session: TLSSession, after result: TLSSession.Result) {
        queueCiphertext(from: session)
        if !handshakeReported && session.isHandshakeComplete {
            handshakeReported = true
            handler?.connectionDidCompleteTLSHandshake(self)
        }
        switch result {
        case .complete, .wantRead, .wantWrite:
            if !(outputQueue.isEmpty && plaintextQueue.isEmpty) {
                scheduleFlush()
            }
        case .closed:
            // The peer sent close_notify, so reply with ours after the queued bytes.
            close(.afterWrites)
        case .failed(let error):
            // Send the alert that explains the failure if the socket takes it at once.
            _ = try? writeQueuedBytes()
            closeNow(error: error)
        }
    }

    /// Encrypts queued plaintext, up to 16 KiB per `SSL_write`, until the queue is empty or a
    /// batch of ciphertext waits for the socket. Does nothing before the handshake completes.
    func encryptQueuedPlaintext(_ session: TLSSession) throws(TLSError) {
        guard session.isHandshakeComplete else {
            return
        }
        while !plaintextQueue.isEmpty && outputQueue.byteCount < Self.ciphertextBatchSize {
            var failure: TLSError?
            let before = plaintextQueue.byteCount
            plaintextQueue.consumeFront(upTo: EventLoop.maximumRecordSize, scratch: eventLoop.recordScratch) { bytes in
                switch session.writePlaintext(bytes) {
                case .success(let consumed):
                    return consumed
                case .failure(let error):
                    failure = error
                    return 0
                }
            }
            queueCiphertext(from: session)
            if let failure {
                throw failure
            }
            if plaintextQueue.byteCount == before {
                // OpenSSL took nothing (it wants to read first); try again after the next read.
                return
            }
        }
    }

    /// Moves the ciphertext the session produced into the output queue.
    func queueCiphertext(from session: TLSSession) {
        if let ciphertext = session.takeCiphertext() {
            outputQueue.append(ciphertext)
        }
    }
}
