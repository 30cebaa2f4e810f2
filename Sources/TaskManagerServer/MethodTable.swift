import Foundation

/// Finds a method's entry by the bytes of its wire path, without making a string or hashing one per call.
///
/// A service has a few dozen methods: comparing the length, then the bytes, of each costs less than building and
/// hashing a `String` of the path.
struct MethodTable<Entry: Sendable>: Sendable {
    private let paths: [[UInt8]]
    private let entries: [Entry]

    init(_ table: [String: Entry]) {
        let sorted = table.sorted { $0.key < $1.key }
        paths = sorted.map { Array($0.key.utf8) }
        entries = sorted.map(\.value)
    }

    /// The entry of the method whose path is `path`, if any.
    subscript(path: UnsafeRawBufferPointer) -> Entry? {
        for (index, candidate) in paths.enumerated() where candidate.count == path.count {
            let equal = candidate.withUnsafeBytes { bytes in
                bytes.count == 0 || memcmp(bytes.baseAddress!, path.baseAddress!, bytes.count) == 0
            }
            if equal { return entries[index] }
        }
        return nil
    }
}
