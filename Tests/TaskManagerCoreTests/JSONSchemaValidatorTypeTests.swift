import TaskManagerCore
import XCTest

final class JSONSchemaValidatorTypeTests: XCTestCase {
    func testMatchingTypesAreValid() throws {
        let cases = [
            ("null", "null"), ("true", "boolean"), ("3", "integer"), ("3.5", "number"), (#""s""#, "string"),
            ("[1]", "array"), (#"{"a":1}"#, "object"),
        ]
        for (value, type) in cases {
            XCTAssertEqual(try schemaErrors(value, #"{"type":"\#(type)"}"#), [], "\(value) as \(type)")
        }
    }

    func testTypeMismatchAtRootHasAnEmptyPath() throws {
        XCTAssertEqual(
            try schemaErrors(#""5""#, #"{"type":"integer"}"#), ["Type mismatch at : expected integer, got string"])
    }

    func testIntegerSatisfiesNumber() throws {
        XCTAssertEqual(
            try schemaErrors(
                #"{"a":15,"b":27}"#, #"{"type":"object","properties":{"a":{"type":"number"},"b":{"type":"number"}}}"#),
            [])
    }

    func testDoubleDoesNotSatisfyInteger() throws {
        XCTAssertEqual(
            try schemaErrors("2.0", #"{"type":"integer"}"#), ["Type mismatch at : expected integer, got number"])
    }

    func testEmptyObjectIsAnObject() throws {
        XCTAssertEqual(try schemaErrors("{}", #"{"type":"object"}"#), [])
    }

    func testEmptyObjectIsNotAnArray() throws {
        XCTAssertEqual(try schemaErrors("{}", #"{"type":"array"}"#), ["Type mismatch at : expected array, got object"])
    }

    func testEmptyArrayIsNotAnObject() throws {
        XCTAssertEqual(try schemaErrors("[]", #"{"type":"object"}"#), ["Type mismatch at : expected object, got array"])
    }

    func testBooleanIsNotAnInteger() throws {
        XCTAssertEqual(
            try schemaErrors("true", #"{"type":"integer"}"#), ["Type mismatch at : expected integer, got boolean"])
    }

    func testTypeArrayAcceptsAnyListedType() throws {
        XCTAssertEqual(try schemaErrors("null", #"{"type":["string","null"]}"#), [])
        XCTAssertEqual(try schemaErrors(#""x""#, #"{"type":["string","null"]}"#), [])
    }

    func testTypeArrayMismatchJoinsNamesWithBar() throws {
        XCTAssertEqual(
            try schemaErrors("1.5", #"{"type":["string","null"]}"#),
            ["Type mismatch at : expected string|null, got number"])
    }

    func testUnknownTypeNameMatchesNothing() throws {
        XCTAssertEqual(try schemaErrors("1", #"{"type":"float"}"#), ["Type mismatch at : expected float, got integer"])
    }

    func testTypeMismatchStopsValidationOfThatNode() throws {
        let schema = #"{"type":"string","minLength":5,"enum":["abcdef"],"required":["x"]}"#
        XCTAssertEqual(try schemaErrors(#"{"a":1}"#, schema), ["Type mismatch at : expected string, got object"])
    }

    func testTypeMismatchInOneMemberDoesNotStopItsSiblings() throws {
        let schema = #"{"properties":{"a":{"type":"string"},"b":{"type":"integer"}}}"#
        XCTAssertEqual(
            try schemaErrors(#"{"a":1,"b":"x"}"#, schema),
            ["Type mismatch at a: expected string, got integer", "Type mismatch at b: expected integer, got string"])
    }

    func testSchemaWithoutKeywordsAcceptsAnything() throws {
        XCTAssertEqual(try schemaErrors(#"[1,{"a":null}]"#, "{}"), [])
    }

    func testNonObjectSchemaImposesNothing() throws {
        XCTAssertEqual(try schemaErrors("1", "true"), [])
    }

    func testUnsupportedKeywordsAreIgnored() throws {
        XCTAssertEqual(
            try schemaErrors("5", #"{"type":"integer","exclusiveMinimum":10,"format":"email","const":4}"#), [])
    }
}
