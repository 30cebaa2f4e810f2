import Logging
import NIOCore
import NIOSSL
import NIOTLS
import TaskManagerProtocol

/// Follows the TLS handshake of one connection, right after the `NIOSSLServerHandler`: closes a connection whose
/// handshake has not completed within the timeout, logs failed handshakes, and, once the handshake completes,
/// logs the client and sends its certificate's identity up the pipeline as `PeerIdentified` for the
/// connection handler.
final class TLSHandshakeHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    /// The identity of the client certificate; nil without mutual TLS.
    struct PeerIdentified: Sendable {
        var identity: PeerIdentity?
    }

    private let timeout: TimeAmount?
    private let logger: Logger
    private var timer: Scheduled<Void>?
    private var completed = false

    /// - Parameter timeoutSeconds: how long a handshake may take; 0 = no limit.
    init(timeoutSeconds: Int, logger: Logger) {
        self.timeout = timeoutSeconds > 0 ? .seconds(Int64(timeoutSeconds)) : nil
        self.logger = logger
    }

    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { startTimer(context) }
    }

    func channelActive(context: ChannelHandlerContext) {
        startTimer(context)
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        timer?.cancel()
        context.fireChannelInactive()
    }

    private func startTimer(_ context: ChannelHandlerContext) {
        guard let timeout, timer == nil, !completed else { return }
        let channel = context.channel
        let logger = self.logger
        timer = context.eventLoop.scheduleTask(in: timeout) {
            logger.info("TLS handshake not completed in time, closing", metadata: ["peer": "\(channel.remoteAddress.map { "\($0)" } ?? "?")"])
            channel.close(promise: nil)
        }
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        guard case TLSUserEvent.handshakeCompleted(let protocolName) = event else {
            return context.fireUserInboundEventTriggered(event)
        }
        completed = true
        timer?.cancel()
        let certificate = try? context.pipeline.syncOperations.nioSSL_peerCertificate()
        let identity = certificate.map { PeerIdentity(certificate: $0) }
        let version = (try? context.pipeline.syncOperations.nioSSL_tlsVersion()).flatMap { $0.map { "\($0)" } } ?? "?"
        var metadata: Logger.Metadata = ["peer": "\(context.channel.remoteAddress.map { "\($0)" } ?? "?")", "tls": "\(version)"]
        if let identity { metadata["subject"] = "\(identity.subject)" }
        if let protocolName { metadata["alpn"] = "\(protocolName)" }
        logger.info("TLS connection", metadata: metadata)
        context.fireUserInboundEventTriggered(event)
        context.fireUserInboundEventTriggered(PeerIdentified(identity: identity))
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        guard !completed else { return context.fireErrorCaught(error) }
        // A plaintext client, an untrusted or missing client certificate, a scanner: the connection ends here.
        logger.info(
            "TLS handshake failed: \(TLSErrorText.describe(error))", metadata: ["peer": "\(context.channel.remoteAddress.map { "\($0)" } ?? "?")"])
        timer?.cancel()
        context.close(promise: nil)
    }
}
