/// A string compared by its UTF-8 bytes, as SQLite compares text: `String`'s own `==` and hashing treat canonically
/// equivalent strings (for example "é" precomposed and decomposed) as one, which would let two distinct names
/// stored in the database meet in one dictionary entry.
public struct ExactText: Hashable, Sendable {
    /// The text's UTF-8 bytes.
    public let bytes: [UInt8]

    /// The bytes of `text`, unchanged.
    public init(_ text: String) {
        bytes = Array(text.utf8)
    }
}
