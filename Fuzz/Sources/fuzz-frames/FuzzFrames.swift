import NIOCore
import NIOEmbedded
import TaskManagerProtocol

// Input: byte 0 picks the frame limit, byte 1 the number of chunks k (0...15), the next k bytes the chunk lengths;
// the rest is the byte stream, written to the channel in those chunks (what is left over as one last chunk).
//
// Property: whatever the split, the decoder emits exactly the frames a plain sequential reading of the stream finds,
// throws `FrameTooLargeError` exactly when a header announces more than the limit (naming that length), and drops a
// frame cut short by end-of-stream.

private let limits = [0, 1, 5, 255, 4096, FrameDecoder.defaultMaxFrameBytes]

/// What a sequential reading of `stream` gives: the complete frames before the end or the first oversized header.
private func expectedFrames(_ stream: ArraySlice<UInt8>, limit: Int) -> (frames: [ArraySlice<UInt8>], tooLarge: UInt64?) {
    var frames: [ArraySlice<UInt8>] = []
    var index = stream.startIndex
    while stream.endIndex - index >= 4 {
        let length = stream[index..<index + 4].reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        if length > UInt64(limit) { return (frames, length) }
        let body = index + 4
        guard stream.endIndex - body >= Int(length) else { break }
        frames.append(stream[body..<body + Int(length)])
        index = body + Int(length)
    }
    return (frames, nil)
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let input = Array(UnsafeBufferPointer(start: data, count: size))
    guard input.count >= 2 else { return 0 }
    let limit = limits[Int(input[0]) % limits.count]
    let chunkCount = Int(input[1] % 16)
    guard input.count >= 2 + chunkCount else { return 0 }
    let chunkLengths = input[2..<2 + chunkCount].map(Int.init)
    let stream = input[(2 + chunkCount)...]

    let channel = EmbeddedChannel(handler: ByteToMessageHandler(FrameDecoder(maxFrameBytes: limit)))
    var thrown: (any Error)?
    var offset = stream.startIndex
    for length in chunkLengths + [Int.max] where thrown == nil {
        let end = min(stream.endIndex, offset + min(length, stream.endIndex - offset))
        var chunk = channel.allocator.buffer(capacity: end - offset)
        chunk.writeBytes(stream[offset..<end])
        offset = end
        do { try channel.writeInbound(chunk) } catch { thrown = error }
    }
    do {
        _ = try channel.finish(acceptAlreadyClosed: true)
    } catch {
        if thrown == nil { thrown = error }
    }
    var frames: [[UInt8]] = []
    while let frame = try? channel.readInbound(as: ByteBuffer.self) {
        frames.append(Array(frame.readableBytesView))
    }

    let expected = expectedFrames(stream, limit: limit)
    guard frames == expected.frames.map(Array.init) else {
        fatalError("decoder emitted \(frames.count) frames, a sequential reading finds \(expected.frames.count)")
    }
    switch (thrown, expected.tooLarge) {
    case (nil, nil):
        break
    case (let error as FrameTooLargeError, let length?):
        guard error == FrameTooLargeError(length: length, limit: limit) else { fatalError("wrong error: \(error)") }
    default:
        fatalError("decoder threw \(String(describing: thrown)), expected an oversized length of \(String(describing: expected.tooLarge))")
    }
    return 0
}
