import Hummingbird
import NIOCore

/// The request context of the HTTP port: Hummingbird's, plus the connection's channel, whose closing cancels a
/// gateway stream when its client goes away.
struct HTTPRequestContext: RequestContext {
    var coreContext: CoreRequestContextStorage
    let channel: any Channel

    init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        channel = source.channel
    }
}
