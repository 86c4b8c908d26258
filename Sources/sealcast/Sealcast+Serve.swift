import Foundation
import MediaServer
import Network
import Observability
import TLS

extension Sealcast {
    static func serve(_ options: Options) throws {
        var configuration = try options.configuration()
        try configuration.validate()
        let logger = Logger(label: "sealcast", level: try configuration.parsedLogLevel())

        // Prepare the data folder: certificate and key for RTMPS, and the publish key for live/stream.
        let folder = DataFolder(path: configuration.dataDirectory ?? DataFolder.defaultPath())
        try folder.create()
        let rtmpsAddress = try configuration.rtmpsAddress()
        if rtmpsAddress != nil && configuration.certificateFile == nil {
            if try folder.ensureCertificate(hostName: hostName()) {
                logger.info("made a self-signed certificate", metadata: ["file": folder.certificateFile])
            }
            configuration.certificateFile = folder.certificateFile
            configuration.privateKeyFile = folder.privateKeyFile
        }
        // The generated key publishes live/stream only while no publish credential (key, token
        // secret or user) is configured, so that a user's own credentials are the only ones once
        // they set any.
        let configuredKeys = configuration.applications.contains { application in
            !application.streamKeys.isEmpty || application.openPublishing || !application.tokenSecrets.isEmpty
                || !application.users.isEmpty
        }
        var streamKey: (key: String, created: Bool)?
        if !configuredKeys {
            let generated = try folder.ensureStreamKey()
            addGeneratedKey(generated.key, to: &configuration)
            streamKey = generated
        }

        var tls: TLSContext?
        if rtmpsAddress != nil, let certificate = configuration.certificateFile, let key = configuration.privateKeyFile {
            tls = try TLSContext(
                configuration: configuration.tls.serverConfiguration(certificateFile: certificate, privateKeyFile: key)
            )
        }

        // Signals go to this thread only: block them before the loops start so that they inherit the mask.
        var signals = sigset_t()
        sigemptyset(&signals)
        sigaddset(&signals, SIGINT)
        sigaddset(&signals, SIGTERM)
        sigaddset(&signals, SIGHUP)
        pthread_sigmask(SIG_BLOCK, &signals, nil)
        signal(SIGPIPE, SIG_IGN)

        let server: RTMPServer
        do {
            var settings = RTMPServer.Settings(
                rtmp: try configuration.rtmpAddress(), rtmps: rtmpsAddress, tls: tls,
                tlsReloadCheckSeconds: configuration.tls.reloadCheckSeconds,
                applications: configuration.applications, limits: configuration.limits,
                eventLoops: configuration.eventLoops, shutdown: configuration.shutdown
            )
            if let proxyProtocol = try configuration.proxyProtocol?.settings() { settings.proxyProtocol = proxyProtocol }
            server = try RTMPServer(settings: settings, logger: logger)
        } catch let error as TransportError {
            let reason = String(cString: strerror(error.errno))
            throw StartupError(
                "cannot listen on \(error.detail ?? "the configured address"): \(reason); "
                    + "stop the program using that port or choose another with --rtmp or --rtmps"
            )
        }
        if let address = server.rtmpAddress { logger.info("listening for RTMP on \(address)") }
        if let address = server.rtmpsAddress {
            logger.info("listening for RTMPS on \(address)")
            // Printed on every start, because clients that pin the certificate (`--pin`) need it.
            if let file = configuration.certificateFile,
                let fingerprint = try? SelfSignedCertificate.fingerprintSHA256(certificatePEMFile: file)
            {
                logger.info("RTMPS certificate SHA-256 fingerprint: \(fingerprint)")
            }
            switch KernelTLS.availability() {
            case .offered:
                logger.info("kernel TLS is offered by this kernel; RTMPS still encrypts in user space with OpenSSL")
            case .notOffered(let reason):
                logger.info("kernel TLS not available (\(reason)); RTMPS encrypts in user space with OpenSSL")
            }
        }

        if let streamKey, streamKey.created {
            let fingerprint = try? configuration.certificateFile.map { file throws in
                try SelfSignedCertificate.fingerprintSHA256(certificatePEMFile: file)
            }
            let text = PublishInstructions.text(
                key: streamKey.key, rtmps: server.rtmpsAddress.map { ListenAddress(host: $0.host, port: $0.port) },
                rtmp: server.rtmpAddress.map { ListenAddress(host: $0.host, port: $0.port) },
                host: "localhost", fingerprint: fingerprint ?? nil, firstStart: true
            )
            FileHandle.standardError.write(Data((text + "\n").utf8))
        }

        // SIGHUP reloads the certificates and waits for the next signal. SIGINT and SIGTERM stop.
        var received: Int32 = 0
        while true {
            sigwait(&signals, &received)
            guard received == SIGHUP else {
                break
            }
            server.reloadTLS(reason: "SIGHUP")
        }
        logger.info("received \(received == SIGINT ? "SIGINT" : "SIGTERM"), shutting down")
        server.shutdown()
        logger.info("stopped")
    }

    /// Adds the generated key for live/stream, making the `live` application when it is not configured.
    static func addGeneratedKey(_ key: String, to configuration: inout ServerConfiguration) {
        let entry = StreamKeyConfiguration(stream: DataFolder.defaultStream, key: key)
        if let index = configuration.applications.firstIndex(where: { $0.name == DataFolder.defaultApplication }) {
            configuration.applications[index].streamKeys.append(entry)
        } else {
            configuration.applications.append(ApplicationConfiguration(name: DataFolder.defaultApplication, streamKeys: [entry]))
        }
    }

    /// Prints the publish key and instructions again, for `sealcast credentials`.
    static func printCredentials(_ options: Options) throws {
        let configuration = try options.configuration()
        let folder = DataFolder(path: configuration.dataDirectory ?? DataFolder.defaultPath())
        guard FileManager.default.fileExists(atPath: folder.streamKeyFile) else {
            throw ConfigurationError(
                "no generated publish key in \(folder.path): sealcast makes one at start only while no stream key, "
                    + "token secret or user is configured; with a configuration, use its keys"
            )
        }
        let key = try folder.ensureStreamKey().key
        let certificate = configuration.certificateFile ?? folder.certificateFile
        let fingerprint = try? SelfSignedCertificate.fingerprintSHA256(certificatePEMFile: certificate)
        print(PublishInstructions.text(
            key: key, rtmps: try configuration.rtmpsAddress(), rtmp: try configuration.rtmpAddress(),
            host: "localhost", fingerprint: fingerprint, firstStart: false
        ))
    }
}

/// A failure to start that is not the configuration's fault, with the fix in the message.
struct StartupError: Error, CustomStringConvertible {
    let description: String

    init(_ description: String) {
        self.description = description
    }
}
