import TaskManagerCore
import TaskManagerDynamic
import XCTest

/// JSON to protobuf bytes, compared byte for byte with encodings worked out by hand from the protobuf spec.
final class ProtoJSONEncoderTests: XCTestCase {
    private var encoder: ProtoJSONEncoder!

    override func setUpWithError() throws {
        encoder = ProtoJSONEncoder(pool: try AllKindsPool.make())
    }

    private func encode(_ json: String) throws -> [UInt8] {
        try encoder.encode(JSONValue.parse(json), as: "test.AllKinds")
    }

    private func error(_ json: String, file: StaticString = #filePath, line: UInt = #line) throws -> ProtoJSONError {
        do {
            let bytes = try encode(json)
            XCTFail("encoded \(json) to \(bytes)", file: file, line: line)
            return ProtoJSONError(.invalidValue, "")
        } catch let error as ProtoJSONError {
            return error
        }
    }

    func testVarintKinds() throws {
        XCTAssertEqual(try encode(#"{"oneInt32": -1}"#), [0x28] + Array(repeating: 0xFF, count: 9) + [0x01])
        XCTAssertEqual(try encode(#"{"oneInt32": 300}"#), [0x28, 0xAC, 0x02])
        XCTAssertEqual(try encode(#"{"oneInt64": "-2"}"#), [0x18, 0xFE] + Array(repeating: 0xFF, count: 8) + [0x01])
        XCTAssertEqual(try encode(#"{"oneUint64": "18446744073709551615"}"#), [0x20] + Array(repeating: 0xFF, count: 9) + [0x01])
        XCTAssertEqual(try encode(#"{"oneUint32": 4294967295}"#), [0x58, 0xFF, 0xFF, 0xFF, 0xFF, 0x0F])
        XCTAssertEqual(try encode(#"{"one_sint32": -1}"#), [0x70, 0x01])
        XCTAssertEqual(try encode(#"{"oneSint64": "1"}"#), [0x78, 0x02])
        XCTAssertEqual(try encode(#"{"oneBool": true}"#), [0x40, 0x01])
        XCTAssertEqual(try encode(#"{"color": "COLOR_BLUE"}"#), [0x90, 0x03, 0x02])
        XCTAssertEqual(try encode(#"{"color": 2}"#), [0x90, 0x03, 0x02])
        XCTAssertEqual(try encode(#"{"color": 7}"#), [0x90, 0x03, 0x07], "proto3 enums are open")
        XCTAssertEqual(try encode(#"{"oneInt64": 9007199254740992}"#), [0x18, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x10])
        XCTAssertEqual(try encode(#"{"oneInt32": 1e2}"#), [0x28, 0x64], "an integral number in exponent form")
    }

    func testFixedWidthKinds() throws {
        XCTAssertEqual(try encode(#"{"oneDouble": 1.5}"#), [0x09, 0, 0, 0, 0, 0, 0, 0xF8, 0x3F])
        XCTAssertEqual(try encode(#"{"oneFloat": 1.5}"#), [0x15, 0, 0, 0xC0, 0x3F])
        XCTAssertEqual(try encode(#"{"oneFixed32": 1}"#), [0x3D, 1, 0, 0, 0])
        XCTAssertEqual(try encode(#"{"oneFixed64": "2"}"#), [0x31, 2, 0, 0, 0, 0, 0, 0, 0])
        XCTAssertEqual(try encode(#"{"oneSfixed32": -1}"#), [0x65, 0xFF, 0xFF, 0xFF, 0xFF])
        XCTAssertEqual(try encode(#"{"oneSfixed64": -1}"#), [0x69] + Array(repeating: 0xFF, count: 8))
        XCTAssertEqual(try encode(#"{"oneDouble": "-Infinity"}"#), [0x09, 0, 0, 0, 0, 0, 0, 0xF0, 0xFF])
        XCTAssertEqual(try encode(#"{"oneDouble": "2.5"}"#), [0x09, 0, 0, 0, 0, 0, 0, 0x04, 0x40])
        XCTAssertEqual(try encode(#"{"oneDouble": -0.0}"#), [0x09, 0, 0, 0, 0, 0, 0, 0, 0x80], "-0.0 is not the default")
    }

    func testStringsAndBytesGoOutAsWritten() throws {
        XCTAssertEqual(try encode(#"{"oneString": "é"}"#), [0x4A, 0x02, 0xC3, 0xA9])
        XCTAssertEqual(try encode(#"{"oneString": "a\u0000b"}"#), [0x4A, 0x03, 0x61, 0x00, 0x62], "NUL is the server's to refuse")
        XCTAssertEqual(try encode(#"{"oneBytes": "AQID"}"#), [0x52, 0x03, 1, 2, 3])
        XCTAssertEqual(try encode(#"{"oneBytes": "-_8"}"#), [0x52, 0x02, 0xFB, 0xFF], "URL-safe without padding")
        XCTAssertEqual(try encode(#"{"oneBytes": "+/8="}"#), [0x52, 0x02, 0xFB, 0xFF])
    }

    func testDefaultsNullsAndPresence() throws {
        XCTAssertEqual(try encode(#"{"oneInt32": 0, "oneString": "", "oneBool": false, "color": "COLOR_UNSPECIFIED"}"#), [])
        XCTAssertEqual(try encode(#"{"oneInt32": null, "child": null, "manyInt32": null}"#), [])
        XCTAssertEqual(try encode(#"{"maybe": 0}"#), [0xF0, 0x03, 0x00], "a proto3 optional field keeps its zero")
        XCTAssertEqual(try encode(#"{"child": {}}"#), [0xA2, 0x03, 0x00], "an empty message is set")
        XCTAssertEqual(try encode(#"{"byName": ""}"#), [0xE2, 0x03, 0x00], "a oneof member keeps its default")
    }

    func testRepeatedPackedAndUnpacked() throws {
        XCTAssertEqual(try encode(#"{"manyInt32": [1, 2, 300]}"#), [0xCA, 0x06, 0x04, 0x01, 0x02, 0xAC, 0x02])
        XCTAssertEqual(try encode(#"{"manyInt32": []}"#), [])
        XCTAssertEqual(try encode(#"{"loose": [1, 0]}"#), [0xF8, 0x03, 0x01, 0xF8, 0x03, 0x00])
        XCTAssertEqual(try encode(#"{"manyString": ["a", ""]}"#), [0xEA, 0x06, 0x01, 0x61, 0xEA, 0x06, 0x00])
        XCTAssertEqual(try encode(#"{"children": [{"name": "a"}, {}]}"#), [0xAA, 0x03, 0x03, 0x0A, 0x01, 0x61, 0xAA, 0x03, 0x00])
        XCTAssertEqual(try encode(#"{"colors": ["COLOR_RED", 2]}"#), [0x9A, 0x03, 0x02, 0x01, 0x02])
    }

    func testMapsOfEveryKeyKind() throws {
        XCTAssertEqual(try encode(#"{"labels": {"a": "5"}}"#), [0xB2, 0x03, 0x05, 0x0A, 0x01, 0x61, 0x10, 0x05])
        XCTAssertEqual(try encode(#"{"namesById": {"7": "x"}}"#), [0xBA, 0x03, 0x05, 0x08, 0x07, 0x12, 0x01, 0x78])
        XCTAssertEqual(
            try encode(#"{"childByFlag": {"true": {"priority": 1}}}"#), [0xC2, 0x03, 0x06, 0x08, 0x01, 0x12, 0x02, 0x10, 0x01])
        XCTAssertEqual(try encode(#"{"labels": {"": 0}}"#), [0xB2, 0x03, 0x04, 0x0A, 0x00, 0x10, 0x00], "entries keep zeros")
    }

    func testFieldsGoOutInNumberOrderWhateverTheJSONOrder() throws {
        XCTAssertEqual(try encode(#"{"color": 1, "oneDouble": 0.5}"#), [0x09, 0, 0, 0, 0, 0, 0, 0xE0, 0x3F, 0x90, 0x03, 0x01])
    }
}
