import TaskManagerCore
import XCTest

final class JSONSchemaValidatorScalarTests: XCTestCase {
    func testStringShorterThanMinLength() throws {
        XCTAssertEqual(try schemaErrors(#""ab""#, #"{"minLength":3}"#), ["String too short at : minimum length is 3"])
    }

    func testStringLongerThanMaxLength() throws {
        XCTAssertEqual(
            try schemaErrors(#"{"s":"abcd"}"#, #"{"properties":{"s":{"maxLength":3}}}"#),
            ["String too long at s: maximum length is 3"])
    }

    func testLengthBoundsAreInclusive() throws {
        XCTAssertEqual(try schemaErrors(#""abc""#, #"{"minLength":3,"maxLength":3}"#), [])
    }

    func testLengthCountsUnicodeScalarsNotBytes() throws {
        XCTAssertEqual(try schemaErrors(#""éé😀""#, #"{"maxLength":3}"#), [])
        XCTAssertEqual(try schemaErrors(#""é""#, #"{"minLength":2}"#), ["String too short at : minimum length is 2"])
    }

    func testPatternIsAnUnanchoredSearch() throws {
        XCTAssertEqual(try schemaErrors(#""xx-123-yy""#, #"{"pattern":"[0-9]+"}"#), [])
    }

    func testStringNotMatchingPattern() throws {
        XCTAssertEqual(
            try schemaErrors(#"{"code":"abc"}"#, #"{"properties":{"code":{"pattern":"^[0-9]+$"}}}"#),
            ["String does not match pattern at code"])
    }

    func testInvalidRegexIsReported() throws {
        XCTAssertEqual(try schemaErrors(#""abc""#, #"{"pattern":"(["}"#), ["Invalid regex pattern in schema at "])
    }

    func testStringErrorsComeInOrderMinLengthMaxLengthPattern() throws {
        let schema = #"{"minLength":5,"maxLength":1,"pattern":"^z"}"#
        XCTAssertEqual(
            try schemaErrors(#""ab""#, schema),
            [
                "String too short at : minimum length is 5", "String too long at : maximum length is 1",
                "String does not match pattern at ",
            ])
    }

    func testNumberBelowMinimum() throws {
        XCTAssertEqual(try schemaErrors("4", #"{"minimum":5}"#), ["Number too small at : minimum is 5"])
    }

    func testNumberAboveMaximum() throws {
        XCTAssertEqual(
            try schemaErrors(#"{"n":10.5}"#, #"{"properties":{"n":{"maximum":10}}}"#),
            ["Number too large at n: maximum is 10"])
    }

    func testNumberBoundsAreInclusive() throws {
        XCTAssertEqual(try schemaErrors("5", #"{"minimum":5,"maximum":5}"#), [])
        XCTAssertEqual(try schemaErrors("5.0", #"{"minimum":5,"maximum":5}"#), [])
    }

    func testFractionalBoundIsPrintedAsWritten() throws {
        XCTAssertEqual(try schemaErrors("0", #"{"minimum":0.5}"#), ["Number too small at : minimum is 0.5"])
        XCTAssertEqual(try schemaErrors("1", #"{"maximum":-2.25}"#), ["Number too large at : maximum is -2.25"])
    }

    func testLargeIntegersAreComparedExactly() throws {
        XCTAssertEqual(
            try schemaErrors("9223372036854775807", #"{"maximum":9223372036854775806}"#),
            ["Number too large at : maximum is 9223372036854775806"])
    }

    func testNumberKeywordsDoNotApplyToStrings() throws {
        XCTAssertEqual(try schemaErrors(#""1""#, #"{"minimum":5,"maxItems":0}"#), [])
    }

    func testStringKeywordsDoNotApplyToNumbers() throws {
        XCTAssertEqual(try schemaErrors("12345", #"{"maxLength":1,"pattern":"^x"}"#), [])
    }
}
