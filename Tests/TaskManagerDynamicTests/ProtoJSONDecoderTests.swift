import TaskManagerCore
import TaskManagerDynamic
import XCTest

/// Protobuf bytes to JSON, and the round trip JSON -> bytes -> JSON over a message with every field kind.
final class ProtoJSONDecoderTests: XCTestCase {
    private var pool: DescriptorPool!

    override func setUpWithError() throws {
        pool = try AllKindsPool.make()
    }

    private func decode(_ bytes: [UInt8], emitDefaults: Bool = false, protoNames: Bool = false) throws -> JSONValue {
        try ProtoJSONDecoder(pool: pool, emitDefaults: emitDefaults, useProtoNames: protoNames).decode(bytes, as: "test.AllKinds")
    }

    private func roundTrip(_ json: String) throws -> JSONValue {
        try decode(ProtoJSONEncoder(pool: pool).encode(JSONValue.parse(json), as: "test.AllKinds"))
    }

    func testEveryKindRoundTripsToItsCanonicalJSON() throws {
        let canonical = """
            {"oneDouble": -2.5, "oneFloat": 0.1, "oneInt64": "-9223372036854775808", "oneUint64": "18446744073709551615",
             "oneInt32": -2147483648, "oneFixed64": "18446744073709551615", "oneFixed32": 4294967295, "oneBool": true,
             "oneString": "é\\u0000\\n", "oneBytes": "AP8=", "oneUint32": 4294967295, "oneSfixed32": -2147483648,
             "oneSfixed64": "-9223372036854775808", "oneSint32": -2147483648, "oneSint64": "-9223372036854775808",
             "manyDouble": [1.5, "NaN", "Infinity", "-Infinity"], "manyFloat": [0.1, -3.0], "manyInt64": ["1", "-1"],
             "manyUint64": ["0", "1"], "manyInt32": [-1, 0, 1], "manyFixed64": ["7"], "manyFixed32": [7], "manyBool": [true, false],
             "manyString": ["", "x"], "manyBytes": ["", "AQ=="], "manyUint32": [0], "manySfixed32": [-7], "manySfixed64": ["-7"],
             "manySint32": [-7, 7], "manySint64": ["-7", "7"],
             "color": "COLOR_RED", "colors": ["COLOR_BLUE", "COLOR_UNSPECIFIED"], "child": {"name": "c", "child": {"priority": -1}},
             "children": [{}, {"name": "d"}], "labels": {"a": "1", "b": "0"}, "namesById": {"-1": "m", "0": ""},
             "childByFlag": {"false": {"priority": 2}, "true": {}}, "byId": "5", "maybe": 0, "loose": [3, 0]}
            """
        XCTAssertEqual(try roundTrip(canonical), try JSONValue.parse(canonical))
    }

    func testProtoNamesInAndOutAndOtherSpellingsOfValues() throws {
        let json = try roundTrip(#"{"one_int64": 5, "color": 2, "one_bytes": "-_8", "one_double": "1e3", "many_int32": ["1"]}"#)
        XCTAssertEqual(
            json, .object(["oneInt64": .string("5"), "color": .string("COLOR_BLUE"), "oneBytes": .string("+/8="), "oneDouble": .number(1000), "manyInt32": .array([.integer(1)])]))
        let bytes = try ProtoJSONEncoder(pool: pool).encode(.object(["oneInt32": .integer(1)]), as: "test.AllKinds")
        XCTAssertEqual(try decode(bytes, protoNames: true), .object(["one_int32": .integer(1)]))
    }

    func testAnEnumNumberWithoutANameStaysANumber() throws {
        XCTAssertEqual(try decode([0x90, 0x03, 0x07]), .object(["color": .integer(7)]))
    }

    func testDefaultsAreLeftOutUnlessAskedFor() throws {
        XCTAssertEqual(try decode([0x28, 0x00, 0x4A, 0x00]), .object([:]), "zeros sent explicitly are still defaults")
        guard case .object(let all) = try decode([], emitDefaults: true) else { return XCTFail("not an object") }
        XCTAssertEqual(all["oneInt32"], .integer(0))
        XCTAssertEqual(all["oneInt64"], .string("0"))
        XCTAssertEqual(all["oneDouble"], .number(0))
        XCTAssertEqual(all["oneBool"], .bool(false))
        XCTAssertEqual(all["oneString"], .string(""))
        XCTAssertEqual(all["oneBytes"], .string(""))
        XCTAssertEqual(all["color"], .string("COLOR_UNSPECIFIED"))
        XCTAssertEqual(all["manyInt32"], .array([]))
        XCTAssertEqual(all["labels"], .object([:]))
        XCTAssertNil(all["child"], "an unset message stays out")
        XCTAssertNil(all["maybe"], "an unset optional stays out")
        XCTAssertNil(all["byName"], "an unset oneof stays out")
        XCTAssertEqual(all.count, 2 * AllKindsPool.scalarKinds.count + 7, "with color, colors, children, the three maps and loose")
    }

    func testPackedAndUnpackedRepeatedAreBothRead() throws {
        XCTAssertEqual(try decode([0xC8, 0x06, 0x01, 0xC8, 0x06, 0x02]), .object(["manyInt32": .array([.integer(1), .integer(2)])]))
        XCTAssertEqual(try decode([0xFA, 0x03, 0x02, 0x01, 0x02]), .object(["loose": .array([.integer(1), .integer(2)])]))
    }

    func testRepeatedOccurrencesOfAMessageMergeAndTheLastScalarWins() throws {
        let bytes: [UInt8] = [0xA2, 0x03, 0x03, 0x0A, 0x01, 0x61, 0xA2, 0x03, 0x02, 0x10, 0x02, 0x28, 0x01, 0x28, 0x02]
        XCTAssertEqual(
            try decode(bytes), .object(["child": .object(["name": .string("a"), "priority": .integer(2)]), "oneInt32": .integer(2)]))
    }

    func testUnknownFieldsAreSkipped() throws {
        XCTAssertEqual(try decode([0xF8, 0x3E, 0x01, 0x28, 0x01]), .object(["oneInt32": .integer(1)]))
    }

    func testBytesThatDoNotFitAreRefusedWithTheirPath() throws {
        try assertWireError([0xA2, 0x03, 0x03, 0x0A, 0x01, 0xFF], "child.name: not valid UTF-8")
        try assertWireError([0xAA, 0x03, 0x00, 0xAA, 0x03, 0x02, 0x12, 0x00], "children[1].priority: wrong wire type for this field")
        try assertWireError([0x4A, 0x05, 0x61], "malformed protobuf: the bytes end early")
        try assertWireError([0x28, 0x80], "malformed protobuf: the bytes end early")
        try assertWireError([0x00, 0x01], "malformed protobuf: bad field key")
        try assertWireError([0x0B], "malformed protobuf: wire type 3 is not supported")
        try assertWireError([0xCA, 0x06, 0x01, 0x80], "manyInt32[0]: malformed packed values")
    }

    func testMessagesNestedTooDeepAreRefused() throws {
        // test.Child.child (field 3) inside test.AllKinds.child (field 52), `levels` deep.
        func nested(_ levels: Int) -> [UInt8] {
            var bytes: [UInt8] = []
            for _ in 0..<levels { bytes = [0x1A] + varint(bytes.count) + bytes }
            return [0xA2, 0x03] + varint(bytes.count) + bytes
        }
        func varint(_ value: Int) -> [UInt8] {
            var value = value
            var out: [UInt8] = []
            while value >= 0x80 {
                out.append(UInt8(value & 0x7F) | 0x80)
                value >>= 7
            }
            return out + [UInt8(value)]
        }
        XCTAssertNoThrow(try decode(nested(99)))
        XCTAssertThrowsError(try decode(nested(100))) { error in
            XCTAssertEqual((error as? ProtoJSONError)?.message, "messages nested more than 100 deep")
        }
        XCTAssertThrowsError(try decode(nested(10_000)))
    }

    private func assertWireError(_ bytes: [UInt8], _ description: String, file: StaticString = #filePath, line: UInt = #line) throws {
        do {
            let json = try decode(bytes)
            XCTFail("decoded \(bytes) to \(json.canonicalText)", file: file, line: line)
        } catch let error as ProtoJSONError {
            XCTAssertEqual(error.code, .invalidWire, file: file, line: line)
            XCTAssertEqual(error.description, description, file: file, line: line)
        }
    }
}
