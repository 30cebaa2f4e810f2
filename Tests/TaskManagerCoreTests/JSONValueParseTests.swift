import TaskManagerCore
import XCTest

final class JSONValueParseTests: XCTestCase {
    func testParsesEveryKind() throws {
        let value = try JSONValue.parse(#"{"n":null,"b":true,"i":-7,"d":1.5,"s":"x","a":[1],"o":{}}"#)
        XCTAssertEqual(
            value,
            .object([
                "n": .null, "b": .bool(true), "i": .integer(-7), "d": .number(1.5), "s": .string("x"),
                "a": .array([.integer(1)]), "o": .object([:]),
            ]))
    }

    func testTopLevelScalarsAndArraysAreAccepted() throws {
        XCTAssertEqual(try JSONValue.parse("42"), .integer(42))
        XCTAssertEqual(try JSONValue.parse(#" "text" "#), .string("text"))
        XCTAssertEqual(try JSONValue.parse("null"), .null)
        XCTAssertEqual(try JSONValue.parse("[]"), .array([]))
    }

    func testOneIsAnIntegerNotABool() throws {
        XCTAssertEqual(try JSONValue.parse("1"), .integer(1))
        XCTAssertEqual(try JSONValue.parse("0"), .integer(0))
    }

    func testTrueIsABoolNotAnInteger() throws {
        XCTAssertEqual(try JSONValue.parse("true"), .bool(true))
        XCTAssertEqual(try JSONValue.parse("false"), .bool(false))
    }

    func testNumberWithFractionIsADouble() throws {
        XCTAssertEqual(try JSONValue.parse("2.0"), .number(2.0))
        XCTAssertEqual(try JSONValue.parse("-0.5"), .number(-0.5))
    }

    func testNumberWithExponentIsADouble() throws {
        XCTAssertEqual(try JSONValue.parse("1e2"), .number(100))
        XCTAssertEqual(try JSONValue.parse("1E-2"), .number(0.01))
    }

    func testIntegerLimitsStayIntegers() throws {
        XCTAssertEqual(try JSONValue.parse("9223372036854775807"), .integer(.max))
        XCTAssertEqual(try JSONValue.parse("-9223372036854775808"), .integer(.min))
    }

    func testIntegerOutsideInt64BecomesADouble() throws {
        XCTAssertEqual(try JSONValue.parse("9223372036854775808"), .number(9_223_372_036_854_775_808.0))
    }

    func testStringEscapesAreDecoded() throws {
        XCTAssertEqual(
            try JSONValue.parse(#""a\"b\\c\/d\b\f\n\r\t\u00e9\ud83d\ude00""#), .string("a\"b\\c/d\u{8}\u{c}\n\r\té😀"))
    }

    func testRepeatedKeyKeepsTheLastValue() throws {
        XCTAssertEqual(try JSONValue.parse(#"{"a":1,"a":2}"#), .object(["a": .integer(2)]))
    }

    func testARepeatedKeyCanBeRefusedWithItsPosition() throws {
        XCTAssertThrowsError(try JSONValue.parseRefusingRepeatedKeys(#"{"a":{"b":1,"b":1}}"#)) { error in
            XCTAssertEqual(error as? JSONValue.ParseError, JSONValue.ParseError("Repeated object key", offset: 12))
        }
        XCTAssertEqual(
            try JSONValue.parseRefusingRepeatedKeys(#"{"a":{"b":1},"b":[{"b":2}]}"#),
            .object(["a": .object(["b": .integer(1)]), "b": .array([.object(["b": .integer(2)])])]))
    }

    // Found while writing fuzz-json's key check: Swift's String == ignores Unicode normalization, so these two keys
    // became one, the first spelling with the last value, and a key the client sent was silently lost.
    func testKeysThatDifferOnlyInUnicodeNormalizationAreRefused() {
        let text = "{\"caf\u{E9}\":1,\"cafe\u{301}\":2}"
        XCTAssertThrowsError(try JSONValue.parse(text)) { error in
            XCTAssertEqual(
                error as? JSONValue.ParseError,
                JSONValue.ParseError("Object keys that differ only in Unicode normalization", offset: 11))
        }
        XCTAssertThrowsError(try JSONValue.parse(#"{"cafe\u0301":1,"caf\u00e9":2}"#))
    }

    func testAKeyIsKeptAsWritten() throws {
        let decomposed = try JSONValue.parse("{\"cafe\u{301}\":1}")
        XCTAssertEqual(Array(decomposed.canonicalText.utf8), Array("{\"cafe\u{301}\":1}".utf8))
    }

    func testInvalidJSONThrows() {
        let invalid = [
            "", " ", "{", "[1,]", #"{"a":1,}"#, "{a:1}", "'x'", "01", "1.", ".5", "-", "+1", "1e", "tru", "nul",
            "NaN", "Infinity", "[1] [2]", #""unterminated"#, "\"tab\there\"", #""\x""#, #""\ud800""#, #""\udc00x""#,
            "1e400", "\u{FEFF}1",
        ]
        for text in invalid {
            XCTAssertThrowsError(try JSONValue.parse(text), "accepted \(text.debugDescription)")
        }
    }

    func testParseErrorGivesTheByteOffset() {
        XCTAssertThrowsError(try JSONValue.parse("[1, x]")) { error in
            XCTAssertEqual((error as? JSONValue.ParseError)?.offset, 4)
        }
    }

    func testNestingDeeperThan512Throws() {
        let deep = String(repeating: "[", count: 513) + String(repeating: "]", count: 513)
        XCTAssertThrowsError(try JSONValue.parse(deep))
        let allowed = String(repeating: "[", count: 512) + String(repeating: "]", count: 512)
        XCTAssertNoThrow(try JSONValue.parse(allowed))
    }

    func testTypeNames() throws {
        let names = try ["null", "true", "1", "1.5", #""s""#, "[]", "{}"].map { try JSONValue.parse($0).typeName }
        XCTAssertEqual(names, ["null", "boolean", "integer", "number", "string", "array", "object"])
    }
}
