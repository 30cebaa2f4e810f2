import NIOCore
import NIOEmbedded
import NIOTestUtils
import TaskManagerProtocol
import XCTest

final class FrameDecoderTests: XCTestCase {
    private func frame(_ body: [UInt8]) -> ByteBuffer {
        var buffer = ByteBuffer()
        buffer.writeInteger(UInt32(body.count))
        buffer.writeBytes(body)
        return buffer
    }

    func testDecodesFramesFedByteByByteAndManyPerRead() throws {
        // The verifier feeds each input whole, byte by byte, and in other splits, and checks the same output.
        let bodies: [[UInt8]] = [[1, 2, 3], [], Array(repeating: 7, count: 1000)]
        let pairs = bodies.map { (frame($0), [ByteBuffer(bytes: $0)]) }
        XCTAssertNoThrow(try ByteToMessageDecoderVerifier.verifyDecoder(inputOutputPairs: pairs) { FrameDecoder() })
    }

    func testManyFramesInOneReadComeOutInOrder() throws {
        let channel = EmbeddedChannel(handler: ByteToMessageHandler(FrameDecoder()))
        var input = ByteBuffer()
        for index in 0..<50 { input.writeImmutableBuffer(frame([UInt8(index), UInt8(index)])) }
        try channel.writeInbound(input)
        for index in 0..<50 {
            XCTAssertEqual(try channel.readInbound(as: ByteBuffer.self), ByteBuffer(bytes: [UInt8(index), UInt8(index)]))
        }
        XCTAssertNil(try channel.readInbound(as: ByteBuffer.self))
        _ = try channel.finish()
    }

    func testLengthOverTheLimitFailsAsSoonAsTheHeaderArrives() throws {
        let channel = EmbeddedChannel(handler: ByteToMessageHandler(FrameDecoder(maxFrameBytes: 16)))
        var header = ByteBuffer()
        header.writeInteger(UInt32(17))
        // Only the 4 header bytes: the decoder must not wait for (or buffer) the body before refusing.
        XCTAssertThrowsError(try channel.writeInbound(header)) { error in
            XCTAssertEqual(error as? FrameTooLargeError, FrameTooLargeError(length: 17, limit: 16))
        }
        _ = try? channel.finish()
    }

    func testLengthAtTheLimitIsAccepted() throws {
        let channel = EmbeddedChannel(handler: ByteToMessageHandler(FrameDecoder(maxFrameBytes: 16)))
        try channel.writeInbound(frame(Array(repeating: 1, count: 16)))
        XCTAssertEqual(try channel.readInbound(as: ByteBuffer.self)?.readableBytes, 16)
        _ = try channel.finish()
    }

    func testHugeLengthIsRefusedWithoutAllocating() throws {
        let channel = EmbeddedChannel(handler: ByteToMessageHandler(FrameDecoder()))
        var header = ByteBuffer()
        header.writeInteger(UInt32.max)
        XCTAssertThrowsError(try channel.writeInbound(header))
        _ = try? channel.finish()
    }

    func testTruncatedFrameProducesNothing() throws {
        let channel = EmbeddedChannel(handler: ByteToMessageHandler(FrameDecoder()))
        var partial = ByteBuffer()
        partial.writeInteger(UInt32(10))
        partial.writeBytes([1, 2, 3])
        try channel.writeInbound(partial)
        XCTAssertNil(try channel.readInbound(as: ByteBuffer.self))
        // EOF with a partial frame: dropped, and no frame is made up from it.
        _ = try? channel.finish()
        XCTAssertNil(try channel.readInbound(as: ByteBuffer.self))
    }

    func testTruncatedHeaderProducesNothing() throws {
        let channel = EmbeddedChannel(handler: ByteToMessageHandler(FrameDecoder()))
        try channel.writeInbound(ByteBuffer(bytes: [0, 0]))
        XCTAssertNil(try channel.readInbound(as: ByteBuffer.self))
        _ = try? channel.finish()
    }

    func testWriteFramePrefixesTheBigEndianLength() throws {
        var buffer = ByteBuffer()
        buffer.writeFrame(RPCServerFrame.pong(RPCPong(nonce: 300)))
        let length = buffer.readInteger(endianness: .big, as: UInt32.self)
        XCTAssertEqual(Int(length ?? 0), buffer.readableBytes)
        XCTAssertEqual(try RPCServerFrame(wireBytes: buffer), .pong(RPCPong(nonce: 300)))
    }
}
