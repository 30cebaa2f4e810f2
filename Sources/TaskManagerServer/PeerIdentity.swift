import NIOSSL

/// Who is at the other end of a mutual-TLS connection: the subject of the client certificate it presented, which
/// the server verified against `ServerTLS.clientCAPath` during the handshake.
public struct PeerIdentity: Sendable, Hashable, CustomStringConvertible {
    /// The certificate's subject, its attributes in certificate order, e.g. `O=Example,CN=worker-1`.
    public var subject: String
    /// The subject's common name (its last CN attribute), e.g. `worker-1`; nil when it has none.
    public var commonName: String?

    public init(subject: String, commonName: String?) {
        self.subject = subject
        self.commonName = commonName
    }

    init(certificate: NIOSSLCertificate) {
        let names = certificate.subjectName
        subject = names.map { "\(Self.label($0.type))=\($0.value)" }.joined(separator: ",")
        commonName = names.last { $0.type == .commonName }?.value
    }

    public var description: String { subject }

    private static func label(_ type: SSLCertificateNameType) -> String {
        switch type {
        case .commonName: return "CN"
        case .organization: return "O"
        case .organizationalUnit: return "OU"
        case .country: return "C"
        case .state: return "ST"
        case .city: return "L"
        case .emailAddress: return "emailAddress"
        case .userId: return "UID"
        default: return "other"
        }
    }
}
