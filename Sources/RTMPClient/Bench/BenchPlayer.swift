import AMF
import Bytes
import Network
import RTMP
import TLS

/// One lightweight player of the load generator, confined to its event loop.
///
/// It does what ffmpeg's RTMP client does, and no more:
///
///     TCP (+ TLS) -> C0 C1 ... S0 S1 S2 -> C2 + connect
///       -> _result(1): Window Acknowledgement Size 2500000 + createStream
///       -> _result(2): SetBufferLength(stream, 3000 ms) + play(name, -2000)
///       -> onStatus NetStream.Play.Start -> media
///
/// Received bytes go through a `CountingChunkParser`, so audio and video payloads are counted
/// but never copied. The player acknowledges the server's window and replies to pings. It records
/// the time of each step from `start()`, and, while `isMeasuring`, the end-to-end delay of each
/// video frame that the publisher stamped.
///
/// Every member must be used on `loop`.
final class BenchPlayer: ConnectionHandler, @unchecked Sendable {
    enum Mode: Sendable {
        /// Play until closed.
        case play
        /// Close at the first video keyframe (start-up measurements).
        case untilKeyframe
        /// Close at the connect result (handshake measurements).
        case untilConnected
    }

    /// The steps of a start, in nanoseconds after `start()`.
    struct Timings: Sendable {
        var tcp: UInt64?
        var tls: UInt64?
        var handshake: UInt64?
        var connectResult: UInt64?
        var createStream: UInt64?
        var playStart: UInt64?
        var firstMedia: UInt64?
        var firstVideo: UInt64?
        var firstKeyframe: UInt64?
    }

    /// The counters at one moment, for the measurement window.
    struct Snapshot: Sendable {
        var time: UInt64
        var receivedBytes: Int
        var mediaBytes: Int
        var lastTimestamp: UInt32?
    }

    /// The figures a player reports at the end.
    struct Report: Sendable {
        var index: Int
        var error: String?
        var timings: Timings
        var snapshots: [Snapshot]
        var delaysMilliseconds: [Float]
        var receivedBytes: Int
    }

    private enum Phase {
        case idle, connecting, handshaking, commands, playing, done
    }

    let loop: EventLoop
    let index: Int
    private let target: BenchTarget
    private let streamName: String
    private let mode: Mode
    private let tls: TLSContext?
    private let stamps: StampTable?
    private let stepTimeout: Duration
    /// Called once when the player ends by itself (error or its mode's last step).
    private let onEnd: (BenchPlayer) -> Void

    private var phase = Phase.idle
    private var connection: Connection?
    private var handshake = ClientHandshake(digestScheme: nil, crypto: OpenSSLHandshakeCrypto())
    private var handshakeBuffer = ByteBuffer()
    private var parser = CountingChunkParser()
    private var stepTimer: TimerHandle?
    private var startTime: UInt64 = 0

    private(set) var error: String?
    private(set) var timings = Timings()
    private var receivedBytes = 0
    private var acknowledgedBytes = 0
    private var serverWindow = 2_500_000
    private var mediaBytes = 0
    private var lastTimestamp: UInt32?
    private var snapshots: [Snapshot] = []
    private var delays: [Float] = []

    /// Whether video frames' end-to-end delays are recorded now.
    var isMeasuring = false

    init(
        index: Int,
        target: BenchTarget,
        streamName: String,
        mode: Mode,
        tls: TLSContext?,
        stamps: StampTable?,
        loop: EventLoop,
        stepTimeout: Duration = .seconds(10),
        onEnd: @escaping (BenchPlayer) -> Void
    ) {
        self.index = index
        self.target = target
        self.streamName = streamName
        self.mode = mode
        self.tls = tls
        self.stamps = stamps
        self.loop = loop
        self.stepTimeout = stepTimeout
        self.onEnd = onEnd
    }

    static func now() -> UInt64 { Deadline.now().uptimeNanoseconds }

    // MARK: - Starting

    func start() {
        loop.preconditionInEventLoop()
        guard phase == .idle else { return }
        phase = .connecting
        startTime = Self.now()
        restartStepTimer()
        TCPConnector.connect(
            host: target.url.host,
            port: target.url.port,
            on: loop,
            tls: tls,
            serverName: nil,
            timeout: stepTimeout
        ) { [self] result in
            switch result {
            case .failure(let error): fail("connect: \(Self.text(of: error))")
            case .success(let connection): connected(connection)
            }
        }
    }

    private func connected(_ connection: Connection) {
        guard phase == .connecting else {
            connection.close(.now)
            return
        }
        timings.tcp = elapsed()
        self.connection = connection
        connection.handler = self
        phase = .handshaking
        connection.write(handshake.start(now: Self.now() / 1_000_000))
        connection.start()
    }

    private func elapsed() -> UInt64 { Self.now() - startTime }

    private func restartStepTimer() {
        if let stepTimer { loop.cancelTimer(stepTimer) }
        stepTimer = loop.scheduleTimer(at: .now() + stepTimeout) { [self] in
            stepTimer = nil
            fail("timed out \(phaseDescription)")
        }
    }

    private func stopStepTimer() {
        if let stepTimer { loop.cancelTimer(stepTimer) }
        stepTimer = nil
    }

    private var phaseDescription: String {
        switch phase {
        case .idle, .connecting: return "connecting"
        case .handshaking: return "in the handshake"
        case .commands: return "waiting for a command result"
        case .playing: return "playing"
        case .done: return "after the end"
        }
    }

    // MARK: - ConnectionHandler

    func connectionDidCompleteTLSHandshake(_ connection: Connection) {
        if timings.tls == nil { timings.tls = elapsed() }
    }

    func connection(_ connection: Connection, didRead bytes: UnsafeRawBufferPointer) {
        guard phase != .done else { return }
        receivedBytes += bytes.count
        if phase == .handshaking {
            handshakeBuffer.writeBytes(bytes)
            finishHandshake()
        } else {
            parseChunks(bytes)
        }
        if phase != .done && receivedBytes - acknowledgedBytes >= serverWindow {
            acknowledgedBytes = receivedBytes
            send(Acknowledgement(sequenceNumber: UInt32(truncatingIfNeeded: receivedBytes)).message)
        }
    }

    func connectionDidClose(_ connection: Connection, error: (any Error)?) {
        guard phase != .done else { return }
        fail(error.map { "closed: \(Self.text(of: $0))" } ?? "closed by the server")
    }

    // MARK: - Handshake and commands

    private func finishHandshake() {
        let progress: HandshakeProgress
        do {
            progress = try handshake.advance(&handshakeBuffer)
        } catch {
            fail("handshake: \(error)")
            return
        }
        guard progress.completed else { return }
        timings.handshake = elapsed()
        phase = .commands
        restartStepTimer()
        connection?.write(progress.outbound)
        send(connectCommand().message())
        let rest = handshakeBuffer.readAllBytes()
        handshakeBuffer = ByteBuffer()
        if !rest.isEmpty {
            rest.withUnsafeBytes { parseChunks($0) }
        }
    }

    private func connectCommand() -> Command {
        Command(
            name: "connect",
            transactionID: 1,
            commandObject: .object([
                AMF0Property("app", .string(target.url.application)),
                AMF0Property("flashVer", "LNX 9,0,124,2"),
                AMF0Property("tcUrl", .string(target.url.tcURL)),
                AMF0Property("fpad", false),
                AMF0Property("capabilities", 15),
                AMF0Property("audioCodecs", 4071),
                AMF0Property("videoCodecs", 252),
                AMF0Property("videoFunction", 1),
            ])
        )
    }

    private func send(_ message: Message) {
        var buffer = ByteBuffer(capacity: message.payload.count + 32)
        ChunkEncoder.encode(message, chunkSize: 128, into: &buffer)
        connection?.write(buffer.readAllBytes())
    }

    private func handleCommand(_ command: Command) {
        switch (command.name, command.transactionID) {
        case ("_result", 1):
            timings.connectResult = elapsed()
            if mode == .untilConnected {
                end(nil)
                return
            }
            restartStepTimer()
            send(WindowAcknowledgementSize(windowSize: 2_500_000).message)
            send(Command(name: "createStream", transactionID: 2).message())
        case ("_result", 2):
            guard let id = command.arguments.first?.numberValue, id >= 0, id < 1e9 else {
                fail("createStream result without a stream ID")
                return
            }
            timings.createStream = elapsed()
            restartStepTimer()
            let stream = MessageStreamID(UInt32(id))
            send(UserControl.setBufferLength(stream, milliseconds: 3000).message)
            send(
                Command(name: "play", transactionID: 3, arguments: [.string(streamName), -2000])
                    .message(chunkStreamID: ChunkStreamID(8), streamID: stream)
            )
        case ("_error", _):
            fail("\(command.name): \(command.arguments.first?["description"]?.stringValue ?? "no description")")
        case ("onStatus", _):
            handleStatus(command.arguments.first?["code"]?.stringValue ?? "")
        default:
            break
        }
    }

    private func handleStatus(_ code: String) {
        switch code {
        case "NetStream.Play.Start":
            if timings.playStart == nil { timings.playStart = elapsed() }
            phase = .playing
            // A player may wait for its first keyframe as long as a step may take, no longer.
            if mode == .untilKeyframe { restartStepTimer() } else { stopStepTimer() }
        case "NetStream.Play.StreamNotFound", "NetStream.Play.Failed", "NetConnection.Connect.Rejected",
            "NetStream.Play.Forbidden":
            fail("onStatus \(code)")
        default:
            break
        }
    }

    // MARK: - Chunks and media

    private func parseChunks(_ bytes: UnsafeRawBufferPointer) {
        do {
            try parser.parse(bytes) { message in
                handle(message)
                return phase != .done
            }
        } catch {
            fail("chunk stream: \(error)")
        }
    }

    private func handle(_ message: CountingChunkParser.ParsedMessage) {
        switch message.typeID {
        case 8, 9, 22:
            countMedia(message)
        case 5:
            if message.payload.count >= 4 {
                let size = message.payload.prefix(4).reduce(0) { ($0 << 8) | Int($1) }
                serverWindow = max(1, size)
            }
        case 4:
            if let event = try? UserControl(payload: message.payload), case .pingRequest(let time) = event {
                send(UserControl.pingResponse(timestamp: time).message)
            }
        case 20, 17:
            let typeID = MessageTypeID(message.typeID)
            let rtmpMessage = Message(
                chunkStreamID: .command,
                typeID: typeID,
                streamID: MessageStreamID(message.streamID),
                timestamp: message.timestamp,
                payload: message.payload
            )
            if let command = try? Command(message: rtmpMessage) {
                handleCommand(command)
            }
        default:
            break
        }
    }

    private func countMedia(_ message: CountingChunkParser.ParsedMessage) {
        let now = elapsed()
        mediaBytes += message.length
        lastTimestamp = message.timestamp
        if timings.firstMedia == nil { timings.firstMedia = now }
        guard message.typeID == 9 else { return }
        if timings.firstVideo == nil { timings.firstVideo = now }
        let frame = BenchFrame.classifyVideo(message.head)
        if isMeasuring, frame != .other, let stamps, let sent = stamps.sendTime(ofVideo: message.timestamp) {
            delays.append(Float(Double(startTime + now &- sent) / 1e6))
        }
        if frame == .keyframe && timings.firstKeyframe == nil {
            timings.firstKeyframe = now
            if mode == .untilKeyframe { end(nil) }
        }
    }

    // MARK: - Measuring and ending

    /// Records the counters now; the window is the time between two snapshots.
    func snapshot() {
        snapshots.append(Snapshot(time: Self.now(), receivedBytes: receivedBytes, mediaBytes: mediaBytes, lastTimestamp: lastTimestamp))
    }

    func report() -> Report {
        Report(
            index: index,
            error: error,
            timings: timings,
            snapshots: snapshots,
            delaysMilliseconds: delays,
            receivedBytes: receivedBytes
        )
    }

    /// Closes the connection without counting it as a failure.
    func close() {
        guard phase != .done else { return }
        phase = .done
        stopStepTimer()
        connection?.close(.now)
        connection = nil
    }

    /// Describes `error` for the report. Transport errors leave out their source location,
    /// which means nothing to a user.
    static func text(of error: any Error) -> String {
        (error as? TransportError)?.summary ?? "\(error)"
    }

    private func fail(_ reason: String) {
        guard phase != .done else { return }
        end(reason)
    }

    private func end(_ reason: String?) {
        error = reason
        close()
        onEnd(self)
    }
}
