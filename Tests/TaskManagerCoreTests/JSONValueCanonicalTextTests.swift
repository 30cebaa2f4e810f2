import TaskManagerCore
import XCTest

final class JSONValueCanonicalTextTests: XCTestCase {
    func testKeyOrderAndWhitespaceDoNotChangeCanonicalText() throws {
        let a = try JSONValue.parse(#"{"b":1,"a":[1,2]}"#)
        let b = try JSONValue.parse(#"{ "a" : [1, 2], "b":1 }"#)
        XCTAssertEqual(a.canonicalText, #"{"a":[1,2],"b":1}"#)
        XCTAssertEqual(b.canonicalText, a.canonicalText)
    }

    func testNestedKeysAreSortedByUnicodeScalar() throws {
        let value = try JSONValue.parse(#"{"z":{"é":1,"b":2,"Z":3},"a":null,"A":true}"#)
        XCTAssertEqual(value.canonicalText, #"{"A":true,"a":null,"z":{"Z":3,"b":2,"é":1}}"#)
    }

    func testIntegersArePlainDigits() {
        XCTAssertEqual(JSONValue.integer(Int64.min).canonicalText, "-9223372036854775808")
        XCTAssertEqual(JSONValue.integer(0).canonicalText, "0")
    }

    func testDoublesUseShortestRoundTripForm() {
        let texts = [0.1, 1e300, -0.5, 2.0, 1e-7, 123_456_789.125].map { JSONValue.number($0).canonicalText }
        XCTAssertEqual(texts, ["0.1", "1e+300", "-0.5", "2.0", "1e-07", "123456789.125"])
    }

    func testNonFiniteDoubleIsWrittenAsNull() {
        XCTAssertEqual(JSONValue.number(.infinity).canonicalText, "null")
    }

    func testStringsEscapeOnlyWhatJSONRequires() {
        let value = JSONValue.string("q\"b\\s/é😀\u{7f}\n\r\t\u{8}\u{c}\u{1}\u{1f}")
        XCTAssertEqual(value.canonicalText, #""q\"b\\s/é😀"# + "\u{7f}" + #"\n\r\t\b\f\u0001\u001f""#)
    }

    func testCanonicalTextParsesBackToTheSameValue() throws {
        let text = #"{"s":"a\"\u0002/é","i":-3,"d":[0.1,2.0,1e300,-0.0],"b":[true,false,null],"o":{"k":{}}}"#
        let value = try JSONValue.parse(text)
        XCTAssertEqual(try JSONValue.parse(value.canonicalText), value)
        XCTAssertEqual(try JSONValue.parse(value.canonicalText).canonicalText, value.canonicalText)
    }

    func testIntegerAndDoubleKeepDistinctCanonicalText() throws {
        XCTAssertEqual(try JSONValue.parse("5").canonicalText, "5")
        XCTAssertEqual(try JSONValue.parse("5.0").canonicalText, "5.0")
    }
}
