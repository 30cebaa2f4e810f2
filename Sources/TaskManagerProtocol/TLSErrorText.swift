/// TLS failures as people read them.
public enum TLSErrorText {
    /// BoringSSL's reasons (`CERTIFICATE_VERIFY_FAILED`, `TLSV1_ALERT_UNKNOWN_CA`, ...) rather than the nested enums
    /// and source locations that swift-nio-ssl prints; the error's own description when it carries none.
    public static func describe(_ error: any Error) -> String {
        let text = "\(error)"
        let reasons = text.components(separatedBy: "OPENSSL_internal:").dropFirst().map { part in
            String(part.prefix { $0 != "]" && $0 != "," && $0 != ")" && $0 != " " })
        }
        return reasons.isEmpty ? text : reasons.joined(separator: ", ")
    }
}

extension FrameTooLargeError {
    /// Whether the "length" is the start of a TLS record (content type 20 to 23, then major version 3): the peer
    /// speaks TLS and this side does not.
    public var looksLikeTLS: Bool {
        (0x14...0x17).contains(length >> 24) && (length >> 16) & 0xFF == 0x03
    }
}
