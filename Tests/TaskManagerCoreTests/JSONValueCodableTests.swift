import Foundation
import TaskManagerCore
import XCTest

final class JSONValueCodableTests: XCTestCase {
    private func decode(_ text: String) throws -> JSONValue {
        try JSONDecoder().decode(JSONValue.self, from: Data(text.utf8))
    }

    func testJSONDecoderKeepsBoolsAndIntegersApart() throws {
        XCTAssertEqual(try decode("[1,true,0,false]"), .array([.integer(1), .bool(true), .integer(0), .bool(false)]))
    }

    func testJSONDecoderDecodesEveryKind() throws {
        XCTAssertEqual(
            try decode(#"{"n":null,"d":1.5,"big":1e300,"s":"x","a":[],"o":{}}"#),
            .object([
                "n": .null, "d": .number(1.5), "big": .number(1e300), "s": .string("x"), "a": .array([]),
                "o": .object([:]),
            ]))
    }

    func testJSONDecoderTurnsIntegersBeyondInt64IntoDoubles() throws {
        XCTAssertEqual(try decode("9223372036854775808"), .number(9_223_372_036_854_775_808.0))
    }

    func testJSONDecoderCannotTellIntegralDoublesFromIntegers() throws {
        // JSONDecoder hides the number's text; parse(_:) is the exact path.
        XCTAssertEqual(try decode("2.0"), .integer(2))
        XCTAssertEqual(try JSONValue.parse("2.0"), .number(2.0))
    }

    func testEncodingThenDecodingRoundTrips() throws {
        let value = try JSONValue.parse(#"{"a":[1,2.5,"x",null,true],"b":{"c":-1}}"#)
        let data = try JSONEncoder().encode(value)
        XCTAssertEqual(try JSONDecoder().decode(JSONValue.self, from: data), value)
    }
}
