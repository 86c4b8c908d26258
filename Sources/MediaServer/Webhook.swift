import Foundation
import Synchronization
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// An application's HTTP webhook, which decides each publish and play and is notified when each ends.
public struct WebhookConfiguration: Sendable, Codable {
    /// The http:// or https:// URL that receives a POST with a JSON body.
    public var url: String
    /// How long one request may take before it counts as failed, in milliseconds.
    public var timeoutMilliseconds: Int
    /// The decision when the request fails (timeout, connection error):
    /// `deny` (the default) or `allow`. A reply with a status other than 2xx always denies.
    public var failurePolicy: WebhookFailurePolicy

    public init(url: String, timeoutMilliseconds: Int = 2000, failurePolicy: WebhookFailurePolicy = .deny) {
        self.url = url
        self.timeoutMilliseconds = timeoutMilliseconds
        self.failurePolicy = failurePolicy
    }

    private enum CodingKeys: String, CodingKey, CaseIterable { case url, timeoutMilliseconds, failurePolicy }

    public init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let container = try decoder.container(keyedBy: CodingKeys.self)
        url = try container.decode(String.self, forKey: .url)
        timeoutMilliseconds = try container.decodeIfPresent(Int.self, forKey: .timeoutMilliseconds) ?? 2000
        failurePolicy = try container.decodeIfPresent(WebhookFailurePolicy.self, forKey: .failurePolicy) ?? .deny
    }
}

/// The decision when a webhook request fails.
public enum WebhookFailurePolicy: String, Sendable, Codable {
    case deny
    case allow
}

/// The JSON body of a webhook request. It never contains a stream key, token or password:
/// `stream` is the public name.
struct WebhookEvent: Sendable, Codable, Equatable {
    /// `publish` or `play` before the start (the reply decides), `publish_done` or `play_done` after the end.
    var action: String
    var app: String
    var stream: String
    /// The client's address as `HOST:PORT`, from the PROXY header when a trusted proxy sent one.
    var client: String
}

/// Sends webhook requests with URLSession, off the event loops.
final class WebhookClient: Sendable {
    private let session: URLSession

    init() {
        let configuration = URLSessionConfiguration.ephemeral
        configuration.httpCookieStorage = nil
        configuration.urlCache = nil
        session = URLSession(configuration: configuration)
    }

    /// Posts `event` to the webhook and calls `completion` on a URLSession thread with whether
    /// the publish or play may go on: a 2xx reply allows, another reply denies, and a failed
    /// request follows the failure policy.
    func send(_ event: WebhookEvent, to webhook: WebhookConfiguration, completion: @escaping @Sendable (Bool) -> Void) {
        guard let url = URL(string: webhook.url), let body = try? JSONEncoder().encode(event) else {
            completion(webhook.failurePolicy == .allow)
            return
        }
        let timeout = Double(webhook.timeoutMilliseconds) / 1000
        var request = URLRequest(url: url, timeoutInterval: timeout)
        request.httpMethod = "POST"
        request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        request.httpBody = body

        // Whichever comes first, the reply or the deadline, decides. The deadline is kept here
        // because swift-corelibs-foundation's URLSession (Swift 6.3.1, Linux) did not end a
        // request after a 300 ms timeoutInterval in WebhookTests.
        let decided = Mutex(false)
        let decide: @Sendable (Bool) -> Void = { allowed in
            let first = decided.withLock { done in
                defer { done = true }
                return !done
            }
            if first { completion(allowed) }
        }
        let task = session.dataTask(with: request) { _, response, error in
            guard error == nil, let status = (response as? HTTPURLResponse)?.statusCode else {
                decide(webhook.failurePolicy == .allow)
                return
            }
            decide((200..<300).contains(status))
        }
        DispatchQueue.global().asyncAfter(deadline: .now() + timeout) {
            decide(webhook.failurePolicy == .allow)
            task.cancel()
        }
        task.resume()
    }
}
