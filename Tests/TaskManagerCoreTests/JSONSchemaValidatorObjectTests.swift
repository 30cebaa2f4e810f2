import TaskManagerCore
import XCTest

final class JSONSchemaValidatorObjectTests: XCTestCase {
    func testMissingRequiredPropertyAtRootHasALeadingDot() throws {
        XCTAssertEqual(
            try schemaErrors("{}", #"{"type":"object","required":["name"]}"#), ["Missing required property: .name"])
    }

    func testMissingRequiredPropertyWhenNested() throws {
        let schema = #"{"properties":{"a":{"required":["b"]}}}"#
        XCTAssertEqual(try schemaErrors(#"{"a":{}}"#, schema), ["Missing required property: a.b"])
    }

    func testRequiredPropertyWithNullValueCountsAsMissing() throws {
        XCTAssertEqual(
            try schemaErrors(#"{"name":null}"#, #"{"required":["name"]}"#), ["Missing required property: .name"])
    }

    func testRequiredPropertiesAreReportedInListedOrder() throws {
        XCTAssertEqual(
            try schemaErrors(#"{"b":1}"#, #"{"required":["z","b","a"]}"#),
            ["Missing required property: .z", "Missing required property: .a"])
    }

    func testPresentRequiredPropertiesAreValid() throws {
        XCTAssertEqual(try schemaErrors(#"{"a":0,"b":false,"c":""}"#, #"{"required":["a","b","c"]}"#), [])
    }

    func testPropertiesAreValidatedWithMemberPaths() throws {
        let schema = #"{"properties":{"a":{"properties":{"b":{"type":"string"}}}}}"#
        XCTAssertEqual(
            try schemaErrors(#"{"a":{"b":1}}"#, schema), ["Type mismatch at a.b: expected string, got integer"])
    }

    func testAbsentPropertiesAreNotValidated() throws {
        XCTAssertEqual(try schemaErrors("{}", #"{"properties":{"a":{"type":"string"}}}"#), [])
    }

    func testPresentNullPropertyIsValidated() throws {
        XCTAssertEqual(
            try schemaErrors(#"{"a":null}"#, #"{"properties":{"a":{"type":"string"}}}"#),
            ["Type mismatch at a: expected string, got null"])
    }

    func testAdditionalPropertyAtRootIsReportedByItsPath() throws {
        let schema = #"{"properties":{"a":{}},"additionalProperties":false}"#
        XCTAssertEqual(try schemaErrors(#"{"a":1,"extra":2}"#, schema), ["Additional property not allowed: extra"])
    }

    func testAdditionalPropertyWhenNested() throws {
        let schema = #"{"properties":{"a":{"properties":{},"additionalProperties":false}}}"#
        XCTAssertEqual(try schemaErrors(#"{"a":{"extra":1}}"#, schema), ["Additional property not allowed: a.extra"])
    }

    func testAdditionalPropertiesAreReportedInSortedKeyOrder() throws {
        let schema = #"{"properties":{},"additionalProperties":false}"#
        XCTAssertEqual(
            try schemaErrors(#"{"c":1,"a":2,"b":3}"#, schema),
            [
                "Additional property not allowed: a", "Additional property not allowed: b",
                "Additional property not allowed: c",
            ])
    }

    func testAdditionalPropertiesIsIgnoredWithoutProperties() throws {
        XCTAssertEqual(try schemaErrors(#"{"extra":1}"#, #"{"additionalProperties":false}"#), [])
    }

    func testAdditionalPropertiesTrueAllowsExtras() throws {
        XCTAssertEqual(try schemaErrors(#"{"extra":1}"#, #"{"properties":{},"additionalProperties":true}"#), [])
    }

    func testObjectErrorsComeInOrderRequiredThenAdditionalThenProperties() throws {
        let schema = #"""
            {"type":"object","required":["r"],"additionalProperties":false,
             "properties":{"r":{},"b":{"type":"string"},"a":{"type":"string"}}}
            """#
        XCTAssertEqual(
            try schemaErrors(#"{"b":1,"x":0,"a":2}"#, schema),
            [
                "Missing required property: .r", "Additional property not allowed: x",
                "Type mismatch at a: expected string, got integer", "Type mismatch at b: expected string, got integer",
            ])
    }
}
