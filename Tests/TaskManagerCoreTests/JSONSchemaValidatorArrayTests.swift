import TaskManagerCore
import XCTest

final class JSONSchemaValidatorArrayTests: XCTestCase {
    func testArrayWithFewerThanMinItems() throws {
        XCTAssertEqual(
            try schemaErrors("[1]", #"{"type":"array","minItems":2}"#), ["Array too short at : minimum items is 2"])
    }

    func testArrayWithMoreThanMaxItems() throws {
        XCTAssertEqual(
            try schemaErrors(#"{"x":[1,2,3]}"#, #"{"properties":{"x":{"maxItems":2}}}"#),
            ["Array too long at x: maximum items is 2"])
    }

    func testItemBoundsAreInclusive() throws {
        XCTAssertEqual(try schemaErrors("[1,2]", #"{"minItems":2,"maxItems":2}"#), [])
    }

    func testEmptyArrayIsAnArray() throws {
        XCTAssertEqual(try schemaErrors("[]", #"{"type":"array","maxItems":0}"#), [])
    }

    func testItemsSchemaAppliesToEveryElementWithIndexPaths() throws {
        XCTAssertEqual(
            try schemaErrors(#"{"x":[1,"a",2]}"#, #"{"properties":{"x":{"items":{"type":"integer"}}}}"#),
            ["Type mismatch at x[1]: expected integer, got string"])
    }

    func testItemsAtRootUseBareIndexPaths() throws {
        XCTAssertEqual(
            try schemaErrors(#"["a",1]"#, #"{"items":{"type":"string"}}"#),
            ["Type mismatch at [1]: expected string, got integer"])
    }

    func testMemberOfAnArrayElementHasDottedPath() throws {
        let schema = #"{"properties":{"x":{"items":{"properties":{"y":{"minimum":0}}}}}}"#
        XCTAssertEqual(try schemaErrors(#"{"x":[{"y":-1}]}"#, schema), ["Number too small at x[0].y: minimum is 0"])
    }

    func testRequiredInsideAnArrayElement() throws {
        let schema = #"{"properties":{"x":{"items":{"required":["id"]}}}}"#
        XCTAssertEqual(try schemaErrors(#"{"x":[{"id":1},{}]}"#, schema), ["Missing required property: x[1].id"])
    }

    func testArrayErrorsComeInOrderMinItemsMaxItemsItems() throws {
        let schema = #"{"minItems":3,"maxItems":1,"items":{"type":"string"}}"#
        XCTAssertEqual(
            try schemaErrors("[1,2]", schema),
            [
                "Array too short at : minimum items is 3", "Array too long at : maximum items is 1",
                "Type mismatch at [0]: expected string, got integer",
                "Type mismatch at [1]: expected string, got integer",
            ])
    }
}
