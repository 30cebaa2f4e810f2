import TaskManagerCore
import XCTest

final class JSONSchemaValidatorEnumTests: XCTestCase {
    func testValueInEnumIsValid() throws {
        XCTAssertEqual(try schemaErrors(#""low""#, #"{"enum":["low","high"]}"#), [])
    }

    func testValueNotInEnumListsStringsRaw() throws {
        XCTAssertEqual(
            try schemaErrors(#"{"p":"mid"}"#, #"{"properties":{"p":{"enum":["low","high"]}}}"#),
            ["Value at p must be one of: low, high"])
    }

    func testEnumWithMixedTypesRendersNonStringsAsJSON() throws {
        XCTAssertEqual(
            try schemaErrors(#""x""#, #"{"enum":["a",1,2.5,true,null,[1,"b"],{"k":"v"}]}"#),
            [#"Value at  must be one of: a, 1, 2.5, true, null, [1,"b"], {"k":"v"}"#])
    }

    func testEnumComparesStrictlyAcrossKinds() throws {
        XCTAssertEqual(try schemaErrors(#""1""#, #"{"enum":[1]}"#), ["Value at  must be one of: 1"])
        XCTAssertEqual(try schemaErrors("1", #"{"enum":[true]}"#), ["Value at  must be one of: true"])
    }

    func testIntegerEqualsTheSameDoubleInEnum() throws {
        XCTAssertEqual(try schemaErrors("1", #"{"enum":[1.0]}"#), [])
        XCTAssertEqual(try schemaErrors("1.0", #"{"enum":[1]}"#), [])
    }

    func testEnumMatchesArraysAndObjectsDeeply() throws {
        XCTAssertEqual(try schemaErrors(#"{"b":[1.0],"a":1}"#, #"{"enum":[{"a":1,"b":[1]}]}"#), [])
    }

    func testEnumIsCheckedAfterOtherKeywords() throws {
        XCTAssertEqual(
            try schemaErrors(#""abc""#, #"{"enum":["x"],"maxLength":1}"#),
            ["String too long at : maximum length is 1", "Value at  must be one of: x"])
    }
}
